"""The life of a care task: open → notified → contacted → accepted / declined / unreachable /
callback → closed, with every move checked and recorded.

`contacted` is optional: an agent who reaches the customer may record the outcome at once. An
accepted plan recommendation moves the customer to the recommended plan in the same
transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from tiexin.adapters.storage.unit_of_work import SqlUnitOfWork
from tiexin.domain.errors import TiexinError
from tiexin.rules.checker import did_you_mean
from tiexin.services.ingest import UnitOfWorkFactory

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "open": ("notified", "contacted", "accepted", "declined", "callback", "unreachable", "closed"),
    "notified": ("contacted", "accepted", "declined", "callback", "unreachable", "closed"),
    "contacted": ("accepted", "declined", "callback", "closed"),
    "callback": ("contacted", "accepted", "declined", "unreachable", "closed"),
    "unreachable": ("contacted", "accepted", "declined", "callback", "unreachable", "closed"),
    "accepted": ("closed",),
    "declined": ("closed",),
    "closed": (),
}
OUTCOMES = tuple(s for s in TRANSITIONS if s not in ("open",))


@dataclass(frozen=True, slots=True)
class OutcomeResult:
    task_id: str
    from_status: str
    to_status: str
    plan_changed_to: str | None = None


def check_transition(task_id: str, current: str, outcome: str) -> None:
    """TiexinError naming what is allowed when `outcome` cannot follow `current`."""
    if outcome not in OUTCOMES:
        hint = did_you_mean(outcome, OUTCOMES)
        raise TiexinError(f"unknown outcome {outcome!r} (outcomes: {', '.join(OUTCOMES)}){hint}")
    allowed = TRANSITIONS[current]
    if outcome not in allowed:
        then = f"allowed: {', '.join(allowed)}" if allowed else "a closed task cannot change"
        raise TiexinError(f"task {task_id} is {current}: it cannot become {outcome} ({then})")


def record_outcome(
    uow_factory: UnitOfWorkFactory,
    task_id: str,
    outcome: str,
    by: str,
    note: str | None = None,
    *,
    now: datetime | None = None,
) -> OutcomeResult:
    """Move a task to `outcome`; an illegal move raises TiexinError and changes nothing."""
    with uow_factory() as uow:
        result = move_task(uow, task_id, outcome, by, note, now=now or datetime.now(UTC))
        uow.commit()
    return result


def move_task(
    uow: SqlUnitOfWork, task_id: str, outcome: str, by: str, note: str | None, *, now: datetime
) -> OutcomeResult:
    """`record_outcome` inside the caller's transaction (which may also audit it)."""
    task = uow.care.task(task_id)
    if task is None:
        raise TiexinError(f"no care task {task_id!r} (see `tiexin export care-tasks`)")
    check_transition(task_id, task.status, outcome)
    moved = uow.care.move_task(
        task_id, from_status=task.status, to_status=outcome, actor=by, note=note, now=now
    )
    if not moved:
        raise TiexinError(f"task {task_id} was changed meanwhile: try again")
    plan = _accepted_plan(task.rule_type, task.facts, outcome)
    if plan is not None:
        uow.care.set_plan(task.customer_id, plan, now)
    return OutcomeResult(task_id, task.status, outcome, plan)


def _accepted_plan(rule_type: str, facts: dict[str, object], outcome: str) -> str | None:
    if outcome != "accepted" or rule_type != "plan_fit":
        return None
    plan = facts.get("recommended_plan")
    return str(plan) if plan else None
