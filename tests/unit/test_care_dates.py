"""Birthdays (29 February and year ends), periods and the vectorised day counts."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tiexin.care.dates import (
    add_months,
    birthday_in_year,
    days_until_birthdays,
    next_birthday,
    period_start,
    same_period,
)


def test_29_february_is_celebrated_on_28_february_in_common_years() -> None:
    leapling = date(2000, 2, 29)
    assert birthday_in_year(leapling, 2025) == date(2025, 2, 28)
    assert birthday_in_year(leapling, 2028) == date(2028, 2, 29)
    assert next_birthday(leapling, date(2025, 3, 1)) == date(2026, 2, 28)
    assert next_birthday(leapling, date(2027, 3, 1)) == date(2028, 2, 29)


def test_next_birthday_crosses_the_year_end() -> None:
    assert next_birthday(date(1990, 1, 2), date(2024, 12, 30)) == date(2025, 1, 2)
    assert next_birthday(date(1990, 12, 31), date(2024, 12, 31)) == date(2024, 12, 31)


def test_vectorised_day_counts_at_the_edges() -> None:
    births = np.array(
        ["2000-02-29", "1990-01-01", "1985-12-31", "1999-03-01"], dtype="datetime64[D]"
    )
    assert days_until_birthdays(births, date(2025, 2, 27)).tolist() == [1, 308, 307, 2]
    assert days_until_birthdays(births, date(2024, 2, 28)).tolist() == [1, 308, 307, 2]
    assert days_until_birthdays(births, date(2024, 12, 31)).tolist() == [59, 1, 0, 60]


@given(
    st.dates(date(1920, 1, 1), date(2010, 12, 31)), st.dates(date(2000, 1, 1), date(2099, 12, 31))
)
def test_vectorised_day_counts_match_next_birthday(birthday: date, as_of: date) -> None:
    days = days_until_birthdays(np.array([birthday], dtype="datetime64[D]"), as_of)
    assert as_of + timedelta(days=int(days[0])) == next_birthday(birthday, as_of)


def test_months_and_periods() -> None:
    assert add_months(date(2024, 11, 1), 3) == date(2025, 2, 1)
    assert add_months(date(2025, 1, 1), -1) == date(2024, 12, 1)
    assert period_start(date(2025, 5, 31), "quarter") == date(2025, 4, 1)
    assert same_period(date(2025, 1, 31), date(2025, 1, 1), "month")
    assert not same_period(date(2025, 1, 31), date(2025, 2, 1), "month")
    assert not same_period(date(2024, 12, 31), date(2025, 1, 1), "year")
