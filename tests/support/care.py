"""Care-engine test helpers: storage on a test database, small CSV files, a synthetic world."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tiexin.bootstrap import open_storage
from tiexin.config import Settings
from tiexin.services.care_import import (
    import_customers,
    import_risk_flags,
    import_staff,
    import_usage,
)
from tiexin.services.care_world import write_world
from tiexin.services.ingest import UnitOfWorkFactory
from tiexin.services.rules_data import import_catalog

CUSTOMER_HEADER = (
    "customer_id,msisdn,name,birthday,tier,branch,county,plan_id,balance_yuan,points,"
    "points_expiry,account_manager_id,join_date"
)
USAGE_HEADER = "customer_id,month,voice_minutes,data_gb,sms,bill_yuan"
STAFF_HEADER = "staff_id,name,role,branch,county,capacity"


def storage(database_url: str, data_dir: Path) -> UnitOfWorkFactory:
    return open_storage(Settings(database_url=database_url, data_dir=data_dir))


def write_csv(path: Path, header: str, *lines: str) -> Path:
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def import_world(
    uow_factory: UnitOfWorkFactory,
    folder: Path,
    *,
    customers: int,
    as_of: date,
    seed: int = 5,
    phone_capacity: int | None = None,
) -> None:
    """A synthetic world written to `folder` and imported, every file without a bad row;
    `phone_capacity` replaces the phone managers' capacity (tasks a day)."""
    files = write_world(folder, customers=customers, months=3, seed=seed, as_of=as_of)
    if phone_capacity is not None:
        _set_phone_capacity(files["staff.csv"], phone_capacity)
    import_catalog(uow_factory, files["catalog.yaml"])
    for load, name in (
        (import_customers, "customers.csv"),
        (import_usage, "usage.csv"),
        (import_staff, "staff.csv"),
    ):
        report = load(uow_factory, files[name])
        assert report.error_count == 0, report.errors[:3]


def flag(uow_factory: UnitOfWorkFactory, folder: Path, **reasons: str) -> None:
    lines = [f"{customer},{reason}" for customer, reason in reasons.items()]
    import_risk_flags(uow_factory, write_csv(folder / "risk.csv", "customer_id,reason", *lines))


def _set_phone_capacity(path: Path, capacity: int) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    changed = [
        line.rsplit(",", 1)[0] + f",{capacity}" if ",phone_manager," in line else line
        for line in lines
    ]
    path.write_text("\n".join(changed) + "\n", encoding="utf-8")
