"""Weekly coaching playlists: list, edit and session pages, the JSON API, exports, clip audio."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from tiexin.domain.access import Permission
from tiexin.services import playlists as service
from tiexin.services.playlists import ClipInput, ClipView, PlaylistView
from tiexin.web.byte_ranges import RANGE_RESPONSES, begins_playback, ranged_response
from tiexin.web.deps import (
    MAX_ROW_ID,
    RequestUser,
    RowId,
    client_address,
    render,
    require,
    web_context,
)

router = APIRouter()
Viewer = Annotated[RequestUser, Depends(require(Permission.VIEW_PLAYLISTS))]
Manager = Annotated[RequestUser, Depends(require(Permission.MANAGE_PLAYLISTS))]
Exporter = Annotated[RequestUser, Depends(require(Permission.VIEW_PLAYLISTS, Permission.EXPORT))]

ISO_WEEK = r"^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$"
Title = Annotated[str, Field(min_length=1, max_length=200)]
Week = Annotated[str, Field(pattern=ISO_WEEK, examples=["2025-W23"])]
Notes = Annotated[str, Field(max_length=4000)]
Example = Literal["good", "bad"]
MAX_SECONDS = 86_400.0
Seconds = Annotated[float, Field(ge=0, le=MAX_SECONDS)]
PlaylistId = RowId
ClipId = RowId


class PlaylistIn(BaseModel):
    title: Title
    week: Week | None = None
    notes: Notes | None = None


class PlaylistPatch(BaseModel):
    title: Title | None = None
    week: Week | None = None
    notes: Notes | None = None


class ClipIn(BaseModel):
    call_id: Annotated[str, Field(min_length=1, max_length=128)]
    start_s: Seconds
    end_s: Seconds
    note: Annotated[str, Field(max_length=1000)] | None = None
    example: Example


class ClipPatch(BaseModel):
    call_id: Annotated[str, Field(min_length=1, max_length=128)] | None = None
    start_s: Seconds | None = None
    end_s: Seconds | None = None
    note: Annotated[str, Field(max_length=1000)] | None = None
    example: Example | None = None


class ClipOrder(BaseModel):
    clip_ids: list[Annotated[int, Field(ge=1, le=MAX_ROW_ID)]] = Field(max_length=1000)


class TurnOut(BaseModel):
    role: str
    start_s: float
    end_s: float
    text: str


class ClipOut(BaseModel):
    id: int
    position: int
    call_id: str
    start_s: float
    end_s: float
    note: str | None
    example: str
    has_recording: bool
    audio_url: str | None = Field(description="where to play the clip; null: transcript only")
    play_from: float = Field(description="seconds into audio_url where the clip starts")
    play_to: float = Field(description="seconds into audio_url where the clip ends")
    turns: list[TurnOut] = Field(description="the masked transcript turns inside the clip")


class PlaylistOut(BaseModel):
    id: int
    title: str
    week: str | None
    notes: str | None
    created_by: str
    created_at: datetime
    clip_count: int


class PlaylistDetail(PlaylistOut):
    clips: list[ClipOut]


class Created(BaseModel):
    id: int


@contextmanager
def _translated_errors() -> Iterator[None]:
    """Service errors as HTTP answers: unknown playlist or clip 404, a bad field 422."""
    try:
        yield
    except service.PlaylistNotFoundError as exc:
        raise HTTPException(404, str(exc)) from exc
    except service.PlaylistFieldError as exc:
        error = {"loc": ("body", exc.field), "msg": exc.message, "type": "value_error"}
        raise RequestValidationError([error]) from exc


def _clip_out(playlist_id: int, view: ClipView) -> ClipOut:
    clip = view.clip
    audio_url: str | None = None
    play_from, play_to = clip.start_s, clip.end_s
    if view.has_recording and view.whole_call_audio:
        audio_url = f"/api/v1/calls/{clip.call_id}/audio"
    elif view.has_recording:
        audio_url = f"/api/v1/playlists/{playlist_id}/clips/{clip.id}/audio"
        play_from, play_to = 0.0, clip.end_s - clip.start_s
    return ClipOut(
        id=clip.id,
        position=clip.position,
        call_id=clip.call_id,
        start_s=clip.start_s,
        end_s=clip.end_s,
        note=clip.note,
        example=clip.example,
        has_recording=view.has_recording,
        audio_url=audio_url,
        play_from=play_from,
        play_to=play_to,
        turns=[
            TurnOut(role=t.role, start_s=t.start_s, end_s=t.end_s, text=t.text) for t in view.turns
        ],
    )


def _detail(view: PlaylistView) -> PlaylistDetail:
    playlist = view.playlist
    return PlaylistDetail(
        id=playlist.id,
        title=playlist.title,
        week=playlist.week,
        notes=playlist.notes,
        created_by=playlist.created_by,
        created_at=playlist.created_at,
        clip_count=len(view.clips),
        clips=[_clip_out(playlist.id, clip) for clip in view.clips],
    )


def _load(request: Request, user: RequestUser, playlist_id: int) -> PlaylistDetail:
    with _translated_errors():
        view = service.view_playlist(web_context(request).uow_factory, user.principal, playlist_id)
    return _detail(view)


# --- API


@router.get("/api/v1/playlists", response_model=list[PlaylistOut], tags=["playlists"])
def list_api(request: Request, user: Viewer) -> list[PlaylistOut]:
    found = service.list_playlists(web_context(request).uow_factory)
    return [PlaylistOut.model_validate(p, from_attributes=True) for p in found]


@router.post("/api/v1/playlists", response_model=Created, status_code=201, tags=["playlists"])
def create_api(request: Request, user: Manager, body: PlaylistIn) -> Created:
    playlist_id = service.create_playlist(
        web_context(request).uow_factory,
        user.principal,
        title=body.title,
        week=body.week,
        notes=body.notes,
        client=client_address(request),
    )
    return Created(id=playlist_id)


@router.get("/api/v1/playlists/{playlist_id}", response_model=PlaylistDetail, tags=["playlists"])
def get_api(request: Request, user: Viewer, playlist_id: PlaylistId) -> PlaylistDetail:
    return _load(request, user, playlist_id)


@router.patch("/api/v1/playlists/{playlist_id}", status_code=204, tags=["playlists"])
def patch_api(
    request: Request, user: Manager, playlist_id: PlaylistId, body: PlaylistPatch
) -> None:
    changes = body.model_dump(exclude_unset=True)
    if "title" in changes and changes["title"] is None:
        error = {"loc": ("body", "title"), "msg": "must not be empty", "type": "value_error"}
        raise RequestValidationError([error])
    with _translated_errors():
        service.update_playlist(
            web_context(request).uow_factory,
            user.principal,
            playlist_id,
            changes,
            client_address(request),
        )


@router.delete("/api/v1/playlists/{playlist_id}", status_code=204, tags=["playlists"])
def delete_api(request: Request, user: Manager, playlist_id: PlaylistId) -> None:
    with _translated_errors():
        service.delete_playlist(
            web_context(request).uow_factory, user.principal, playlist_id, client_address(request)
        )


@router.post(
    "/api/v1/playlists/{playlist_id}/clips",
    response_model=Created,
    status_code=201,
    tags=["playlists"],
)
def add_clip_api(request: Request, user: Manager, playlist_id: PlaylistId, body: ClipIn) -> Created:
    clip = ClipInput(body.call_id, body.start_s, body.end_s, body.note, body.example)
    with _translated_errors():
        clip_id = service.add_clip(
            web_context(request).uow_factory,
            user.principal,
            playlist_id,
            clip,
            client_address(request),
        )
    return Created(id=clip_id)


@router.patch(
    "/api/v1/playlists/{playlist_id}/clips/{clip_id}", status_code=204, tags=["playlists"]
)
def patch_clip_api(
    request: Request, user: Manager, playlist_id: PlaylistId, clip_id: ClipId, body: ClipPatch
) -> None:
    changes = body.model_dump(exclude_unset=True)
    for required in ("call_id", "start_s", "end_s", "example"):
        if required in changes and changes[required] is None:
            error = {"loc": ("body", required), "msg": "must not be null", "type": "value_error"}
            raise RequestValidationError([error])
    with _translated_errors():
        service.update_clip(
            web_context(request).uow_factory,
            user.principal,
            playlist_id,
            clip_id,
            changes,
            client_address(request),
        )


@router.delete(
    "/api/v1/playlists/{playlist_id}/clips/{clip_id}", status_code=204, tags=["playlists"]
)
def delete_clip_api(
    request: Request, user: Manager, playlist_id: PlaylistId, clip_id: ClipId
) -> None:
    with _translated_errors():
        service.delete_clip(
            web_context(request).uow_factory,
            user.principal,
            playlist_id,
            clip_id,
            client_address(request),
        )


@router.post("/api/v1/playlists/{playlist_id}/clips/order", status_code=204, tags=["playlists"])
def order_api(request: Request, user: Manager, playlist_id: PlaylistId, body: ClipOrder) -> None:
    with _translated_errors():
        service.order_clips(
            web_context(request).uow_factory,
            user.principal,
            playlist_id,
            body.clip_ids,
            client_address(request),
        )


@router.get(
    "/api/v1/playlists/{playlist_id}/clips/{clip_id}/audio",
    tags=["playlists"],
    response_class=Response,
    responses={
        200: {"content": {"audio/wav": {}}, "description": "the clip's window as WAV"},
        **RANGE_RESPONSES,
    },
)
def clip_audio_api(
    request: Request, user: Viewer, playlist_id: PlaylistId, clip_id: ClipId
) -> Response:
    """Only the clip's time window of the recording: how users who may not hear the whole call
    (agents, account managers) play a playlist. Seekable with HTTP Range; only the start of a
    playback is audited."""
    context = web_context(request)
    with _translated_errors():
        audio = service.clip_audio(
            context.uow_factory,
            user.principal,
            playlist_id,
            clip_id,
            max_duration_s=context.settings.max_duration_s,
            client=client_address(request),
            playback_starts=begins_playback(request.headers.get("range")),
        )
    return ranged_response(request, audio.wav, "audio/wav")


@router.get(
    "/api/v1/playlists/{playlist_id}/export",
    tags=["playlists"],
    response_class=Response,
    responses={200: {"content": {"text/csv": {}, "application/json": {}, "text/html": {}}}},
)
def export_api(
    request: Request,
    user: Exporter,
    playlist_id: PlaylistId,
    export_format: Annotated[Literal["html", "csv", "json"], Query(alias="format")] = "html",
) -> Response:
    """The playlist as a standalone HTML page, a CSV or a JSON file (audited)."""
    with _translated_errors():
        view = service.export_playlist(
            web_context(request).uow_factory,
            user.principal,
            playlist_id,
            export_format,
            client_address(request),
        )
    detail = _detail(view)
    filename = f"playlist-{playlist_id}.{export_format}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if export_format == "json":
        return Response(
            detail.model_dump_json(indent=2), media_type="application/json", headers=headers
        )
    if export_format == "csv":
        return Response(_csv(detail), media_type="text/csv; charset=utf-8", headers=headers)
    page = render(request, "playlists/export.html", {"playlist": detail}, user=None)
    page.headers.update(headers)
    return page


def _csv(detail: PlaylistDetail) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["position", "call_id", "start_s", "end_s", "example", "note", "transcript"])
    for clip in detail.clips:
        transcript = "\n".join(f"{turn.role}: {turn.text}" for turn in clip.turns)
        writer.writerow(
            [
                clip.position,
                clip.call_id,
                clip.start_s,
                clip.end_s,
                clip.example,
                clip.note or "",
                transcript,
            ]
        )
    return "\ufeff" + out.getvalue()  # a BOM so spreadsheet programs read the Chinese as UTF-8


# --- pages


@router.get("/playlists", include_in_schema=False)
def list_page(request: Request, user: Viewer) -> Response:
    found = service.list_playlists(web_context(request).uow_factory)
    return render(request, "playlists/list.html", {"playlists": found}, user=user)


@router.post("/playlists", include_in_schema=False)
def create_form(
    request: Request,
    user: Manager,
    title: Annotated[str, Form(min_length=1, max_length=200)],
    week: Annotated[str, Form(pattern=f"{ISO_WEEK}|^$")] = "",
    notes: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    playlist_id = service.create_playlist(
        web_context(request).uow_factory,
        user.principal,
        title=title,
        week=week or None,
        notes=notes or None,
        client=client_address(request),
    )
    return RedirectResponse(f"/playlists/{playlist_id}", status_code=303)


@router.get("/playlists/{playlist_id}", include_in_schema=False)
def edit_page(request: Request, user: Viewer, playlist_id: PlaylistId) -> Response:
    detail = _load(request, user, playlist_id)
    values = {"playlist": detail, "data": json.loads(detail.model_dump_json())}
    return render(request, "playlists/edit.html", values, user=user)


@router.get("/playlists/{playlist_id}/session", include_in_schema=False)
def session_page(request: Request, user: Viewer, playlist_id: PlaylistId) -> Response:
    detail = _load(request, user, playlist_id)
    values = {"playlist": detail, "data": json.loads(detail.model_dump_json())}
    return render(request, "playlists/session.html", values, user=user)
