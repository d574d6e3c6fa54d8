"""Calibration: sessions of calls every inspector labels blind, and per-item agreement.

Inspectors (CALIBRATE) create sessions, label calls and see results once they have labelled
every call (or the session is closed); supervisors (VIEW_CALIBRATION) read sessions and results.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from tiexin.domain.access import Permission
from tiexin.domain.errors import InputError
from tiexin.services import calibration, sampling
from tiexin.web.deps import (
    RequestUser,
    RowId,
    client_address,
    render,
    require,
    require_any,
    web_context,
)

router = APIRouter()
Calibrator = Annotated[RequestUser, Depends(require(Permission.CALIBRATE))]
Viewer = Annotated[
    RequestUser, Depends(require_any(Permission.CALIBRATE, Permission.VIEW_CALIBRATION))
]
T = TypeVar("T")


class SessionIn(BaseModel):
    name: str = Field(min_length=1, max_length=calibration.NAME_LENGTH)
    call_ids: list[str] = Field(min_length=1, max_length=calibration.MAX_CALLS)


class LabelsIn(BaseModel):
    labels: dict[str, str] = Field(
        description="Item id -> pass, fail or na, for every item of the call's scorecard."
    )


class SessionCallOut(BaseModel):
    call_id: str
    submitted_by: list[str]
    mine: bool


class SessionOut(BaseModel):
    id: int
    name: str
    created_by: str
    created_at: datetime
    closed_at: datetime | None
    calls: list[SessionCallOut]
    results_visible: bool


class ScoringItemOut(BaseModel):
    id: str
    name: str
    mine: str | None
    automatic: str | None
    others: dict[str, str]


class TurnOut(BaseModel):
    role: str
    start_s: float
    end_s: float
    text: str


class ScoringOut(BaseModel):
    session: SessionOut
    call_id: str
    turns: list[TurnOut]
    items: list[ScoringItemOut]
    revealed: bool


class InspectorAgreementOut(BaseModel):
    inspector: str
    calls: int
    agreement: float | None
    kappa: float | None


class ItemAgreementOut(BaseModel):
    item_id: str
    name: str
    calls: int
    pairwise: float | None
    alpha: float | None
    automatic: float | None
    inspectors: list[InspectorAgreementOut]


class ResultsOut(BaseModel):
    session: SessionOut
    inspectors: list[str]
    items: list[ItemAgreementOut]


@contextmanager
def _answers() -> Iterator[None]:
    """Service refusals as HTTP answers: 404, 409, 403 or 422 naming the field."""
    try:
        yield
    except calibration.CalibrationNotFound as exc:
        raise HTTPException(404, detail=str(exc)) from None
    except calibration.CalibrationConflict as exc:
        raise HTTPException(409, detail=str(exc)) from None
    except calibration.CalibrationHidden as exc:
        raise HTTPException(403, detail=str(exc)) from None
    except InputError as exc:
        field = exc.source or "body"
        raise HTTPException(422, detail=[{"field": field, "message": str(exc)}]) from None


def _call(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    with _answers():
        return function(*args, **kwargs)


def _session_out(summary: calibration.SessionSummary) -> SessionOut:
    return SessionOut.model_validate(summary, from_attributes=True)


def _scoring_out(view: calibration.ScoringView) -> ScoringOut:
    return ScoringOut(
        session=_session_out(view.session),
        call_id=view.call_id,
        turns=[TurnOut(**turn) for turn in view.turns],
        items=[ScoringItemOut.model_validate(i, from_attributes=True) for i in view.items],
        revealed=view.revealed,
    )


def _results_out(found: calibration.Results) -> ResultsOut:
    return ResultsOut(
        session=_session_out(found.session),
        inspectors=found.inspectors,
        items=[
            ItemAgreementOut(
                item_id=item.item_id,
                name=found.names.get(item.item_id, item.item_id),
                calls=item.calls,
                pairwise=item.pairwise,
                alpha=item.alpha,
                automatic=item.automatic,
                inspectors=[
                    InspectorAgreementOut.model_validate(a, from_attributes=True)
                    for a in item.inspectors
                ],
            )
            for item in found.items
        ],
    )


def _create(request: Request, user: RequestUser, name: str, call_ids: list[str]) -> int:
    return _call(
        calibration.create_session,
        web_context(request).uow_factory,
        user.principal,
        name,
        call_ids,
        client=client_address(request),
    )


def _view(request: Request, user: RequestUser, session_id: int, call_id: str) -> ScoringOut:
    context = web_context(request)
    view = _call(
        calibration.scoring_view,
        context.uow_factory,
        context.settings,
        user.principal,
        session_id,
        call_id,
    )
    return _scoring_out(view)


def _submit(
    request: Request, user: RequestUser, session_id: int, call_id: str, labels: dict[str, str]
) -> None:
    _call(
        calibration.submit_labels,
        web_context(request).uow_factory,
        user.principal,
        session_id,
        call_id,
        labels,
        client=client_address(request),
    )


def _results(request: Request, user: RequestUser, session_id: int) -> ResultsOut:
    context = web_context(request)
    found = _call(
        calibration.results, context.uow_factory, context.settings, user.principal, session_id
    )
    return _results_out(found)


# --- pages


@router.get("/calibration", include_in_schema=False)
def sessions_page(request: Request, user: Viewer, error: str | None = None) -> Response:
    factory = web_context(request).uow_factory
    weeks = sampling.queued_weeks(factory)
    queue = sampling.week_queue(factory, weeks[0]) if weeks else []
    values = {
        "sessions": calibration.sessions(factory, user.principal),
        "queue": queue,
        "queue_week": weeks[0] if weeks else None,
        "error": error,
    }
    return render(request, "calibration/sessions.html", values, user=user)


@router.post("/calibration", include_in_schema=False)
async def create_form(
    request: Request,
    user: Calibrator,
    name: Annotated[str, Form(max_length=calibration.NAME_LENGTH)],
    pasted: Annotated[str, Form(max_length=10_000)] = "",
) -> Response:
    form = await request.form()
    picked = [str(value) for value in form.getlist("call_id")]
    call_ids = picked + pasted.replace(",", " ").split()
    try:
        session_id = calibration.create_session(
            web_context(request).uow_factory,
            user.principal,
            name,
            call_ids,
            client=client_address(request),
        )
    except InputError as exc:
        return sessions_page(request, user, error=str(exc))
    return RedirectResponse(f"/calibration/{session_id}", status_code=303)


@router.get("/calibration/{session_id}", include_in_schema=False)
def session_page(request: Request, user: Viewer, session_id: RowId) -> Response:
    summary = _call(
        calibration.session, web_context(request).uow_factory, user.principal, session_id
    )
    return render(request, "calibration/session.html", {"session": summary}, user=user)


@router.get("/calibration/{session_id}/calls/{call_id}", include_in_schema=False)
def scoring_page(request: Request, user: Calibrator, session_id: RowId, call_id: str) -> Response:
    view = _view(request, user, session_id, call_id)
    return render(request, "calibration/score.html", {"view": view}, user=user)


@router.post("/calibration/{session_id}/calls/{call_id}", include_in_schema=False)
async def score_form(
    request: Request, user: Calibrator, session_id: RowId, call_id: str
) -> Response:
    form = await request.form()
    labels = {
        key.removeprefix("item:"): str(value)
        for key, value in form.items()
        if key.startswith("item:")
    }
    _submit(request, user, session_id, call_id, labels)
    return RedirectResponse(f"/calibration/{session_id}/calls/{call_id}", status_code=303)


@router.post("/calibration/{session_id}/close", include_in_schema=False)
def close_form(request: Request, user: Calibrator, session_id: RowId) -> Response:
    _close(request, user, session_id)
    return RedirectResponse(f"/calibration/{session_id}/results", status_code=303)


def _close(request: Request, user: RequestUser, session_id: int) -> None:
    _call(
        calibration.close_session,
        web_context(request).uow_factory,
        user.principal,
        session_id,
        client=client_address(request),
    )


@router.get("/calibration/{session_id}/results", include_in_schema=False)
def results_page(request: Request, user: Viewer, session_id: RowId) -> Response:
    found = _results(request, user, session_id)
    return render(request, "calibration/results.html", {"results": found}, user=user)


# --- API


@router.get("/api/v1/calibration", response_model=list[SessionOut], tags=["calibration"])
def sessions_api(request: Request, user: Viewer) -> list[SessionOut]:
    found = calibration.sessions(web_context(request).uow_factory, user.principal)
    return [_session_out(summary) for summary in found]


@router.post(
    "/api/v1/calibration", response_model=SessionOut, status_code=201, tags=["calibration"]
)
def create_api(request: Request, user: Calibrator, body: SessionIn) -> SessionOut:
    session_id = _create(request, user, body.name, body.call_ids)
    factory = web_context(request).uow_factory
    return _session_out(calibration.session(factory, user.principal, session_id))


@router.get("/api/v1/calibration/{session_id}", response_model=SessionOut, tags=["calibration"])
def session_api(request: Request, user: Viewer, session_id: RowId) -> SessionOut:
    factory = web_context(request).uow_factory
    return _session_out(_call(calibration.session, factory, user.principal, session_id))


@router.get(
    "/api/v1/calibration/{session_id}/calls/{call_id}",
    response_model=ScoringOut,
    tags=["calibration"],
)
def scoring_api(request: Request, user: Calibrator, session_id: RowId, call_id: str) -> ScoringOut:
    return _view(request, user, session_id, call_id)


@router.put(
    "/api/v1/calibration/{session_id}/calls/{call_id}/scores",
    response_model=ScoringOut,
    tags=["calibration"],
)
def scores_api(
    request: Request, user: Calibrator, session_id: RowId, call_id: str, body: LabelsIn
) -> ScoringOut:
    _submit(request, user, session_id, call_id, body.labels)
    return _view(request, user, session_id, call_id)


@router.get(
    "/api/v1/calibration/{session_id}/results", response_model=ResultsOut, tags=["calibration"]
)
def results_api(request: Request, user: Viewer, session_id: RowId) -> ResultsOut:
    return _results(request, user, session_id)


@router.post(
    "/api/v1/calibration/{session_id}/close", response_model=SessionOut, tags=["calibration"]
)
def close_api(request: Request, user: Calibrator, session_id: RowId) -> SessionOut:
    _close(request, user, session_id)
    factory = web_context(request).uow_factory
    return _session_out(calibration.session(factory, user.principal, session_id))
