"""The daily care run: assign account managers, plan today's tasks, assign them, store them with
their grace credits and SMS, chunk by chunk.

Each chunk is one transaction. A task's id is its as-of date, rule and customer, and a run
reads the stored state without what earlier runs for the same date wrote (`load_inputs`), so
a run stopped after some chunks plans the same tasks again when restarted and stores only the
missing ones: the result equals an uninterrupted run, and running a finished date again
changes nothing.
"""

from __future__ import annotations

import dataclasses
import gc
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from time import perf_counter
from typing import Any

import numpy as np

from tiexin.adapters.care_cache import CareCache
from tiexin.care.assignment import (
    ManagerAssignment,
    Reason,
    TaskAssignment,
    assign_account_managers,
    assign_tasks,
)
from tiexin.care.model import Channel, CustomerTable, GraceCredit, NewTask
from tiexin.care.planner import plan_tasks
from tiexin.care.rules import CareRules
from tiexin.care.schedule import sms_send_time
from tiexin.domain.catalog import Catalog
from tiexin.domain.errors import TiexinError
from tiexin.domain.operator_time import OPERATOR_TIMEZONE  # quiet hours are wall-clock times
from tiexin.services.care_data import (
    Assigned,
    CareInputs,
    keep_customers,
    load_customers,
    load_inputs,
    staff_list,
)
from tiexin.services.ingest import UnitOfWorkFactory

CHUNK_TASKS = 5_000
RULE_ID_MAX = 64  # care_tasks.rule_id
PRE_NOTICE = (
    "【VIP贴心服务】尊敬的{name}，您好！您的专属电话经理近日将致电您，"
    "为您办理「{rule}」相关服务，请留意接听。"
)


@dataclass
class CareRunReport:
    as_of: date
    managers_assigned: int = 0
    planned: int = 0
    stored: int = 0  # new in this run
    already_stored: int = 0  # stored by an earlier, interrupted run for the same date
    unassigned: int = 0  # calls nobody had room for, left for a supervisor
    sms_queued: int = 0
    grace_credits: int = 0
    by_rule: Counter[str] = field(default_factory=Counter)
    seconds: dict[str, float] = field(default_factory=dict)  # wall time of each stage


def task_key(as_of: date, rule_id: str, customer_id: str) -> str:
    return _task_id(_key_prefix(as_of), rule_id, customer_id)


def _key_prefix(as_of: date) -> str:
    return f"{as_of.year:04d}{as_of.month:02d}{as_of.day:02d}-"


def _task_id(prefix: str, rule_id: str, customer_id: str) -> str:
    return f"{prefix}{rule_id}-{customer_id}"


@contextmanager
def _stage(report: CareRunReport, name: str) -> Iterator[None]:
    start = perf_counter()
    yield
    report.seconds[name] = report.seconds.get(name, 0.0) + perf_counter() - start


def assign_managers(uow_factory: UnitOfWorkFactory, *, now: datetime | None = None) -> int:
    """Give every VIP without a current account manager one; returns how many were assigned."""
    with uow_factory() as uow:
        decisions = assign_account_managers(load_customers(uow), staff_list(uow))
    _store_managers(uow_factory, decisions, now or datetime.now(UTC))
    return len(decisions)


def _store_managers(
    uow_factory: UnitOfWorkFactory, decisions: Sequence[ManagerAssignment], now: datetime
) -> int | None:
    """Store the assignments in a transaction of their own; returns the number of the change
    (`customers_version`), None when there was nothing to store."""
    rows = [
        {
            "customer_id": d.customer_id,
            "from_staff_id": d.previous or None,
            "to_staff_id": d.staff_id,
            "reason": d.reason.value,
        }
        for d in decisions
    ]
    with uow_factory() as uow:
        seq = uow.care.set_account_managers(rows, now)
        uow.commit()
    return seq


def _with_managers(
    customers: CustomerTable, decisions: Sequence[ManagerAssignment]
) -> CustomerTable:
    if not decisions:
        return customers
    chosen = np.array([d.staff_id for d in decisions], dtype=np.str_)
    # wide enough for the longest id (numpy cuts longer text short), without a Python string
    # per customer
    width = np.promote_types(customers.account_manager_id.dtype, chosen.dtype)
    managers = customers.account_manager_id.astype(width)
    managers[np.searchsorted(customers.customer_id, [d.customer_id for d in decisions])] = chosen
    return dataclasses.replace(customers, account_manager_id=managers)


Planner = Callable[[CustomerTable, CareInputs, Catalog, CareRules, date], list[NewTask]]
"""Plans the day's tasks from the customers (with their managers) and the run's inputs; the
tasks must come in `plan_tasks` order, which assignment depends on."""


