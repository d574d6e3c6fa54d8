"""The operator's wall clock: the hotline's days and weeks run on China Standard Time.

Timestamps are stored in UTC; whatever a person reads, or whatever is grouped by day or week
(call-list date filters, dashboards, sampling weeks, SMS quiet hours), uses this zone. China has
no daylight saving time, so a fixed offset is exact.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

UTC_OFFSET_HOURS = 8
OPERATOR_TIMEZONE = timezone(timedelta(hours=UTC_OFFSET_HOURS))


def local_minute(moment: datetime | None) -> str:
    """A moment as the operator's staff read it, to the minute; empty for None."""
    return "" if moment is None else moment.astimezone(OPERATOR_TIMEZONE).strftime("%Y-%m-%d %H:%M")
