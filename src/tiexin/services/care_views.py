"""What the care pages show: a phone manager's calls of the day (and recording their outcome),
an account manager's VIP customers, and one customer with tasks, visits, privileges and calls.

Numbers are shown as `tiexin.domain.access` allows: whole to roles that see personal numbers
and to the phone manager on their own call task, masked otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Row

from tiexin.care.privileges import Balance, PrivilegeCatalog
from tiexin.domain.access import Principal, care_task_msisdn, customer_scope, mask_msisdn
from tiexin.services import audit
from tiexin.services.care_privileges import HISTORY_LIMIT, year_balances
from tiexin.services.care_scope import managed_customer, own_call_task
from tiexin.services.care_tasks import TRANSITIONS, OutcomeResult, move_task
from tiexin.services.care_visits import CarrierSuggestion, carrier_suggestions
from tiexin.services.ingest import UnitOfWorkFactory

TASK_LIMIT = 200
CALL_LIMIT = 20
CALL_OUTCOMES = ("contacted", "accepted", "declined", "unreachable", "callback")


@dataclass(frozen=True, slots=True)
class CareTask:
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

    @property
    def is_open(self) -> bool:
        return self.status != "closed"

    @property
    def outcomes(self) -> tuple[str, ...]:
        """The call outcomes a phone manager may record now."""
        return tuple(o for o in CALL_OUTCOMES if o in TRANSITIONS[self.status])


def _task(row: Row[Any]) -> CareTask:
    return CareTask(
        row.task_id,
        row.customer_id,
        row.rule_id,
        row.rule_type,
        row.channel,
        row.priority,
        row.created_on,
        row.due,
        row.status,
        row.assignee,
        dict(row.facts or {}),
        row.explanation_zh,
        row.explanation_en,
        row.script,
        row.note,
    )


@dataclass(frozen=True, slots=True)
class TodayCall:
    task: CareTask
    customer_name: str
    tier: str
    msisdn: str
    overdue: bool
    sms_status: str | None  # queued, sent, or None (no pre-notice)
    sms_sent_at: datetime | None
    sms_error: str | None


def calls_for_today(
    uow_factory: UnitOfWorkFactory, principal: Principal, day: date
) -> list[TodayCall]:
    """The phone manager's call tasks due by `day` and still to be worked; none without a
    staff id."""
    if not principal.agent_id:
        return []
    with uow_factory() as uow:
        rows = uow.care_service.calls_to_work(principal.agent_id, day)
    return [
        TodayCall(
            _task(r),
            r.customer_name,
            r.tier,
            care_task_msisdn(r.msisdn, principal, r.assignee),
            r.due < day,
            r.sms_status,
            r.sms_sent_at,
            r.sms_error,
        )
        for r in rows
    ]


def record_call_outcome(
    uow_factory: UnitOfWorkFactory,
    principal: Principal,
    task_id: str,
    outcome: str,
    note: str | None,
    *,
    client: str | None = None,
) -> OutcomeResult:
    """A phone manager records what happened on one of their calls (checked, audited)."""
    with uow_factory() as uow:
        own_call_task(uow, principal, task_id)
        result = move_task(
            uow, task_id, outcome, principal.username, note or None, now=datetime.now(UTC)
        )
        audit.record(
            uow,
            principal,
            "care_task.outcome",
            resource_type="care_task",
            resource_id=task_id,
            detail={"from": result.from_status, "to": outcome, "note": note or None},
            client=client,
        )
        uow.commit()
    return result


@dataclass(frozen=True, slots=True)
class CustomerSummary:
    customer_id: str
    name: str
    tier: str
    msisdn: str
    branch: str
    county: str
    township: str | None
    plan_id: str
    account_manager_id: str | None
    open_tasks: int = 0


def _summary(row: Row[Any], principal: Principal, open_tasks: int = 0) -> CustomerSummary:
    return CustomerSummary(
        row.customer_id,
        row.name,
        row.tier,
        mask_msisdn(row.msisdn, principal) or "",
        row.branch,
        row.county,
        row.township,
        row.plan_id,
        row.account_manager_id,
        open_tasks,
    )


def my_customers(
    uow_factory: UnitOfWorkFactory,
    principal: Principal,
    *,
    query: str | None,
    tier: str | None,
    page: int,
    page_size: int,
) -> tuple[list[CustomerSummary], int]:
    """The VIP customers in the user's scope matching the search, one page, and the count."""
    scope = customer_scope(principal)
    if scope == "":
        return [], 0
    with uow_factory() as uow:
        rows, total = uow.care_service.customers(
            manager=scope, query=query, tier=tier, limit=page_size, offset=(page - 1) * page_size
        )
    return [_summary(r, principal, int(r.open_tasks)) for r in rows], total


