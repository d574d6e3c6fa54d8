"""The care opportunities of calls: the caller's open care tasks when each call started.

The caller is the customer whose number (`care_customers.msisdn`) is the call's
`customer_msisdn`. A task counts when the run that planned it was for the call's day or
earlier (its as-of date, in the operator's time zone) and its status at the call's start was
one that still needs the customer: `open`, `notified`, `contacted`, `callback` or
`unreachable`. The status at that moment is the current one unless the task moved after it;
then it is where the first later move started. A call without a start time is looked up as
of now. Rescoring a call later therefore sees the same opportunities as its first scoring.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row

from tiexin.adapters.storage.unit_of_work import SqlUnitOfWork
from tiexin.care.templates import format_fact
from tiexin.domain.calls import CallMetadata
from tiexin.domain.operator_time import OPERATOR_TIMEZONE
from tiexin.rules.care_offers import RULE_CUES, CareOpportunity

OPEN_STATUSES = ("open", "notified", "contacted", "callback", "unreachable")
LOOKUP_BATCH = 500  # calls
Opportunities = tuple[CareOpportunity, ...]


def open_opportunities(
    uow: SqlUnitOfWork, calls: Sequence[CallMetadata], *, now: datetime | None = None
) -> dict[str, Opportunities]:
    """Each call's open care opportunities, by call id; calls without any are left out."""
    now = now or datetime.now(UTC)
    found: dict[str, Opportunities] = {}
    # batches keep each query's IN list far below SQLite's limit on bound parameters
    for start in range(0, len(calls), LOOKUP_BATCH):
        found.update(_batch(uow, calls[start : start + LOOKUP_BATCH], now))
    return found


def _batch(
    uow: SqlUnitOfWork, calls: Sequence[CallMetadata], now: datetime
) -> dict[str, Opportunities]:
    numbers = {m.customer_msisdn for m in calls if m.customer_msisdn}
    owners = uow.care_opportunities.customers_by_msisdn(numbers) if numbers else {}
    callers = [
        (m, owners[m.customer_msisdn], m.start_time or now)
        for m in calls
        if m.customer_msisdn in owners
    ]
    if not callers:
        return {}
    earliest = min(start for _, _, start in callers)
    latest_day = max(start for _, _, start in callers).astimezone(OPERATOR_TIMEZONE).date()
    rows = uow.care_opportunities.tasks_possibly_open(
        {c for _, customers, _ in callers for c in customers},
        open_statuses=OPEN_STATUSES,
        created_by=latest_day,
        since=earliest,
    )
    moves = _moves_by_task(
        uow.care_opportunities.task_moves_after([r.task_id for r in rows], earliest)
    )
    tasks_of: dict[str, list[Row[Any]]] = defaultdict(list)
    for row in rows:
        tasks_of[row.customer_id].append(row)
    found: dict[str, Opportunities] = {}
    for meta, customers, start in callers:
        opportunities = tuple(
            opportunity(row)
            for customer in customers
            for row in tasks_of[customer]
            if _open_at(row, moves.get(row.task_id, []), start)
        )
        if opportunities:
            found[meta.call_id] = opportunities
    return found


def _moves_by_task(moves: Sequence[Row[Any]]) -> dict[str, list[tuple[datetime, str]]]:
    by_task: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    for move in moves:
        by_task[move.task_id].append((move.at, move.from_status))
    return by_task


def _open_at(row: Row[Any], moves: Sequence[tuple[datetime, str]], moment: datetime) -> bool:
    """Planned by `moment`'s day and, at `moment`, in an open status: where the first move
    after it started from, else the current status."""
    if (
        row.rule_type not in RULE_CUES
        or row.created_on > moment.astimezone(OPERATOR_TIMEZONE).date()
    ):
        return False
    status = next((from_status for at, from_status in moves if at > moment), row.status)
    return status in OPEN_STATUSES


def opportunity(row: Row[Any]) -> CareOpportunity:
    """A stored task as an opportunity, with only the facts its rule type's matching uses."""
    facts: Mapping[str, Any] = row.facts or {}
    wanted = RULE_CUES[row.rule_type].facts
    return CareOpportunity(
        task_id=row.task_id,
        rule_id=row.rule_id,
        rule_type=row.rule_type,
        facts=tuple((key, format_fact(facts[key])) for key in wanted if key in facts),
    )
