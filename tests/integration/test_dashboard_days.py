"""Regression: dashboards grouped calls by UTC day while the call list used the hotline's day.

A call at 01:30 on a Monday in Beijing is 17:30 UTC on the Sunday before; both pages must put
it on the Monday (and so in the next ISO week).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, literal, select
from sqlalchemy.orm import Session

from tiexin.adapters.storage.dashboards import SqlDashboardRepository
from tiexin.adapters.storage.tables import UtcDateTime


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        (datetime(2025, 6, 8, 17, 30, tzinfo=UTC), "2025-06-09"),
        (datetime(2025, 6, 8, 15, 59, tzinfo=UTC), "2025-06-08"),
        (datetime(2025, 12, 31, 16, 0, tzinfo=UTC), "2026-01-01"),
    ],
)
def test_dashboard_days_are_the_operators_days(engine: Engine, moment: datetime, day: str) -> None:
    with Session(engine) as session:
        repository = SqlDashboardRepository(session)
        value = literal(moment, UtcDateTime())
        assert session.execute(select(repository.local_day(value))).scalar_one() == day
