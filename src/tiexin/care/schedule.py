"""When to send the SMS that tells a customer a phone manager will call: never in quiet hours.

Times are wall-clock times in the operator's zone; a timezone-aware request keeps its zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta


@dataclass(frozen=True, slots=True)
class QuietHours:
    """No SMS from `start` (inclusive) to `end` (exclusive). A window may run past midnight
    (21:00–08:00, the default); `start == end` means no quiet hours."""

    start: time = time(21, 0)
    end: time = time(8, 0)

    def contains(self, moment: time) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


def sms_send_time(requested: datetime, quiet: QuietHours | None = None) -> datetime:
    """The time to send a notice requested at `requested`: at once outside quiet hours,
    otherwise when they end (the same morning, or the next one for a late-evening request)."""
    quiet = quiet or QuietHours()
    if not quiet.contains(requested.timetz().replace(tzinfo=None)):
        return requested
    end = quiet.end
    send = requested.replace(
        hour=end.hour, minute=end.minute, second=end.second, microsecond=end.microsecond
    )
    # before midnight in a window that runs past it: the window ends tomorrow
    return send if send > requested else send + timedelta(days=1)