def plan_locally(
    customers: CustomerTable, inputs: CareInputs, catalog: Catalog, rules: CareRules, as_of: date
) -> list[NewTask]:
    return plan_tasks(
        customers,
        inputs.usage,
        catalog,
        rules,
        inputs.history,
        as_of,
        grants=inputs.grants,
        risk_flags=inputs.risk_flags,
    )


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """A run makes millions of objects that form no reference cycles (tasks, facts, rows),
    and the cycle collector would walk them over and over: a quarter of the planning time
    and half of the assignment's."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@_without_cycle_collection()
def run_care(
    uow_factory: UnitOfWorkFactory,
    *,
    as_of: date,
    rules: CareRules,
    catalog: Catalog,
    now: datetime | None = None,
    chunk_size: int = CHUNK_TASKS,
    after_chunk: Callable[[int, int], None] | None = None,
    planner: Planner = plan_locally,
    cache: CareCache | None = None,
) -> CareRunReport:
    """Plan and store the care tasks of `as_of`. `after_chunk(stored, total)` is called after
    each committed chunk (progress bars); `planner` may plan elsewhere (`care_ray`), storing
    is always here; `cache` keeps the customers and usage read for the next run (`load_inputs`)."""
    long_ids = [r.id for r in rules.rules if len(r.id) > RULE_ID_MAX]
    if long_ids:
        raise TiexinError(f"rule ids longer than {RULE_ID_MAX} characters: {long_ids}")
    now = now or datetime.now(UTC)
    report = CareRunReport(as_of)
    with uow_factory() as uow, _stage(report, "read"):
        inputs = load_inputs(uow, rules, as_of, cache)
        stored = uow.care.task_ids_created_on(as_of)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="care-managers") as writer:
        with _stage(report, "account managers"):
            decisions = assign_account_managers(inputs.customers, inputs.staff)
            # stored while the tasks are planned, which reads them from memory: a first run
            # assigns 1.5% of the customers, seconds of the database's time
            storing = writer.submit(_store_managers, uow_factory, decisions, now)
            customers = _with_managers(inputs.customers, decisions)
        with _stage(report, "plan"):
            tasks = planner(customers, inputs, catalog, rules, as_of)
        with _stage(report, "account managers"):  # what is left of storing them
            seq = storing.result()
    report.managers_assigned = len(decisions)
    if cache is not None and inputs.seen is not None:
        managers = Assigned(customers, seq, len(decisions)) if seq is not None else None
        keep_customers(cache, inputs.seen, managers)
    with _stage(report, "assign"):
        assigned = assign_tasks(tasks, inputs.staff, open_tasks=inputs.loads)
    report.planned = len(assigned)
    with _stage(report, "store"):
        _store(
            uow_factory,
            assigned,
            _TaskRows(as_of, rules, customers, now),
            stored,
            report,
            chunk_size=chunk_size,
            after_chunk=after_chunk,
        )
    if cache is not None:
        with _stage(report, "snapshots"):  # what is left of writing them
            cache.flush()
    return report


@dataclass(frozen=True, slots=True)
class _Chunk:
    """One transaction's rows, column by column; `done` is how many tasks are stored once it
    commits."""

    tasks: dict[str, list[Any]]
    credits: list[dict[str, Any]]
    messages: dict[str, list[Any]]
    done: int


def _store(
    uow_factory: UnitOfWorkFactory,
    assigned: Sequence[TaskAssignment],
    rows: _TaskRows,
    stored: set[str],
    report: CareRunReport,
    *,
    chunk_size: int,
    after_chunk: Callable[[int, int], None] | None,
) -> None:
    """Store the tasks not stored yet, chunk by chunk, each chunk one transaction, in order.
    A writer thread commits one chunk while this thread builds the next: the database's work
    and this process's overlap (the driver waits for the server without holding the GIL)."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="care-store") as writer:
        writing: Future[int] | None = None
        for start in range(0, len(assigned), chunk_size):
            chunk = _chunk(assigned[start : start + chunk_size], rows, stored, report, start)
            if writing is not None:
                _committed(writing, len(assigned), after_chunk)
            writing = writer.submit(_write, uow_factory, chunk)
        if writing is not None:
            _committed(writing, len(assigned), after_chunk)


def _committed(
    writing: Future[int], total: int, after_chunk: Callable[[int, int], None] | None
) -> None:
    """Wait for a chunk's commit (its error is raised here, and no later chunk is written)."""
    done = writing.result()
    if after_chunk is not None:
        after_chunk(done, total)


def _write(uow_factory: UnitOfWorkFactory, chunk: _Chunk) -> int:
    with uow_factory() as uow:
        uow.care.add_tasks(chunk.tasks)
        uow.care.add_grace_credits(chunk.credits)
        uow.care.queue_sms(chunk.messages)
        uow.commit()
    return chunk.done


