"""The call list: `GET /calls` (page), `GET /api/v1/calls`, and exports of the filtered list.

Exports live under `/api/v1/exports/` rather than `/calls/export`, which the call page's
`/calls/{call_id}` would take for a call id.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal, Self
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticUseDefault

from tiexin.adapters.storage.call_list import CallListRow
from tiexin.domain.access import Permission
from tiexin.domain.call_list import (
    SENTIMENT_SCORE_MAX,
    SENTIMENT_SCORE_MIN,
    CallListFilter,
    CallListQuery,
    Sentiment,
    SortKey,
    SortOrder,
    sentiment_of,
)
from tiexin.domain.errors import InputError
from tiexin.services.call_list import list_calls
from tiexin.services.exports import ExportFormat, export_calls, export_evaluations
from tiexin.web.deps import RequestUser, client_address, render, require, web_context

router = APIRouter()
CallViewer = Annotated[RequestUser, Depends(require(Permission.VIEW_CALLS))]
Exporter = Annotated[RequestUser, Depends(require(Permission.VIEW_CALLS, Permission.EXPORT))]
MAX_PAGE_SIZE = 200
MAX_PAGE = 100_000


class CallListParams(BaseModel):
    """The list's query string; an empty field (as a form submits it) means "any"."""

    model_config = ConfigDict(extra="ignore")

    date_from: date | None = None
    date_to: date | None = None
    agent_id: str | None = Field(None, max_length=64)
    line: str | None = Field(None, max_length=64)
    score_min: float | None = Field(None, ge=0, le=100)
    score_max: float | None = Field(None, ge=0, le=100)
    failed_item: str | None = Field(None, max_length=64)
    sentiment: Sentiment | None = None
    sentiment_min: float | None = Field(None, ge=SENTIMENT_SCORE_MIN, le=SENTIMENT_SCORE_MAX)
    sentiment_max: float | None = Field(None, ge=SENTIMENT_SCORE_MIN, le=SENTIMENT_SCORE_MAX)
    q: str | None = Field(None, max_length=200)
    sort: SortKey = SortKey.START_TIME
    order: SortOrder = SortOrder.DESC
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE)

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            raise PydanticUseDefault()
        return value.strip() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _ranges_in_order(self) -> Self:
        for low, high in (
            ("date_from", "date_to"),
            ("score_min", "score_max"),
            ("sentiment_min", "sentiment_max"),
        ):
            low_value, high_value = getattr(self, low), getattr(self, high)
            if low_value is not None and high_value is not None and low_value > high_value:
                raise ValueError(f"{low} must not be after {high}")
        return self

    def query(self) -> CallListQuery:
        fields = self.model_dump(exclude={"q", "sort", "order", "page", "page_size"})
        filters = CallListFilter(**fields, text=self.q)
        return CallListQuery(filters, self.sort, self.order, self.page, self.page_size)

    def link_params(self, **changes: Any) -> dict[str, str]:
        """The query string of a link that keeps these filters (and sort), with `changes`."""
        values = {**self.model_dump(exclude_defaults=True, mode="json"), **changes}
        return {key: str(value) for key, value in values.items() if value not in (None, "")}


ListParams = Annotated[CallListParams, Query()]


class CallListItemOut(BaseModel):
    call_id: str
    url: str
    start_time: datetime | None
    line: str
    direction: str
    agent_id: str | None
    customer: str | None  # masked unless the user may see personal numbers
    duration_s: float | None
    status: str
    score: float | None
    band: str | None
    auto_failed: bool | None
    failed_items: list[str]
    customer_sentiment_end: float | None
    customer_sentiment: Sentiment | None
    review_status: str | None


class CallListOut(BaseModel):
    items: list[CallListItemOut]
    page: int
    page_size: int
    total: int | None = Field(
        description="matching calls, counted up to 10,000; null for a text search (see has_more)"
    )
    total_capped: bool = Field(description="true when more calls match than `total`")
    has_more: bool


def _item(row: CallListRow) -> CallListItemOut:
    return CallListItemOut(
        call_id=row.call_id,
        url=f"/calls/{row.call_id}",
        start_time=row.start_time,
        line=row.line,
        direction=row.direction,
        agent_id=row.agent_id,
        customer=row.customer_msisdn,
        duration_s=row.duration_s,
        status=row.status,
        score=row.score,
        band=row.band,
        auto_failed=row.auto_failed,
        failed_items=list(row.failed_items),
        customer_sentiment_end=row.customer_sentiment_end,
        customer_sentiment=sentiment_of(row.customer_sentiment_end),
        review_status=row.review_status,
    )


def _list(request: Request, user: RequestUser, params: CallListParams) -> tuple[CallListOut, int]:
    page = list_calls(web_context(request).uow_factory, user.principal, params.query())
    return CallListOut(
        items=[_item(row) for row in page.rows],
        page=page.page,
        page_size=page.page_size,
        total=page.total,
        total_capped=page.total_capped,
        has_more=page.has_more,
    ), page.pages


@router.get("/api/v1/calls", response_model=CallListOut, tags=["calls"])
def calls_api(request: Request, user: CallViewer, params: ListParams) -> CallListOut:
    return _list(request, user, params)[0]


@router.get("/calls", include_in_schema=False)
def calls_page(request: Request, user: CallViewer, params: ListParams) -> Response:
    result, pages = _list(request, user, params)
    values = {
        "result": result,
        "params": params,
        "pages": pages,
        "sort_link": lambda key: _sort_link(params, SortKey(key)),
        "export_link": lambda what, fmt: (
            f"/api/v1/exports/{what}?" + urlencode(params.link_params(format=fmt, page=None))
        ),
        "sentiments": list(Sentiment),
    }
    return render(request, "calls/list.html", values, user=user)


def _sort_link(params: CallListParams, key: SortKey) -> str:
    """Sorting by the column already sorted on flips the order; another column starts descending."""
    if params.sort is key:
        order = SortOrder.ASC if params.order is SortOrder.DESC else SortOrder.DESC
    else:
        order = SortOrder.DESC
    return "?" + urlencode(params.link_params(sort=key.value, order=order.value, page=None))


@router.get("/api/v1/exports/{what}", tags=["calls"], response_class=Response)
def export_api(
    request: Request,
    user: Exporter,
    what: Literal["calls", "evaluations"],
    params: ListParams,
    format: ExportFormat = ExportFormat.CSV,
) -> Response:
    """The filtered list (every page, in its order) as CSV or XLSX: one row per call
    (`calls`) or one row per item of each call's latest evaluation (`evaluations`)."""
    exporter = export_calls if what == "calls" else export_evaluations
    try:
        made = exporter(
            web_context(request).uow_factory,
            user.principal,
            params.query(),
            format,
            client=client_address(request),
        )
    except InputError as exc:
        raise HTTPException(422, str(exc)) from exc
    disposition = f'attachment; filename="{made.filename}"'
    headers = {"Content-Disposition": disposition}
    return Response(made.content, media_type=made.media_type, headers=headers)
