"""Weekly coaching playlists: clips of good and bad calls that the phone managers hear together.

A playlist is shared teaching material. Everyone with VIEW_PLAYLISTS (agents and account managers
too) may open it and play every clip, also clips from other agents' calls, but what they get of
such a call is only the clip: its time window of audio (served by the playlist, not the call)
and the masked transcript turns inside that window; never the rest of the call, its agent or
its customer. Users who may hear the whole call play it from the call's own audio endpoint.
"""

from __future__ import annotations

import io
import wave
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from tiexin.adapters.audio import TARGET_RATE, decode_recording
from tiexin.adapters.storage.playlists import ClipCall, ClipRecord, PlaylistRecord, WindowTurn
from tiexin.adapters.storage.unit_of_work import SqlUnitOfWork
from tiexin.domain.access import Permission, Principal, can, may_view_call
from tiexin.domain.errors import TiexinError
from tiexin.services import audit
from tiexin.services.ingest import UnitOfWorkFactory

EXAMPLES = ("good", "bad")


class PlaylistNotFoundError(TiexinError, LookupError):
    def __init__(self, what: str) -> None:
        super().__init__(f"{what} not found")


class PlaylistFieldError(TiexinError, ValueError):
    """A value the database shows to be wrong (unknown call, clip past the call's end)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class ClipInput:
    call_id: str
    start_s: float
    end_s: float
    note: str | None
    example: str


@dataclass(frozen=True)
class ClipView:
    clip: ClipRecord
    has_recording: bool
    whole_call_audio: bool  # the user may hear the whole call (else only the clip's window)
    turns: list[WindowTurn]


@dataclass(frozen=True)
class PlaylistView:
    playlist: PlaylistRecord
    clips: list[ClipView]


@dataclass(frozen=True)
class ClipAudio:
    wav: bytes
    call_id: str


def list_playlists(uow_factory: UnitOfWorkFactory) -> list[PlaylistRecord]:
    with uow_factory() as uow:
        return uow.playlists.all()


def create_playlist(
    uow_factory: UnitOfWorkFactory,
    principal: Principal,
    *,
    title: str,
    week: str | None,
    notes: str | None,
    client: str | None = None,
) -> int:
    with uow_factory() as uow:
        playlist_id = uow.playlists.add(
            title=title,
            week=week,
            notes=notes,
            created_by=principal.username,
            created_at=datetime.now(UTC),
        )
        detail = {"title": title, "week": week}
        _audit(uow, principal, "playlist.created", playlist_id, detail, client)
        uow.commit()
    return playlist_id


def view_playlist(
    uow_factory: UnitOfWorkFactory, principal: Principal, playlist_id: int
) -> PlaylistView:
    with uow_factory() as uow:
        playlist = _playlist(uow, playlist_id)
        clips = uow.playlists.clips(playlist_id)
        found = uow.playlists.clip_calls([clip.call_id for clip in clips])
        turns = uow.playlists.window_turns(clips)
    views = [_clip_view(principal, clip, found.get(clip.call_id), turns[clip.id]) for clip in clips]
    return PlaylistView(playlist, views)


def update_playlist(
    uow_factory: UnitOfWorkFactory,
    principal: Principal,
    playlist_id: int,
    changes: dict[str, Any],
    client: str | None = None,
) -> None:
    with uow_factory() as uow:
        _playlist(uow, playlist_id)
        if changes:
            uow.playlists.update(playlist_id, **changes)
        _audit(uow, principal, "playlist.updated", playlist_id, changes, client)
        uow.commit()


def delete_playlist(
    uow_factory: UnitOfWorkFactory,
    principal: Principal,
    playlist_id: int,
    client: str | None = None,
) -> None:
    with uow_factory() as uow:
        playlist = _playlist(uow, playlist_id)
        uow.playlists.delete(playlist_id)
        _audit(uow, principal, "playlist.deleted", playlist_id, {"title": playlist.title}, client)
        uow.commit()


def add_clip(
    uow_factory: UnitOfWorkFactory,
    principal: Principal,
    playlist_id: int,
    clip: ClipInput,
    client: str | None = None,
) -> int:
    with uow_factory() as uow:
        _playlist(uow, playlist_id)
        _check_clip(uow, principal, clip)
        clip_id = uow.playlists.add_clip(playlist_id, **_clip_values(clip))
        detail = {"clip_id": clip_id, **_clip_values(clip)}
        _audit(uow, principal, "playlist.clip_added", playlist_id, detail, client)
        uow.commit()
    return clip_id


def update_clip(
    uow_factory: UnitOfWorkFactory,
    principal: Principal,
    playlist_id: int,
    clip_id: int,
    changes: dict[str, Any],
    client: str | None = None,
) -> None:
    """Change some of a clip's fields; the clip as a whole is checked again."""
    with uow_factory() as uow:
        stored = _clip(uow, playlist_id, clip_id)
        current = ClipInput(
            stored.call_id, stored.start_s, stored.end_s, stored.note, stored.example
        )
        changed = replace(current, **changes)
        _check_clip(uow, principal, changed)
        uow.playlists.update_clip(clip_id, **_clip_values(changed))
        detail = {"clip_id": clip_id, **changes}
        _audit(uow, principal, "playlist.clip_updated", playlist_id, detail, client)
        uow.commit()


