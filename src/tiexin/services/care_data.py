"""Stored care data as the care core's inputs: customers and usage as numpy columns (built in
one step per column, never one object per customer), staff, risk flags, task history, grants.

Customers are sorted by id in numpy rather than by the database, whose collation may differ
between SQLite and PostgreSQL: both then plan the same tasks in the same order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from tiexin.adapters.care_cache import CareCache, CustomerSnapshot, UsageSnapshot
from tiexin.adapters.storage.unit_of_work import SqlUnitOfWork
from tiexin.care.dates import add_months, month_start
from tiexin.care.history import TaskHistory
from tiexin.care.model import (
    CUSTOMER_COLUMNS,
    TIERS,
    CustomerTable,
    Role,
    Staff,
    UsageTable,
    locate,
)
from tiexin.care.params import PlanFitParams
from tiexin.care.rules import CareRules, CareRulesError, default_care_rules, load_care_rules
from tiexin.domain.errors import TiexinError

# customers changed since the kept snapshot, as a share of all, beyond which it is written again
# (until then each run reads those few customers again, rather than writing them all)
RESAVE_SHARE = 0.01
USAGE_MONTHS = 3  # recharge offers read the mean bill of the last three complete months
_STRING_COLUMNS = ("customer_id", "msisdn", "name", "branch", "county", "plan_id")


@dataclass(frozen=True, slots=True, eq=False)
class CustomersSeen:
    """The customers a run read, as a snapshot labelled with the last change it holds for
    certain, and how many of them were read from the database rather than taken from the kept
    snapshot (None: all of them, there being no snapshot or a new customer)."""

    snapshot: CustomerSnapshot
    changed: int | None


@dataclass(frozen=True, slots=True, eq=False)
class Assigned:
    """The customers with a run's account-manager assignments, stored as change `seq`."""

    customers: CustomerTable
    seq: int
    count: int


@dataclass(frozen=True, slots=True, eq=False)
class CareInputs:
    customers: CustomerTable
    usage: UsageTable
    staff: tuple[Staff, ...]
    risk_flags: dict[str, str]
    history: TaskHistory
    grants: dict[str, list[date]]
    loads: dict[str, int]  # tasks still to be called per assignee (CALL_PENDING)
    seen: CustomersSeen | None = None  # with a cache: what `keep_customers` may save


def customer_digest(ids: npt.NDArray[np.str_]) -> str:
    """A digest of customer ids in their order (a usage table's rows index them)."""
    digest = hashlib.blake2b(ids.dtype.str.encode(), digest_size=16)
    digest.update(np.ascontiguousarray(ids).view(np.uint8).data)
    return digest.hexdigest()


def read_rules(path: Path | None) -> CareRules:
    """The rules of `path`, or the bundled default rules; errors name the file and line."""
    if path is None:
        return default_care_rules()
    if not path.is_file():
        raise TiexinError(f"{path}: care rules file not found")
    try:
        return load_care_rules(path)
    except UnicodeDecodeError as exc:
        raise TiexinError(f"{path}: not UTF-8 text (byte {exc.start}: {exc.reason})") from None
    except CareRulesError as exc:
        raise TiexinError(str(exc)) from None


def usage_months(rules: CareRules) -> int:
    """How many complete months of usage before the as-of month the rules read."""
    months = [r.params.months for r in rules.rules if isinstance(r.params, PlanFitParams)]
    return max([USAGE_MONTHS, *months])


def customer_table(columns: Mapping[str, npt.NDArray[Any]]) -> CustomerTable:
    """Customer columns (CUSTOMER_COLUMNS) as a table sorted by customer id."""
    ids = columns["customer_id"]
    # often read in id order already (imported so, not updated since): then nothing is copied
    in_order = bool((ids[:-1] <= ids[1:]).all())
    order: slice | npt.NDArray[np.int64] = (
        slice(None) if in_order else np.argsort(ids, kind="stable")
    )
    tier_index = np.full(len(ids), -1, dtype=np.int8)
    for index, tier in enumerate(TIERS):
        tier_index[columns["tier"] == tier] = index
    if (tier_index < 0).any():
        unknown = sorted(set(columns["tier"][tier_index < 0].tolist()))
        raise TiexinError(f"stored customers with unknown tiers: {unknown}")
    if isinstance(order, slice):
        return CustomerTable(
            **{name: columns[name] for name in CUSTOMER_COLUMNS if name != "tier"},
            tier=tier_index,
        )
    # np.take, not indexing: several times faster for numpy's fixed-width text
    return CustomerTable(
        **{name: np.take(columns[name], order) for name in CUSTOMER_COLUMNS if name != "tier"},
        tier=np.take(tier_index, order),
    )


def usage_table(columns: Mapping[str, npt.NDArray[Any]], customers: CustomerTable) -> UsageTable:
    """Usage columns (USAGE_COLUMNS) joined to the customers' rows; usage of unknown customers
    is left out."""
    row, found = _locate_runs(customers.customer_id, columns["customer_id"])
    # usually every row's customer is known: then the columns are used as read, not copied
    keep: slice | npt.NDArray[np.bool_] = slice(None) if found.all() else found
    return UsageTable(
        row=row[keep],
        month=columns["month"][keep].astype("datetime64[M]"),
        voice_minutes=columns["voice_minutes"][keep],
        data_gb=columns["data_gb"][keep],
        sms=columns["sms"][keep],
        bill_yuan=columns["bill_yuan"][keep],
    )


