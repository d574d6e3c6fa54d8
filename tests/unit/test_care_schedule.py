"""SMS pre-notices never go out in quiet hours."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from tiexin.care.schedule import QuietHours, sms_send_time

NIGHT = QuietHours(time(21), time(8))


def test_outside_quiet_hours_the_notice_goes_at_once() -> None:
    moment = datetime(2025, 3, 10, 8, 0)
    assert sms_send_time(moment) == moment
    assert sms_send_time(datetime(2025, 3, 10, 20, 59, 59)) == datetime(2025, 3, 10, 20, 59, 59)


def test_a_late_request_waits_for_the_next_morning_across_month_and_year_ends() -> None:
    assert sms_send_time(datetime(2025, 3, 10, 21, 0)) == datetime(2025, 3, 11, 8, 0)
    assert sms_send_time(datetime(2024, 12, 31, 23, 30)) == datetime(2025, 1, 1, 8, 0)
    assert sms_send_time(datetime(2024, 2, 28, 22, 0)) == datetime(2024, 2, 29, 8, 0)


def test_an_early_request_waits_until_the_same_morning() -> None:
    assert sms_send_time(datetime(2025, 3, 10, 3, 15)) == datetime(2025, 3, 10, 8, 0)


def test_a_daytime_window_and_no_window() -> None:
    lunch = QuietHours(time(12), time(13, 30))
    assert sms_send_time(datetime(2025, 3, 10, 12, 10), lunch) == datetime(2025, 3, 10, 13, 30)
    assert sms_send_time(datetime(2025, 3, 10, 23, 0), lunch) == datetime(2025, 3, 10, 23, 0)
    never = QuietHours(time(0), time(0))
    assert sms_send_time(datetime(2025, 3, 10, 23, 0), never) == datetime(2025, 3, 10, 23, 0)


def test_a_timezone_aware_request_keeps_its_zone() -> None:
    beijing = timezone(timedelta(hours=8))
    sent = sms_send_time(datetime(2025, 3, 10, 22, 0, tzinfo=beijing))
    assert sent == datetime(2025, 3, 11, 8, 0, tzinfo=beijing)


@given(st.datetimes(datetime(2000, 1, 1), datetime(2099, 12, 31)), st.times(), st.times())
def test_the_send_time_is_never_quiet_never_early_and_at_most_a_day_late(
    requested: datetime, start: time, end: time
) -> None:
    quiet = QuietHours(start, end)
    sent = sms_send_time(requested, quiet)
    assert not quiet.contains(sent.time())
    assert requested <= sent <= requested + timedelta(days=1)
