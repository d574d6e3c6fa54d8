"""The weekly review queue (the inspector's home page) and the sampling plans behind it.

Viewing the queue needs REVIEW or MANAGE_SAMPLING. Building a week and changing a plan need
MANAGE_SAMPLING: both decide what inspectors work on.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from tiexin.adapters.storage.sampling import QueueEntry
from tiexin.domain.access import Permission
from tiexin.domain.errors import InputError
from tiexin.rules.sampling import week_of
from tiexin.services import sampling
from tiexin.web.deps import (
    RequestUser,
    client_address,
    render,
    require,
    require_any,
    translator,
    web_context,
)
from tiexin.web.i18n import Translator

router = APIRouter()
SamplingManager = Annotated[RequestUser, Depends(require(Permission.MANAGE_SAMPLING))]
WEEK_PATTERN = r"^\d{4}-W\d{2}$"
LINE_PATTERN = r"^[^/\s]{1,64}$"
SEVERE_REASONS = frozenset({"auto_fail", "section_failed", "critical_failed", "escalation"})


QueueViewer = Annotated[
    RequestUser, Depends(require_any(Permission.REVIEW, Permission.MANAGE_SAMPLING))
]


class SamplingPlanIn(BaseModel):
    calls_per_agent_per_week: int = Field(ge=0, le=sampling.MAX_CALLS_PER_AGENT)
    random_share: float = Field(ge=0.0, le=1.0)


class SamplingPlanOut(BaseModel):
    line: str
    calls_per_agent_per_week: int
    random_share: float
    is_default: bool
    updated_by: str | None
    updated_at: datetime | None


class BuildRequest(BaseModel):
    week: str = Field(pattern=WEEK_PATTERN, examples=["2025-W23"])


class BuildOut(BaseModel):
    week: str
    added: int
    risk_picks: int
    random_picks: int
    candidates: int


class ReasonOut(BaseModel):
    code: str
    params: dict[str, Any]
    text: str  # in the request's language


class QueueRowOut(BaseModel):
    call_id: str
    line: str
    agent_id: str | None
    start_time: datetime | None
    risk: float
    reasons: list[ReasonOut]
    random_pick: bool
    total: float | None
    band: str | None
    done: bool
    reviewed_by: str | None
    reviewed_at: datetime | None


class QueueOut(BaseModel):
    week: str
    rows: list[QueueRowOut]


def reason_text(t: Translator, reason: dict[str, Any]) -> str:
    separator = "、" if t.language == "zh" else ", "
    params = {
        key: separator.join(str(v) for v in value) if isinstance(value, list) else value
        for key, value in (reason.get("params") or {}).items()
    }
    return t(f"queue.reason.{reason['code']}", **params)


def _row(t: Translator, entry: QueueEntry) -> QueueRowOut:
    return QueueRowOut(
        call_id=entry.call_id,
        line=entry.line,
        agent_id=entry.agent_id,
        start_time=entry.start_time,
        risk=entry.risk,
        reasons=[
            ReasonOut(code=r["code"], params=r.get("params") or {}, text=reason_text(t, r))
            for r in entry.reasons
        ],
        random_pick=entry.random_pick,
        total=entry.total,
        band=entry.band,
        done=entry.reviewed_at is not None,
        reviewed_by=entry.reviewed_by,
        reviewed_at=entry.reviewed_at,
    )


def _plan_out(plan: sampling.SamplingPlan) -> SamplingPlanOut:
    return SamplingPlanOut.model_validate(plan, from_attributes=True)


def _invalid(exc: InputError) -> HTTPException:
    return HTTPException(422, detail=[{"field": exc.source or "body", "message": str(exc)}])


def _queue(request: Request, week: str, line: str | None, agent_id: str | None) -> QueueOut:
    try:
        entries = sampling.week_queue(
            web_context(request).uow_factory, week, line=line or None, agent_id=agent_id or None
        )
    except InputError as exc:
        raise _invalid(exc) from None
    t = translator(request)
    return QueueOut(week=week, rows=[_row(t, entry) for entry in entries])


def _default_week(request: Request) -> str:
    """The newest week with a queue, else the current week."""
    weeks = sampling.queued_weeks(web_context(request).uow_factory)
    return weeks[0] if weeks else week_of(datetime.now(UTC))


@router.get("/queue", include_in_schema=False)
def queue_page(
    request: Request,
    user: QueueViewer,
    week: str | None = None,
    line: str | None = None,
    agent: str | None = None,
    built: int | None = None,
) -> Response:
    chosen = week or _default_week(request)
    queue = _queue(request, chosen, line, agent)
    values = {
        "queue": queue,
        "week": chosen,
        "weeks": sampling.queued_weeks(web_context(request).uow_factory),
        "filters": {"line": line or "", "agent": agent or ""},
        "lines": sorted({row.line for row in queue.rows}),
        "agents": sorted({row.agent_id for row in queue.rows if row.agent_id}),
        "built": built,
        "done": sum(row.done for row in queue.rows),
        "severe": SEVERE_REASONS,
    }
    return render(request, "queue/queue.html", values, user=user)


@router.post("/queue/build", include_in_schema=False)
def build_form(
    request: Request, user: SamplingManager, week: Annotated[str, Form(pattern=WEEK_PATTERN)]
) -> Response:
    report = _build(request, user, week)
    return RedirectResponse(f"/queue?week={report.week}&built={report.added}", status_code=303)


def _build(request: Request, user: RequestUser, week: str) -> sampling.BuildReport:
    try:
        return sampling.build_queue(
            web_context(request).uow_factory,
            week,
            user.principal,
            client=client_address(request),
        )
    except InputError as exc:
        raise _invalid(exc) from None


@router.get("/queue/plans", include_in_schema=False)
def plans_page(request: Request, user: SamplingManager) -> Response:
    plans = sampling.all_plans(web_context(request).uow_factory)
    return render(request, "queue/plans.html", {"plans": plans}, user=user)


@router.post("/queue/plans", include_in_schema=False)
def plan_form(
    request: Request,
    user: SamplingManager,
    line: Annotated[str, Form(pattern=LINE_PATTERN)],
    calls_per_agent_per_week: Annotated[int, Form(ge=0, le=sampling.MAX_CALLS_PER_AGENT)],
    random_share: Annotated[float, Form(ge=0.0, le=1.0)],
) -> Response:
    _save(
        request,
        user,
        line,
        SamplingPlanIn(
            calls_per_agent_per_week=calls_per_agent_per_week, random_share=random_share
        ),
    )
    return RedirectResponse("/queue/plans", status_code=303)


def _save(
    request: Request, user: RequestUser, line: str, plan: SamplingPlanIn
) -> sampling.SamplingPlan:
    try:
        return sampling.save_plan(
            web_context(request).uow_factory,
            user.principal,
            line,
            calls_per_agent=plan.calls_per_agent_per_week,
            random_share=plan.random_share,
            client=client_address(request),
        )
    except InputError as exc:
        raise _invalid(exc) from None


@router.get("/api/v1/queue", response_model=QueueOut, tags=["queue"])
def queue_api(
    request: Request,
    user: QueueViewer,
    week: Annotated[str, Query(pattern=WEEK_PATTERN)],
    line: str | None = None,
    agent_id: str | None = None,
) -> QueueOut:
    return _queue(request, week, line, agent_id)


@router.post("/api/v1/queue/build", response_model=BuildOut, tags=["queue"])
def build_api(request: Request, user: SamplingManager, body: BuildRequest) -> BuildOut:
    return BuildOut.model_validate(_build(request, user, body.week), from_attributes=True)


@router.get("/api/v1/sampling-plans", response_model=list[SamplingPlanOut], tags=["queue"])
def plans_api(request: Request, user: SamplingManager) -> list[SamplingPlanOut]:
    return [_plan_out(plan) for plan in sampling.all_plans(web_context(request).uow_factory)]


@router.get("/api/v1/sampling-plans/{line}", response_model=SamplingPlanOut, tags=["queue"])
def plan_api(request: Request, user: SamplingManager, line: str) -> SamplingPlanOut:
    return _plan_out(sampling.plan_for(web_context(request).uow_factory, line))


@router.put("/api/v1/sampling-plans/{line}", response_model=SamplingPlanOut, tags=["queue"])
def put_plan_api(
    request: Request, user: SamplingManager, line: str, body: SamplingPlanIn
) -> SamplingPlanOut:
    return _plan_out(_save(request, user, line, body))
