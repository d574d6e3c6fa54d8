"""Scorecard evaluations: one stored result per call and scorecard version, all versions kept."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Connection, CursorResult, insert, select, update
from sqlalchemy.orm import Session

from .call_list import summarise_latest_evaluation
from .tables import calls, evaluations

Database = Session | Connection


class SqlEvaluationRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def save(
        self,
        call_id: str,
        *,
        scorecard_id: str,
        version: str,
        total: float,
        band: str | None,
        auto_failed: bool,
        result: dict[str, Any],
    ) -> None:
        """Store (or replace) the call's evaluation under this scorecard version.

        A re-scored version is updated in place, never deleted and re-inserted: the human review,
        item changes and appeals that hang on the evaluation's id must survive a rescore.
        """
        call_pk = self._db.execute(select(calls.c.id).where(calls.c.call_id == call_id)).scalar()
        if call_pk is None:
            raise LookupError(f"call {call_id} is not stored")
        same = (
            (evaluations.c.call_pk == call_pk)
            & (evaluations.c.scorecard_id == scorecard_id)
            & (evaluations.c.scorecard_version == version)
        )
        values = {
            "total": total,
            "band": band,
            "auto_failed": auto_failed,
            "result": result,
            "created_at": datetime.now(UTC),
        }
        updated = self._db.execute(update(evaluations).where(same).values(**values))
        if not cast(CursorResult[Any], updated).rowcount:
            self._db.execute(
                insert(evaluations).values(
                    call_pk=call_pk, scorecard_id=scorecard_id, scorecard_version=version, **values
                )
            )
        summarise_latest_evaluation(self._db, call_pk)

    def for_call(self, call_id: str) -> list[dict[str, Any]]:
        """Every evaluation of the call, newest first."""
        query = (
            select(evaluations.c.result)
            .join(calls, calls.c.id == evaluations.c.call_pk)
            .where(calls.c.call_id == call_id)
            .order_by(evaluations.c.created_at.desc(), evaluations.c.id.desc())
        )
        return [dict(row.result) for row in self._db.execute(query)]


def latest_evaluations(db: Database, call_pks: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The newest evaluation of each of these calls, by call primary key."""
    if not call_pks:
        return {}
    query = (
        select(evaluations.c.call_pk, evaluations.c.result)
        .where(evaluations.c.call_pk.in_(call_pks))
        .order_by(evaluations.c.call_pk, evaluations.c.created_at, evaluations.c.id)
    )
    return {row.call_pk: dict(row.result) for row in db.execute(query)}
