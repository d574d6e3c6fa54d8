"""The operator's clock: days and minutes as the hotline's staff read them (UTC+8)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tiexin.domain.operator_time import OPERATOR_TIMEZONE, day_bounds, local_minute, operator_today


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        (datetime(2025, 6, 8, 15, 59, tzinfo=UTC), date(2025, 6, 8)),
        (datetime(2025, 6, 8, 16, 0, tzinfo=UTC), date(2025, 6, 9)),
        (datetime(2025, 12, 31, 17, 30, tzinfo=UTC), date(2026, 1, 1)),
    ],
)
def test_operator_today_is_the_beijing_day(moment: datetime, day: date) -> None:
    assert operator_today(moment) == day


def test_day_bounds_cover_whole_operator_days() -> None:
    low, high = day_bounds(date(2025, 6, 9), date(2025, 6, 9))
    assert low == datetime(2025, 6, 8, 16, 0, tzinfo=UTC)
    assert high == datetime(2025, 6, 9, 16, 0, tzinfo=UTC)
    assert low is not None and low.tzinfo == OPERATOR_TIMEZONE


def test_local_minute() -> None:
    assert local_minute(datetime(2025, 6, 2, 1, 12, tzinfo=UTC)) == "2025-06-02 09:12"
    assert local_minute(None) == ""
