"""Calls as the review workbench reads them, and the human review of their evaluations.

Reads a call with its turns and evaluations (by evaluation id, which reviews hang on) and writes
the review state (`evaluation_reviews`), the item change history (`item_changes`) and appeals.
Rows come back as plain dicts; services decide who may see what.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.orm import Session

from .tables import appeals, call_turns, calls, evaluation_reviews, evaluations, item_changes

Database = Session | Connection
Row = dict[str, Any]

_EVALUATION_COLUMNS = (
    evaluations.c.id,
    evaluations.c.scorecard_id,
    evaluations.c.scorecard_version,
    evaluations.c.total,
    evaluations.c.band,
    evaluations.c.auto_failed,
    evaluations.c.result,
    evaluations.c.created_at,
    calls.c.call_id,
    calls.c.agent_id,
    calls.c.start_time,
)


class SqlReviewRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- reading a call
    def call(self, call_id: str) -> Row | None:
        row = self._db.execute(select(calls).where(calls.c.call_id == call_id)).one_or_none()
        return None if row is None else dict(row._mapping)

    def turns(self, call_pk: int) -> list[Row]:
        query = select(call_turns).where(call_turns.c.call_pk == call_pk).order_by(call_turns.c.idx)
        return [dict(row._mapping) for row in self._db.execute(query)]

    def evaluations_of_call(self, call_pk: int) -> list[Row]:
        """Every evaluation of the call, newest first."""
        query = (
            select(*_EVALUATION_COLUMNS)
            .join(calls, calls.c.id == evaluations.c.call_pk)
            .where(evaluations.c.call_pk == call_pk)
            .order_by(evaluations.c.created_at.desc(), evaluations.c.id.desc())
        )
        return [dict(row._mapping) for row in self._db.execute(query)]

    def evaluation(self, evaluation_id: int) -> Row | None:
        """One evaluation with its call's id and agent."""
        query = (
            select(*_EVALUATION_COLUMNS)
            .join(calls, calls.c.id == evaluations.c.call_pk)
            .where(evaluations.c.id == evaluation_id)
        )
        row = self._db.execute(query).one_or_none()
        return None if row is None else dict(row._mapping)

    # --- review state
    def reviews(self, evaluation_ids: Sequence[int]) -> dict[int, Row]:
        if not evaluation_ids:
            return {}
        query = select(evaluation_reviews).where(
            evaluation_reviews.c.evaluation_id.in_(evaluation_ids)
        )
        return {row.evaluation_id: dict(row._mapping) for row in self._db.execute(query)}

    def review(self, evaluation_id: int) -> Row | None:
        return self.reviews([evaluation_id]).get(evaluation_id)

    def save_review(self, evaluation_id: int, **values: Any) -> None:
        """Create the review row or update the given columns of it."""
        if self.review(evaluation_id) is None:
            self._db.execute(
                insert(evaluation_reviews).values(evaluation_id=evaluation_id, **values)
            )
            return
        self._db.execute(
            update(evaluation_reviews)
            .where(evaluation_reviews.c.evaluation_id == evaluation_id)
            .values(**values)
        )

    def evaluations_with_status(
        self, statuses: Sequence[str], *, agent_id: str | None = None
    ) -> list[Row]:
        """Reviewed evaluations in these states (of one agent's calls when given), newest first."""
        query = (
            select(*_EVALUATION_COLUMNS, evaluation_reviews)
            .join(calls, calls.c.id == evaluations.c.call_pk)
            .join(evaluation_reviews, evaluation_reviews.c.evaluation_id == evaluations.c.id)
            .where(evaluation_reviews.c.status.in_(statuses))
            .order_by(evaluation_reviews.c.released_at.desc(), evaluations.c.id.desc())
        )
        if agent_id is not None:
            query = query.where(calls.c.agent_id == agent_id)
        return [dict(row._mapping) for row in self._db.execute(query)]

    # --- item change history
    def add_change(self, **values: Any) -> None:
        self._db.execute(insert(item_changes).values(**values))

    def changes(self, evaluation_ids: Sequence[int]) -> dict[int, list[Row]]:
        """Each evaluation's item changes, oldest first."""
        found: dict[int, list[Row]] = {}
        if not evaluation_ids:
            return found
        query = (
            select(item_changes)
            .where(item_changes.c.evaluation_id.in_(evaluation_ids))
            .order_by(item_changes.c.at, item_changes.c.id)
        )
        for row in self._db.execute(query):
            found.setdefault(row.evaluation_id, []).append(dict(row._mapping))
        return found

    # --- appeals
    def add_appeal(self, **values: Any) -> int:
        inserted = self._db.execute(insert(appeals).values(**values).returning(appeals.c.id))
        return int(inserted.scalar_one())

    def appeal(self, appeal_id: int) -> Row | None:
        row = self._db.execute(select(appeals).where(appeals.c.id == appeal_id)).one_or_none()
        return None if row is None else dict(row._mapping)

    def appeals_of(self, evaluation_ids: Sequence[int]) -> dict[int, list[Row]]:
        """Each evaluation's appeals, oldest first."""
        found: dict[int, list[Row]] = {}
        if not evaluation_ids:
            return found
        query = (
            select(appeals)
            .where(appeals.c.evaluation_id.in_(evaluation_ids))
            .order_by(appeals.c.created_at, appeals.c.id)
        )
        for row in self._db.execute(query):
            found.setdefault(row.evaluation_id, []).append(dict(row._mapping))
        return found

    def decide_appeal(self, appeal_id: int, **values: Any) -> None:
        self._db.execute(update(appeals).where(appeals.c.id == appeal_id).values(**values))

    def open_appeal_count(self, evaluation_id: int) -> int:
        query = select(func.count()).where(
            (appeals.c.evaluation_id == evaluation_id) & (appeals.c.status == "open")
        )
        return int(self._db.execute(query).scalar_one())
