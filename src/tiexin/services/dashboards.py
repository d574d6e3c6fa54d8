"""Dashboards: score trends, dimension averages, most failed items and customer blind spots.

The figures are aggregated in SQL (`adapters/storage/dashboards.py`); this module picks the
period, folds days into ISO weeks, names dimensions and items after the scorecard, and finds
the topics in what customers said (`rules/topics.py`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cache

from tiexin.adapters.storage.dashboards import ScoreFilter, ScoreSum
from tiexin.adapters.storage.unit_of_work import SqlUnitOfWork
from tiexin.domain.access import Principal, call_scope
from tiexin.domain.operator_time import day_bounds, operator_today
from tiexin.pipeline.factory import bundled_scorecard
from tiexin.rules.scorecard import Scorecard, ScorecardError, load_scorecard, parse_scorecard
from tiexin.rules.topics import TopicCount, count_calls, keywords_in, recurring, topics_in
from tiexin.services.ingest import UnitOfWorkFactory

DEFAULT_PERIOD = timedelta(weeks=12)
FAILED_ITEMS_SHOWN = 10
KEYWORDS_SHOWN = 15


@dataclass(frozen=True)
class DashboardQuery:
    since: date | None = None  # inclusive
    until: date | None = None  # inclusive
    line: str | None = None
    team: str | None = None
    agent_id: str | None = None


@dataclass(frozen=True)
class Period:
    since: date
    until: date  # inclusive

    @property
    def previous(self) -> Period:
        """The period of the same length just before this one."""
        length = self.until - self.since + timedelta(days=1)
        return Period(self.since - length, self.since - timedelta(days=1))


@dataclass(frozen=True)
class Average:
    key: str | None
    average: float
    calls: int


@dataclass(frozen=True)
class Dimension:
    id: str
    name: str
    average: float


@dataclass(frozen=True)
class Scores:
    period: Period
    trend: list[Average]  # by ISO week
    agents: list[Average]
    teams: list[Average]
    dimensions: list[Dimension]


@dataclass(frozen=True)
class FailedItemFigure:
    id: str
    name: str
    failed: int
    applicable: int
    examples: tuple[str, ...]

    @property
    def rate(self) -> float:
        return self.failed / self.applicable if self.applicable else 0.0


@dataclass(frozen=True)
class BlindSpots:
    period: Period
    previous: Period
    calls: int
    previous_calls: int
    topics: list[TopicCount]
    keywords: list[TopicCount]


def filter_options(uow_factory: UnitOfWorkFactory) -> tuple[list[str], list[str]]:
    """The lines and teams to choose from."""
    with uow_factory() as uow:
        return uow.dashboards.lines(), uow.dashboards.teams()


def scores(uow_factory: UnitOfWorkFactory, principal: Principal, query: DashboardQuery) -> Scores:
    with uow_factory() as uow:
        period = _period(uow, principal, query)
        where = _filter(principal, query, period)
        trend = _weekly(uow.dashboards.sums_by_day(where))
        agents = [_average(s) for s in uow.dashboards.sums_by_agent(where)]
        teams = [_average(s) for s in uow.dashboards.sums_by_team(where)]
        card = uow.dashboards.scorecard_of_newest(where)
        dimensions: list[Dimension] = []
        if card is not None:
            scorecard_id, version, dimension_ids = card
            averages = uow.dashboards.dimension_averages(where, dimension_ids)
            names = _names(uow, scorecard_id, version)
            dimensions = [
                Dimension(key, names.get(key, key), value) for key, value in averages.items()
            ]
    return Scores(period, trend, agents, teams, dimensions)


def failed_items(
    uow_factory: UnitOfWorkFactory, principal: Principal, query: DashboardQuery
) -> tuple[Period, list[FailedItemFigure]]:
    with uow_factory() as uow:
        period = _period(uow, principal, query)
        where = _filter(principal, query, period)
        found = uow.dashboards.most_failed_items(where, limit=FAILED_ITEMS_SHOWN)
        card = uow.dashboards.scorecard_of_newest(where)
        names = _names(uow, card[0], card[1]) if card else {}
    figures = [
        FailedItemFigure(
            f.item_id, names.get(f.item_id, f.item_id), f.failed, f.applicable, f.examples
        )
        for f in found
    ]
    return period, figures


def blind_spots(
    uow_factory: UnitOfWorkFactory, principal: Principal, query: DashboardQuery
) -> BlindSpots:
    """Topics and other words customers bring up in several calls, against the period before."""
    with uow_factory() as uow:
        period = _period(uow, principal, query)
        now = dict(uow.dashboards.customer_texts(_filter(principal, query, period)))
        before = dict(uow.dashboards.customer_texts(_filter(principal, query, period.previous)))
    topic_counts = count_calls(_each(now, topics_in), _each(before, topics_in))
    keyword_counts = count_calls(_each(now, keywords_in), _each(before, keywords_in))
    return BlindSpots(
        period,
        period.previous,
        len(now),
        len(before),
        topic_counts,
        recurring(keyword_counts)[:KEYWORDS_SHOWN],
    )


def _each(
    texts: dict[str, str], find: Callable[[str], frozenset[str]]
) -> dict[str, frozenset[str]]:
    return {call_id: find(text) for call_id, text in texts.items()}


def _period(uow: SqlUnitOfWork, principal: Principal, query: DashboardQuery) -> Period:
    """The asked dates; a missing end is the newest call's day, a missing start 12 weeks back."""
    until = query.until
    if until is None:
        newest = uow.dashboards.newest_call_time(_filter(principal, replace(query, since=None)))
        until = operator_today(newest)
    since = query.since or until - DEFAULT_PERIOD + timedelta(days=1)
    return Period(since, until)


def _filter(
    principal: Principal, query: DashboardQuery, period: Period | None = None
) -> ScoreFilter:
    scope = call_scope(principal)  # dashboard viewers see every call today; kept for safety
    since, until = day_bounds(period.since, period.until) if period else (None, None)
    return ScoreFilter(
        since=since,
        until=until,
        line=query.line,
        team=query.team,
        agent_id=scope if scope is not None else query.agent_id,
    )


def _average(total: ScoreSum) -> Average:
    return Average(total.key, total.total / total.calls, total.calls)


def _weekly(days: list[ScoreSum]) -> list[Average]:
    """Day sums folded into ISO weeks (the database groups by day: ISO weeks are not portable
    SQL), so each week's average is exact."""
    totals: Counter[str] = Counter()
    calls: Counter[str] = Counter()
    for day in days:
        year, week, _ = date.fromisoformat(str(day.key)).isocalendar()
        key = f"{year}-W{week:02d}"
        totals[key] += day.total  # type: ignore[assignment]  # Counter of floats
        calls[key] += day.calls
    return [Average(key, totals[key] / calls[key], calls[key]) for key in sorted(calls)]


def _names(uow: SqlUnitOfWork, scorecard_id: str, version: str) -> dict[str, str]:
    """Dimension and item names of a scorecard version: stored, or the bundled one."""
    source = uow.scorecards.source(scorecard_id, version)
    try:
        card = parse_scorecard(source) if source else _bundled()
    except ScorecardError:
        return {}
    if (card.id, card.version) != (scorecard_id, version):
        return {}
    names = {section.id: section.name for section in card.sections}
    names.update({item.id: item.name for section in card.sections for item in section.items})
    return names


@cache
def _bundled() -> Scorecard:
    return load_scorecard(bundled_scorecard())