def patch_customers(base: CustomerTable, changed: CustomerTable) -> CustomerTable | None:
    """`base` with the rows of the `changed` customers replaced by theirs; None when one of
    them is not in `base` (a new customer changes every row's place). A column in which
    nothing changed is `base`'s own array, not a copy."""
    if not len(changed):
        return base
    row, found = locate(base.customer_id, changed.customer_id)
    if not found.all():
        return None
    columns = {}
    for name in CUSTOMER_COLUMNS:
        column, new = getattr(base, name), getattr(changed, name)
        dtype = np.promote_types(column.dtype, new.dtype)  # text may have grown wider
        if dtype == column.dtype and np.array_equal(column[row], new):
            columns[name] = column
            continue
        columns[name] = column.astype(dtype)  # a copy: the snapshot's arrays are read-only
        columns[name][row] = new
    return CustomerTable(**columns)


def _locate_runs(
    sorted_ids: npt.NDArray[np.str_], wanted: npt.NDArray[np.str_]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """`locate`, searching once per run of equal ids: a customer's months are usually
    stored, and read, one after another."""
    if not len(wanted):
        return locate(sorted_ids, wanted)
    starts = np.flatnonzero(np.concatenate(([True], wanted[1:] != wanted[:-1])))
    position, found = locate(sorted_ids, wanted[starts])
    lengths = np.diff(np.append(starts, len(wanted)))
    return np.repeat(position, lengths), np.repeat(found, lengths)


def staff_list(uow: SqlUnitOfWork) -> tuple[Staff, ...]:
    return tuple(
        Staff(r.staff_id, r.name, Role(r.role), r.branch, r.county, r.capacity)
        for r in uow.care.staff_rows()
    )


def load_customers(uow: SqlUnitOfWork) -> CustomerTable:
    return customer_table(uow.care.customer_columns())


def load_inputs(
    uow: SqlUnitOfWork, rules: CareRules, as_of: date, cache: CareCache | None = None
) -> CareInputs:
    """Everything a care run for `as_of` reads. What an earlier run for the same date wrote
    (tasks, grants, their load) is left out, so a rerun plans exactly what the first run
    planned and storing it again adds nothing. With a `cache`, the customers are its
    snapshot with the customers changed since read again, and the usage is its snapshot when
    that is of the stored usage's version, months and customers; the usage read is kept, and
    the customers read are returned for `keep_customers`."""
    end = month_start(as_of)
    first = add_months(end, -usage_months(rules))
    cooldown = max((r.cooldown_days for r in rules.rules), default=0)
    # versions are read before the data: a snapshot is never labelled newer than what it holds
    usage_version = uow.care.usage_version() if cache is not None else None
    customers_version = uow.care.customers_version() if cache is not None else None
    kept_usage = cache.usage.load(usage_version, first, end) if cache and usage_version else None
    kept_customers = (
        cache.customers.load(customers_version[0]) if cache and customers_version else None
    )
    read = uow.care.run_columns(
        first,
        end,
        since=as_of - timedelta(days=cooldown),
        excluding=as_of,
        with_usage=kept_usage is None,
        customers_changed_after=kept_customers.seq if kept_customers else None,
    )
    customers = customer_table(read.customers)
    changed: int | None = None  # customers read from the database; None: all of them
    if kept_customers is not None:
        patched = patch_customers(kept_customers.customers, customers)
        if patched is not None:
            changed, customers = len(customers.customer_id), patched
        else:  # a new customer changes every row's place
            customers = load_customers(uow)
    seen = None
    if customers_version is not None:
        seen = CustomersSeen(CustomerSnapshot(*customers_version, customers), changed)
    digest = customer_digest(customers.customer_id) if cache is not None else ""
    if kept_usage is not None and kept_usage.customers == digest:
        usage = kept_usage.usage
    else:  # no snapshot, or one whose rows index other customers
        columns = read.usage if read.usage is not None else uow.care.usage_columns(first, end)
        usage = usage_table(columns, customers)
        if cache is not None and usage_version is not None:
            cache.usage.save(UsageSnapshot(usage_version, first, end, digest, usage))
    history = TaskHistory(
        customer_id=read.history["customer_id"],
        rule_id=read.history["rule_id"],
        open=read.history["open"] != 0,
        created=read.history["created_on"],
    )
    return CareInputs(
        customers=customers,
        usage=usage,
        staff=staff_list(uow),
        risk_flags=uow.care.risk_flags(),
        history=history,
        grants=uow.care.grants(excluding=as_of),
        loads=uow.care.pending_calls(excluding=as_of),
        seen=seen,
    )


def keep_customers(cache: CareCache, seen: CustomersSeen, assigned: Assigned | None) -> None:
    """Save the customers a run read for the next run, when they were all read or more than
    RESAVE_SHARE of them changed since the kept snapshot. When the run's manager assignments
    were the only change after the read, the saved customers include them: otherwise the next
    run would read every customer this one gave a manager again."""
    snapshot, changed = seen.snapshot, seen.changed
    if assigned is not None and assigned.seq == snapshot.seq + 1:
        snapshot = CustomerSnapshot(snapshot.version, assigned.seq, assigned.customers)
        changed = None if changed is None else changed + assigned.count
    if changed is None or changed > len(snapshot.customers.customer_id) * RESAVE_SHARE:
        cache.customers.save(snapshot)
