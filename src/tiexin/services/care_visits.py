"""Door-to-door visits: staff post the trips they plan, Tiexin suggests colleagues whose trips
pass a customer's area while a visit task is open, the account manager asks one to carry the
delivery, and records who delivered it and when (which closes the task). Every change is
audited."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Row

from tiexin.adapters.storage.unit_of_work import SqlUnitOfWork
from tiexin.care.trips import AreaError, Trip, normalise_area, suggest_carriers
from tiexin.domain.access import Principal, customer_scope
from tiexin.domain.errors import InputError
from tiexin.services import audit
from tiexin.services.care_scope import CareForbidden, managed_task
from tiexin.services.care_tasks import move_task
from tiexin.services.ingest import UnitOfWorkFactory

MAX_AREAS = 30
AREA_MAX_CHARS = 129  # a county and a township of 64 characters each, and the separator


@dataclass(frozen=True, slots=True)
class CarrierSuggestion:
    staff_id: str
    staff_name: str
    trip_id: int
    day: date
    area: str  # the trip's place that matched
    match: str  # "township" or "county"


def clean_areas(areas: Sequence[str]) -> list[str]:
    """Areas as stored (stripped, repeats removed); InputError naming the first that is not a
    county or county/township, or if there are none."""
    try:
        cleaned = list(dict.fromkeys(normalise_area(a) for a in areas))
    except AreaError as exc:
        raise InputError(str(exc), source="areas") from None
    if not cleaned:
        raise InputError("name at least one county or county/township", source="areas")
    if len(cleaned) > MAX_AREAS:
        raise InputError(f"at most {MAX_AREAS} places per trip", source="areas")
    too_long = [a for a in cleaned if len(a) > AREA_MAX_CHARS]
    if too_long:
        raise InputError(f"{too_long[0][:40]!r} is too long", source="areas")
    return cleaned


def _active_staff(uow: SqlUnitOfWork, staff_id: str, field: str) -> Row[Any]:
    staff = uow.care_service.staff_member(staff_id)
    if staff is None or not staff.active:
        raise InputError(f"no active staff member {staff_id!r}", source=field)
    return staff


def add_trip(
    uow_factory: UnitOfWorkFactory,
    actor: Principal | None,
    *,
    staff_id: str,
    day: date,
    areas: Sequence[str],
    note: str | None = None,
    client: str | None = None,
    by: str = "cli",
) -> int:
    """Store a planned trip; an account manager may post only their own (the command line,
    `actor` None, any, recorded as `by`)."""
    places = clean_areas(areas)
    if actor is not None and customer_scope(actor) not in (None, staff_id):
        raise CareForbidden("you may post only your own trips")
    with uow_factory() as uow:
        _active_staff(uow, staff_id, "staff_id")
        trip_id = uow.care_service.add_trip(
            staff_id=staff_id,
            day=day,
            areas=places,
            note=note or None,
            created_by=actor.username if actor else by,
            now=datetime.now(UTC),
        )
        detail = {"staff_id": staff_id, "day": day.isoformat(), "areas": places}
        audit.record(
            uow,
            actor,
            "care_trip.added",
            resource_type="care_trip",
            resource_id=str(trip_id),
            detail=detail,
            client=client,
        )
        uow.commit()
    return trip_id


def carrier_suggestions(
    uow: SqlUnitOfWork, task: Row[Any], customer: Row[Any]
) -> list[CarrierSuggestion]:
    """Active colleagues (not the task's own account manager) whose trips pass the customer's
    area between the day the visit was planned and its due day."""
    rows = uow.care_service.active_staff_trips_between(task.created_on, task.due)
    trips = [Trip(r.id, r.staff_id, r.day, tuple(r.areas)) for r in rows]
    found = suggest_carriers(
        trips,
        county=customer.county,
        township=customer.township,
        first_day=task.created_on,
        last_day=task.due,
        exclude_staff=(task.assignee,) if task.assignee else (),
    )
    names = uow.care_service.staff_names([s.trip.staff_id for s in found])
    return [
        CarrierSuggestion(
            s.trip.staff_id,
            names.get(s.trip.staff_id, s.trip.staff_id),
            s.trip.trip_id,
            s.trip.day,
            s.area,
            s.match.name.lower(),
        )
        for s in found
    ]


def _open_visit(uow: SqlUnitOfWork, principal: Principal, task_id: str) -> Row[Any]:
    task = managed_task(uow, principal, task_id)
    if task.channel != "visit":
        raise InputError(f"task {task_id} is a {task.channel} task, not a visit", source="task_id")
    if task.open_slot is None:
        raise InputError(f"task {task_id} is closed", source="task_id")
    return task


def ask_carrier(
    uow_factory: UnitOfWorkFactory,
    principal: Principal,
    task_id: str,
    *,
    staff_id: str,
    trip_id: int | None = None,
    client: str | None = None,
) -> None:
    """Record that `staff_id` was asked to carry the visit (on `trip_id` when given)."""
    with uow_factory() as uow:
        task = _open_visit(uow, principal, task_id)
        _active_staff(uow, staff_id, "staff_id")
        if trip_id is not None:
            trip = uow.care_service.trip(trip_id)
            if trip is None or trip.staff_id != staff_id:
                raise InputError(f"no trip {trip_id} of {staff_id}", source="trip_id")
        values = {
            "carrier_staff_id": staff_id,
            "trip_id": trip_id,
            "asked_by": principal.username,
            "asked_at": datetime.now(UTC),
            "updated_at": datetime.now(UTC),
        }
        uow.care_service.save_visit(task_id, task.customer_id, values)
        detail = {"staff_id": staff_id, "trip_id": trip_id}
        audit.record(
            uow,
            principal,
            "care_visit.carrier_asked",
            resource_type="care_task",
            resource_id=task_id,
            detail=detail,
            client=client,
        )
        uow.commit()


def record_delivery(
    uow_factory: UnitOfWorkFactory,
    principal: Principal,
    task_id: str,
    *,
    delivered_by: str,
    delivered_on: date,
    note: str | None = None,
    client: str | None = None,
) -> None:
    """Record who delivered the visit and when; the task is closed in the same transaction."""
    with uow_factory() as uow:
        task = _open_visit(uow, principal, task_id)
        _active_staff(uow, delivered_by, "delivered_by")
        if delivered_on < task.created_on:
            raise InputError(
                f"{delivered_on} is before the visit was planned ({task.created_on})",
                source="delivered_on",
            )
        now = datetime.now(UTC)
        values = {
            "delivered_by": delivered_by,
            "delivered_on": delivered_on,
            "note": note or None,
            "recorded_by": principal.username,
            "updated_at": now,
        }
        uow.care_service.save_visit(task_id, task.customer_id, values)
        move_task(uow, task_id, "closed", principal.username, note or None, now=now)
        detail = {"delivered_by": delivered_by, "delivered_on": delivered_on.isoformat()}
        audit.record(
            uow,
            principal,
            "care_visit.delivered",
            resource_type="care_task",
            resource_id=task_id,
            detail=detail,
            client=client,
        )
        uow.commit()