def delete_clip(
    uow_factory: UnitOfWorkFactory,
    principal: Principal,
    playlist_id: int,
    clip_id: int,
    client: str | None = None,
) -> None:
    with uow_factory() as uow:
        stored = _clip(uow, playlist_id, clip_id)
        uow.playlists.delete_clip(playlist_id, clip_id)
        detail = {"clip_id": clip_id, "call_id": stored.call_id}
        _audit(uow, principal, "playlist.clip_removed", playlist_id, detail, client)
        uow.commit()


def order_clips(
    uow_factory: UnitOfWorkFactory,
    principal: Principal,
    playlist_id: int,
    clip_ids: list[int],
    client: str | None = None,
) -> None:
    """Play the clips in this order; the list must name every clip of the playlist once."""
    with uow_factory() as uow:
        _playlist(uow, playlist_id)
        stored = [clip.id for clip in uow.playlists.clips(playlist_id)]
        if sorted(clip_ids) != sorted(stored):
            raise PlaylistFieldError("clip_ids", "must list every clip of the playlist once")
        uow.playlists.set_order(playlist_id, clip_ids)
        detail = {"clip_ids": clip_ids}
        _audit(uow, principal, "playlist.clips_ordered", playlist_id, detail, client)
        uow.commit()


def export_playlist(
    uow_factory: UnitOfWorkFactory,
    principal: Principal,
    playlist_id: int,
    export_format: str,
    client: str | None = None,
) -> PlaylistView:
    """The playlist to write out as `export_format`; the export is audited."""
    view = view_playlist(uow_factory, principal, playlist_id)
    with uow_factory() as uow:
        detail = {"format": export_format, "clips": len(view.clips)}
        _audit(uow, principal, "playlist.exported", playlist_id, detail, client)
        uow.commit()
    return view


def clip_audio(
    uow_factory: UnitOfWorkFactory,
    principal: Principal,
    playlist_id: int,
    clip_id: int,
    *,
    max_duration_s: float,
    client: str | None = None,
    playback_starts: bool,
) -> ClipAudio:
    """The clip's time window of its recording as a WAV file; the start of a playback is
    audited (a player's later range requests for the same clip are not)."""
    with uow_factory() as uow:
        clip = _clip(uow, playlist_id, clip_id)
        path = uow.playlists.recording_path(clip.call_id)
        if path is None:
            raise PlaylistNotFoundError(f"recording of clip {clip_id}")
        if playback_starts:
            detail = {"clip_id": clip_id, "start_s": clip.start_s, "end_s": clip.end_s}
            _audit(uow, principal, "playlist.clip_played", playlist_id, detail, client)
        decoded = decode_recording(Path(path), max_duration_s=max_duration_s)
        uow.commit()
    window = decoded.samples[:, int(clip.start_s * TARGET_RATE) : int(clip.end_s * TARGET_RATE)]
    return ClipAudio(_wav_bytes(window), clip.call_id)


def _wav_bytes(samples: np.ndarray[Any, Any]) -> bytes:
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").T
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(samples.shape[0])
        out.setsampwidth(2)
        out.setframerate(TARGET_RATE)
        out.writeframes(pcm.tobytes())
    return buffer.getvalue()


def _clip_view(
    principal: Principal, clip: ClipRecord, call: ClipCall | None, turns: list[WindowTurn]
) -> ClipView:
    has_recording = call is not None and call.has_recording
    whole_call = (
        call is not None
        and can(principal, Permission.PLAY_AUDIO)
        and may_view_call(principal, call.agent_id)
    )
    return ClipView(clip, has_recording, whole_call, turns)


def _check_clip(uow: SqlUnitOfWork, principal: Principal, clip: ClipInput) -> None:
    call = uow.playlists.clip_calls([clip.call_id]).get(clip.call_id)
    if call is None or not may_view_call(principal, call.agent_id):
        raise PlaylistFieldError("call_id", f"no call {clip.call_id}")
    if clip.start_s < 0:
        raise PlaylistFieldError("start_s", "must be 0 or more")
    if clip.end_s <= clip.start_s:
        raise PlaylistFieldError("end_s", "must be after start_s")
    if call.duration_s is not None and clip.end_s > call.duration_s + 1e-6:
        raise PlaylistFieldError(
            "end_s", f"must not be past the end of the call ({call.duration_s:.1f} s)"
        )
    if clip.example not in EXAMPLES:
        raise PlaylistFieldError("example", "must be good or bad")


def _clip_values(clip: ClipInput) -> dict[str, Any]:
    return {
        "call_id": clip.call_id,
        "start_s": clip.start_s,
        "end_s": clip.end_s,
        "note": clip.note,
        "example": clip.example,
    }


def _playlist(uow: SqlUnitOfWork, playlist_id: int) -> PlaylistRecord:
    playlist = uow.playlists.get(playlist_id)
    if playlist is None:
        raise PlaylistNotFoundError(f"playlist {playlist_id}")
    return playlist


def _clip(uow: SqlUnitOfWork, playlist_id: int, clip_id: int) -> ClipRecord:
    _playlist(uow, playlist_id)
    clip = uow.playlists.clip(playlist_id, clip_id)
    if clip is None:
        raise PlaylistNotFoundError(f"clip {clip_id}")
    return clip


def _audit(
    uow: SqlUnitOfWork,
    principal: Principal,
    action: str,
    playlist_id: int,
    detail: dict[str, Any],
    client: str | None,
) -> None:
    audit.record(
        uow,
        principal,
        action,
        resource_type="playlist",
        resource_id=str(playlist_id),
        detail=detail,
        client=client,
    )
