"""Human review of an evaluation: confirm or override items with a reason, then release it.

An evaluation's automatic result is never changed; each human decision is an item change
(`item_changes`) and the review row (`evaluation_reviews`) holds the score recomputed with every
change applied. Appeals (services/appeals.py) change items through the same `apply_change`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from tiexin.adapters.storage.unit_of_work import SqlUnitOfWork
from tiexin.config import Settings
from tiexin.domain.access import Permission, Principal, can, may_view_call
from tiexin.domain.errors import TiexinError
from tiexin.pipeline.factory import bundled_scorecard
from tiexin.rules.review_scoring import ItemState, ReviewScoringError, checked_state, rescore
from tiexin.rules.scorecard import Scorecard, parse_scorecard
from tiexin.rules.scoring import Outcome
from tiexin.services import audit
from tiexin.services.ingest import UnitOfWorkFactory

# Review states once someone acted; an evaluation without a review row is still automatic.
REVIEWING, RELEASED, ACKNOWLEDGED, APPEALED, CLOSED = (
    "reviewing",
    "released",
    "acknowledged",
    "appealed",
    "closed",
)
EDITABLE = (None, REVIEWING)
SHOWN_TO_AGENTS = (RELEASED, ACKNOWLEDGED, APPEALED, CLOSED)


class ReviewError(TiexinError):
    """A review or appeal request that was refused; nothing was changed."""


class NotFound(ReviewError):
    """No such evaluation or appeal, or one this user may not see."""


class Forbidden(ReviewError):
    """The user may see it but not do this to it."""


class Conflict(ReviewError):
    """Not possible in the evaluation's current state (released, past the appeal deadline...)."""


