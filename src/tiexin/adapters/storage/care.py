"""The care engine's storage: imported customers, usage, staff and risk flags; care tasks, their
events, the grace-credit ledger and the SMS outbox.

Imports upsert in bulk (customers and usage as Arrow columns, `column_writes.upsert_columns`;
staff through `bulk.upsert_rows`), so a repeated import never duplicates a row; the care run
stores only the tasks not yet stored (an interrupted run resumes) with bulk inserts
(`bulk.insert_columns`), and reads its inputs as numpy columns, all at once
(`columns.read_column_sets`).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

import pyarrow as pa
from sqlalchemy import (
    Row,
    Select,
    and_,
    case,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from tiexin.care.model import CALL_PENDING, CUSTOMER_COLUMNS, USAGE_COLUMNS

from .bulk import insert_columns, insert_rows, update_rows, upsert_rows
from .column_writes import stored_values, upsert_columns
from .columns import DAY, FLOAT, INT, LABEL, TEXT, Columns, read_column_sets, read_columns
from .tables import (
    care_customers,
    care_data_versions,
    care_grace_credits,
    care_manager_history,
    care_risk_flags,
    care_staff,
    care_task_events,
    care_tasks,
    care_usage,
    sms_outbox,
)

Values = Mapping[str, Any]
_CUSTOMER_KINDS = {
    **dict.fromkeys(CUSTOMER_COLUMNS, TEXT),
    # text that repeats across customers (people share names) is converted once per value
    **dict.fromkeys(("name", "tier", "branch", "county", "plan_id", "account_manager_id"), LABEL),
    **dict.fromkeys(("birthday", "points_expiry", "join_date"), DAY),
    "balance_yuan": FLOAT,
    "points": INT,
}
_HISTORY_KINDS = {"customer_id": TEXT, "rule_id": LABEL, "open": INT, "created_on": DAY}
_USAGE_KINDS = {
    "customer_id": TEXT,
    "month": DAY,
    "voice_minutes": FLOAT,
    "data_gb": FLOAT,
    "sms": INT,
    "bill_yuan": FLOAT,
}
_STREAM_ROWS = 2_000


USAGE_DATA, CUSTOMER_DATA = "usage", "customers"  # care_data_versions.name


class RunColumns(NamedTuple):
    customers: Columns
    usage: Columns | None  # None when not asked for
    history: Columns


def _customers_query(changed_after: int | None = None) -> Select[Any]:
    c = care_customers.c
    query = select(*(c[n] for n in CUSTOMER_COLUMNS))
    return query if changed_after is None else query.where(c.changed_seq > changed_after)


def _usage_query(first: date, end: date) -> Select[Any]:
    u = care_usage.c
    return select(*(u[n] for n in USAGE_COLUMNS)).where(u.month >= first, u.month < end)


class SqlCareRepository:
    def __init__(self, db: Session) -> None:
        self._db = db

    # ---- writing in bulk ----

    # ---- imports ----

    def upsert_customers(self, rows: pa.Table, now: datetime) -> int:
        """Add or update customers (columns named as in care_customers, each customer once;
        a column left out keeps its stored values); a changed account manager is recorded in
        the history. Returns how many managers changed."""
        with_managers = "account_manager_id" in rows.column_names
        history = self._imported_managers(rows, now) if with_managers else []
        upsert_columns(
            self._db,
            care_customers,
            rows,
            keep=["account_manager_id"] if with_managers else [],
            constants={"updated_at": now, "changed_seq": self._changed(CUSTOMER_DATA, now)},
        )
        if history:
            insert_rows(self._db, care_manager_history, history)
        return len(history)

    def _imported_managers(self, rows: pa.Table, now: datetime) -> list[Values]:
        """History rows of the managers `rows` change (an empty one keeps the stored)."""
        c = care_customers.c
        ids, managers = (rows.column(n).to_pylist() for n in ("customer_id", "account_manager_id"))
        named = [(i, m) for i, m in zip(ids, managers, strict=True) if m is not None]
        before = stored_values(self._db, c.customer_id, c.account_manager_id, [i for i, _ in named])
        return [
            {
                "customer_id": customer_id,
                "from_staff_id": before[customer_id],
                "to_staff_id": manager,
                "at": now,
                "reason": "imported",
            }
            for customer_id, manager in named
            if customer_id in before and manager != before[customer_id]
        ]

    def upsert_usage(self, rows: pa.Table, now: datetime) -> None:
        """Add or update monthly usage (columns named as in care_usage, each customer and
        month once); the stored usage gets a new version (`usage_version`)."""
        upsert_columns(self._db, care_usage, rows)
        self._changed(USAGE_DATA, now, new_version=True)

    def usage_version(self) -> str | None:
        """The stored usage's version, new with every change through `upsert_usage`."""
        v = care_data_versions.c
        return self._db.execute(select(v.version).where(v.name == USAGE_DATA)).scalar()

    def customers_version(self) -> tuple[str, int] | None:
        """The customers' version (random to this database) and how many changes they have
        had; a customer row's `changed_seq` is the number of the change that wrote it last."""
        v = care_data_versions.c
        row = self._db.execute(select(v.version, v.seq).where(v.name == CUSTOMER_DATA)).first()
        return None if row is None else (row.version, int(row.seq))

    def _changed(self, name: str, now: datetime, *, new_version: bool = False) -> int:
        """Count a change of `name` (and give it a new version); returns its number. The row
        stays locked until the transaction ends, so changes commit in the order of their
        numbers: a reader that sees number n sees every change up to n."""
        v = care_data_versions.c
        values: dict[str, Any] = {"seq": v.seq + 1, "changed_at": now}
        if new_version:
            values["version"] = uuid.uuid4().hex
        statement = update(care_data_versions).where(v.name == name).values(**values)
        # migration 0010 gives every database its rows
        return int(self._db.execute(statement.returning(v.seq)).scalar_one())

    def replace_staff(self, rows: Sequence[Values], now: datetime, *, retire_others: bool) -> None:
        """Add or update staff; with `retire_others`, staff not in `rows` become inactive."""
        if retire_others:
            self._db.execute(update(care_staff).values(active=False))
        upsert_rows(self._db, care_staff, [{**r, "active": True, "updated_at": now} for r in rows])

    def replace_risk_flags(self, rows: Sequence[Values], now: datetime) -> None:
        self._db.execute(delete(care_risk_flags))
        if rows:
            self._db.execute(insert(care_risk_flags), [{**r, "imported_at": now} for r in rows])

    # ---- reading for the care run ----

    def customer_count(self) -> int:
        return int(self._db.execute(select(func.count()).select_from(care_customers)).scalar_one())

    def customer_columns(self) -> Columns:
        """Every customer, column by column (CUSTOMER_COLUMNS), in no particular order."""
        return read_columns(self._db, _customers_query(), _CUSTOMER_KINDS)

    def usage_columns(self, first: date, end: date) -> Columns:
        """Usage of the months from `first` up to, not including, `end`, column by column
        (USAGE_COLUMNS)."""
        return read_columns(self._db, _usage_query(first, end), _USAGE_KINDS)

    def run_columns(
        self,
        first: date,
        end: date,
        *,
        since: date,
        excluding: date,
        with_usage: bool = True,
        customers_changed_after: int | None = None,
    ) -> RunColumns:
        """A care run's inputs, read at once: the customers (as `customer_columns`, or only
        those written by a change after `customers_changed_after`, see `customers_version`);
        the usage of the months from `first` up to, not
        including, `end` (USAGE_COLUMNS), unless not `with_usage`; and customer_id, rule_id,
        open (1 or 0) and created_on of the tasks that may still block a new one: those not
        closed, and those created on `since` or later, leaving out the tasks created on
        `excluding`."""
        t = care_tasks.c
        is_open = case((t.open_slot.is_(None), 0), else_=1).label("open")
        history = select(t.customer_id, t.rule_id, is_open, t.created_on).where(
            t.created_on != excluding, or_(t.open_slot.is_not(None), t.created_on >= since)
        )
        reads = [
            (_customers_query(customers_changed_after), _CUSTOMER_KINDS),
            (history, _HISTORY_KINDS),
        ]
        if with_usage:
            reads.append((_usage_query(first, end), _USAGE_KINDS))
        customers, history_columns, *usage_columns = read_column_sets(self._db, reads)
        return RunColumns(customers, usage_columns[0] if with_usage else None, history_columns)

    def staff_rows(self) -> list[Row[Any]]:
        """Active staff."""
        query = select(care_staff).where(care_staff.c.active.is_(True))
        return list(self._db.execute(query.order_by(care_staff.c.staff_id)).all())

    def risk_flags(self) -> dict[str, str]:
        query = select(care_risk_flags.c.customer_id, care_risk_flags.c.reason)
        return dict(self._db.execute(query).all())

    def grants(self, *, excluding: date) -> dict[str, list[date]]:
        g = care_grace_credits.c
        query = select(g.customer_id, g.granted_on).where(g.granted_on != excluding)
        grants: dict[str, list[date]] = defaultdict(list)
        for customer_id, granted_on in self._db.execute(query):
            grants[customer_id].append(granted_on)
        return dict(grants)

    def pending_calls(self, *, excluding: date) -> dict[str, int]:
        """Tasks still to be called (CALL_PENDING) per assignee, leaving out the tasks created
        on `excluding`."""
        t = care_tasks.c
        query = (
            select(t.assignee, func.count())
            .where(t.status.in_(CALL_PENDING), t.assignee.is_not(None), t.created_on != excluding)
            .group_by(t.assignee)
        )
        return {a: int(n) for a, n in self._db.execute(query)}

    # ---- storing a care run ----

    def task_ids_created_on(self, day: date) -> set[str]:
        query = select(care_tasks.c.task_id).where(care_tasks.c.created_on == day)
        return set(self._db.execute(query).scalars())

    # new rows only (`task_ids_created_on` tells which are stored): bulk inserts, no upserts

    def add_tasks(self, columns: Mapping[str, Sequence[Any]]) -> None:
        """Tasks given column by column."""
        insert_columns(self._db, care_tasks, columns)

    def add_grace_credits(self, rows: Sequence[Values]) -> None:
        insert_rows(self._db, care_grace_credits, rows)

    def queue_sms(self, columns: Mapping[str, Sequence[Any]]) -> None:
        """Messages given column by column."""
        insert_columns(self._db, sms_outbox, columns)

    def set_account_managers(self, rows: Sequence[Values], now: datetime) -> int | None:
        """rows: customer_id, from_staff_id, to_staff_id, reason; history kept. Returns the
        number of the change (`customers_version`), None when there was none."""
        if not rows:
            return None
        seq = self._changed(CUSTOMER_DATA, now)
        changes = [
            {
                "customer_id": r["customer_id"],
                "account_manager_id": r["to_staff_id"],
                "updated_at": now,
                "changed_seq": seq,
            }
            for r in rows
        ]
        update_rows(self._db, care_customers, changes, "customer_id")
        insert_rows(self._db, care_manager_history, [{**r, "at": now} for r in rows])
        return seq

    # ---- tasks ----

    def busiest_staff(self) -> tuple[str | None, str | None]:
        """The phone manager with the most open call tasks and the account manager with the
        most customers (the demo signs in as them)."""
        calls = (
            select(care_tasks.c.assignee)
            .where((care_tasks.c.channel == "call") & (care_tasks.c.status == "open"))
            .where(care_tasks.c.assignee.is_not(None))
            .group_by(care_tasks.c.assignee)
            .order_by(func.count().desc(), care_tasks.c.assignee)
            .limit(1)
        )
        customers = (
            select(care_customers.c.account_manager_id)
            .where(care_customers.c.account_manager_id.is_not(None))
            .group_by(care_customers.c.account_manager_id)
            .order_by(func.count().desc(), care_customers.c.account_manager_id)
            .limit(1)
        )
        return self._db.execute(calls).scalar(), self._db.execute(customers).scalar()

    def task(self, task_id: str) -> Row[Any] | None:
        query = select(care_tasks).where(care_tasks.c.task_id == task_id)
        return self._db.execute(query).first()

    def task_events(self, task_id: str) -> list[Row[Any]]:
        query = select(care_task_events).where(care_task_events.c.task_id == task_id)
        return list(self._db.execute(query.order_by(care_task_events.c.id)).all())

    def move_task(
        self,
        task_id: str,
        *,
        from_status: str,
        to_status: str,
        actor: str,
        note: str | None,
        now: datetime,
    ) -> bool:
        """Change a task's status if it still has `from_status`; the event is recorded.
        False when someone else changed it first."""
        t = care_tasks.c
        changes: dict[str, Any] = {"status": to_status, "updated_at": now}
        changes["open_slot"] = None if to_status == "closed" else 1
        if note:
            changes["note"] = note
        statement = (
            update(care_tasks)
            .where(and_(t.task_id == task_id, t.status == from_status))
            .values(**changes)
        )
        if self._db.execute(statement).rowcount != 1:  # type: ignore[attr-defined]
            return False
        event = {
            "task_id": task_id,
            "from_status": from_status,
            "to_status": to_status,
            "actor": actor,
            "note": note,
            "at": now,
        }
        self._db.execute(insert(care_task_events).values(**event))
        return True

    def set_plan(self, customer_id: str, plan_id: str, now: datetime) -> None:
        statement = (
            update(care_customers)
            .where(care_customers.c.customer_id == customer_id)
            .values(plan_id=plan_id, updated_at=now, changed_seq=self._changed(CUSTOMER_DATA, now))
        )
        self._db.execute(statement)

    def customer(self, customer_id: str) -> Row[Any] | None:
        query = select(care_customers).where(care_customers.c.customer_id == customer_id)
        return self._db.execute(query).first()

    def manager_history(self, customer_id: str) -> list[Row[Any]]:
        h = care_manager_history.c
        query = select(care_manager_history).where(h.customer_id == customer_id)
        return list(self._db.execute(query.order_by(h.id)).all())

    # ---- SMS ----

    def due_sms(self, now: datetime, limit: int) -> list[Row[Any]]:
        """Queued messages whose time has come, with their task's status (`task_status`)."""
        s = sms_outbox.c
        query = (
            select(sms_outbox, care_tasks.c.status.label("task_status"))
            .join(care_tasks, care_tasks.c.task_id == s.task_id)
            .where(s.status == "queued", s.send_at <= now)
            .order_by(s.send_at, s.task_id)
            .limit(limit)
        )
        return list(self._db.execute(query).all())

    def sms_withdrawn(self, task_id: str) -> None:
        statement = (
            update(sms_outbox)
            .where(sms_outbox.c.task_id == task_id, sms_outbox.c.status == "queued")
            .values(status="withdrawn")
        )
        self._db.execute(statement)

    def sms_sent(self, task_id: str, now: datetime) -> None:
        statement = (
            update(sms_outbox)
            .where(sms_outbox.c.task_id == task_id)
            .values(status="sent", sent_at=now, attempts=sms_outbox.c.attempts + 1, last_error=None)
        )
        self._db.execute(statement)

    def sms_failed(self, task_id: str, error: str, retry_at: datetime) -> None:
        statement = (
            update(sms_outbox)
            .where(sms_outbox.c.task_id == task_id)
            .values(send_at=retry_at, attempts=sms_outbox.c.attempts + 1, last_error=error)
        )
        self._db.execute(statement)

    # ---- exports ----

    def iter_customers(self) -> Iterator[dict[str, Any]]:
        query = select(care_customers).order_by(care_customers.c.customer_id)
        return self._stream(query)

    def iter_tasks(self) -> Iterator[dict[str, Any]]:
        return self._stream(select(care_tasks).order_by(care_tasks.c.task_id))

    def iter_sms(self) -> Iterator[dict[str, Any]]:
        return self._stream(select(sms_outbox).order_by(sms_outbox.c.task_id))

    def _stream(self, query: Any) -> Iterator[dict[str, Any]]:
        result = self._db.execute(query.execution_options(yield_per=_STREAM_ROWS))
        for row in result:
            yield dict(row._mapping)
