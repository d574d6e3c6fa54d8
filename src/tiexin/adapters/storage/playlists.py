"""Coaching playlists and their clips; clip positions are kept dense (1..n) and unique."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.orm import Session

from .tables import call_turns, calls, playlist_clips, playlists

Database = Session | Connection


@dataclass(frozen=True)
class PlaylistRecord:
    id: int
    title: str
    week: str | None
    notes: str | None
    created_by: str
    created_at: datetime
    clip_count: int = 0


@dataclass(frozen=True)
class ClipRecord:
    id: int
    playlist_id: int
    position: int
    call_id: str
    start_s: float
    end_s: float
    note: str | None
    example: str


@dataclass(frozen=True)
class ClipCall:
    """What a clip needs to know about its call: whether it can be heard, and how long it is."""

    call_id: str
    agent_id: str | None
    has_recording: bool
    duration_s: float | None


@dataclass(frozen=True)
class WindowTurn:
    call_id: str
    role: str
    start_s: float
    end_s: float
    text: str


def _clip(row: Any) -> ClipRecord:
    return ClipRecord(**{column.name: getattr(row, column.name) for column in playlist_clips.c})


class SqlPlaylistRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, *, title: str, week: str | None, notes: str | None, created_by: str,
            created_at: datetime) -> int:  # fmt: skip
        values = {"title": title, "week": week, "notes": notes, "created_by": created_by}
        query = insert(playlists).values(created_at=created_at, **values).returning(playlists.c.id)
        return int(self._db.execute(query).scalar_one())

    def all(self) -> list[PlaylistRecord]:
        """Every playlist with its clip count, newest week first."""
        counts = (
            select(playlist_clips.c.playlist_id, func.count().label("clip_count"))
            .group_by(playlist_clips.c.playlist_id)
            .subquery()
        )
        query = (
            select(playlists, func.coalesce(counts.c.clip_count, 0).label("clip_count"))
            .outerjoin(counts, counts.c.playlist_id == playlists.c.id)
            .order_by(playlists.c.week.desc(), playlists.c.id.desc())
        )
        return [PlaylistRecord(**row._mapping) for row in self._db.execute(query)]

    def get(self, playlist_id: int) -> PlaylistRecord | None:
        row = self._db.execute(select(playlists).where(playlists.c.id == playlist_id)).first()
        return None if row is None else PlaylistRecord(**row._mapping)

    def update(self, playlist_id: int, **values: Any) -> None:
        self._db.execute(update(playlists).where(playlists.c.id == playlist_id).values(**values))

    def delete(self, playlist_id: int) -> None:
        self._db.execute(delete(playlist_clips).where(playlist_clips.c.playlist_id == playlist_id))
        self._db.execute(delete(playlists).where(playlists.c.id == playlist_id))

    def clips(self, playlist_id: int) -> list[ClipRecord]:
        query = (
            select(playlist_clips)
            .where(playlist_clips.c.playlist_id == playlist_id)
            .order_by(playlist_clips.c.position, playlist_clips.c.id)
        )
        return [_clip(row) for row in self._db.execute(query)]

    def clip(self, playlist_id: int, clip_id: int) -> ClipRecord | None:
        query = select(playlist_clips).where(
            (playlist_clips.c.id == clip_id) & (playlist_clips.c.playlist_id == playlist_id)
        )
        row = self._db.execute(query).first()
        return None if row is None else _clip(row)

    def add_clip(self, playlist_id: int, **values: Any) -> int:
        """Append a clip at the end of the playlist."""
        last = self._db.execute(
            select(func.max(playlist_clips.c.position)).where(
                playlist_clips.c.playlist_id == playlist_id
            )
        ).scalar()
        query = (
            insert(playlist_clips)
            .values(playlist_id=playlist_id, position=(last or 0) + 1, **values)
            .returning(playlist_clips.c.id)
        )
        return int(self._db.execute(query).scalar_one())

    def update_clip(self, clip_id: int, **values: Any) -> None:
        self._db.execute(
            update(playlist_clips).where(playlist_clips.c.id == clip_id).values(**values)
        )

    def delete_clip(self, playlist_id: int, clip_id: int) -> None:
        self._db.execute(delete(playlist_clips).where(playlist_clips.c.id == clip_id))
        self.set_order(playlist_id, [clip.id for clip in self.clips(playlist_id)])

    def set_order(self, playlist_id: int, clip_ids: list[int]) -> None:
        """Number the clips 1..n in this order (the caller passes every clip id once)."""
        for position, clip_id in enumerate(clip_ids, start=1):
            self._db.execute(
                update(playlist_clips)
                .where(
                    (playlist_clips.c.id == clip_id) & (playlist_clips.c.playlist_id == playlist_id)
                )
                .values(position=position)
            )

    def clip_calls(self, call_ids: list[str]) -> dict[str, ClipCall]:
        """The clips' calls that exist; the duration falls back to the last turn's end for
        transcript-only calls, which have no measured recording."""
        if not call_ids:
            return {}
        last_turn = (
            select(call_turns.c.call_pk, func.max(call_turns.c.end_s).label("last_end"))
            .group_by(call_turns.c.call_pk)
            .subquery()
        )
        query = (
            select(
                calls.c.call_id,
                calls.c.agent_id,
                calls.c.source,
                calls.c.file_path,
                func.coalesce(
                    calls.c.duration_s, calls.c.metadata_duration_s, last_turn.c.last_end
                ).label("duration_s"),
            )
            .outerjoin(last_turn, last_turn.c.call_pk == calls.c.id)
            .where(calls.c.call_id.in_(sorted(set(call_ids))))
        )
        return {
            row.call_id: ClipCall(
                call_id=row.call_id,
                agent_id=row.agent_id,
                has_recording=row.source == "audio" and bool(row.file_path),
                duration_s=row.duration_s,
            )
            for row in self._db.execute(query)
        }

    def recording_path(self, call_id: str) -> str | None:
        query = select(calls.c.file_path).where(
            (calls.c.call_id == call_id) & (calls.c.source == "audio")
        )
        path: str | None = self._db.execute(query).scalar()
        return path

    def window_turns(self, clips: list[ClipRecord]) -> dict[int, list[WindowTurn]]:
        """For each clip id, the (masked) turns that overlap the clip's time window."""
        if not clips:
            return {}
        query = (
            select(
                calls.c.call_id,
                call_turns.c.role,
                call_turns.c.start_s,
                call_turns.c.end_s,
                call_turns.c.text,
            )
            .join(calls, calls.c.id == call_turns.c.call_pk)
            .where(calls.c.call_id.in_(sorted({clip.call_id for clip in clips})))
            .order_by(calls.c.call_id, call_turns.c.idx)
        )
        by_call: dict[str, list[WindowTurn]] = {}
        for row in self._db.execute(query):
            by_call.setdefault(row.call_id, []).append(WindowTurn(**row._mapping))
        return {
            clip.id: [
                turn
                for turn in by_call.get(clip.call_id, [])
                if turn.end_s > clip.start_s and turn.start_s < clip.end_s
            ]
            for clip in clips
        }
