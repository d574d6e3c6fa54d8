"""Which colleagues' planned trips can carry a door-to-door delivery."""

from __future__ import annotations

from datetime import date

import pytest

from tiexin.care.trips import (
    AreaError,
    Match,
    Trip,
    area_match,
    normalise_area,
    suggest_carriers,
)

D = date(2025, 3, 12)


@pytest.mark.parametrize(
    ("area", "county", "township", "expected"),
    [
        ("青石县/大坪镇", "青石县", "大坪镇", Match.TOWNSHIP),
        ("青石县", "青石县", "大坪镇", Match.COUNTY),
        ("青石县/柳溪乡", "青石县", "大坪镇", None),  # another township of the same county
        ("青石县/柳溪乡", "青石县", None, Match.COUNTY),  # customer's township unknown
        ("白沙县", "青石县", None, None),
        ("白沙县/大坪镇", "青石县", "大坪镇", None),  # same township name, other county
        (" 青石县 / 大坪镇 ", "青石县", "大坪镇", Match.TOWNSHIP),
    ],
)
def test_area_match(area: str, county: str, township: str | None, expected: Match | None) -> None:
    assert area_match(area, county, township) == expected


@pytest.mark.parametrize(
    ("text", "stored"), [(" 青石县 / 大坪镇 ", "青石县/大坪镇"), (" 青石县 ", "青石县")]
)
def test_normalise_area(text: str, stored: str) -> None:
    assert normalise_area(text) == stored


@pytest.mark.parametrize("text", ["a/b/c", "青石县/", "/大坪镇", "青石县/ ", "/", "", "  "])
def test_an_area_is_a_county_or_county_township(text: str) -> None:
    with pytest.raises(AreaError, match="is not a county or county/township") as raised:
        normalise_area(text)
    assert repr(text) in str(raised.value)


def _trip(trip_id: int, staff: str, day: date, *areas: str) -> Trip:
    return Trip(trip_id, staff, day, areas)


def _suggest(trips: list[Trip], exclude_staff: tuple[str, ...] = ()) -> list[int]:
    found = suggest_carriers(
        trips,
        county="青石县",
        township="大坪镇",
        first_day=date(2025, 3, 10),
        last_day=date(2025, 3, 15),
        exclude_staff=exclude_staff,
    )
    return [s.trip.trip_id for s in found]


def test_township_before_county_then_earliest_day() -> None:
    trips = [
        _trip(1, "A", date(2025, 3, 11), "青石县"),
        _trip(2, "B", date(2025, 3, 14), "白沙县", "青石县/大坪镇"),
        _trip(3, "C", date(2025, 3, 12), "青石县/大坪镇"),
        _trip(4, "D", date(2025, 3, 10), "青石县/柳溪乡"),
    ]
    assert _suggest(trips) == [3, 2, 1]


def test_only_trips_inside_the_window_count_both_ends_included() -> None:
    trips = [
        _trip(1, "A", date(2025, 3, 9), "青石县"),
        _trip(2, "B", date(2025, 3, 10), "青石县"),
        _trip(3, "C", date(2025, 3, 15), "青石县"),
        _trip(4, "D", date(2025, 3, 16), "青石县"),
    ]
    assert _suggest(trips) == [2, 3]


def test_one_suggestion_per_colleague_their_best_trip() -> None:
    trips = [
        _trip(1, "A", date(2025, 3, 11), "青石县"),
        _trip(2, "A", date(2025, 3, 13), "青石县/大坪镇"),
        _trip(3, "A", date(2025, 3, 14), "青石县/大坪镇"),
    ]
    assert _suggest(trips) == [2]


def test_excluded_staff_and_no_match_give_nothing() -> None:
    trips = [_trip(1, "A", D, "青石县/大坪镇"), _trip(2, "B", D, "云渡县")]
    assert _suggest(trips, exclude_staff=("A",)) == []


def test_without_a_township_every_trip_through_the_county_is_a_county_match() -> None:
    trips = [_trip(1, "A", D, "青石县/柳溪乡"), _trip(2, "B", date(2025, 3, 11), "青石县")]
    found = suggest_carriers(trips, county="青石县", township=None, first_day=D, last_day=D)
    assert [(s.trip.trip_id, s.match, s.area) for s in found] == [
        (1, Match.COUNTY, "青石县/柳溪乡")
    ]
