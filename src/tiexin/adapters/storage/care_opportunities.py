"""Reads that link calls to care: the customers behind phone numbers, and their care tasks that
may have been open at some moment (with the status moves after it)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, Select, or_, select
from sqlalchemy.orm import Session

from .tables import care_customers, care_task_events, care_tasks


class SqlCareOpportunityRepository:
    def __init__(self, db: Session) -> None:
        self._db = db

    def customers_by_msisdn(self, msisdns: Collection[str]) -> dict[str, list[str]]:
        """The customer ids behind each number (a number may, by mistake, have several)."""
        c = care_customers.c
        query = select(c.msisdn, c.customer_id).where(c.msisdn.in_(sorted(set(msisdns))))
        found: dict[str, list[str]] = defaultdict(list)
        for msisdn, customer_id in self._db.execute(query.order_by(c.customer_id)):
            found[msisdn].append(customer_id)
        return dict(found)

    def tasks_possibly_open(
        self,
        customer_ids: Collection[str],
        *,
        open_statuses: Collection[str],
        created_by: date,
        since: datetime,
    ) -> list[Row[Any]]:
        """Tasks of these customers created by `created_by` that are open now or changed after
        `since`: every task that may have been open at a moment after `since`."""
        t = care_tasks.c
        query: Select[Any] = select(
            t.task_id, t.customer_id, t.rule_id, t.rule_type, t.created_on, t.status, t.facts
        ).where(
            t.customer_id.in_(sorted(set(customer_ids))),
            t.created_on <= created_by,
            or_(t.status.in_(list(open_statuses)), t.updated_at > since),
        )
        return list(self._db.execute(query.order_by(t.customer_id, t.task_id)).all())

    def task_moves_after(self, task_ids: Collection[str], since: datetime) -> list[Row[Any]]:
        """Status moves of these tasks after `since`, oldest first: (task_id, from_status, at)."""
        e = care_task_events.c
        query: Select[Any] = (
            select(e.task_id, e.from_status, e.at)
            .where(e.task_id.in_(sorted(set(task_ids))), e.at > since)
            .order_by(e.at, e.id)
        )
        return list(self._db.execute(query).all())
