"""The call list: filtering, sorting and paging calls through indexes, and the data behind it.

Every filter and sort reads the `calls` table only (its summary columns are kept current by
`summarise_evaluation`, `save_search_words` and the triggers of migration 0005), so a page is
one indexed query plus one query for the failed items of the rows on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Select,
    and_,
    column,
    delete,
    func,
    insert,
    literal_column,
    select,
    table,
    text,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from tiexin.domain.call_list import (
    CallListFilter,
    CallListQuery,
    SortKey,
    SortOrder,
    failed_item_ids,
    sentiment_range,
)
from tiexin.domain.operator_time import day_bounds
from tiexin.features.search_text import index_tokens, query_tokens

from .tables import (
    SEARCH_INDEX,
    call_failed_items,
    call_search,
    call_turns,
    calls,
    evaluation_reviews,
    evaluations,
    item_changes,
)

Database = Session | Connection
BATCH_SIZE = 500


@dataclass(frozen=True)
class CallListRow:
    """One call as the list shows it (the customer number not yet masked)."""

    call_id: str
    start_time: datetime | None
    line: str
    direction: str
    agent_id: str | None
    customer_msisdn: str | None
    duration_s: float | None
    status: str
    score: float | None
    band: str | None
    auto_failed: bool | None
    failed_items: tuple[str, ...]
    customer_sentiment_end: float | None
    review_status: str | None


@dataclass(frozen=True)
class EvaluationItemRow:
    """One scorecard item of a call's latest evaluation, human changes applied."""

    call_id: str
    start_time: datetime | None
    agent_id: str | None
    customer_msisdn: str | None
    scorecard_id: str
    scorecard_version: str
    item_id: str
    result: str
    points: float | None
    human_edited: bool


SORT_COLUMNS: dict[SortKey, tuple[Any, ...]] = {
    SortKey.START_TIME: (calls.c.start_time,),
    SortKey.SCORE: (calls.c.score,),
    SortKey.DURATION: (calls.c.duration_s,),
    # by agent, then each agent's calls by time: the order of the (agent_id, start_time) index
    SortKey.AGENT_ID: (calls.c.agent_id, calls.c.start_time),
}

LIST_COLUMNS = (
    calls.c.id,
    calls.c.call_id,
    calls.c.start_time,
    calls.c.line,
    calls.c.direction,
    calls.c.agent_id,
    calls.c.customer_msisdn,
    calls.c.duration_s,
    calls.c.status,
    calls.c.score,
    calls.c.band,
    calls.c.auto_failed,
    calls.c.customer_sentiment_end,
    calls.c.review_status,
)


class SqlCallListRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def page(self, query: CallListQuery, scope: str | None) -> tuple[list[CallListRow], bool]:
        """The rows of the query's page and whether more rows follow it."""
        statement = (
            _filtered(select(*LIST_COLUMNS), query.filters, scope, self._dialect)
            .order_by(*_ordering(query.sort, query.order))
            .offset(query.offset)
            .limit(query.page_size + 1)
        )
        rows = self._db.execute(statement).all()
        return self._list_rows(rows[: query.page_size]), len(rows) > query.page_size

    def count(self, filters: CallListFilter, scope: str | None, *, cap: int) -> int:
        """How many calls match, counting no further than `cap` (cheap on a million calls)."""
        matching = _filtered(select(calls.c.id), filters, scope, self._dialect).limit(cap)
        counted = self._db.execute(select(func.count()).select_from(matching.subquery()))
        return int(counted.scalar_one())

    def iter_rows(
        self, query: CallListQuery, scope: str | None, *, limit: int
    ) -> Iterator[CallListRow]:
        """Every matching call in the query's order (paging ignored), at most `limit`."""
        statement = (
            _filtered(select(*LIST_COLUMNS), query.filters, scope, self._dialect)
            .order_by(*_ordering(query.sort, query.order))
            .limit(limit)
        )
        batch: list[Any] = []
        for row in self._db.execute(statement):
            batch.append(row)
            if len(batch) == BATCH_SIZE:
                yield from self._list_rows(batch)
                batch = []
        yield from self._list_rows(batch)

    def iter_evaluation_items(
        self, query: CallListQuery, scope: str | None, *, limit: int
    ) -> Iterator[EvaluationItemRow]:
        """The items of the latest evaluation of each matching scored call (`limit` calls)."""
        columns = (*LIST_COLUMNS, calls.c.evaluation_id)
        statement = (
            _filtered(select(*columns), query.filters, scope, self._dialect)
            .where(calls.c.evaluation_id.is_not(None))
            .order_by(*_ordering(query.sort, query.order))
            .limit(limit)
        )
        rows = self._db.execute(statement).all()
        for start in range(0, len(rows), BATCH_SIZE):
            yield from self._item_rows(rows[start : start + BATCH_SIZE])

    @property
    def _dialect(self) -> str:
        bind = self._db if isinstance(self._db, Connection) else self._db.get_bind()
        return bind.dialect.name

    def _list_rows(self, rows: Sequence[Any]) -> list[CallListRow]:
        failed = self._failed_items([row.id for row in rows])
        return [_list_row(row, failed.get(row.id, ())) for row in rows]

    def _failed_items(self, call_pks: list[int]) -> dict[int, tuple[str, ...]]:
        if not call_pks:
            return {}
        query = (
            select(call_failed_items.c.call_pk, call_failed_items.c.item_id)
            .where(call_failed_items.c.call_pk.in_(call_pks))
            .order_by(call_failed_items.c.call_pk, call_failed_items.c.item_id)
        )
        grouped: dict[int, list[str]] = {}
        for call_pk, item_id in self._db.execute(query):
            grouped.setdefault(call_pk, []).append(item_id)
        return {call_pk: tuple(items) for call_pk, items in grouped.items()}

    def _item_rows(self, rows: Sequence[Any]) -> Iterator[EvaluationItemRow]:
        evaluation_ids = [row.evaluation_id for row in rows]
        stored = self._db.execute(
            select(
                evaluations.c.id,
                evaluations.c.scorecard_id,
                evaluations.c.scorecard_version,
                evaluations.c.result,
            ).where(evaluations.c.id.in_(evaluation_ids))
        )
        by_id = {row.id: row for row in stored}
        changes = _changes_by_evaluation(self._db, evaluation_ids)
        for row in rows:
            evaluation = by_id.get(row.evaluation_id)
            if evaluation is not None:
                yield from _evaluation_items(row, evaluation, changes.get(row.evaluation_id, {}))


