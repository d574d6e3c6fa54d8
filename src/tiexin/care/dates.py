"""Calendar arithmetic the care rules share: birthdays (29 February included), months, periods.

A customer born on 29 February celebrates on 28 February in years without one: it stays in
February (1 March would move the birthday into another month's bill) and is never skipped.
"""

from __future__ import annotations

import calendar
from datetime import date

import numpy as np
import numpy.typing as npt

# day-of-year (0-based) of the first of each month, for common and leap years
_MONTH_START = {
    leap: np.cumsum([0] + [calendar.monthrange(2024 if leap else 2023, m)[1] for m in range(1, 12)])
    for leap in (False, True)
}


def birthday_in_year(birthday: date, year: int) -> date:
    """The date a birthday is celebrated in `year`."""
    if birthday.month == 2 and birthday.day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return date(year, birthday.month, birthday.day)


def next_birthday(birthday: date, on_or_after: date) -> date:
    """The first celebrated birthday on or after a date (this year's, else next year's)."""
    this_year = birthday_in_year(birthday, on_or_after.year)
    return (
        this_year if this_year >= on_or_after else birthday_in_year(birthday, on_or_after.year + 1)
    )


def _celebrated_day_of_year(
    month: npt.NDArray[np.int64], day: npt.NDArray[np.int64], year: int
) -> npt.NDArray[np.int64]:
    leap = calendar.isleap(year)
    # 29 February falls back to the 28th in common years (see the module docstring)
    day = day if leap else np.where((month == 2) & (day == 29), 28, day)
    result: npt.NDArray[np.int64] = _MONTH_START[leap][month - 1] + day - 1
    return result


def days_until_birthdays(
    birthdays: npt.NDArray[np.datetime64], as_of: date
) -> npt.NDArray[np.int64]:
    """Days from `as_of` to each next celebrated birthday (0 when it is today); vectorised
    `next_birthday`."""
    months = birthdays.astype("datetime64[M]")
    month = months.astype(np.int64) % 12 + 1
    day = (birthdays - months.astype("datetime64[D]")).astype(np.int64) + 1
    today = as_of.timetuple().tm_yday - 1
    this_year = _celebrated_day_of_year(month, day, as_of.year) - today
    year_length = 366 if calendar.isleap(as_of.year) else 365
    next_year = _celebrated_day_of_year(month, day, as_of.year + 1) + year_length - today
    result: npt.NDArray[np.int64] = np.where(this_year >= 0, this_year, next_year)
    return result


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(first_of_month: date, months: int) -> date:
    """The first day of the month `months` after (or before) the month of `first_of_month`."""
    index = first_of_month.year * 12 + first_of_month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}


def period_start(day: date, period: str) -> date:
    """The first day of the calendar month, quarter or year that contains `day`."""
    months = PERIOD_MONTHS[period]
    month = (day.month - 1) // months * months + 1
    return date(day.year, month, 1)


def same_period(a: date, b: date, period: str) -> bool:
    return period_start(a, period) == period_start(b, period)
