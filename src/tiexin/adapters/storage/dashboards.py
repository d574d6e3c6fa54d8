"""Aggregate queries behind the dashboards, grouped in SQL on SQLite and PostgreSQL.

Every figure is over the scored calls: each analysed call with its newest evaluation, its score
the human total of `evaluation_reviews` when a reviewer has edited it, else the automatic one.
The JSON of an evaluation is read with each database's own functions (`json_each` /
`jsonb_array_elements`), so items and dimensions are counted where the rows are.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Subquery, case, func, literal_column, select, true
from sqlalchemy.orm import Session

from tiexin.domain.operator_time import UTC_OFFSET_HOURS

from .tables import call_turns, calls, evaluation_reviews, evaluations, users

EXAMPLES_PER_ITEM = 3


@dataclass(frozen=True)
class ScoreFilter:
    """Which scored calls a figure covers; `None` means no restriction."""

    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
    line: str | None = None
    team: str | None = None
    agent_id: str | None = None


@dataclass(frozen=True)
class ScoreSum:
    key: str | None  # a day (YYYY-MM-DD, operator time), an agent id or a team
    total: float
    calls: int


@dataclass(frozen=True)
class FailedItem:
    item_id: str
    failed: int
    applicable: int  # calls where the item was judged (not N/A)
    examples: tuple[str, ...]


class SqlDashboardRepository:
    def __init__(self, db: Session) -> None:
        self._db = db

    @property
    def _postgres(self) -> bool:
        return self._db.get_bind().dialect.name == "postgresql"

    def scored(self, where: ScoreFilter) -> Subquery:
        """One row per scored call: call_pk, call_id, start_time, line, agent_id, team, result,
        score."""
        ranked = select(
            evaluations.c.id,
            func.row_number()
            .over(
                partition_by=evaluations.c.call_pk,
                order_by=(evaluations.c.created_at.desc(), evaluations.c.id.desc()),
            )
            .label("rank"),
        ).subquery()
        teams = (
            select(users.c.agent_id, func.max(users.c.team).label("team"))
            .where((users.c.role == "agent") & users.c.agent_id.is_not(None))
            .group_by(users.c.agent_id)
            .subquery()
        )
        query = (
            select(
                calls.c.id.label("call_pk"),
                calls.c.call_id,
                calls.c.start_time,
                calls.c.line,
                calls.c.agent_id,
                teams.c.team,
                evaluations.c.result,
                func.coalesce(evaluation_reviews.c.total, evaluations.c.total).label("score"),
            )
            .join(evaluations, evaluations.c.call_pk == calls.c.id)
            .join(ranked, (ranked.c.id == evaluations.c.id) & (ranked.c.rank == 1))
            .outerjoin(evaluation_reviews, evaluation_reviews.c.evaluation_id == evaluations.c.id)
            .outerjoin(teams, teams.c.agent_id == calls.c.agent_id)
            .where(*_conditions(where, teams.c.team))
        )
        return query.subquery("scored")

    def lines(self) -> list[str]:
        query = select(calls.c.line).distinct().order_by(calls.c.line)
        return [str(line) for line in self._db.execute(query).scalars()]

    def teams(self) -> list[str]:
        query = (
            select(users.c.team)
            .where((users.c.role == "agent") & users.c.team.is_not(None))
            .distinct()
            .order_by(users.c.team)
        )
        return [str(team) for team in self._db.execute(query).scalars()]

    def newest_call_time(self, where: ScoreFilter) -> datetime | None:
        scored = self.scored(where)
        found: datetime | None = self._db.execute(select(func.max(scored.c.start_time))).scalar()
        return found

    def sums_by_day(self, where: ScoreFilter) -> list[ScoreSum]:
        scored = self.scored(where)
        day = self.local_day(scored.c.start_time)
        return self._sums(scored, day)

    def sums_by_agent(self, where: ScoreFilter) -> list[ScoreSum]:
        scored = self.scored(where)
        return self._sums(scored, scored.c.agent_id)

    def sums_by_team(self, where: ScoreFilter) -> list[ScoreSum]:
        scored = self.scored(where)
        return self._sums(scored, scored.c.team)

    def scorecard_of_newest(self, where: ScoreFilter) -> tuple[str, str, list[str]] | None:
        """The scorecard id, version and dimension ids of the newest scored call."""
        scored = self.scored(where)
        row = self._db.execute(
            select(scored.c.result).order_by(scored.c.start_time.desc()).limit(1)
        ).first()
        if row is None:
            return None
        result = row.result
        return str(result["scorecard"]), str(result["version"]), list(result["dimensions"])

    def dimension_averages(self, where: ScoreFilter, dimension_ids: list[str]) -> dict[str, float]:
        """The average score of each dimension; calls where it was all N/A (null) are left out."""
        if not dimension_ids:
            return {}
        scored = self.scored(where)
        columns = [
            func.avg(scored.c.result[("dimensions", key)].as_float()).label(f"d{index}")
            for index, key in enumerate(dimension_ids)
        ]
        row = self._db.execute(select(*columns)).one()
        return {
            key: float(value)
            for key, value in zip(dimension_ids, row, strict=True)
            if value is not None
        }

    def most_failed_items(self, where: ScoreFilter, *, limit: int) -> list[FailedItem]:
        scored = self.scored(where)
        item_id, outcome, items = self._items(scored)
        failed = func.sum(case((outcome == "fail", 1), else_=0))
        applicable = func.sum(case((outcome != "na", 1), else_=0))
        query = (
            select(item_id.label("item_id"), failed.label("failed"), applicable.label("applicable"))
            .select_from(scored)
            .join(items, true())
            .group_by(item_id)
            .having(failed > 0)
            .order_by(failed.desc(), item_id)
            .limit(limit)
        )
        counts = list(self._db.execute(query))
        examples = self._failed_examples(where, [row.item_id for row in counts])
        return [
            FailedItem(
                row.item_id,
                int(row.failed),
                int(row.applicable),
                tuple(examples.get(row.item_id, ())),
            )
            for row in counts
        ]

    def customer_texts(self, where: ScoreFilter) -> Iterator[tuple[str, str]]:
        """(call id, everything the customer said) per scored call, newest call first."""
        scored = self.scored(where)
        query = (
            select(scored.c.call_id, call_turns.c.text)
            .join(call_turns, call_turns.c.call_pk == scored.c.call_pk)
            .where(call_turns.c.role == "customer")
            .order_by(scored.c.start_time.desc(), scored.c.call_id, call_turns.c.idx)
        )
        current: str | None = None
        parts: list[str] = []
        for row in self._db.execute(query.execution_options(yield_per=1000)):
            if row.call_id != current:
                if current is not None:
                    yield current, "\n".join(parts)
                current, parts = row.call_id, []
            parts.append(row.text)
        if current is not None:
            yield current, "\n".join(parts)

    def _sums(self, scored: Subquery, key: ColumnElement[Any]) -> list[ScoreSum]:
        query = (
            select(
                key.label("key"),
                func.sum(scored.c.score).label("total"),
                func.count().label("calls"),
            )
            .group_by(key)
            .order_by(key)
        )
        return [
            ScoreSum(row.key, float(row.total), int(row.calls)) for row in self._db.execute(query)
        ]

    def local_day(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        """The operator's calendar day of a timestamp as YYYY-MM-DD text (as the call list)."""
        shift = f"{UTC_OFFSET_HOURS} hours"
        if self._postgres:
            local = func.timezone("UTC", column) + literal_column(f"interval '{shift}'")
            return func.to_char(local, "YYYY-MM-DD")
        return func.date(column, f"+{shift}")  # SQLite keeps timestamps as UTC text

    def _items(self, scored: Subquery) -> tuple[ColumnElement[Any], ColumnElement[Any], Any]:
        """The item id and outcome columns of the evaluation's items, and the row source."""
        if self._postgres:
            items = func.jsonb_array_elements(scored.c.result.op("->")("items")).table_valued(
                "value"
            )
            return items.c.value.op("->>")("id"), items.c.value.op("->>")("result"), items
        items = func.json_each(scored.c.result, "$.items").table_valued("value")
        return (
            func.json_extract(items.c.value, "$.id"),
            func.json_extract(items.c.value, "$.result"),
            items,
        )

    def _failed_examples(self, where: ScoreFilter, item_ids: list[str]) -> dict[str, list[str]]:
        """The newest few failing calls of each item."""
        if not item_ids:
            return {}
        scored = self.scored(where)
        item_id, outcome, items = self._items(scored)
        ranked = (
            select(
                item_id.label("item_id"),
                scored.c.call_id,
                func.row_number()
                .over(
                    partition_by=item_id,
                    order_by=(scored.c.start_time.desc(), scored.c.call_id),
                )
                .label("rank"),
            )
            .select_from(scored)
            .join(items, true())
            .where((outcome == "fail") & item_id.in_(item_ids))
            .subquery()
        )
        query = (
            select(ranked.c.item_id, ranked.c.call_id)
            .where(ranked.c.rank <= EXAMPLES_PER_ITEM)
            .order_by(ranked.c.item_id, ranked.c.rank)
        )
        found: dict[str, list[str]] = {}
        for row in self._db.execute(query):
            found.setdefault(row.item_id, []).append(row.call_id)
        return found


def _conditions(where: ScoreFilter, team: ColumnElement[Any]) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [calls.c.status == "analysed"]
    if where.since is not None:
        conditions.append(calls.c.start_time >= where.since)
    if where.until is not None:
        conditions.append(calls.c.start_time < where.until)
    if where.line is not None:
        conditions.append(calls.c.line == where.line)
    if where.team is not None:
        conditions.append(team == where.team)
    if where.agent_id is not None:
        conditions.append(calls.c.agent_id == where.agent_id)
    return conditions
