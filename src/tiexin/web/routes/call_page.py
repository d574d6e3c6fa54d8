"""The call page: waveform and transcript, the evaluation with its evidence, and human review.

`GET /calls/{call_id}` (page), `GET /api/v1/calls/{call_id}`, `GET /api/v1/calls/{call_id}/audio`
(HTTP Range for seeking), item review and release of an evaluation, and the inspectors'
customer-satisfaction labels (`GET`/`PUT /api/v1/calls/{call_id}/satisfaction`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.encoders import jsonable_encoder
from fastapi.responses import Response
from pydantic import BaseModel, Field, StringConstraints

from tiexin.domain.access import Permission
from tiexin.rules.scoring import Outcome
from tiexin.services import call_view, perception_labels, review
from tiexin.services.review import Actor, Conflict, Forbidden, Invalid, NotFound, ReviewError
from tiexin.web.byte_ranges import RANGE_RESPONSES, begins_playback, ranged_response
from tiexin.web.deps import (
    RequestUser,
    RowId,
    client_address,
    render,
    require,
    translator,
    web_context,
)

router = APIRouter()
CallViewer = Annotated[RequestUser, Depends(require(Permission.VIEW_CALLS))]
Listener = Annotated[RequestUser, Depends(require(Permission.VIEW_CALLS, Permission.PLAY_AUDIO))]
Reviewer = Annotated[RequestUser, Depends(require(Permission.REVIEW))]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
ItemOutcome = Literal["pass", "fail", "na"]
Points = Annotated[float | None, Field(allow_inf_nan=False)]
CallId = Annotated[str, PathParam(min_length=1, max_length=128)]
AllCallsViewer = Annotated[RequestUser, Depends(require(Permission.VIEW_ALL_CALLS))]

# Texts the page's script shows (chart axis, errors, prompts).
SCRIPT_LABELS = ("sentiment", "time", "reason_required")

AUDIO_TYPES = {
    ".wav": "audio/wav",
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".opus": "audio/ogg",
    ".flac": "audio/flac",
    ".m4a": "audio/mp4",
    ".aac": "audio/aac",
}


class TurnOut(BaseModel):
    index: int
    role: str
    start: float
    end: float
    text: str
    text_original: str | None
    sentiment: float | None
    confidence: float | None


class AudioOut(BaseModel):
    available: bool
    may_play: bool
    url: str | None
    info: dict[str, Any] | None


class ItemOut(BaseModel):
    id: str
    name: str
    section: str | None
    result: str
    points: float
    max_points: float | None
    confidence: float
    evidence: list[dict[str, Any]]
    explanation: str
    current_result: str
    current_points: float
    changed: bool


class ItemChangeOut(BaseModel):
    item_id: str
    kind: str
    old_result: str | None
    new_result: str | None
    old_points: float | None
    new_points: float | None
    reason: str
    username: str
    at: datetime


class AppealOut(BaseModel):
    id: int
    item_id: str
    comment: str
    status: str
    created_by: str
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None


class EvaluationOut(BaseModel):
    id: int
    call_id: str
    agent_id: str | None
    scorecard: str
    version: str
    scored_at: datetime
    automatic_total: float
    automatic_band: str | None
    auto_failed: bool
    total: float
    band: str | None
    score_source: Literal["automatic", "includes human edits"]
    dimensions: dict[str, float | None]
    dimension_names: dict[str, str]
    status: str | None = Field(description="None until a person reviews or releases it")
    reviewed_by: str | None
    released_at: datetime | None
    released_by: str | None
    acknowledged_at: datetime | None
    appeal_deadline: datetime | None
    items: list[ItemOut]
    changes: list[ItemChangeOut]
    appeals: list[AppealOut]


class CallOut(BaseModel):
    call_id: str
    source: str
    status: str
    start_time: datetime | None
    direction: str
    line: str
    agent_id: str | None
    customer_msisdn: str | None
    language: str | None
    duration_s: float | None
    role_confidence: float | None
    asr_model: str | None
    audio: AudioOut
    features: dict[str, Any] | None
    turns: list[TurnOut]
    evaluations: list[EvaluationOut]


class ItemReviewIn(BaseModel):
    result: ItemOutcome
    points: Points = Field(None, description="Default: the result's usual points")
    reason: Reason


class Done(BaseModel):
    ok: bool = True


class SatisfactionIn(BaseModel):
    satisfaction: int = Field(
        strict=True,
        ge=-2,
        le=2,
        description="-2 very dissatisfied, -1 dissatisfied, 0 neutral, 1 satisfied, "
        "2 very satisfied",
    )


class SatisfactionLabelOut(BaseModel):
    username: str
    satisfaction: int
    labelled_at: datetime


class SatisfactionOut(BaseModel):
    call_id: str
    labels: list[SatisfactionLabelOut] = Field(description="One per inspector, oldest first")
    mine: int | None = Field(description="The signed-in user's own label")


@contextmanager
def refusals() -> Iterator[None]:
    """Service refusals as HTTP answers: 404, 403, 409, or 422 naming the field."""
    try:
        yield
    except NotFound as err:
        raise HTTPException(404, str(err)) from None
    except Forbidden as err:
        raise HTTPException(403, str(err)) from None
    except Conflict as err:
        raise HTTPException(409, str(err)) from None
    except Invalid as err:
        raise HTTPException(422, [{"field": err.field, "message": str(err)}]) from None
    except ReviewError as err:  # pragma: no cover - every refusal is one of the above
        raise HTTPException(400, str(err)) from None


def actor(request: Request, user: RequestUser) -> Actor:
    return Actor(user.principal, client_address(request))


def _detail(request: Request, user: RequestUser, call_id: str) -> dict[str, Any]:
    context = web_context(request)
    with refusals():
        return call_view.call_detail(
            context.uow_factory, context.settings, actor(request, user), call_id
        )


@router.get("/calls/{call_id}", include_in_schema=False)
def call_page(request: Request, user: CallViewer, call_id: str) -> Response:
    detail = CallOut.model_validate(_detail(request, user, call_id))
    t = translator(request)
    values = {
        "call": detail,
        "satisfaction": _satisfaction(request, user, call_id)
        if perception_labels.may_see_labels(user.principal)
        else None,
        "satisfaction_names": perception_labels.LABEL_NAMES,
        "page_data": jsonable_encoder(
            {
                "call": detail,
                "can_review": user.can(Permission.REVIEW),
                "labels": {key: t(f"call_page.{key}") for key in SCRIPT_LABELS},
            }
        ),
    }
    return render(request, "call_page/call.html", values, user=user)


def _satisfaction(request: Request, user: RequestUser, call_id: str) -> SatisfactionOut:
    with refusals():
        view = perception_labels.call_satisfaction(
            web_context(request).uow_factory, user.principal, call_id
        )
    return SatisfactionOut.model_validate(view)


@router.get("/api/v1/calls/{call_id}", response_model=CallOut, tags=["calls"])
def call_api(request: Request, user: CallViewer, call_id: str) -> CallOut:
    return CallOut.model_validate(_detail(request, user, call_id))


@router.get(
    "/api/v1/calls/{call_id}/audio",
    tags=["calls"],
    response_class=Response,
    responses={200: {"description": "the whole recording"}, 404: {}, **RANGE_RESPONSES},
)
def call_audio(request: Request, user: Listener, call_id: str) -> Response:
    """The recording; seekable with HTTP Range. Only the start of a playback is audited."""
    with refusals():
        path = call_view.recording(
            web_context(request).uow_factory,
            actor(request, user),
            call_id,
            playback_starts=begins_playback(request.headers.get("range")),
        )
    return ranged_response(request, path, _audio_type(path))


def _audio_type(path: Path) -> str:
    return AUDIO_TYPES.get(path.suffix.lower(), "application/octet-stream")


@router.post(
    "/api/v1/evaluations/{evaluation_id}/items/{item_id}/review",
    response_model=Done,
    tags=["review"],
)
def review_item_api(
    request: Request, user: Reviewer, evaluation_id: RowId, item_id: str, body: ItemReviewIn
) -> Done:
    """Confirm or override one item with a reason; the score is recomputed."""
    context = web_context(request)
    with refusals():
        review.review_item(
            context.uow_factory,
            context.settings,
            actor(request, user),
            evaluation_id,
            item_id,
            result=Outcome(body.result),
            points=body.points,
            reason=body.reason,
        )
    return Done()


@router.post("/api/v1/evaluations/{evaluation_id}/release", response_model=Done, tags=["review"])
def release_api(request: Request, user: Reviewer, evaluation_id: RowId) -> Done:
    """Release the evaluation to the agent (who may then acknowledge or appeal it)."""
    context = web_context(request)
    with refusals():
        review.release(context.uow_factory, context.settings, actor(request, user), evaluation_id)
    return Done()


@router.get("/api/v1/calls/{call_id}/satisfaction", response_model=SatisfactionOut, tags=["review"])
def satisfaction_api(request: Request, user: AllCallsViewer, call_id: CallId) -> SatisfactionOut:
    """The inspectors' labels of how satisfied the customer was, with who labelled it."""
    return _satisfaction(request, user, call_id)


@router.put("/api/v1/calls/{call_id}/satisfaction", response_model=SatisfactionOut, tags=["review"])
def label_satisfaction_api(
    request: Request, user: Reviewer, call_id: CallId, body: SatisfactionIn
) -> SatisfactionOut:
    """Set the signed-in inspector's label of the customer's satisfaction (-2..2) for the call;
    one label per inspector, changed by putting another. The perception model trains on them."""
    with refusals():
        view = perception_labels.label_satisfaction(
            web_context(request).uow_factory, actor(request, user), call_id, body.satisfaction
        )
    return SatisfactionOut.model_validate(view)
