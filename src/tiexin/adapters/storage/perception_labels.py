"""Inspectors' customer-satisfaction labels of calls, and the labelled calls to train on."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.orm import Session

from .tables import call_turns, calls, perception_labels

Database = Session | Connection
Row = dict[str, Any]


class SqlPerceptionLabelRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def save(self, call_pk: int, username: str, satisfaction: int, at: datetime) -> int | None:
        """Set this user's label of the call; returns the label it replaced, if any."""
        where = (perception_labels.c.call_pk == call_pk) & (
            perception_labels.c.username == username
        )
        previous = self._db.execute(
            select(perception_labels.c.satisfaction).where(where)
        ).scalar_one_or_none()
        if previous is None:
            self._db.execute(
                insert(perception_labels).values(
                    call_pk=call_pk, username=username, satisfaction=satisfaction, labelled_at=at
                )
            )
        else:
            self._db.execute(
                update(perception_labels)
                .where(where)
                .values(satisfaction=satisfaction, labelled_at=at)
            )
        return previous

    def of_call(self, call_pk: int) -> list[Row]:
        """The call's labels, oldest first: username, satisfaction, labelled_at."""
        query = (
            select(
                perception_labels.c.username,
                perception_labels.c.satisfaction,
                perception_labels.c.labelled_at,
            )
            .where(perception_labels.c.call_pk == call_pk)
            .order_by(perception_labels.c.labelled_at, perception_labels.c.username)
        )
        return [dict(row._mapping) for row in self._db.execute(query)]

    def labels_by_call(self) -> dict[str, list[int]]:
        """Every labelled call's labels by call id, in call id order."""
        query = (
            select(calls.c.call_id, perception_labels.c.satisfaction)
            .join(calls, calls.c.id == perception_labels.c.call_pk)
            .order_by(calls.c.call_id, perception_labels.c.username)
        )
        found: dict[str, list[int]] = {}
        for row in self._db.execute(query):
            found.setdefault(row.call_id, []).append(row.satisfaction)
        return found

    def turns_of_labelled_calls(self) -> dict[str, list[Row]]:
        """The masked turns (role, text) of every labelled call by call id, in order.

        A subquery rather than a list of ids, so any number of labelled calls stays within the
        databases' bound-parameter limits.
        """
        labelled = select(perception_labels.c.call_pk).distinct()
        query = (
            select(calls.c.call_id, call_turns.c.role, call_turns.c.text)
            .join(calls, calls.c.id == call_turns.c.call_pk)
            .where(call_turns.c.call_pk.in_(labelled))
            .order_by(calls.c.call_id, call_turns.c.idx)
        )
        found: dict[str, list[Row]] = {}
        for row in self._db.execute(query):
            found.setdefault(row.call_id, []).append({"role": row.role, "text": row.text})
        return found