def _list_row(row: Any, failed: tuple[str, ...]) -> CallListRow:
    names = (name for name in CallListRow.__dataclass_fields__ if name != "failed_items")
    return CallListRow(**{name: getattr(row, name) for name in names}, failed_items=failed)


def _evaluation_items(
    call: Any, evaluation: Any, changes: dict[str, dict[str, Any]]
) -> Iterator[EvaluationItemRow]:
    for item in evaluation.result.get("items", []):
        item_id = str(item["id"])
        change = changes.get(item_id)
        yield EvaluationItemRow(
            call_id=call.call_id,
            start_time=call.start_time,
            agent_id=call.agent_id,
            customer_msisdn=call.customer_msisdn,
            scorecard_id=evaluation.scorecard_id,
            scorecard_version=evaluation.scorecard_version,
            item_id=item_id,
            result=str(change["result"] if change else item.get("result")),
            points=change["points"] if change else item.get("points"),
            human_edited=change is not None,
        )


def _changes_by_evaluation(
    db: Database, evaluation_ids: list[int]
) -> dict[int, dict[str, dict[str, Any]]]:
    """The last human result and points of each changed item, per evaluation."""
    query = (
        select(
            item_changes.c.evaluation_id,
            item_changes.c.item_id,
            item_changes.c.new_result,
            item_changes.c.new_points,
        )
        .where(item_changes.c.evaluation_id.in_(evaluation_ids))
        .where(item_changes.c.new_result.is_not(None))
        .order_by(item_changes.c.id)
    )
    found: dict[int, dict[str, dict[str, Any]]] = {}
    for row in db.execute(query):
        found.setdefault(row.evaluation_id, {})[row.item_id] = {
            "result": row.new_result,
            "points": row.new_points,
        }
    return found


def _ordering(sort: SortKey, order: SortOrder) -> list[Any]:
    """ORDER BY with NULL lowest on both databases (the list indexes are built that way)."""
    keys = [*SORT_COLUMNS[sort], calls.c.id]
    if order is SortOrder.ASC:
        return [key.asc().nulls_first() for key in keys[:-1]] + [calls.c.id.asc()]
    return [key.desc().nulls_last() for key in keys[:-1]] + [calls.c.id.desc()]


def _filtered(
    statement: Select[Any], filters: CallListFilter, scope: str | None, dialect: str
) -> Select[Any]:
    conditions = _conditions(filters, scope)
    words = query_tokens(filters.text or "")
    if words:
        conditions.append(calls.c.id.in_(_search(words, dialect)))
    return statement.where(and_(*conditions)) if conditions else statement


def _conditions(filters: CallListFilter, scope: str | None) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if scope is not None:
        found.append(calls.c.agent_id == scope)
    if filters.agent_id:
        found.append(calls.c.agent_id == filters.agent_id)
    if filters.line:
        found.append(calls.c.line == filters.line)
    low, high = day_bounds(filters.date_from, filters.date_to)
    if low is not None:
        found.append(calls.c.start_time >= low)
    if high is not None:
        found.append(calls.c.start_time < high)
    found += _range(calls.c.score, filters.score_min, filters.score_max)
    found += _sentiment_conditions(filters)
    if filters.failed_item:
        failed = select(call_failed_items.c.call_pk).where(
            call_failed_items.c.item_id == filters.failed_item
        )
        found.append(calls.c.id.in_(failed))
    return found


