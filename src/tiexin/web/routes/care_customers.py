"""The account manager's VIP customers (`/care/customers`), one customer with tasks, visits,
privileges and calls, and the actions there: redeem a privilege, post a trip, ask a colleague
to carry a visit, record a delivery.

MANAGE_VIP_CUSTOMERS opens these pages; account managers reach only their own customers (staff
id = the account's agent id), supervisors every customer (VIEW_ALL_CUSTOMERS).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from tiexin.domain.access import Permission
from tiexin.domain.errors import TiexinError
from tiexin.domain.operator_time import operator_today
from tiexin.services.care_privileges import privilege_catalog, redeem
from tiexin.services.care_views import (
    CustomerDetail,
    CustomerSummary,
    customer_detail,
    my_customers,
)
from tiexin.services.care_visits import MAX_AREAS, add_trip, ask_carrier, record_delivery
from tiexin.web.deps import (
    MAX_ROW_ID,
    RequestUser,
    client_address,
    render,
    require,
    translator,
    web_context,
)
from tiexin.web.routes.care import (
    NOTE_MAX,
    CareTaskOut,
    TaskId,
    care_http_error,
    task_out,
)

router = APIRouter()
CustomerManager = Annotated[RequestUser, Depends(require(Permission.MANAGE_VIP_CUSTOMERS))]
CustomerId = Annotated[str, Path(min_length=1, max_length=32)]
StaffId = Annotated[str, Field(min_length=1, max_length=32)]
PAGE_SIZE = 50
TIER_PATTERN = r"^(diamond|gold|silver)$"
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2999, 12, 31)


class CustomerPageOut(BaseModel):
    customers: list[CustomerSummary]
    total: int
    page: int
    page_size: int


class CarrierOut(BaseModel):
    staff_id: str
    staff_name: str
    trip_id: int
    day: date
    area: str
    match: str


class VisitOut(BaseModel):
    carrier_staff_id: str | None
    carrier_name: str | None
    trip_id: int | None
    asked_by: str | None
    asked_at: datetime | None
    delivered_by: str | None
    delivered_by_name: str | None
    delivered_on: date | None
    note: str | None


class VisitTaskOut(BaseModel):
    task: CareTaskOut
    visit: VisitOut | None
    carriers: list[CarrierOut]


class BalanceOut(BaseModel):
    privilege_id: str
    name: str
    entitled: int
    used: int
    left: int


class RedemptionOut(BaseModel):
    redemption_id: int
    privilege_id: str
    redeemed_on: date
    recorded_by: str
    note: str | None


class CallOut(BaseModel):
    call_id: str
    url: str
    start_time: datetime | None
    agent_id: str | None
    line: str
    duration_s: float | None
    score: float | None
    band: str | None


class CustomerDetailOut(BaseModel):
    customer: CustomerSummary
    manager_name: str | None
    balance_yuan: float
    points: int
    open_tasks: list[CareTaskOut]
    past_tasks: list[CareTaskOut]
    visits: list[VisitTaskOut]
    year: int
    balances: list[BalanceOut]
    redemptions: list[RedemptionOut]
    calls: list[CallOut]


class RedeemIn(BaseModel):
    privilege: str = Field(min_length=1, max_length=32)
    on: date | None = Field(None, ge=FIRST_DAY, le=LAST_DAY)  # default: today
    note: str | None = Field(None, max_length=NOTE_MAX)


class RedeemOut(BaseModel):
    redemption_id: int
    customer_id: str
    privilege_id: str
    redeemed_on: date
    left: int


class TripIn(BaseModel):
    staff_id: StaffId
    day: date = Field(ge=FIRST_DAY, le=LAST_DAY)
    areas: list[Annotated[str, Field(max_length=129)]] = Field(min_length=1, max_length=MAX_AREAS)
    note: str | None = Field(None, max_length=NOTE_MAX)


class TripOut(BaseModel):
    trip_id: int


class CarrierIn(BaseModel):
    staff_id: StaffId
    trip_id: int | None = Field(None, ge=1, le=MAX_ROW_ID)


class DeliveryIn(BaseModel):
    delivered_by: StaffId
    delivered_on: date = Field(ge=FIRST_DAY, le=LAST_DAY)
    note: str | None = Field(None, max_length=NOTE_MAX)


def _detail_out(detail: CustomerDetail, language: str) -> CustomerDetailOut:
    return CustomerDetailOut(
        customer=detail.customer,
        manager_name=detail.manager_name,
        balance_yuan=detail.balance_yuan,
        points=detail.points,
        open_tasks=[task_out(t) for t in detail.open_tasks],
        past_tasks=[task_out(t) for t in detail.past_tasks],
        visits=[
            VisitTaskOut(
                task=task_out(v.task),
                visit=VisitOut.model_validate(v.visit, from_attributes=True) if v.visit else None,
                carriers=[CarrierOut.model_validate(c, from_attributes=True) for c in v.carriers],
            )
            for v in detail.visits
        ],
        year=detail.year,
        balances=[
            BalanceOut(
                privilege_id=b.privilege.id,
                name=b.privilege.name if language == "zh" else b.privilege.name_en,
                entitled=b.entitled,
                used=b.used,
                left=b.left,
            )
            for b in detail.balances
        ],
        redemptions=[
            RedemptionOut.model_validate(r, from_attributes=True) for r in detail.redemptions
        ],
        calls=[
            CallOut(
                url=f"/calls/{c.call_id}",
                **{k: getattr(c, k) for k in CallOut.model_fields if k != "url"},
            )
            for c in detail.calls
        ],
    )


def _detail(
    request: Request, user: RequestUser, customer_id: str, year: int | None
) -> CustomerDetail:
    context = web_context(request)
    try:
        return customer_detail(
            context.uow_factory,
            user.principal,
            customer_id,
            privilege_catalog(context.settings.care_privileges_file),
            year or operator_today().year,
        )
    except TiexinError as exc:
        raise care_http_error(exc) from None


def _list(
    request: Request, user: RequestUser, q: str | None, tier: str | None, page: int
) -> tuple[list[CustomerSummary], int]:
    return my_customers(
        web_context(request).uow_factory,
        user.principal,
        query=q or None,
        tier=tier or None,
        page=page,
        page_size=PAGE_SIZE,
    )


def _redeem(request: Request, user: RequestUser, customer_id: str, body: RedeemIn) -> RedeemOut:
    context = web_context(request)
    try:
        result = redeem(
            context.uow_factory,
            privilege_catalog(context.settings.care_privileges_file),
            user.principal,
            customer_id,
            body.privilege,
            on=body.on or operator_today(),
            note=body.note,
            client=client_address(request),
        )
    except TiexinError as exc:
        raise care_http_error(exc) from None
    return RedeemOut.model_validate(result, from_attributes=True)


def _add_trip(request: Request, user: RequestUser, body: TripIn) -> TripOut:
    try:
        trip_id = add_trip(
            web_context(request).uow_factory,
            user.principal,
            staff_id=body.staff_id,
            day=body.day,
            areas=body.areas,
            note=body.note,
            client=client_address(request),
        )
    except TiexinError as exc:
        raise care_http_error(exc) from None
    return TripOut(trip_id=trip_id)


def _ask(request: Request, user: RequestUser, task_id: str, body: CarrierIn) -> None:
    try:
        ask_carrier(
            web_context(request).uow_factory,
            user.principal,
            task_id,
            staff_id=body.staff_id,
            trip_id=body.trip_id,
            client=client_address(request),
        )
    except TiexinError as exc:
        raise care_http_error(exc) from None


def _deliver(request: Request, user: RequestUser, task_id: str, body: DeliveryIn) -> None:
    try:
        record_delivery(
            web_context(request).uow_factory,
            user.principal,
            task_id,
            delivered_by=body.delivered_by,
            delivered_on=body.delivered_on,
            note=body.note,
            client=client_address(request),
        )
    except TiexinError as exc:
        raise care_http_error(exc) from None


# ---- pages ----


@router.get("/care/customers", include_in_schema=False)
def customers_page(
    request: Request,
    user: CustomerManager,
    q: Annotated[str, Query(max_length=64)] = "",
    tier: Annotated[str, Query(pattern=r"^(diamond|gold|silver)?$")] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    customers, total = _list(request, user, q, tier, page)
    pages = max(1, -(-total // PAGE_SIZE))
    values = {
        "customers": customers,
        "total": total,
        "page": page,
        "pages": pages,
        "filters": {"q": q, "tier": tier},
    }
    return render(request, "care/customers.html", values, user=user)


@router.get("/care/customers/{customer_id}", include_in_schema=False)
def customer_page(
    request: Request, user: CustomerManager, customer_id: CustomerId, done: str | None = None
) -> Response:
    detail = _detail(request, user, customer_id, None)
    values = {"detail": detail, "done": done, "today": operator_today()}
    return render(request, "care/customer.html", values, user=user)


def _back(customer_id: str, done: str) -> RedirectResponse:
    return RedirectResponse(f"/care/customers/{customer_id}?done={done}", status_code=303)


@router.post("/care/customers/{customer_id}/redeem", include_in_schema=False)
def redeem_form(
    request: Request,
    user: CustomerManager,
    customer_id: CustomerId,
    privilege: Annotated[str, Form(min_length=1, max_length=32)],
    on: Annotated[date | None, Form()] = None,
    note: Annotated[str, Form(max_length=NOTE_MAX)] = "",
) -> Response:
    _redeem(request, user, customer_id, RedeemIn(privilege=privilege, on=on, note=note or None))
    return _back(customer_id, "redeemed")


@router.post("/care/customers/{customer_id}/trips", include_in_schema=False)
def trip_form(
    request: Request,
    user: CustomerManager,
    customer_id: CustomerId,
    staff_id: Annotated[str, Form(min_length=1, max_length=32)],
    day: Annotated[date, Form()],
    areas: Annotated[str, Form(min_length=1, max_length=4000)],
) -> Response:
    """A trip from the customer page: places one per line or separated by commas."""
    places = [a for a in areas.replace("，", ",").replace("\n", ",").split(",") if a.strip()]
    _add_trip(request, user, TripIn(staff_id=staff_id, day=day, areas=places))
    return _back(customer_id, "trip")


@router.post("/care/customers/{customer_id}/tasks/{task_id}/carrier", include_in_schema=False)
def carrier_form(
    request: Request,
    user: CustomerManager,
    customer_id: CustomerId,
    task_id: TaskId,
    staff_id: Annotated[str, Form(min_length=1, max_length=32)],
    trip_id: Annotated[int | None, Form(ge=1, le=MAX_ROW_ID)] = None,
) -> Response:
    _ask(request, user, task_id, CarrierIn(staff_id=staff_id, trip_id=trip_id))
    return _back(customer_id, "asked")


@router.post("/care/customers/{customer_id}/tasks/{task_id}/delivery", include_in_schema=False)
def delivery_form(
    request: Request,
    user: CustomerManager,
    customer_id: CustomerId,
    task_id: TaskId,
    delivered_by: Annotated[str, Form(min_length=1, max_length=32)],
    delivered_on: Annotated[date, Form()],
    note: Annotated[str, Form(max_length=NOTE_MAX)] = "",
) -> Response:
    body = DeliveryIn(delivered_by=delivered_by, delivered_on=delivered_on, note=note or None)
    _deliver(request, user, task_id, body)
    return _back(customer_id, "delivered")


# ---- API ----


@router.get("/api/v1/care/customers", response_model=CustomerPageOut, tags=["care"])
def customers_api(
    request: Request,
    user: CustomerManager,
    q: Annotated[str | None, Query(max_length=64)] = None,
    tier: Annotated[str | None, Query(pattern=TIER_PATTERN)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> CustomerPageOut:
    customers, total = _list(request, user, q, tier, page)
    return CustomerPageOut(customers=customers, total=total, page=page, page_size=PAGE_SIZE)


@router.get("/api/v1/care/customers/{customer_id}", response_model=CustomerDetailOut, tags=["care"])
def customer_api(
    request: Request,
    user: CustomerManager,
    customer_id: CustomerId,
    year: Annotated[int | None, Query(ge=2000, le=2999)] = None,
) -> CustomerDetailOut:
    detail = _detail(request, user, customer_id, year)
    return _detail_out(detail, translator(request).language)


@router.post(
    "/api/v1/care/customers/{customer_id}/redemptions", response_model=RedeemOut, tags=["care"]
)
def redeem_api(
    request: Request, user: CustomerManager, customer_id: CustomerId, body: RedeemIn
) -> RedeemOut:
    return _redeem(request, user, customer_id, body)


@router.post("/api/v1/care/trips", response_model=TripOut, tags=["care"])
def trip_api(request: Request, user: CustomerManager, body: TripIn) -> TripOut:
    return _add_trip(request, user, body)


@router.post("/api/v1/care/tasks/{task_id}/carrier", status_code=204, tags=["care"])
def carrier_api(request: Request, user: CustomerManager, task_id: TaskId, body: CarrierIn) -> None:
    _ask(request, user, task_id, body)


@router.post("/api/v1/care/tasks/{task_id}/delivery", status_code=204, tags=["care"])
def delivery_api(
    request: Request, user: CustomerManager, task_id: TaskId, body: DeliveryIn
) -> None:
    _deliver(request, user, task_id, body)
