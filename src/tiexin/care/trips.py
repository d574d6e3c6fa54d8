"""Door-to-door visits: which colleagues' planned trips could carry a delivery to a customer.

Staff post the trips they will make anyway (a day and the places passed, each a county or a
`county/township`). A trip passing the customer's township is the best carrier; one passing the
customer's county without naming the township may still do, so it is suggested after those. A
trip counts only on a day inside the task's window (planned day to due day, both included).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import IntEnum

AREA_SEPARATOR = "/"


class Match(IntEnum):
    """How closely a trip passes the customer; lower sorts first."""

    TOWNSHIP = 1  # the trip names the customer's township
    COUNTY = 2  # the trip passes the customer's county


@dataclass(frozen=True, slots=True)
class Trip:
    trip_id: int
    staff_id: str
    day: date
    areas: tuple[str, ...]  # "county" or "county/township"


@dataclass(frozen=True, slots=True)
class Suggestion:
    trip: Trip
    match: Match
    area: str  # the trip's area that matched


def parse_area(text: str) -> tuple[str, str | None]:
    """("青石县", "大坪镇") from "青石县/大坪镇"; ("青石县", None) from "青石县"."""
    county, _, township = (part.strip() for part in text.partition(AREA_SEPARATOR))
    return county, township or None


class AreaError(ValueError):
    """A place that is not a county or a `county/township`."""


def normalise_area(text: str) -> str:
    """An area as stored: parts stripped. AreaError for more than one separator or an empty
    part ("青石县/", "/大坪镇", ""), which would match no customer or the wrong ones."""
    parts = [part.strip() for part in text.split(AREA_SEPARATOR)]
    if len(parts) > 2 or not all(parts):
        raise AreaError(f"{text!r} is not a county or county{AREA_SEPARATOR}township")
    return AREA_SEPARATOR.join(parts)


def area_match(area: str, county: str, township: str | None) -> Match | None:
    """How `area` (a place a trip passes) reaches a customer in `county`/`township`."""
    area_county, area_township = parse_area(area)
    if area_county != county:
        return None
    if area_township is None:
        return Match.COUNTY
    if township is None:
        return Match.COUNTY  # the trip is in the county; where in it the customer lives is unknown
    return Match.TOWNSHIP if area_township == township else None


def _best(trip: Trip, county: str, township: str | None) -> Suggestion | None:
    found = [(m, a) for a in trip.areas if (m := area_match(a, county, township)) is not None]
    if not found:
        return None
    match, area = min(found)
    return Suggestion(trip, match, area)


def suggest_carriers(
    trips: Iterable[Trip],
    *,
    county: str,
    township: str | None,
    first_day: date,
    last_day: date,
    exclude_staff: Sequence[str] = (),
) -> list[Suggestion]:
    """Trips inside [first_day, last_day] passing the customer's area, best first: township
    before county, then the earliest day, then the staff id (a stable order). One suggestion per
    colleague: their best trip."""
    best: dict[str, Suggestion] = {}
    for trip in trips:
        if not first_day <= trip.day <= last_day or trip.staff_id in exclude_staff:
            continue
        suggestion = _best(trip, county, township)
        if suggestion is None:
            continue
        kept = best.get(trip.staff_id)
        if kept is None or _rank(suggestion) < _rank(kept):
            best[trip.staff_id] = suggestion
    return sorted(best.values(), key=_rank)


def _rank(suggestion: Suggestion) -> tuple[int, date, str, int]:
    trip = suggestion.trip
    return (suggestion.match, trip.day, trip.staff_id, trip.trip_id)
