"""Dashboards: the page with its ECharts charts, and the JSON it draws from."""

from __future__ import annotations

from datetime import date
from typing import Annotated, NoReturn

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, Field

from tiexin.domain.access import Permission
from tiexin.rules.topics import TopicCount, topic_names
from tiexin.services import dashboards as service
from tiexin.services.dashboards import DashboardQuery, Period
from tiexin.web.deps import RequestUser, language_of, render, require, web_context

router = APIRouter()
Viewer = Annotated[RequestUser, Depends(require(Permission.VIEW_DASHBOARDS))]


# Dates a dashboard may ask for; far-off dates would only overflow the previous-period arithmetic.
EARLIEST = date(1970, 1, 1)
LATEST = date(2999, 12, 31)


def _refuse(name: str, message: str) -> NoReturn:
    raise RequestValidationError([{"loc": ("query", name), "msg": message, "type": "value_error"}])


def dashboard_query(
    since: Annotated[date | None, Query(alias="from", description="first day (inclusive)")] = None,
    until: Annotated[date | None, Query(alias="to", description="last day (inclusive)")] = None,
    line: Annotated[str | None, Query(max_length=64)] = None,
    team: Annotated[str | None, Query(max_length=64)] = None,
    agent: Annotated[str | None, Query(max_length=64, description="agent id")] = None,
) -> DashboardQuery:
    for name, day in (("from", since), ("to", until)):
        if day is not None and not EARLIEST <= day <= LATEST:
            _refuse(name, f"must be between {EARLIEST} and {LATEST}")
    if since and until and since > until:
        _refuse("from", "must not be after 'to'")
    return DashboardQuery(since, until, line or None, team or None, agent or None)


Filters = Annotated[DashboardQuery, Depends(dashboard_query)]


class PeriodOut(BaseModel):
    since: date = Field(serialization_alias="from")
    until: date = Field(serialization_alias="to")


class AverageOut(BaseModel):
    key: str | None = Field(description="ISO week, agent id or team")
    average: float
    calls: int


class DimensionOut(BaseModel):
    id: str
    name: str
    average: float


class ScoresOut(BaseModel):
    period: PeriodOut
    trend: list[AverageOut] = Field(description="average score and call count per ISO week")
    agents: list[AverageOut]
    teams: list[AverageOut]
    dimensions: list[DimensionOut]


class FailedItemOut(BaseModel):
    id: str
    name: str
    failed: int
    applicable: int
    rate: float = Field(description="failed / applicable (calls where the item was not N/A)")
    examples: list[str] = Field(description="call ids of recent failures")


class FailedItemsOut(BaseModel):
    period: PeriodOut
    items: list[FailedItemOut]


class TopicOut(BaseModel):
    key: str
    name: str
    calls: int
    previous_calls: int
    change: int
    examples: list[str]


class BlindSpotsOut(BaseModel):
    period: PeriodOut
    previous_period: PeriodOut
    calls: int
    previous_calls: int
    topics: list[TopicOut] = Field(description="lexicon topics (telecom needs and complaints)")
    keywords: list[TopicOut] = Field(description="other words customers say in several calls")


def _period(period: Period) -> PeriodOut:
    return PeriodOut(since=period.since, until=period.until)


def _topic(count: TopicCount, names: dict[str, str]) -> TopicOut:
    return TopicOut(
        key=count.key,
        name=names.get(count.key, count.key),
        calls=count.calls,
        previous_calls=count.previous_calls,
        change=count.change,
        examples=list(count.examples),
    )


@router.get(
    "/api/v1/dashboards/scores",
    response_model=ScoresOut,
    response_model_by_alias=True,
    tags=["dashboards"],
)
def scores_api(request: Request, user: Viewer, query: Filters) -> ScoresOut:
    found = service.scores(web_context(request).uow_factory, user.principal, query)
    return ScoresOut(
        period=_period(found.period),
        trend=[AverageOut(key=a.key, average=a.average, calls=a.calls) for a in found.trend],
        agents=[AverageOut(key=a.key, average=a.average, calls=a.calls) for a in found.agents],
        teams=[AverageOut(key=a.key, average=a.average, calls=a.calls) for a in found.teams],
        dimensions=[
            DimensionOut(id=d.id, name=d.name, average=d.average) for d in found.dimensions
        ],
    )


@router.get(
    "/api/v1/dashboards/failed-items",
    response_model=FailedItemsOut,
    response_model_by_alias=True,
    tags=["dashboards"],
)
def failed_items_api(request: Request, user: Viewer, query: Filters) -> FailedItemsOut:
    period, items = service.failed_items(web_context(request).uow_factory, user.principal, query)
    return FailedItemsOut(
        period=_period(period),
        items=[
            FailedItemOut(
                id=i.id,
                name=i.name,
                failed=i.failed,
                applicable=i.applicable,
                rate=i.rate,
                examples=list(i.examples),
            )
            for i in items
        ],
    )


@router.get(
    "/api/v1/dashboards/blind-spots",
    response_model=BlindSpotsOut,
    response_model_by_alias=True,
    tags=["dashboards"],
)
def blind_spots_api(request: Request, user: Viewer, query: Filters) -> BlindSpotsOut:
    found = service.blind_spots(web_context(request).uow_factory, user.principal, query)
    names = topic_names(language_of(request))
    return BlindSpotsOut(
        period=_period(found.period),
        previous_period=_period(found.previous),
        calls=found.calls,
        previous_calls=found.previous_calls,
        topics=[_topic(count, names) for count in found.topics],
        keywords=[_topic(count, {}) for count in found.keywords],
    )


@router.get("/dashboards", include_in_schema=False)
def dashboards_page(request: Request, user: Viewer, query: Filters) -> Response:
    lines, teams = service.filter_options(web_context(request).uow_factory)
    values = {"query": query, "lines": lines, "teams": teams}
    return render(request, "dashboards/index.html", values, user=user)