@dataclass(frozen=True, slots=True)
class Visit:
    carrier_staff_id: str | None
    carrier_name: str | None
    trip_id: int | None
    asked_by: str | None
    asked_at: datetime | None
    delivered_by: str | None
    delivered_by_name: str | None
    delivered_on: date | None
    note: str | None


@dataclass(frozen=True, slots=True)
class VisitTask:
    task: CareTask
    visit: Visit | None
    carriers: list[CarrierSuggestion]  # only while the task is open


@dataclass(frozen=True, slots=True)
class Redemption:
    redemption_id: int
    privilege_id: str
    redeemed_on: date
    recorded_by: str
    note: str | None


@dataclass(frozen=True, slots=True)
class CustomerCall:
    call_id: str
    start_time: datetime | None
    agent_id: str | None
    line: str
    duration_s: float | None
    score: float | None
    band: str | None
    status: str


@dataclass(frozen=True, slots=True)
class CustomerDetail:
    customer: CustomerSummary
    manager_name: str | None
    balance_yuan: float
    points: int
    tasks: list[CareTask]
    visits: list[VisitTask]
    year: int
    balances: list[Balance]
    redemptions: list[Redemption]  # of `year`, newest first
    calls: list[CustomerCall] = field(default_factory=list)

    @property
    def open_tasks(self) -> list[CareTask]:
        return [t for t in self.tasks if t.is_open]

    @property
    def past_tasks(self) -> list[CareTask]:
        return [t for t in self.tasks if not t.is_open]


def _visit(row: Row[Any] | None, names: dict[str, str]) -> Visit | None:
    if row is None:
        return None
    return Visit(
        row.carrier_staff_id,
        names.get(row.carrier_staff_id or ""),
        row.trip_id,
        row.asked_by,
        row.asked_at,
        row.delivered_by,
        names.get(row.delivered_by or ""),
        row.delivered_on,
        row.note,
    )


def customer_detail(
    uow_factory: UnitOfWorkFactory,
    principal: Principal,
    customer_id: str,
    catalog: PrivilegeCatalog,
    year: int,
) -> CustomerDetail:
    with uow_factory() as uow:
        row = managed_customer(uow, principal, customer_id)
        tasks = uow.care_service.tasks_of_customer(customer_id, TASK_LIMIT)
        visit_rows = [t for t in tasks if t.channel == "visit"]
        visits = uow.care_service.visits_of([t.task_id for t in visit_rows])
        staff_ids = [row.account_manager_id or ""] + [
            s for v in visits.values() for s in (v.carrier_staff_id, v.delivered_by) if s
        ]
        names = uow.care_service.staff_names(staff_ids)
        visit_tasks = [
            VisitTask(
                _task(t),
                _visit(visits.get(t.task_id), names),
                carrier_suggestions(uow, t, row) if t.open_slot is not None else [],
            )
            for t in visit_rows
        ]
        balances = year_balances(uow, catalog, customer_id, row.tier, year)
        redemptions = [
            Redemption(r.id, r.privilege_id, r.redeemed_on, r.recorded_by, r.note)
            for r in uow.care_service.redemptions(customer_id, year, HISTORY_LIMIT)
        ]
        calls = [CustomerCall(*c) for c in uow.care_service.calls_of_number(row.msisdn, CALL_LIMIT)]
    return CustomerDetail(
        _summary(row, principal),
        names.get(row.account_manager_id or ""),
        row.balance_yuan,
        row.points,
        [_task(t) for t in tasks],
        visit_tasks,
        year,
        balances,
        redemptions,
        calls,
    )
