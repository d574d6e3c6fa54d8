"""The care side of the demo: an invented customer base imported and planned for today.

So that `make run` shows filled care pages: the synthetic world (customers, three months of
usage, staff, its catalogue) is written under the data folder, imported like an operator's
files, and `care run` plans the day's tasks. The demo's phone and account managers are the
world's first staff of each role, so the demo accounts can sign in as them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from tiexin.care.rules import default_care_rules
from tiexin.services.care_import import import_customers, import_staff, import_usage
from tiexin.services.care_run import CareRunReport, run_care
from tiexin.services.care_world import write_world
from tiexin.services.ingest import UnitOfWorkFactory
from tiexin.services.rules_data import import_catalog

DEMO_CUSTOMERS = 600
DEMO_SEED = 7


@dataclass(frozen=True)
class DemoCare:
    report: CareRunReport
    phone_manager_id: str | None  # staff id of the phone manager with the most care calls
    account_manager_id: str | None  # staff id of the account manager with the most VIPs


def prepare_demo_care(uow_factory: UnitOfWorkFactory, folder: Path, as_of: date) -> DemoCare:
    files = write_world(folder, customers=DEMO_CUSTOMERS, months=3, seed=DEMO_SEED, as_of=as_of)
    catalog = import_catalog(uow_factory, files["catalog.yaml"])
    for load, name in (
        (import_staff, "staff.csv"),
        (import_customers, "customers.csv"),
        (import_usage, "usage.csv"),
    ):
        report = load(uow_factory, files[name])
        if report.error_count:  # the generator writes valid files; anything else is a bug
            raise RuntimeError(f"demo world {name}: {report.errors[0]}")
    care = run_care(uow_factory, as_of=as_of, rules=default_care_rules(), catalog=catalog)
    with uow_factory() as uow:
        phone, account = uow.care.busiest_staff()
    return DemoCare(care, phone, account)
