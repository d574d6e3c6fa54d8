"""Appeals: agents acknowledge or appeal their released evaluations; supervisors decide.

`GET /appeals` (page), `GET /api/v1/my/evaluations`, `GET /api/v1/appeals`,
`POST /api/v1/evaluations/{id}/acknowledge`, `POST /api/v1/evaluations/{id}/appeals`,
`POST /api/v1/appeals/{id}/decision`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import Response
from pydantic import BaseModel, Field, StringConstraints

from tiexin.domain.access import Permission
from tiexin.rules.scoring import Outcome
from tiexin.services import appeals, call_view
from tiexin.web.deps import (
    AccessDenied,
    CurrentUser,
    RequestUser,
    RowId,
    render,
    require,
    web_context,
)
from tiexin.web.routes.call_page import (
    Done,
    EvaluationOut,
    ItemOutcome,
    Points,
    actor,
    refusals,
)

router = APIRouter()
Appellant = Annotated[RequestUser, Depends(require(Permission.APPEAL))]
Decider = Annotated[RequestUser, Depends(require(Permission.DECIDE_APPEALS))]
Comment = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
OptionalReason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


class AppealIn(BaseModel):
    item_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    comment: Comment


class AppealCreated(BaseModel):
    appeal_id: int


class DecisionIn(BaseModel):
    decision: Literal["accept", "reject"]
    reason: OptionalReason | None = Field(None, description="Required to reject")
    result: ItemOutcome | None = Field(None, description="Corrected result when accepting")
    points: Points = None


def _mine(request: Request, user: RequestUser) -> list[EvaluationOut]:
    context = web_context(request)
    found = call_view.agent_evaluations(context.uow_factory, context.settings, actor(request, user))
    return [EvaluationOut.model_validate(e) for e in found]


def _appealed(request: Request) -> list[EvaluationOut]:
    context = web_context(request)
    found = call_view.appealed_evaluations(context.uow_factory, context.settings)
    return [EvaluationOut.model_validate(e) for e in found]


@router.get("/appeals", include_in_schema=False)
def appeals_page(request: Request, user: CurrentUser) -> Response:
    agent, supervisor = user.can(Permission.APPEAL), user.can(Permission.DECIDE_APPEALS)
    if not (agent or supervisor):
        raise AccessDenied()
    evaluations = _mine(request, user) if agent else _appealed(request)
    values = {
        "evaluations": evaluations,
        "as_agent": agent,
        "page_data": jsonable_encoder({"as_agent": agent}),
    }
    return render(request, "appeals/appeals.html", values, user=user)


@router.get("/api/v1/my/evaluations", response_model=list[EvaluationOut], tags=["appeals"])
def my_evaluations_api(request: Request, user: Appellant) -> list[EvaluationOut]:
    """The signed-in agent's released evaluations with items, history and appeals."""
    return _mine(request, user)


@router.get("/api/v1/appeals", response_model=list[EvaluationOut], tags=["appeals"])
def appealed_api(request: Request, user: Decider) -> list[EvaluationOut]:
    """Evaluations with open appeals, for the supervisor."""
    return _appealed(request)


@router.post(
    "/api/v1/evaluations/{evaluation_id}/acknowledge", response_model=Done, tags=["appeals"]
)
def acknowledge_api(request: Request, user: Appellant, evaluation_id: RowId) -> Done:
    with refusals():
        appeals.acknowledge(web_context(request).uow_factory, actor(request, user), evaluation_id)
    return Done()


@router.post(
    "/api/v1/evaluations/{evaluation_id}/appeals",
    response_model=AppealCreated,
    status_code=201,
    tags=["appeals"],
)
def appeal_api(
    request: Request, user: Appellant, evaluation_id: RowId, body: AppealIn
) -> AppealCreated:
    """Appeal one item within the appeal period after release."""
    context = web_context(request)
    with refusals():
        appeal_id = appeals.appeal_item(
            context.uow_factory,
            context.settings,
            actor(request, user),
            evaluation_id,
            item_id=body.item_id,
            comment=body.comment,
        )
    return AppealCreated(appeal_id=appeal_id)


@router.post("/api/v1/appeals/{appeal_id}/decision", response_model=Done, tags=["appeals"])
def decide_api(request: Request, user: Decider, appeal_id: RowId, body: DecisionIn) -> Done:
    """Accept (optionally with the corrected result and points) or reject with a reason."""
    context = web_context(request)
    with refusals():
        appeals.decide(
            context.uow_factory,
            context.settings,
            actor(request, user),
            appeal_id,
            accept=body.decision == "accept",
            reason=body.reason or None,
            result=Outcome(body.result) if body.result else None,
            points=body.points,
        )
    return Done()
