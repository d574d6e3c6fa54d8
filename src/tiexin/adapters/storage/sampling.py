"""Sampling plans per line and the weekly review queue."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.orm import Session

from .evaluations import latest_evaluations
from .tables import (
    call_turns,
    calls,
    evaluation_reviews,
    evaluations,
    review_queue,
    sampling_plans,
)

Database = Session | Connection


@dataclass(frozen=True)
class SamplingPlanRecord:
    line: str
    calls_per_agent_per_week: int
    random_share: float
    updated_by: str | None
    updated_at: datetime | None


@dataclass(frozen=True)
class WeekCall:
    """An analysed call of the week with what the ranking needs from the database."""

    call_pk: int
    call_id: str
    line: str
    agent_id: str
    start_time: datetime
    features: dict[str, Any] | None
    evaluation: dict[str, Any] | None
    customer_texts: tuple[str, ...]
    turn_confidences: tuple[float, ...]


@dataclass(frozen=True)
class QueueEntry:
    call_pk: int
    call_id: str
    line: str
    agent_id: str | None
    start_time: datetime | None
    week: str
    risk: float
    reasons: list[dict[str, Any]]
    random_pick: bool
    queued_at: datetime
    total: float | None
    band: str | None
    reviewed_by: str | None
    reviewed_at: datetime | None


class SqlSamplingRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- plans

    def plan(self, line: str) -> SamplingPlanRecord | None:
        row = self._db.execute(select(sampling_plans).where(sampling_plans.c.line == line)).first()
        return None if row is None else _plan(row)

    def plans(self) -> list[SamplingPlanRecord]:
        query = select(sampling_plans).order_by(sampling_plans.c.line)
        return [_plan(row) for row in self._db.execute(query)]

    def save_plan(
        self, line: str, *, calls_per_agent: int, random_share: float, by: str, at: datetime
    ) -> None:
        values = {
            "calls_per_agent_per_week": calls_per_agent,
            "random_share": random_share,
            "updated_by": by,
            "updated_at": at,
        }
        if self.plan(line) is None:
            self._db.execute(insert(sampling_plans).values(line=line, **values))
        else:
            self._db.execute(
                update(sampling_plans).where(sampling_plans.c.line == line).values(**values)
            )

    def lines(self) -> list[str]:
        """Every line that has calls or a plan."""
        known = set(self._db.execute(select(calls.c.line).distinct()).scalars())
        known |= set(self._db.execute(select(sampling_plans.c.line)).scalars())
        return sorted(known)

    # --- building the queue

    def week_calls(self, start: datetime, end: datetime) -> list[WeekCall]:
        """Analysed calls with an agent that started in [start, end), not reviewed, not queued."""
        reviewed = select(evaluations.c.call_pk).join(
            evaluation_reviews, evaluation_reviews.c.evaluation_id == evaluations.c.id
        )
        query = (
            select(calls.c.id, calls.c.call_id, calls.c.line, calls.c.agent_id)
            .add_columns(calls.c.start_time, calls.c.features)
            .where(calls.c.status == "analysed")
            .where(calls.c.agent_id.is_not(None))
            .where(calls.c.start_time >= start, calls.c.start_time < end)
            .where(calls.c.id.not_in(reviewed))
            .where(calls.c.id.not_in(select(review_queue.c.call_pk)))
            .order_by(calls.c.id)
        )
        rows = list(self._db.execute(query))
        pks = [row.id for row in rows]
        evaluated = latest_evaluations(self._db, pks)
        texts, confidences = self._customer_turns(pks)
        return [
            WeekCall(
                call_pk=row.id,
                call_id=row.call_id,
                line=row.line,
                agent_id=row.agent_id,
                start_time=row.start_time,
                features=row.features,
                evaluation=evaluated.get(row.id),
                customer_texts=tuple(texts[row.id]),
                turn_confidences=tuple(confidences[row.id]),
            )
            for row in rows
        ]

    def _customer_turns(
        self, call_pks: list[int]
    ) -> tuple[dict[int, list[str]], dict[int, list[float]]]:
        texts: dict[int, list[str]] = defaultdict(list)
        confidences: dict[int, list[float]] = defaultdict(list)
        if not call_pks:
            return texts, confidences
        query = (
            select(call_turns.c.call_pk, call_turns.c.role, call_turns.c.text)
            .add_columns(call_turns.c.confidence)
            .where(call_turns.c.call_pk.in_(call_pks))
            .order_by(call_turns.c.call_pk, call_turns.c.idx)
        )
        for row in self._db.execute(query):
            if row.role == "customer":
                texts[row.call_pk].append(row.text)
            if row.confidence is not None:
                confidences[row.call_pk].append(row.confidence)
        return texts, confidences

    def first_seen(self, agent_ids: list[str]) -> dict[str, datetime]:
        """When each agent's earliest stored call started."""
        if not agent_ids:
            return {}
        # The earliest call row itself is selected (not MIN as a value) so the column type
        # reads the instant back the same on SQLite and PostgreSQL.
        other = calls.alias("other")
        earliest = (
            select(func.min(other.c.start_time))
            .where(other.c.agent_id == calls.c.agent_id)
            .scalar_subquery()
        )
        query = select(calls.c.agent_id, calls.c.start_time).where(
            calls.c.agent_id.in_(agent_ids), calls.c.start_time == earliest
        )
        return {row.agent_id: row.start_time for row in self._db.execute(query)}

    def queued_counts(self, week: str) -> dict[tuple[str, str, bool], int]:
        """How many calls each (line, agent, random pick) already has in the week's queue."""
        query = (
            select(calls.c.line, calls.c.agent_id, review_queue.c.random_pick, func.count())
            .join(calls, calls.c.id == review_queue.c.call_pk)
            .where(review_queue.c.week == week)
            .group_by(calls.c.line, calls.c.agent_id, review_queue.c.random_pick)
        )
        return {
            (row.line, row.agent_id, bool(row.random_pick)): int(row[3])
            for row in self._db.execute(query)
        }

    def enqueue(
        self,
        call_pk: int,
        *,
        week: str,
        risk: float,
        reasons: list[dict[str, Any]],
        random_pick: bool,
        at: datetime,
    ) -> None:
        self._db.execute(
            insert(review_queue).values(
                call_pk=call_pk,
                week=week,
                risk=risk,
                reasons=reasons,
                random_pick=random_pick,
                queued_at=at,
            )
        )

    # --- reading the queue

    def week_queue(
        self, week: str, *, line: str | None = None, agent_id: str | None = None
    ) -> list[QueueEntry]:
        """The week's queue, riskiest first, with each call's newest review if there is one."""
        query = (
            select(review_queue, calls.c.call_id, calls.c.line, calls.c.agent_id)
            .add_columns(calls.c.start_time)
            .join(calls, calls.c.id == review_queue.c.call_pk)
            .where(review_queue.c.week == week)
            .order_by(review_queue.c.risk.desc(), calls.c.call_id)
        )
        if line:
            query = query.where(calls.c.line == line)
        if agent_id:
            query = query.where(calls.c.agent_id == agent_id)
        rows = list(self._db.execute(query))
        pks = [row.call_pk for row in rows]
        evaluated = latest_evaluations(self._db, pks)
        reviews = self._reviews(pks)
        entries = []
        for row in rows:
            evaluation = evaluated.get(row.call_pk) or {}
            reviewer, reviewed_at = reviews.get(row.call_pk, (None, None))
            entries.append(
                QueueEntry(
                    call_pk=row.call_pk,
                    call_id=row.call_id,
                    line=row.line,
                    agent_id=row.agent_id,
                    start_time=row.start_time,
                    week=row.week,
                    risk=row.risk,
                    reasons=list(row.reasons),
                    random_pick=row.random_pick,
                    queued_at=row.queued_at,
                    total=evaluation.get("total"),
                    band=evaluation.get("band"),
                    reviewed_by=reviewer,
                    reviewed_at=reviewed_at,
                )
            )
        return entries

    def _reviews(self, call_pks: list[int]) -> dict[int, tuple[str | None, datetime]]:
        if not call_pks:
            return {}
        query = (
            select(evaluations.c.call_pk, evaluation_reviews.c.reviewed_by)
            .add_columns(evaluation_reviews.c.updated_at)
            .join(evaluations, evaluations.c.id == evaluation_reviews.c.evaluation_id)
            .where(evaluations.c.call_pk.in_(call_pks))
            .order_by(evaluation_reviews.c.updated_at)
        )
        return {row.call_pk: (row.reviewed_by, row.updated_at) for row in self._db.execute(query)}

    def weeks(self) -> list[str]:
        query = select(review_queue.c.week).distinct().order_by(review_queue.c.week.desc())
        return list(self._db.execute(query).scalars())


def _plan(row: Any) -> SamplingPlanRecord:
    return SamplingPlanRecord(
        line=row.line,
        calls_per_agent_per_week=row.calls_per_agent_per_week,
        random_share=row.random_share,
        updated_by=row.updated_by,
        updated_at=row.updated_at,
    )
