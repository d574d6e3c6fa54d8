"""`tiexin care redeem` and `tiexin care trip add` on SQLite and PostgreSQL: balances per
calendar year, a redemption beyond the balance refused with nothing written, a custom
privileges file, trips checked against the staff list and their places."""

from __future__ import annotations

import getpass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Select, Table, func, select
from typer.testing import CliRunner

from tests.support.care import CUSTOMER_HEADER, STAFF_HEADER, storage, write_csv
from tests.support.cli import said
from tiexin.adapters.storage import make_engine
from tiexin.adapters.storage.tables import care_redemptions, care_trips
from tiexin.cli import app
from tiexin.services.care_import import import_customers, import_staff

PRIVILEGES = """version: "test"
privileges:
  - {id: lounge, name: 贵宾厅, name_en: Airport lounge, per_year: {gold: 2}}
"""


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    uow_factory = storage(database_url, tmp_path / "var")
    customers = write_csv(
        tmp_path / "c.csv",
        CUSTOMER_HEADER,
        "C1,13900000001,张三,1980-02-29,gold,岚城,青石县,p58,10,0,,AM1,2010-05-01",
        "C2,13900000002,李四,1980-03-01,silver,岚城,青石县,p58,10,0,,AM1,2010-05-01",
    )
    assert import_customers(uow_factory, customers).error_count == 0
    staff = write_csv(
        tmp_path / "s.csv", STAFF_HEADER, "AM1,王经理,account_manager,岚城,青石县,500"
    )
    assert import_staff(uow_factory, staff).error_count == 0
    (tmp_path / "privileges.yaml").write_text(PRIVILEGES, encoding="utf-8")
    return {
        "TIEXIN_DATABASE_URL": database_url,
        "TIEXIN_DATA_DIR": str(tmp_path / "var"),
        "TIEXIN_CARE_PRIVILEGES_FILE": str(tmp_path / "privileges.yaml"),
    }


def _scalars(env: dict[str, str], query: Select[Any]) -> list[Any]:
    engine = make_engine(env["TIEXIN_DATABASE_URL"])
    try:
        with engine.connect() as connection:
            return list(connection.execute(query).scalars())
    finally:
        engine.dispose()


def _count(env: dict[str, str], table: Table) -> int:
    (count,) = _scalars(env, select(func.count()).select_from(table))
    return int(count)


def test_redeem_counts_down_the_year_and_refuses_beyond_it(env: dict[str, str]) -> None:
    runner = CliRunner()
    for left in (1, 0):
        ok = runner.invoke(app, ["care", "redeem", "C1", "lounge", "--date", "2025-03-10"], env=env)
        assert ok.exit_code == 0, ok.output
        assert f"Redeemed lounge for C1 on 2025-03-10: {left} left in 2025" in said(ok)
    refused = runner.invoke(
        app, ["care", "redeem", "C1", "lounge", "--date", "2025-12-31"], env=env
    )
    assert refused.exit_code == 2
    assert "has no Airport lounge left in 2025: 2 a year, 2 used" in said(refused)
    assert _count(env, care_redemptions) == 2
    renewed = runner.invoke(
        app, ["care", "redeem", "C1", "lounge", "--date", "2026-01-01"], env=env
    )
    assert renewed.exit_code == 0 and "1 left in 2026" in said(renewed)
    silver = runner.invoke(app, ["care", "redeem", "C2", "lounge", "--date", "2025-03-10"], env=env)
    assert silver.exit_code == 2 and "0 a year" in said(silver)  # the tier has no entitlement
    for bad, message in (
        (["C9", "lounge"], "no customer 'C9'"),
        (["C1", "lounj"], "did you mean 'lounge'"),
        (["C1", "lounge", "--date", "2025-13-01"], "--date '2025-13-01': expected a date"),
    ):
        result = runner.invoke(app, ["care", "redeem", *bad], env=env)
        assert result.exit_code == 2 and message in said(result), result.output
    assert _count(env, care_redemptions) == 3
    for on, by in (("2026-02-01", "李经理"), ("2027-02-01", "  ")):  # blank: the login name
        args = ["care", "redeem", "C1", "lounge", "--date", on, "--by", by]
        assert runner.invoke(app, args, env=env).exit_code == 0
    recorded = _column(env, care_redemptions.c.recorded_by)
    assert recorded[-2:] == ["李经理", getpass.getuser()]
    assert set(recorded[:-2]) == {getpass.getuser()}


def _column(env: dict[str, str], column: Column[Any]) -> list[Any]:
    """The column's values in the order the rows were added."""
    return _scalars(env, select(column).order_by(column.table.c.id))


def test_trip_add_stores_places_of_known_staff_only(env: dict[str, str]) -> None:
    runner = CliRunner()
    args = ["care", "trip", "add", "AM1", "--date", str(date(2025, 3, 12))]
    ok = runner.invoke(app, [*args, "--area", "青石县/大坪镇", "--area", " 白沙县 "], env=env)
    assert ok.exit_code == 0, ok.output
    assert "AM1 on 2025-03-12" in said(ok)
    unknown = runner.invoke(
        app, ["care", "trip", "add", "XX", "--date", "2025-03-12", "--area", "a"], env=env
    )
    assert unknown.exit_code == 2 and "no active staff member 'XX'" in said(unknown)
    for area in ("a/b/c", "a/", "/b", " ", ""):
        bad = runner.invoke(app, [*args, "--area", "白沙县", "--area", area], env=env)
        assert bad.exit_code == 2, (area, bad.output)
        assert f"{area!r} is not a county or county/township" in said(bad)
    assert _count(env, care_trips) == 1
    by = runner.invoke(app, [*args, "--area", "白沙县", "--by", "李经理"], env=env)
    assert by.exit_code == 0, by.output
    assert _column(env, care_trips.c.created_by) == [getpass.getuser(), "李经理"]
