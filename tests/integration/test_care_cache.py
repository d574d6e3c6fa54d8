"""The care run's snapshots of the usage and the customers: the files they are kept in, and
when a run may use them (usage: unchanged since, the same months, the same customers;
customers: with those changed since read again) on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import text

from tests.support.care import CUSTOMER_HEADER, USAGE_HEADER, import_world, storage, write_csv
from tiexin.adapters.care_cache import (
    CareCacheFiles,
    CustomerCacheFile,
    CustomerSnapshot,
    UsageCacheFile,
    UsageSnapshot,
)
from tiexin.adapters.storage.engine import make_engine, migrate
from tiexin.bootstrap import care_cache
from tiexin.care.model import CUSTOMER_COLUMNS, Customer, CustomerTable, UsageTable
from tiexin.care.rules import default_care_rules
from tiexin.care.world import demo_catalog
from tiexin.config import Settings
from tiexin.services.care_data import (
    Assigned,
    CareInputs,
    CustomersSeen,
    keep_customers,
    load_customers,
    load_inputs,
    patch_customers,
)
from tiexin.services.care_export import export_care_tasks
from tiexin.services.care_import import import_customers, import_usage
from tiexin.services.care_run import CareRunReport, run_care
from tiexin.services.care_tasks import record_outcome
from tiexin.services.ingest import UnitOfWorkFactory

AS_OF = date(2025, 3, 10)
FIRST, END = date(2024, 12, 1), date(2025, 3, 1)
NOW = datetime(2025, 3, 10, 2, 0, tzinfo=UTC)


def _usage(rows: int) -> UsageTable:
    return UsageTable(
        row=np.arange(rows, dtype=np.int64) // 3,
        month=np.array(["2024-12", "2025-01", "2025-02"] * (rows // 3), "datetime64[M]"),
        voice_minutes=np.linspace(0, 900, rows),
        data_gb=np.linspace(0, 30, rows),
        sms=np.arange(rows, dtype=np.int64),
        bill_yuan=np.linspace(10, 300, rows),
    )


def _assert_same_usage(a: UsageTable, b: UsageTable) -> None:
    for name in ("row", "month", "voice_minutes", "data_gb", "sms", "bill_yuan"):
        left, right = getattr(a, name), getattr(b, name)
        assert left.dtype == right.dtype, name
        assert np.array_equal(left, right), name


def test_a_saved_snapshot_loads_as_it_was_saved(tmp_path: Path) -> None:
    cache = UsageCacheFile(tmp_path / "cache" / "usage.arrow")
    assert cache.load("v1", FIRST, END) is None  # nothing kept yet
    cache.save(UsageSnapshot("v1", FIRST, END, "digest", _usage(30)))
    loaded = cache.load("v1", FIRST, END)
    assert loaded is not None and loaded.customers == "digest"
    _assert_same_usage(loaded.usage, _usage(30))
    assert [p.name for p in (tmp_path / "cache").iterdir()] == ["usage.arrow"]  # no partial


@pytest.mark.parametrize(
    ("version", "first", "end"),
    [("v2", FIRST, END), ("v1", date(2024, 11, 1), END), ("v1", FIRST, date(2025, 4, 1))],
)
def test_a_snapshot_of_other_usage_or_months_is_not_used(
    tmp_path: Path, version: str, first: date, end: date
) -> None:
    cache = UsageCacheFile(tmp_path / "usage.arrow")
    cache.save(UsageSnapshot("v1", FIRST, END, "digest", _usage(6)))
    assert cache.load(version, first, end) is None


def test_a_new_snapshot_replaces_the_old_one(tmp_path: Path) -> None:
    cache = UsageCacheFile(tmp_path / "usage.arrow")
    cache.save(UsageSnapshot("v1", FIRST, END, "a", _usage(6)))
    cache.save(UsageSnapshot("v2", FIRST, END, "b", _usage(9)))
    assert cache.load("v1", FIRST, END) is None
    loaded = cache.load("v2", FIRST, END)
    assert loaded is not None and len(loaded.usage) == 9


def test_a_damaged_snapshot_counts_as_none(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "usage.arrow"
    UsageCacheFile(path).save(UsageSnapshot("v1", FIRST, END, "digest", _usage(6)))
    path.write_bytes(path.read_bytes()[:100])
    with caplog.at_level(logging.WARNING):
        assert UsageCacheFile(path).load("v1", FIRST, END) is None
    assert "not a snapshot" in caplog.text and str(path) in caplog.text


@dataclass
class Counting:
    """A real snapshot file, counting what runs asked of it."""

    inner: Any
    hits: int = 0
    saved: list[Any] = field(default_factory=list)  # the snapshots saved

    def load(self, *key: Any) -> Any:
        snapshot = self.inner.load(*key)
        self.hits += snapshot is not None
        return snapshot

    def save(self, snapshot: Any) -> None:
        self.saved.append(snapshot)
        self.inner.save(snapshot)


@dataclass
class CountingCache:
    files: CareCacheFiles
    usage: Counting
    customers: Counting

    @classmethod
    def of(cls, files: CareCacheFiles) -> CountingCache:
        return cls(files, Counting(files.usage), Counting(files.customers))

    def flush(self) -> None:
        self.files.flush()


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> tuple[UnitOfWorkFactory, CountingCache]:
    uow_factory = storage(database_url, tmp_path / "var")
    import_world(uow_factory, tmp_path / "world", customers=300, as_of=AS_OF)
    cache = CountingCache.of(care_cache(Settings(database_url=database_url, data_dir=tmp_path)))
    return uow_factory, cache


def _inputs(uow_factory: UnitOfWorkFactory, cache: CountingCache | None) -> CareInputs:
    with uow_factory() as uow:
        inputs = load_inputs(uow, default_care_rules(), AS_OF, cache)
    if cache is not None:
        assert inputs.seen is not None
        keep_customers(cache, inputs.seen, None)
        cache.flush()
    return inputs


def _run(uow_factory: UnitOfWorkFactory, cache: CountingCache) -> CareRunReport:
    rules, catalog = default_care_rules(), demo_catalog()
    return run_care(uow_factory, as_of=AS_OF, rules=rules, catalog=catalog, now=NOW, cache=cache)


def _usage_version(uow_factory: UnitOfWorkFactory) -> str | None:
    with uow_factory() as uow:
        return uow.care.usage_version()


def test_the_next_run_uses_the_snapshot_the_first_kept(
    world: tuple[UnitOfWorkFactory, CountingCache],
) -> None:
    uow_factory, cache = world
    first = _run(uow_factory, cache)
    assert cache.usage.hits == 0
    assert [u.version for u in cache.usage.saved] == [_usage_version(uow_factory)]
    assert first.by_rule["plan_fit"] > 0
    # the account managers the first run assigned leave the customers, and their order, as
    # they were: the snapshot's rows still index them
    _assert_same_usage(_inputs(uow_factory, cache).usage, _inputs(uow_factory, None).usage)
    assert (cache.usage.hits, len(cache.usage.saved)) == (1, 1)
    again = _run(uow_factory, cache)
    assert (cache.usage.hits, len(cache.usage.saved)) == (2, 1)
    assert (again.stored, again.already_stored) == (0, first.planned)


def _one_customer(inputs: CareInputs, customer_id: str) -> list[tuple[str, float]]:
    row = int(np.searchsorted(inputs.customers.customer_id, customer_id))
    mine = inputs.usage.row == row
    months = inputs.usage.month[mine].astype(str).tolist()
    return sorted(zip(months, inputs.usage.bill_yuan[mine].tolist(), strict=True))


def test_imported_usage_is_read_again_not_taken_from_the_snapshot(
    world: tuple[UnitOfWorkFactory, CountingCache], tmp_path: Path
) -> None:
    uow_factory, cache = world
    before = _inputs(uow_factory, cache)
    customer_id = str(before.customers.customer_id[0])
    version = _usage_version(uow_factory)
    csv = write_csv(tmp_path / "u.csv", USAGE_HEADER, f"{customer_id},2025-02,1,0.5,1,999.5")
    import_usage(uow_factory, csv)
    assert _usage_version(uow_factory) not in (None, version)
    after = _inputs(uow_factory, cache)
    assert ("2025-02", 999.5) in _one_customer(after, customer_id)
    assert (cache.usage.hits, len(cache.usage.saved)) == (0, 2)
    assert _inputs(uow_factory, cache).usage.bill_yuan.tolist() == after.usage.bill_yuan.tolist()
    assert cache.usage.hits == 1


def test_a_new_customer_is_read_with_its_usage_not_taken_from_the_snapshot(
    world: tuple[UnitOfWorkFactory, CountingCache], tmp_path: Path
) -> None:
    uow_factory, cache = world
    # the billing export came first: usage of a customer the CRM has not exported yet
    csv = write_csv(tmp_path / "u.csv", USAGE_HEADER, "ZZ1,2025-02,600,20.5,10,188")
    import_usage(uow_factory, csv)
    assert _one_customer(_inputs(uow_factory, cache), "ZZ1") == []  # unknown: left out
    version = _usage_version(uow_factory)
    customer = "ZZ1,13900000999,新客户,1990-06-01,gold,岚城,青石县,p58,20,0,,,2024-01-01"
    import_customers(uow_factory, write_csv(tmp_path / "c.csv", CUSTOMER_HEADER, customer))
    assert _usage_version(uow_factory) == version  # customers are not usage
    assert _one_customer(_inputs(uow_factory, cache), "ZZ1") == [("2025-02", 188.0)]
    assert (cache.usage.hits, len(cache.usage.saved)) == (1, 2)  # kept, not matching the customers


def test_data_stored_before_versions_were_kept_gets_them(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine, "0009")
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO care_usage VALUES ('C1', '2025-01-01', 300, 2.5, 10, 58)")
        )
    migrate(engine)
    with engine.connect() as connection:
        query = "SELECT name, version, seq FROM care_data_versions ORDER BY name"
        versions = connection.execute(text(query)).all()
    engine.dispose()
    assert [(n, len(v), seq) for n, v, seq in versions] == [("customers", 32, 0), ("usage", 32, 0)]


def _assert_same_customers(a: CustomerTable, b: CustomerTable) -> None:
    for name in CUSTOMER_COLUMNS:  # as text: NaT is not equal to itself
        assert getattr(a, name).astype(str).tolist() == getattr(b, name).astype(str).tolist(), name


def _stored_customers(uow_factory: UnitOfWorkFactory) -> CustomerTable:
    with uow_factory() as uow:
        return load_customers(uow)


def test_a_saved_customer_snapshot_loads_as_it_was_saved(tmp_path: Path) -> None:
    customers = CustomerTable.from_records(
        [
            _customer("C1", points_expiry=None),
            _customer("C2", name="欧阳娜娜", account_manager_id=""),
        ]
    )
    cache = CustomerCacheFile(tmp_path / "customers.arrow")
    cache.save(CustomerSnapshot("v1", 7, customers))
    assert cache.load("v2") is None
    loaded = cache.load("v1")
    assert loaded is not None and loaded.seq == 7
    _assert_same_customers(loaded.customers, customers)
    assert loaded.customers.name.dtype == customers.name.dtype


def test_the_next_run_reads_only_the_customers_changed_since(
    world: tuple[UnitOfWorkFactory, CountingCache], tmp_path: Path
) -> None:
    uow_factory, cache = world
    report = _run(uow_factory, cache)
    assert report.managers_assigned > 0
    assert (cache.customers.hits, len(cache.customers.saved)) == (0, 1)
    # the run's own assignments are in the snapshot: the next run reads no customer again
    assert cache.customers.saved[0].seq == _customers_seq(uow_factory)
    unchanged = _inputs(uow_factory, cache)
    assert unchanged.seen is not None and unchanged.seen.changed == 0
    _assert_same_customers(unchanged.customers, _stored_customers(uow_factory))
    assert cache.customers.hits == 1
    # an accepted plan change, a re-imported customer: read again, the rest from the snapshot
    export_care_tasks(uow_factory, tmp_path / "t.jsonl")
    tasks = [json.loads(line) for line in (tmp_path / "t.jsonl").read_text().splitlines()]
    task = next(t for t in tasks if t["rule"] == "plan_fit")
    for status in ("contacted", "accepted"):
        record_outcome(uow_factory, task["task_id"], status, "wang", now=NOW)
    rows = (tmp_path / "world" / "customers.csv").read_text(encoding="utf-8").splitlines()
    changed = rows[1].split(",")
    changed[8] = "-33.5"  # balance_yuan
    import_customers(uow_factory, write_csv(tmp_path / "c.csv", rows[0], ",".join(changed)))
    inputs = _inputs(uow_factory, cache)
    _assert_same_customers(inputs.customers, _stored_customers(uow_factory))
    row = int(np.searchsorted(inputs.customers.customer_id, task["customer_id"]))
    assert inputs.customers.plan_id[row] == task["facts"]["recommended_plan"]
    row = int(np.searchsorted(inputs.customers.customer_id, changed[0]))
    assert inputs.customers.balance_yuan[row] == -33.5
    assert cache.customers.hits == 2


def _customers_seq(uow_factory: UnitOfWorkFactory) -> int:
    with uow_factory() as uow:
        version = uow.care.customers_version()
    assert version is not None
    return version[1]


def test_assignments_after_another_change_are_not_labelled_as_the_only_change(
    tmp_path: Path,
) -> None:
    read = CustomerTable.from_records([_customer("C1", account_manager_id="")])
    assigned = CustomerTable.from_records([_customer("C1", account_manager_id="AM1")])
    seen = CustomersSeen(CustomerSnapshot("v1", 7, read), changed=None)
    cache = CountingCache.of(CareCacheFiles(tmp_path / "cache"))
    # change 8 was someone else's (an import between the read and the assignment)
    keep_customers(cache, seen, Assigned(assigned, seq=9, count=1))
    keep_customers(cache, seen, Assigned(assigned, seq=8, count=1))
    assert [(s.seq, s.customers.account_manager_id.tolist()) for s in cache.customers.saved] == [
        (7, [""]),
        (8, ["AM1"]),
    ]


def test_a_new_customer_writes_the_customer_snapshot_again(
    world: tuple[UnitOfWorkFactory, CountingCache], tmp_path: Path
) -> None:
    uow_factory, cache = world
    _inputs(uow_factory, cache)
    customer = "ZZ1,13900000999,新客户,1990-06-01,gold,岚城,青石县,p58,20,0,,,2024-01-01"
    import_customers(uow_factory, write_csv(tmp_path / "c.csv", CUSTOMER_HEADER, customer))
    with_new = _inputs(uow_factory, cache)
    assert with_new.seen is not None and with_new.seen.changed is None  # all read again
    assert len(cache.customers.saved) == 2
    # and only once: the next run patches from the new snapshot
    after = _inputs(uow_factory, cache)
    assert after.seen is not None and after.seen.changed == 0
    assert cache.customers.hits == 2 and len(cache.customers.saved) == 2


def test_many_changes_write_the_customer_snapshot_again(
    world: tuple[UnitOfWorkFactory, CountingCache], tmp_path: Path
) -> None:
    uow_factory, cache = world
    _inputs(uow_factory, cache)
    with uow_factory() as uow:
        version = uow.care.customers_version()
    assert version is not None and [s.seq for s in cache.customers.saved] == [version[1]]
    # one customer in a hundred or fewer is read again each day; more, and the snapshot is new
    import_customers(uow_factory, tmp_path / "world" / "customers.csv")
    _inputs(uow_factory, cache)
    assert cache.customers.hits == 1 and len(cache.customers.saved) == 2
    assert cache.customers.saved[1].seq > version[1]


@pytest.mark.parametrize(
    ("changes", "copied"),
    [
        ({}, set()),
        ({"C2": {"plan_id": "p88"}}, {"plan_id"}),
        ({"C1": {"plan_id": "p188", "balance_yuan": -1.0}}, {"plan_id", "balance_yuan"}),
        ({"C2": {"account_manager_id": "AM-LONGER-ID"}}, {"account_manager_id"}),
    ],
)
def test_a_patch_copies_only_the_columns_that_changed(
    changes: dict[str, dict[str, Any]], copied: set[str]
) -> None:
    base = CustomerTable.from_records([_customer("C1"), _customer("C2"), _customer("C3")])
    changed = [_customer(c, **values) for c, values in changes.items()]
    patched = patch_customers(base, CustomerTable.from_records(changed))
    assert patched is not None
    assert {n for n in CUSTOMER_COLUMNS if getattr(patched, n) is not getattr(base, n)} == copied
    for customer_id, values in changes.items():
        row = patched.customer_id.tolist().index(customer_id)
        assert {k: getattr(patched, k)[row].item() for k in values} == values


def test_a_new_customer_cannot_be_patched_in() -> None:
    base = CustomerTable.from_records([_customer("C1"), _customer("C3")])
    assert patch_customers(base, CustomerTable.from_records([_customer("C2")])) is None


def _customer(customer_id: str, **values: Any) -> Customer:
    fields: dict[str, Any] = {
        "customer_id": customer_id,
        "msisdn": "13900000001",
        "name": "张三",
        "birthday": date(1980, 2, 29),
        "tier": "gold",
        "branch": "岚城",
        "county": "青石县",
        "plan_id": "p58",
        "balance_yuan": 12.5,
        "points": 3000,
        "points_expiry": date(2025, 6, 30),
        "account_manager_id": "AM1",
        "join_date": date(2010, 5, 1),
    }
    return Customer(**{**fields, **values})


def test_snapshots_are_written_in_the_background_until_flushed(tmp_path: Path) -> None:
    files = CareCacheFiles(tmp_path / "cache")
    files.usage.save(UsageSnapshot("v1", FIRST, END, "digest", _usage(30_000)))
    files.flush()
    loaded = files.usage.load("v1", FIRST, END)
    assert loaded is not None
    _assert_same_usage(loaded.usage, _usage(30_000))


def test_a_snapshot_that_cannot_be_written_is_logged_not_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "cache").write_text("a file where the folder should be")
    files = CareCacheFiles(tmp_path / "cache")
    files.usage.save(UsageSnapshot("v1", FIRST, END, "digest", _usage(6)))
    with caplog.at_level(logging.WARNING):
        files.flush()
    assert "the snapshot was not written" in caplog.text
    assert files.usage.load("v1", FIRST, END) is None


def test_a_run_reports_the_time_left_writing_its_snapshots(
    world: tuple[UnitOfWorkFactory, CountingCache],
) -> None:
    uow_factory, cache = world
    report = _run(uow_factory, cache)
    assert list(report.seconds)[-1] == "snapshots"
    assert len(cache.usage.saved) == len(cache.customers.saved) == 1
    assert (cache.files.folder / "usage.arrow").is_file()
    assert (cache.files.folder / "customers.arrow").is_file()
