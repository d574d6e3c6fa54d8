"""The operator's wall clock: the hotline's days and weeks run on China Standard Time.

Timestamps are stored in UTC; whatever a person reads, or whatever is grouped by day or week
(call-list date filters, dashboards, sampling weeks, SMS quiet hours), uses this zone. China has
no daylight saving time, so a fixed offset is exact.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

UTC_OFFSET_HOURS = 8
OPERATOR_TIMEZONE = timezone(timedelta(hours=UTC_OFFSET_HOURS))


def local_minute(moment: datetime | None) -> str:
    """A moment as the operator's staff read it, to the minute; empty for None."""
    return "" if moment is None else moment.astimezone(OPERATOR_TIMEZONE).strftime("%Y-%m-%d %H:%M")


def operator_today(now: datetime | None = None) -> date:
    """The operator's calendar day at `now` (default: the current moment)."""
    return (now or datetime.now(UTC)).astimezone(OPERATOR_TIMEZONE).date()


def day_bounds(
    date_from: date | None, date_to: date | None
) -> tuple[datetime | None, datetime | None]:
    """Start-time bounds of these operator days: [date_from 00:00, the day after date_to 00:00)."""
    low = None if date_from is None else datetime.combine(date_from, time(), OPERATOR_TIMEZONE)
    high = (
        None
        if date_to is None
        else datetime.combine(date_to + timedelta(days=1), time(), OPERATOR_TIMEZONE)
    )
    return low, high
