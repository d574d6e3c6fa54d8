"""Care data for the care pages' web and browser tests: a synthetic world imported and planned,
one VIP customer with a known township, a number that has calls, a risk flag (so a visit
task), a colleague's trip through the customer's township, and staff accounts."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, select

from tests.support.care import flag, import_world
from tests.support.workbench import PASSWORD
from tiexin.adapters.storage.tables import calls, care_customers, care_staff, care_tasks
from tiexin.care.rules import default_care_rules
from tiexin.care.world import demo_catalog
from tiexin.services.auth import add_user
from tiexin.services.care_import import import_customers
from tiexin.services.care_run import run_care, task_key
from tiexin.services.care_visits import add_trip
from tiexin.services.ingest import UnitOfWorkFactory

AS_OF = date(2025, 3, 10)
NOW = datetime(2025, 3, 10, 2, 0, tzinfo=UTC)
TOWNSHIP = "大坪镇"
PHONE_USER = "carephone"
MANAGER_USER = "caream"


@dataclass(frozen=True)
class CareSeed:
    customer_id: str  # the caream account manager's customer with a visit task
    msisdn: str  # the customer's number, which has seeded calls
    county: str
    manager_staff_id: str
    visit_task_id: str
    carrier_staff_id: str  # a colleague whose trip passes the customer's township
    carrier_trip_id: int
    phone_staff_id: str
    other_customer_id: str  # a VIP of another account manager


def _vip_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    return [r for r in rows if r["tier"] in ("diamond", "gold") and r["account_manager_id"]]


def _reimport(uow_factory: UnitOfWorkFactory, folder: Path, row: dict[str, str]) -> None:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[*row.keys(), "township"])
    writer.writeheader()
    writer.writerow({**row, "township": TOWNSHIP})
    path = folder / "customer-fix.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    assert import_customers(uow_factory, path).error_count == 0


def seed_care(uow_factory: UnitOfWorkFactory, engine: Engine, folder: Path) -> CareSeed:
    world = folder / "care-world"
    import_world(uow_factory, world, customers=400, as_of=AS_OF)
    with engine.connect() as connection:
        msisdn = connection.execute(
            select(calls.c.customer_msisdn).where(calls.c.customer_msisdn.is_not(None)).limit(1)
        ).scalar_one()
    vips = _vip_rows(world / "customers.csv")
    chosen = vips[0]
    other = next(r for r in vips if r["account_manager_id"] != chosen["account_manager_id"])
    _reimport(uow_factory, folder, {**chosen, "msisdn": msisdn})
    flag(uow_factory, folder, **{chosen["customer_id"]: "携号转网查询"})
    run_care(uow_factory, as_of=AS_OF, rules=default_care_rules(), catalog=demo_catalog(), now=NOW)
    with engine.connect() as connection:
        manager = connection.execute(
            select(care_customers.c.account_manager_id).where(
                care_customers.c.customer_id == chosen["customer_id"]
            )
        ).scalar_one()
        phone = connection.execute(
            select(care_tasks.c.assignee)
            .where(care_tasks.c.channel == "call", care_tasks.c.assignee.is_not(None))
            .order_by(care_tasks.c.task_id)
            .limit(1)
        ).scalar_one()
        carrier = connection.execute(
            select(care_staff.c.staff_id)
            .where(care_staff.c.role == "account_manager", care_staff.c.staff_id != manager)
            .order_by(care_staff.c.staff_id)
            .limit(1)
        ).scalar_one()
    trip_id = add_trip(
        uow_factory,
        None,
        staff_id=carrier,
        day=AS_OF + timedelta(days=2),
        areas=[f"{chosen['county']}/{TOWNSHIP}", "某县"],
    )
    add_user(uow_factory, PHONE_USER, role="agent", password=PASSWORD, agent_id=phone)
    add_user(uow_factory, MANAGER_USER, role="account_manager", password=PASSWORD, agent_id=manager)
    return CareSeed(
        customer_id=chosen["customer_id"],
        msisdn=msisdn,
        county=chosen["county"],
        manager_staff_id=manager,
        visit_task_id=task_key(AS_OF, "retention", chosen["customer_id"]),
        carrier_staff_id=carrier,
        carrier_trip_id=trip_id,
        phone_staff_id=phone,
        other_customer_id=other["customer_id"],
    )