class Invalid(ReviewError):
    """A field of the request is wrong; `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Actor:
    principal: Principal
    client: str | None = None


@lru_cache(maxsize=32)
def _parsed(source: str, origin: str) -> Scorecard:
    return parse_scorecard(source, file=origin)


def scorecard_for(uow: SqlUnitOfWork, settings: Settings, card_id: str, version: str) -> Scorecard:
    """The exact scorecard version an evaluation was scored with: stored, or the configured file."""
    source = uow.scorecards.source(card_id, version)
    if source is not None:
        return _parsed(source, f"database:{card_id}@{version}")
    path = settings.scorecard_file or bundled_scorecard()
    card = _parsed(path.read_text(encoding="utf-8"), str(path))
    if card.id != card_id or card.version != version:
        raise Conflict(
            f"scorecard {card_id} version {version} is neither stored nor configured: "
            "store it with `tiexin scorecard add` to review this evaluation"
        )
    return card


def automatic_states(result: Mapping[str, Any]) -> dict[str, ItemState]:
    return {
        str(item["id"]): ItemState(Outcome(item["result"]), float(item["points"]))
        for item in result["items"]
    }


def current_states(
    result: Mapping[str, Any], changes: Sequence[Mapping[str, Any]]
) -> dict[str, ItemState]:
    """Each item as it counts now: the automatic result with the latest change applied."""
    states = automatic_states(result)
    for change in changes:
        states[change["item_id"]] = ItemState(
            Outcome(change["new_result"]), float(change["new_points"])
        )
    return states


def visible_evaluation(
    uow: SqlUnitOfWork, principal: Principal, evaluation_id: int
) -> dict[str, Any]:
    """The evaluation with its call, if this user may see it; agents see released ones only."""
    row = uow.reviews.evaluation(evaluation_id)
    if row is None or not may_view_call(principal, row["agent_id"]):
        raise NotFound(f"evaluation {evaluation_id} not found")
    review = uow.reviews.review(evaluation_id)
    status = review["status"] if review else None
    if not can(principal, Permission.VIEW_ALL_CALLS) and status not in SHOWN_TO_AGENTS:
        raise NotFound(f"evaluation {evaluation_id} not found")
    return {**row, "review": review}


def apply_change(
    uow: SqlUnitOfWork,
    settings: Settings,
    evaluation: Mapping[str, Any],
    *,
    item_id: str,
    result: Outcome,
    points: float | None,
    reason: str,
    kind: str,
    username: str,
    now: datetime,
) -> dict[str, Any]:
    """Record one item change and store the score recomputed with every change applied."""
    card = scorecard_for(uow, settings, evaluation["scorecard_id"], evaluation["scorecard_version"])
    try:
        new = checked_state(card, item_id, result, points)
    except ReviewScoringError as err:
        raise Invalid(err.field or "item_id", str(err)) from None
    changes = uow.reviews.changes([evaluation["id"]]).get(evaluation["id"], [])
    states = current_states(evaluation["result"], changes)
    if item_id not in states:
        raise NotFound(f"the evaluation has no item {item_id!r}")
    old = states[item_id]
    change = {
        "evaluation_id": evaluation["id"],
        "item_id": item_id,
        "kind": kind,
        "old_result": old.result.value,
        "new_result": new.result.value,
        "old_points": old.points,
        "new_points": new.points,
        "reason": reason,
        "username": username,
        "at": now,
    }
    uow.reviews.add_change(**change)
    states[item_id] = new
    rescored = rescore(card, states)
    uow.reviews.save_review(
        evaluation["id"],
        status=(evaluation["review"] or {}).get("status") or REVIEWING,
        total=round(rescored.total, 2),
        band=rescored.band,
        human_edited=states != automatic_states(evaluation["result"]),
        updated_at=now,
    )
    return change


def review_item(
    uow_factory: UnitOfWorkFactory,
    settings: Settings,
    actor: Actor,
    evaluation_id: int,
    item_id: str,
    *,
    result: Outcome,
    points: float | None,
    reason: str,
) -> None:
    """Confirm (same result and points) or override one item, with the inspector's reason."""
    now = datetime.now(UTC)
    with uow_factory() as uow:
        evaluation = visible_evaluation(uow, actor.principal, evaluation_id)
        status = (evaluation["review"] or {}).get("status")
        if status not in EDITABLE:
            raise Conflict(
                f"the evaluation is {status}: after release items change only through appeals"
            )
        changes = uow.reviews.changes([evaluation_id]).get(evaluation_id, [])
        current = current_states(evaluation["result"], changes).get(item_id)
        same = current is not None and current.result is result and points in (None, current.points)
        change = apply_change(
            uow,
            settings,
            evaluation,
            item_id=item_id,
            result=result,
            points=current.points if same and current else points,
            reason=reason,
            kind="confirm" if same else "override",
            username=actor.principal.username,
            now=now,
        )
        uow.reviews.save_review(evaluation_id, reviewed_by=actor.principal.username)
        audit.record(
            uow,
            actor.principal,
            "review.item",
            resource_type="evaluation",
            resource_id=str(evaluation_id),
            detail=change_detail(change, evaluation["call_id"]),
            client=actor.client,
        )
        uow.commit()


def release(
    uow_factory: UnitOfWorkFactory, settings: Settings, actor: Actor, evaluation_id: int
) -> None:
    """Release the reviewed evaluation to the agent: from now on they see it and may appeal."""
    now = datetime.now(UTC)
    with uow_factory() as uow:
        evaluation = visible_evaluation(uow, actor.principal, evaluation_id)
        review = evaluation["review"]
        if review is not None and review["status"] not in EDITABLE:
            raise Conflict(f"the evaluation is already {review['status']}")
        values: dict[str, Any] = {
            "status": RELEASED,
            "released_at": now,
            "released_by": actor.principal.username,
            "updated_at": now,
        }
        if review is None:  # released as scored: the automatic score stands
            values |= {
                "total": evaluation["total"],
                "band": evaluation["band"],
                "human_edited": False,
                "reviewed_by": actor.principal.username,
            }
        uow.reviews.save_review(evaluation_id, **values)
        audit.record(
            uow,
            actor.principal,
            "review.release",
            resource_type="evaluation",
            resource_id=str(evaluation_id),
            detail={"call_id": evaluation["call_id"]},
            client=actor.client,
        )
        uow.commit()


def change_detail(change: Mapping[str, Any], call_id: str) -> dict[str, Any]:
    keys = ("item_id", "kind", "old_result", "new_result", "old_points", "new_points", "reason")
    return {"call_id": call_id, **{key: change[key] for key in keys}}
