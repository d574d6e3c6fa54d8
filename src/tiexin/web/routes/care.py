"""The phone manager's care calls of the day (`/care/today`) with one-click outcomes, and the
error mapping the care pages share.

Only users with WORK_CARE_CALLS (phone managers) have calls here: the tasks assigned to their
staff id (the account's agent id). An outcome is checked against the task's life cycle by
`services.care_tasks` and audited.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Path, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from tiexin.domain.access import Permission
from tiexin.domain.errors import InputError, TiexinError
from tiexin.domain.operator_time import operator_today
from tiexin.services.care_scope import CareForbidden, CareNotFound
from tiexin.services.care_views import CareTask, TodayCall, calls_for_today, record_call_outcome
from tiexin.web.deps import AccessDenied, RequestUser, client_address, render, require, web_context

router = APIRouter()
PhoneManager = Annotated[RequestUser, Depends(require(Permission.WORK_CARE_CALLS))]
TaskId = Annotated[str, Path(min_length=1, max_length=128)]
NOTE_MAX = 2000
OUTCOME_PATTERN = r"^(contacted|accepted|declined|unreachable|callback)$"


def care_http_error(exc: TiexinError) -> Exception:
    """A care service error as the web answers it: unknown 404, not yours 403, bad input or an
    illegal move 422 (naming the field)."""
    if isinstance(exc, CareNotFound):
        return HTTPException(404, detail=str(exc))
    if isinstance(exc, CareForbidden):
        return AccessDenied()
    field = exc.source if isinstance(exc, InputError) and exc.source else "body"
    return HTTPException(422, detail=[{"field": field, "message": str(exc)}])


class CareTaskOut(BaseModel):
    task_id: str
    customer_id: str
    rule_id: str
    rule_type: str
    channel: str
    priority: int
    created_on: date
    due: date
    status: str
    assignee: str | None
    facts: dict[str, Any]
    explanation_zh: str
    explanation_en: str
    script: str
    note: str | None
    outcomes: list[str]  # the call outcomes allowed now


def task_out(task: CareTask) -> CareTaskOut:
    return CareTaskOut(
        **{name: getattr(task, name) for name in CareTaskOut.model_fields if name != "outcomes"},
        outcomes=list(task.outcomes),
    )


class TodayCallOut(BaseModel):
    task: CareTaskOut
    customer_name: str
    tier: str
    msisdn: str  # whole on the phone manager's own task, masked otherwise
    overdue: bool
    sms_status: str | None
    sms_sent_at: datetime | None
    sms_error: str | None


class OutcomeIn(BaseModel):
    outcome: str = Field(pattern=OUTCOME_PATTERN)
    note: str | None = Field(None, max_length=NOTE_MAX)


class OutcomeOut(BaseModel):
    task_id: str
    from_status: str
    to_status: str
    plan_changed_to: str | None


def _today_out(call: TodayCall) -> TodayCallOut:
    return TodayCallOut(
        task=task_out(call.task),
        customer_name=call.customer_name,
        tier=call.tier,
        msisdn=call.msisdn,
        overdue=call.overdue,
        sms_status=call.sms_status,
        sms_sent_at=call.sms_sent_at,
        sms_error=call.sms_error,
    )


def _record(request: Request, user: RequestUser, task_id: str, body: OutcomeIn) -> OutcomeOut:
    try:
        result = record_call_outcome(
            web_context(request).uow_factory,
            user.principal,
            task_id,
            body.outcome,
            body.note,
            client=client_address(request),
        )
    except TiexinError as exc:
        raise care_http_error(exc) from None
    return OutcomeOut.model_validate(result, from_attributes=True)


@router.get("/care/today", include_in_schema=False)
def today_page(request: Request, user: PhoneManager, done: str | None = None) -> Response:
    calls = calls_for_today(web_context(request).uow_factory, user.principal, operator_today())
    values = {"calls": calls, "done": done, "today": operator_today()}
    return render(request, "care/today.html", values, user=user)


@router.post("/care/tasks/{task_id}/outcome", include_in_schema=False)
def outcome_form(
    request: Request,
    user: PhoneManager,
    task_id: TaskId,
    outcome: Annotated[str, Form(pattern=OUTCOME_PATTERN)],
    note: Annotated[str, Form(max_length=NOTE_MAX)] = "",
) -> Response:
    _record(request, user, task_id, OutcomeIn(outcome=outcome, note=note or None))
    return RedirectResponse(f"/care/today?done={task_id}", status_code=303)


@router.get("/api/v1/care/today", response_model=list[TodayCallOut], tags=["care"])
def today_api(request: Request, user: PhoneManager) -> list[TodayCallOut]:
    calls = calls_for_today(web_context(request).uow_factory, user.principal, operator_today())
    return [_today_out(call) for call in calls]


@router.post("/api/v1/care/tasks/{task_id}/outcome", response_model=OutcomeOut, tags=["care"])
def outcome_api(
    request: Request, user: PhoneManager, task_id: TaskId, body: OutcomeIn
) -> OutcomeOut:
    return _record(request, user, task_id, body)