def _chunk(
    assignments: Sequence[TaskAssignment],
    rows: _TaskRows,
    stored: set[str],
    report: CareRunReport,
    start: int,
) -> _Chunk:
    keyed = [(rows.key(a), a) for a in assignments]
    new = [(key, a) for key, a in keyed if key not in stored]
    report.already_stored += len(assignments) - len(new)
    report.stored += len(new)
    report.by_rule.update(a.task.rule_id for _, a in new)
    report.unassigned += sum(1 for _, a in new if a.reason == Reason.NO_CAPACITY)
    credits = [
        rows.grace_credit(key, a.task.grace_credit)
        for key, a in new
        if a.task.grace_credit is not None
    ]
    report.grace_credits += len(credits)
    notified = [(key, a) for key, a in new if a.task.channel in (Channel.CALL, Channel.SMS)]
    report.sms_queued += len(notified)
    return _Chunk(rows.tasks(new), credits, rows.messages(notified), start + len(assignments))


Keyed = Sequence[tuple[str, TaskAssignment]]
"""Assignments with their task ids."""


class _TaskRows:
    """Storage rows of one run's tasks, column by column (a run stores up to millions of
    tasks: a dictionary per row costs more than storing it)."""

    def __init__(
        self, as_of: date, rules: CareRules, customers: CustomerTable, now: datetime
    ) -> None:
        self.as_of, self.rules, self.customers, self.now = as_of, rules, customers, now
        self.key_prefix = _key_prefix(as_of)
        # a notice is requested now, or at the start of a future as-of day; never in quiet hours
        day_start = datetime.combine(as_of, time(0), OPERATOR_TIMEZONE)
        requested = max(now.astimezone(OPERATOR_TIMEZONE), day_start)
        self.send_at = sms_send_time(requested, rules.quiet_hours).astimezone(UTC)

    def key(self, assignment: TaskAssignment) -> str:
        """`task_key` of the assignment's task."""
        task = assignment.task
        return _task_id(self.key_prefix, task.rule_id, task.customer_id)

    def tasks(self, keyed: Keyed) -> dict[str, list[Any]]:
        tasks = [a.task for _, a in keyed]
        count = len(tasks)
        return {
            "task_id": [key for key, _ in keyed],
            "customer_id": [t.customer_id for t in tasks],
            "rule_id": [t.rule_id for t in tasks],
            "rule_type": [t.rule_type for t in tasks],
            "rules_version": [self.rules.version] * count,
            "created_on": [self.as_of] * count,
            "channel": [t.channel.value for t in tasks],
            "priority": [t.priority for t in tasks],
            "due": [t.due for t in tasks],
            "status": ["open"] * count,
            "open_slot": [1] * count,
            "assignee": [a.staff_id or None for _, a in keyed],
            "assign_reason": [a.reason.value for _, a in keyed],
            # dates and numpy numbers as JSON: the engine's JSON serializer writes both
            "facts": [t.facts for t in tasks],
            "explanation_zh": [t.explanation_zh for t in tasks],
            "explanation_en": [t.explanation_en for t in tasks],
            "script": [t.script for t in tasks],
            "note": [None] * count,
            "created_at": [self.now] * count,
            "updated_at": [self.now] * count,
        }

    def grace_credit(self, key: str, credit: GraceCredit) -> dict[str, Any]:
        return {
            "customer_id": credit.customer_id,
            "task_id": key,
            "amount_yuan": credit.amount_yuan,
            "granted_on": credit.granted_on,
            "expires_on": credit.expires_on,
            "recovery": credit.recovery,
        }

    def messages(self, keyed: Keyed) -> dict[str, list[Any]]:
        ids = [a.task.customer_id for _, a in keyed]
        msisdn = self.customers.msisdn[np.searchsorted(self.customers.customer_id, ids)]
        texts = [self._text(a.task) for _, a in keyed]
        count = len(keyed)
        return {
            "task_id": [key for key, _ in keyed],
            "kind": [kind for kind, _ in texts],
            "msisdn": msisdn.tolist(),
            "text": [text for _, text in texts],
            "send_at": [self.send_at] * count,
            "status": ["queued"] * count,
            "attempts": [0] * count,
            "last_error": [None] * count,
            "sent_at": [None] * count,
            "created_at": [self.now] * count,
        }

    def _text(self, task: NewTask) -> tuple[str, str]:
        """The message's kind and text."""
        if task.channel != Channel.CALL:
            return "message", task.script
        rule = self.rules.get(task.rule_id)
        name = rule.name if rule is not None else task.rule_id
        return "pre_notice", PRE_NOTICE.format(name=task.facts["customer_name"], rule=name)
