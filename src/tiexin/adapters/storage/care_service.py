"""Storage of the care service: stored care-rule versions, planned trips and visits, the
privileges ledger, and the reads behind the care pages (a phone manager's calls of the day, an
account manager's customers with their tasks and calls)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, Table, and_, func, insert, or_, select, update
from sqlalchemy.orm import Session

from .tables import (
    calls,
    care_customers,
    care_redemptions,
    care_rule_versions,
    care_staff,
    care_tasks,
    care_trips,
    care_visits,
    sms_outbox,
)

AnyRow = Row[*tuple[Any, ...]]  # a row of any columns
# A call still to be worked: not yet answered for good (accepted/declined) nor closed.
WORKABLE_STATUSES = ("open", "notified", "contacted", "callback", "unreachable")


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class SqlCareServiceRepository:
    def __init__(self, db: Session) -> None:
        self._db = db

    def _insert_id(self, table: Table, values: dict[str, Any]) -> int:
        statement = insert(table).values(**values).returning(table.c.id)
        return int(self._db.execute(statement).scalar_one())

    # ---- care-rule versions ----

    def add_rule_version(self, *, version: str, yaml: str, saved_by: str, now: datetime) -> int:
        values = {"version": version, "yaml": yaml, "saved_by": saved_by, "saved_at": now}
        return self._insert_id(care_rule_versions, values)

    def newest_rule_version(self) -> Row[Any] | None:
        query = select(care_rule_versions).order_by(care_rule_versions.c.id.desc()).limit(1)
        return self._db.execute(query).first()

    def rule_version(self, version_id: int) -> Row[Any] | None:
        query = select(care_rule_versions).where(care_rule_versions.c.id == version_id)
        return self._db.execute(query).first()

    def rule_versions(self, limit: int) -> list[AnyRow]:
        v = care_rule_versions.c
        query = select(v.id, v.version, v.saved_by, v.saved_at).order_by(v.id.desc()).limit(limit)
        return list(self._db.execute(query).all())

    # ---- staff ----

    def staff_member(self, staff_id: str) -> Row[Any] | None:
        query = select(care_staff).where(care_staff.c.staff_id == staff_id)
        return self._db.execute(query).first()

    def staff_names(self, staff_ids: Sequence[str]) -> dict[str, str]:
        query = select(care_staff.c.staff_id, care_staff.c.name).where(
            care_staff.c.staff_id.in_(list(staff_ids))
        )
        return {staff_id: name for staff_id, name in self._db.execute(query)}

    # ---- trips and visits ----

    def add_trip(
        self,
        *,
        staff_id: str,
        day: date,
        areas: Sequence[str],
        note: str | None,
        created_by: str,
        now: datetime,
    ) -> int:
        values = {
            "staff_id": staff_id,
            "day": day,
            "areas": list(areas),
            "note": note,
            "created_by": created_by,
            "created_at": now,
        }
        return self._insert_id(care_trips, values)

    def trip(self, trip_id: int) -> Row[Any] | None:
        return self._db.execute(select(care_trips).where(care_trips.c.id == trip_id)).first()

    def active_staff_trips_between(self, first: date, last: date) -> list[Row[Any]]:
        """Trips on days in [first, last] of staff still on the staff list: a retired
        colleague's trip carries nothing."""
        t, s = care_trips.c, care_staff.c
        query = (
            select(care_trips)
            .join(care_staff, s.staff_id == t.staff_id)
            .where(t.day >= first, t.day <= last, s.active.is_(True))
            .order_by(t.day, t.id)
        )
        return list(self._db.execute(query).all())

    def visit(self, task_id: str) -> Row[Any] | None:
        return self._db.execute(select(care_visits).where(care_visits.c.task_id == task_id)).first()

    def save_visit(self, task_id: str, customer_id: str, values: dict[str, Any]) -> None:
        """Create the task's visit row or change the given columns of it."""
        if self.visit(task_id) is None:
            row = {"task_id": task_id, "customer_id": customer_id, **values}
            self._db.execute(insert(care_visits).values(**row))
            return
        statement = update(care_visits).where(care_visits.c.task_id == task_id).values(**values)
        self._db.execute(statement)

    def visits_of(self, task_ids: Sequence[str]) -> dict[str, Row[Any]]:
        query = select(care_visits).where(care_visits.c.task_id.in_(list(task_ids)))
        return {row.task_id: row for row in self._db.execute(query)}

    # ---- privileges ----

    def locked_customer(self, customer_id: str) -> Row[Any] | None:
        """The customer row, locked until the transaction ends (PostgreSQL), so two redemptions
        at once cannot both spend the last one."""
        query = select(care_customers).where(care_customers.c.customer_id == customer_id)
        return self._db.execute(query.with_for_update()).first()

    def used_privileges(self, customer_id: str, year: int) -> dict[str, int]:
        r = care_redemptions.c
        query = (
            select(r.privilege_id, func.count())
            .where(r.customer_id == customer_id, r.year == year)
            .group_by(r.privilege_id)
        )
        return {privilege: int(count) for privilege, count in self._db.execute(query)}

    def add_redemption(
        self,
        *,
        customer_id: str,
        privilege_id: str,
        redeemed_on: date,
        recorded_by: str,
        note: str | None,
        now: datetime,
    ) -> int:
        values = {
            "customer_id": customer_id,
            "privilege_id": privilege_id,
            "year": redeemed_on.year,
            "redeemed_on": redeemed_on,
            "recorded_by": recorded_by,
            "note": note,
            "created_at": now,
        }
        return self._insert_id(care_redemptions, values)

    def redemptions(self, customer_id: str, year: int, limit: int) -> list[Row[Any]]:
        """The customer's redemptions of one calendar year, newest first."""
        r = care_redemptions.c
        query = (
            select(care_redemptions)
            .where(r.customer_id == customer_id, r.year == year)
            .order_by(r.redeemed_on.desc(), r.id.desc())
            .limit(limit)
        )
        return list(self._db.execute(query).all())

    # ---- page reads ----

    def calls_to_work(self, assignee: str, day: date) -> list[AnyRow]:
        """A phone manager's call tasks due by `day` and still to be worked, most urgent first,
        with the customer and the SMS pre-notice."""
        t, c, s = care_tasks.c, care_customers.c, sms_outbox.c
        query = (
            select(
                care_tasks,
                c.name.label("customer_name"),
                c.tier,
                c.msisdn,
                s.status.label("sms_status"),
                s.sent_at.label("sms_sent_at"),
                s.last_error.label("sms_error"),
            )
            .join(care_customers, c.customer_id == t.customer_id)
            .outerjoin(sms_outbox, s.task_id == t.task_id)
            .where(
                t.assignee == assignee,
                t.channel == "call",
                t.status.in_(WORKABLE_STATUSES),
                t.due <= day,
            )
            .order_by(t.priority, t.due, t.task_id)
        )
        return list(self._db.execute(query).all())

    def customers(
        self, *, manager: str | None, query: str | None, tier: str | None, limit: int, offset: int
    ) -> tuple[list[Row[Any]], int]:
        """Customers (of one account manager, or all) matching the search, by name; and the
        count of all matching."""
        c = care_customers.c
        conditions = [c.tier != "none"]
        if manager is not None:
            conditions.append(c.account_manager_id == manager)
        if tier:
            conditions.append(c.tier == tier)
        if query:
            pattern = _like(query)
            conditions.append(
                or_(
                    c.customer_id.like(pattern, escape="\\"),
                    c.name.like(pattern, escape="\\"),
                    c.msisdn.like(pattern, escape="\\"),
                )
            )
        where = and_(*conditions)
        total = self._db.execute(select(func.count()).where(where)).scalar_one()
        open_tasks = (
            select(func.count())
            .where(care_tasks.c.customer_id == c.customer_id, care_tasks.c.open_slot.is_not(None))
            .scalar_subquery()
            .label("open_tasks")
        )
        page = (
            select(care_customers, open_tasks)
            .where(where)
            .order_by(c.name, c.customer_id)
            .limit(limit)
            .offset(offset)
        )
        return list(self._db.execute(page).all()), int(total)

    def tasks_of_customer(self, customer_id: str, limit: int) -> list[Row[Any]]:
        t = care_tasks.c
        query = (
            select(care_tasks)
            .where(t.customer_id == customer_id)
            .order_by(t.created_on.desc(), t.priority, t.task_id)
            .limit(limit)
        )
        return list(self._db.execute(query).all())

    def calls_of_number(self, msisdn: str, limit: int) -> list[AnyRow]:
        k = calls.c
        query = (
            select(
                k.call_id, k.start_time, k.agent_id, k.line, k.duration_s, k.score, k.band, k.status
            )
            .where(k.customer_msisdn == msisdn)
            .order_by(k.start_time.desc(), k.id.desc())
            .limit(limit)
        )
        return list(self._db.execute(query).all())
