"""Calibration sessions and the labels each inspector gave each item of each call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.orm import Session

from .tables import calibration_scores, calibration_sessions, calls

Database = Session | Connection


@dataclass(frozen=True)
class CalibrationSessionRecord:
    id: int
    name: str
    created_by: str
    created_at: datetime
    closed_at: datetime | None
    call_ids: list[str]


@dataclass(frozen=True)
class CalibrationLabel:
    call_id: str
    inspector: str
    item_id: str
    result: str


def _session(row: object) -> CalibrationSessionRecord:
    return CalibrationSessionRecord(
        **{column.name: getattr(row, column.name) for column in calibration_sessions.columns}
    )


class SqlCalibrationRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, name: str, *, call_ids: list[str], created_by: str, at: datetime) -> int:
        result = self._db.execute(
            insert(calibration_sessions)
            .values(name=name, call_ids=call_ids, created_by=created_by, created_at=at)
            .returning(calibration_sessions.c.id)
        )
        return int(result.scalar_one())

    def get(self, session_id: int) -> CalibrationSessionRecord | None:
        query = select(calibration_sessions).where(calibration_sessions.c.id == session_id)
        row = self._db.execute(query).first()
        return None if row is None else _session(row)

    def all(self) -> list[CalibrationSessionRecord]:
        query = select(calibration_sessions).order_by(calibration_sessions.c.created_at.desc())
        return [_session(row) for row in self._db.execute(query)]

    def close(self, session_id: int, at: datetime) -> None:
        self._db.execute(
            update(calibration_sessions)
            .where(calibration_sessions.c.id == session_id)
            .values(closed_at=at)
        )

    def existing_call_ids(self, call_ids: list[str]) -> set[str]:
        query = select(calls.c.call_id).where(calls.c.call_id.in_(call_ids))
        return set(self._db.execute(query).scalars())

    def add_labels(
        self, session_id: int, call_id: str, inspector: str, labels: dict[str, str], at: datetime
    ) -> None:
        rows = [
            {
                "session_id": session_id,
                "call_id": call_id,
                "inspector": inspector,
                "item_id": item_id,
                "result": result,
                "at": at,
            }
            for item_id, result in labels.items()
        ]
        self._db.execute(insert(calibration_scores), rows)

    def labels(self, session_id: int) -> list[CalibrationLabel]:
        query = (
            select(
                calibration_scores.c.call_id,
                calibration_scores.c.inspector,
                calibration_scores.c.item_id,
                calibration_scores.c.result,
            )
            .where(calibration_scores.c.session_id == session_id)
            .order_by(calibration_scores.c.inspector, calibration_scores.c.id)
        )
        return [CalibrationLabel(*row) for row in self._db.execute(query)]
