"""Stored care data as the care core's inputs: customers and usage as numpy columns (built in
one step per column, never one object per customer), staff, risk flags, task history, grants.

Customers are sorted by id in numpy rather than by the database, whose collation may differ
between SQLite and PostgreSQL: both then plan the same tasks in the same order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from tiexin.adapters.storage.unit_of_work import SqlUnitOfWork
from tiexin.care.dates import add_months, month_start
from tiexin.care.model import (
    TIERS,
    CustomerTable,
    ExistingTask,
    Role,
    Staff,
    TaskStatus,
    UsageTable,
)
from tiexin.care.params import PlanFitParams
from tiexin.care.rules import CareRules, CareRulesError, default_care_rules, load_care_rules
from tiexin.domain.errors import TiexinError

USAGE_MONTHS = 3  # recharge offers read the mean bill of the last three complete months
CLOSED = "closed"
_STRING_COLUMNS = ("customer_id", "msisdn", "name", "branch", "county", "plan_id")


@dataclass(frozen=True, slots=True, eq=False)
class CareInputs:
    customers: CustomerTable
    usage: UsageTable
    staff: tuple[Staff, ...]
    risk_flags: dict[str, str]
    existing: list[ExistingTask]
    grants: dict[str, list[date]]
    loads: dict[str, int]  # open tasks per assignee


def read_rules(path: Path | None) -> CareRules:
    """The rules of `path`, or the bundled default rules; errors name the file and line."""
    if path is None:
        return default_care_rules()
    if not path.is_file():
        raise TiexinError(f"{path}: care rules file not found")
    try:
        return load_care_rules(path)
    except CareRulesError as exc:
        raise TiexinError(str(exc)) from None


def usage_months(rules: CareRules) -> int:
    """How many complete months of usage before the as-of month the rules read."""
    months = [r.params.months for r in rules.rules if isinstance(r.params, PlanFitParams)]
    return max([USAGE_MONTHS, *months])


def customer_table(rows: Sequence[tuple[Any, ...]]) -> CustomerTable:
    """Rows in `CUSTOMER_COLUMNS` order (dates as text) as a table sorted by customer id."""
    columns = list(zip(*rows, strict=True)) if rows else [()] * 13
    (ids, msisdn, name, birthday, tier, branch, county, plan_id, balance, points, expiry,
     manager, joined) = columns  # fmt: skip
    order = np.argsort(np.array(ids, dtype=np.str_), kind="stable")
    tier_index = {t: i for i, t in enumerate(TIERS)}
    managers = [m or "" for m in manager]
    return CustomerTable(
        customer_id=np.array(ids, dtype=np.str_)[order],
        msisdn=np.array(msisdn, dtype=np.str_)[order],
        name=np.array(name, dtype=np.str_)[order],
        birthday=np.array(birthday, dtype="datetime64[D]")[order],
        tier=np.array([tier_index[t] for t in tier], dtype=np.int8)[order],
        branch=np.array(branch, dtype=np.str_)[order],
        county=np.array(county, dtype=np.str_)[order],
        plan_id=np.array(plan_id, dtype=np.str_)[order],
        balance_yuan=np.array(balance, dtype=np.float64)[order],
        points=np.array(points, dtype=np.int64)[order],
        points_expiry=np.array(expiry, dtype="datetime64[D]")[order],
        account_manager_id=np.array(managers, dtype=np.str_)[order],
        join_date=np.array(joined, dtype="datetime64[D]")[order],
    )


def usage_table(rows: Sequence[tuple[Any, ...]], customers: CustomerTable) -> UsageTable:
    """Usage rows joined to the customers' rows; usage of unknown customers is left out."""
    columns = list(zip(*rows, strict=True)) if rows else [()] * 6
    ids = np.array(columns[0], dtype=np.str_)
    known = customers.customer_id
    position = np.searchsorted(known, ids)
    clipped = np.minimum(position, max(len(known) - 1, 0))
    found = (position < len(known)) & (known[clipped] == ids) if len(known) else position < 0
    month = np.array(columns[1], dtype="datetime64[D]").astype("datetime64[M]")
    return UsageTable(
        row=clipped[found].astype(np.int64),
        month=month[found],
        voice_minutes=np.array(columns[2], dtype=np.float64)[found],
        data_gb=np.array(columns[3], dtype=np.float64)[found],
        sms=np.array(columns[4], dtype=np.int64)[found],
        bill_yuan=np.array(columns[5], dtype=np.float64)[found],
    )


def core_status(status: str) -> TaskStatus:
    """The planner knows open and done: every stored status before `closed` keeps the task
    open (no second task of the same rule), `closed` starts the cooldown."""
    if status == CLOSED:
        return TaskStatus.DONE
    return TaskStatus.OPEN if status == "open" else TaskStatus.IN_PROGRESS


def staff_list(uow: SqlUnitOfWork) -> tuple[Staff, ...]:
    return tuple(
        Staff(r.staff_id, r.name, Role(r.role), r.branch, r.county, r.capacity)
        for r in uow.care.staff_rows()
    )


def load_customers(uow: SqlUnitOfWork) -> CustomerTable:
    return customer_table(uow.care.customer_rows())


def load_inputs(uow: SqlUnitOfWork, rules: CareRules, as_of: date) -> CareInputs:
    """Everything a care run for `as_of` reads. What an earlier run for the same date wrote
    (tasks, grants, their load) is left out, so a rerun plans exactly what the first run
    planned and storing it again adds nothing."""
    customers = load_customers(uow)
    end = month_start(as_of)
    first = add_months(end, -usage_months(rules))
    usage = usage_table(uow.care.usage_rows(first, end), customers)
    existing = [
        ExistingTask(customer_id, rule_id, core_status(status), created)
        for customer_id, rule_id, status, created in uow.care.task_history(excluding=as_of)
    ]
    return CareInputs(
        customers=customers,
        usage=usage,
        staff=staff_list(uow),
        risk_flags=uow.care.risk_flags(),
        existing=existing,
        grants=uow.care.grants(excluding=as_of),
        loads=uow.care.open_loads(excluding=as_of),
    )