def _sentiment_conditions(filters: CallListFilter) -> list[ColumnElement[bool]]:
    sentiment = calls.c.customer_sentiment_end
    found = _range(sentiment, filters.sentiment_min, filters.sentiment_max)
    if filters.sentiment is not None:
        low, high = sentiment_range(filters.sentiment)
        if low is not None:
            found.append(sentiment > low if high is None else sentiment >= low)
        if high is not None:
            found.append(sentiment < high if low is None else sentiment <= high)
    return found


def _range(value: Any, low: float | None, high: float | None) -> list[ColumnElement[bool]]:
    bounds = []
    if low is not None:
        bounds.append(value >= low)
    if high is not None:
        bounds.append(value <= high)
    return bounds


def _search(words: list[str], dialect: str) -> Select[Any]:
    """The calls whose transcript has every one of these words."""
    if dialect == "postgresql":
        # Spelled exactly as the GIN index's expression, so the index serves it.
        matches = text(
            "to_tsvector('simple', call_search.tokens) @@ plainto_tsquery('simple', :search_words)"
        ).bindparams(search_words=" ".join(words))
        return select(call_search.c.call_pk).where(matches)
    phrase = " ".join('"' + word.replace('"', '""') + '"' for word in words)
    index = table(SEARCH_INDEX, column("rowid"))
    return (
        select(literal_column("rowid"))
        .select_from(index)
        .where(text(f"{SEARCH_INDEX} MATCH :search_words").bindparams(search_words=phrase))
    )


# --- Keeping the summary and the search words current -------------------------------------


def summarise_latest_evaluation(db: Database, call_pk: int) -> None:
    """Copy the call's newest evaluation (its review and item changes applied) into the list."""
    latest = db.execute(
        select(evaluations)
        .where(evaluations.c.call_pk == call_pk)
        .order_by(evaluations.c.created_at.desc(), evaluations.c.id.desc())
        .limit(1)
    ).one_or_none()
    if latest is None:
        return
    review = db.execute(
        select(evaluation_reviews).where(evaluation_reviews.c.evaluation_id == latest.id)
    ).one_or_none()
    summary: dict[str, Any] = {
        "evaluation_id": latest.id,
        "score": latest.total if review is None else review.total,
        "band": latest.band if review is None else review.band,
        "auto_failed": latest.auto_failed,
        "review_status": None if review is None else review.status,
    }
    db.execute(update(calls).where(calls.c.id == call_pk).values(summary))
    changes = db.execute(
        select(item_changes.c.item_id, item_changes.c.new_result)
        .where(item_changes.c.evaluation_id == latest.id)
        .order_by(item_changes.c.id)
    ).all()
    items = dict(latest.result).get("items", [])
    failed = failed_item_ids(items, [(change.item_id, change.new_result) for change in changes])
    _replace_failed_items(db, call_pk, failed)


def _replace_failed_items(db: Database, call_pk: int, item_ids: Sequence[str]) -> None:
    db.execute(delete(call_failed_items).where(call_failed_items.c.call_pk == call_pk))
    if item_ids:
        rows = [{"call_pk": call_pk, "item_id": item_id} for item_id in item_ids]
        db.execute(insert(call_failed_items), rows)


def save_search_words(db: Database, call_pk: int, texts: Iterable[str]) -> None:
    """Index the call's transcript for search, replacing what was indexed before."""
    db.execute(delete(call_search).where(call_search.c.call_pk == call_pk))
    db.execute(insert(call_search).values(call_pk=call_pk, tokens=index_tokens(texts)))


def backfill(db: Database) -> None:
    """Summaries and search words for calls stored before the call list existed."""
    last_pk = 0
    while True:
        query = (
            select(calls.c.id, calls.c.features, calls.c.status)
            .where(calls.c.id > last_pk)
            .order_by(calls.c.id)
            .limit(BATCH_SIZE)
        )
        rows = db.execute(query).all()
        if not rows:
            return
        for row in rows:
            _backfill_call(db, row)
        last_pk = int(rows[-1].id)


def _backfill_call(db: Database, row: Any) -> None:
    sentiment = (row.features or {}).get("customer_sentiment_end")
    db.execute(update(calls).where(calls.c.id == row.id).values(customer_sentiment_end=sentiment))
    summarise_latest_evaluation(db, row.id)
    if row.status == "analysed":
        texts = db.execute(
            select(call_turns.c.text)
            .where(call_turns.c.call_pk == row.id)
            .order_by(call_turns.c.idx)
        ).scalars()
        save_search_words(db, row.id, texts)
