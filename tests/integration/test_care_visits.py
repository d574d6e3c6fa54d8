"""A customer's care view on SQLite and PostgreSQL: an open visit's carriers are colleagues still
on the staff list, and the year asked for shows that year's redemptions only."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tests.support.care import CUSTOMER_HEADER, STAFF_HEADER, flag, storage, write_csv
from tiexin.care.privileges import default_privileges
from tiexin.care.rules import default_care_rules
from tiexin.care.world import demo_catalog
from tiexin.domain.access import Principal, UserRole
from tiexin.services.care_import import import_customers, import_staff
from tiexin.services.care_privileges import redeem
from tiexin.services.care_run import run_care
from tiexin.services.care_views import CustomerDetail, customer_detail
from tiexin.services.care_visits import add_trip
from tiexin.services.ingest import UnitOfWorkFactory

AS_OF = date(2025, 3, 10)
NOW = datetime(2025, 3, 10, 2, 0, tzinfo=UTC)
MANAGER = Principal("am1", UserRole.ACCOUNT_MANAGER, agent_id="AM1")
STAFF = {
    "AM1": "AM1,李经理,account_manager,岚城,青石县,300",
    "AM2": "AM2,赵经理,account_manager,岚城,青石县,300",
    "AM3": "AM3,钱经理,account_manager,岚城,白沙县,300",
    "PM1": "PM1,王电话,phone_manager,岚城,岚城城区,40",
}


@pytest.fixture
def uow_factory(database_url: str, tmp_path: Path) -> UnitOfWorkFactory:
    """C1, a gold customer of AM1 in 青石县 flagged at risk, so with an open visit task."""
    uow_factory = storage(database_url, tmp_path / "var")
    customers = write_csv(
        tmp_path / "c.csv",
        CUSTOMER_HEADER,
        "C1,13900000001,张三,1980-09-15,gold,岚城,青石县,p58,20,0,,AM1,2010-05-01",
    )
    assert import_customers(uow_factory, customers).error_count == 0
    _import_staff(uow_factory, tmp_path, *STAFF)
    flag(uow_factory, tmp_path, C1="两周内两次投诉")
    run_care(uow_factory, as_of=AS_OF, rules=default_care_rules(), catalog=demo_catalog(), now=NOW)
    return uow_factory


def _import_staff(uow_factory: UnitOfWorkFactory, folder: Path, *staff_ids: str) -> None:
    """A full staff list: staff left out of it are retired."""
    path = write_csv(folder / "s.csv", STAFF_HEADER, *(STAFF[s] for s in staff_ids))
    assert import_staff(uow_factory, path).error_count == 0


def _detail(uow_factory: UnitOfWorkFactory, year: int) -> CustomerDetail:
    return customer_detail(uow_factory, MANAGER, "C1", default_privileges(), year)


def test_a_retired_colleagues_trip_is_no_longer_suggested_as_a_carrier(
    uow_factory: UnitOfWorkFactory, tmp_path: Path
) -> None:
    for staff_id in ("AM2", "AM3"):
        add_trip(uow_factory, None, staff_id=staff_id, day=date(2025, 3, 12), areas=["青石县"])
    [visit] = _detail(uow_factory, 2025).visits
    assert [c.staff_id for c in visit.carriers] == ["AM2", "AM3"]
    _import_staff(uow_factory, tmp_path, "AM1", "AM2", "PM1")
    [visit] = _detail(uow_factory, 2025).visits
    assert [c.staff_id for c in visit.carriers] == ["AM2"]


def test_the_year_view_lists_only_that_years_redemptions(
    uow_factory: UnitOfWorkFactory,
) -> None:
    days = (date(2024, 12, 31), date(2025, 1, 1), date(2025, 11, 26), date(2026, 1, 1))
    for day in days:
        redeem(uow_factory, default_privileges(), MANAGER, "C1", "car_wash", on=day)
    for year in (2024, 2025, 2026):
        detail = _detail(uow_factory, year)
        listed = [r.redeemed_on for r in detail.redemptions]
        assert listed == sorted((d for d in days if d.year == year), reverse=True), year
        assert [b.used for b in detail.balances if b.privilege.id == "car_wash"] == [len(listed)]
