"""Appeals: an agent acknowledges a released evaluation or appeals an item within the deadline;
a supervisor accepts (the item changes, the score is recomputed) or rejects with a reason.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tiexin.adapters.storage.unit_of_work import SqlUnitOfWork
from tiexin.config import Settings
from tiexin.domain.access import Principal
from tiexin.rules.scoring import Outcome
from tiexin.services import audit
from tiexin.services.ingest import UnitOfWorkFactory
from tiexin.services.review import (
    ACKNOWLEDGED,
    APPEALED,
    CLOSED,
    RELEASED,
    Actor,
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    apply_change,
    change_detail,
    current_states,
    visible_evaluation,
)


def appeal_deadline(released_at: datetime | None, settings: Settings) -> datetime | None:
    return None if released_at is None else released_at + timedelta(days=settings.appeal_days)


def _own_released(uow: SqlUnitOfWork, principal: Principal, evaluation_id: int) -> dict[str, Any]:
    """An evaluation of this agent's own call: `visible_evaluation` scopes agents to their calls."""
    evaluation = visible_evaluation(uow, principal, evaluation_id)
    if evaluation["agent_id"] is None or evaluation["agent_id"] != principal.agent_id:
        raise Forbidden("only the agent of the call may acknowledge or appeal its evaluation")
    return evaluation


def acknowledge(uow_factory: UnitOfWorkFactory, actor: Actor, evaluation_id: int) -> None:
    now = datetime.now(UTC)
    with uow_factory() as uow:
        evaluation = _own_released(uow, actor.principal, evaluation_id)
        status = evaluation["review"]["status"]
        if status != RELEASED:
            raise Conflict(f"only a released evaluation can be acknowledged; this one is {status}")
        uow.reviews.save_review(
            evaluation_id, status=ACKNOWLEDGED, acknowledged_at=now, updated_at=now
        )
        audit.record(
            uow,
            actor.principal,
            "appeal.acknowledge",
            resource_type="evaluation",
            resource_id=str(evaluation_id),
            detail={"call_id": evaluation["call_id"]},
            client=actor.client,
        )
        uow.commit()


def appeal_item(
    uow_factory: UnitOfWorkFactory,
    settings: Settings,
    actor: Actor,
    evaluation_id: int,
    *,
    item_id: str,
    comment: str,
) -> int:
    """Open an appeal on one item; returns its id."""
    now = datetime.now(UTC)
    with uow_factory() as uow:
        evaluation = _own_released(uow, actor.principal, evaluation_id)
        review = evaluation["review"]
        if review["status"] not in (RELEASED, APPEALED):
            raise Conflict(f"this evaluation is {review['status']}: it can no longer be appealed")
        deadline = appeal_deadline(review["released_at"], settings)
        if deadline is None or now > deadline:
            raise Conflict(
                f"the appeal period of {settings.appeal_days} days after release has ended"
            )
        if item_id not in {str(item["id"]) for item in evaluation["result"]["items"]}:
            raise Invalid("item_id", f"the evaluation has no item {item_id!r}")
        open_items = {
            a["item_id"]
            for a in uow.reviews.appeals_of([evaluation_id]).get(evaluation_id, [])
            if a["status"] == "open"
        }
        if item_id in open_items:
            raise Conflict(f"item {item_id} already has an open appeal")
        appeal_id = uow.reviews.add_appeal(
            evaluation_id=evaluation_id,
            item_id=item_id,
            comment=comment,
            status="open",
            created_by=actor.principal.username,
            created_at=now,
        )
        uow.reviews.save_review(evaluation_id, status=APPEALED, updated_at=now)
        audit.record(
            uow,
            actor.principal,
            "appeal.create",
            resource_type="evaluation",
            resource_id=str(evaluation_id),
            detail={"call_id": evaluation["call_id"], "item_id": item_id, "appeal_id": appeal_id},
            client=actor.client,
        )
        uow.commit()
    return appeal_id


def decide(
    uow_factory: UnitOfWorkFactory,
    settings: Settings,
    actor: Actor,
    appeal_id: int,
    *,
    accept: bool,
    reason: str | None,
    result: Outcome | None = None,
    points: float | None = None,
) -> None:
    """Accept (the item becomes `result`, by default a failed item passes) or reject an appeal.

    A rejection needs a reason. When no appeal of the evaluation is left open it is closed.
    """
    now = datetime.now(UTC)
    with uow_factory() as uow:
        appeal = uow.reviews.appeal(appeal_id)
        if appeal is None:
            raise NotFound(f"appeal {appeal_id} not found")
        if appeal["status"] != "open":
            raise Conflict(f"appeal {appeal_id} was already {appeal['status']}")
        if not accept and not reason:
            raise Invalid("reason", "a rejected appeal needs a reason")
        evaluation = visible_evaluation(uow, actor.principal, appeal["evaluation_id"])
        detail: dict[str, Any] = {"call_id": evaluation["call_id"], "appeal_id": appeal_id}
        if accept:
            changes = uow.reviews.changes([evaluation["id"]]).get(evaluation["id"], [])
            current = current_states(evaluation["result"], changes)[appeal["item_id"]]
            if result is None and current.result is not Outcome.FAIL:
                raise Invalid("result", "give the corrected result of an item that did not fail")
            change = apply_change(
                uow,
                settings,
                evaluation,
                item_id=appeal["item_id"],
                result=result or Outcome.PASS,
                points=points,
                reason=reason or appeal["comment"],
                kind="appeal",
                username=actor.principal.username,
                now=now,
            )
            detail |= change_detail(change, evaluation["call_id"])
        uow.reviews.decide_appeal(
            appeal_id,
            status="accepted" if accept else "rejected",
            decided_by=actor.principal.username,
            decided_at=now,
            decision_reason=reason,
        )
        if uow.reviews.open_appeal_count(evaluation["id"]) == 0:
            uow.reviews.save_review(evaluation["id"], status=CLOSED, updated_at=now)
        audit.record(
            uow,
            actor.principal,
            "appeal.accept" if accept else "appeal.reject",
            resource_type="evaluation",
            resource_id=str(evaluation["id"]),
            detail=detail,
            client=actor.client,
        )
        uow.commit()
