"""The care run's usage snapshot: the file it is kept in, and when a run may use it (the
stored usage unchanged since, the same months, the same customers) on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import text

from tests.support.care import CUSTOMER_HEADER, USAGE_HEADER, import_world, storage, write_csv
from tiexin.adapters.storage.engine import make_engine, migrate
from tiexin.adapters.usage_cache import UsageCacheFile, UsageSnapshot
from tiexin.bootstrap import usage_cache
from tiexin.care.model import UsageTable
from tiexin.care.rules import default_care_rules
from tiexin.care.world import demo_catalog
from tiexin.config import Settings
from tiexin.services.care_data import CareInputs, load_inputs
from tiexin.services.care_import import import_customers, import_usage
from tiexin.services.care_run import run_care
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
    assert "not a usage snapshot" in caplog.text and str(path) in caplog.text


@dataclass
class CountingCache:
    """The real file cache, counting what a run asked of it."""

    inner: UsageCacheFile
    hits: int = 0
    saved: list[str] = field(default_factory=list)  # the versions saved

    def load(self, version: str, first: date, end: date) -> UsageSnapshot | None:
        snapshot = self.inner.load(version, first, end)
        self.hits += snapshot is not None
        return snapshot

    def save(self, snapshot: UsageSnapshot) -> None:
        self.saved.append(snapshot.version)
        self.inner.save(snapshot)


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> tuple[UnitOfWorkFactory, CountingCache]:
    uow_factory = storage(database_url, tmp_path / "var")
    import_world(uow_factory, tmp_path / "world", customers=300, as_of=AS_OF)
    cache = CountingCache(usage_cache(Settings(database_url=database_url, data_dir=tmp_path)))
    return uow_factory, cache


def _inputs(uow_factory: UnitOfWorkFactory, cache: CountingCache | None) -> CareInputs:
    with uow_factory() as uow:
        return load_inputs(uow, default_care_rules(), AS_OF, cache)


def _usage_version(uow_factory: UnitOfWorkFactory) -> str | None:
    with uow_factory() as uow:
        return uow.care.usage_version()


def test_the_next_run_uses_the_snapshot_the_first_kept(
    world: tuple[UnitOfWorkFactory, CountingCache],
) -> None:
    uow_factory, cache = world
    rules, catalog = default_care_rules(), demo_catalog()
    first = run_care(
        uow_factory, as_of=AS_OF, rules=rules, catalog=catalog, now=NOW, usage_cache=cache
    )
    assert (cache.hits, cache.saved) == (0, [_usage_version(uow_factory)])
    assert first.by_rule["plan_fit"] > 0
    # the account managers the first run assigned leave the customers, and their order, as
    # they were: the snapshot's rows still index them
    _assert_same_usage(_inputs(uow_factory, cache).usage, _inputs(uow_factory, None).usage)
    assert (cache.hits, len(cache.saved)) == (1, 1)
    again = run_care(
        uow_factory, as_of=AS_OF, rules=rules, catalog=catalog, now=NOW, usage_cache=cache
    )
    assert (cache.hits, len(cache.saved)) == (2, 1)
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
    assert (cache.hits, len(cache.saved)) == (0, 2)
    assert _inputs(uow_factory, cache).usage.bill_yuan.tolist() == after.usage.bill_yuan.tolist()
    assert cache.hits == 1


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
    assert (cache.hits, len(cache.saved)) == (1, 2)  # kept, then not matching the customers


def test_usage_stored_before_versions_were_kept_gets_one(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine, "0009")
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO care_usage VALUES ('C1', '2025-01-01', 300, 2.5, 10, 58)")
        )
    migrate(engine)
    with engine.connect() as connection:
        versions = connection.execute(text("SELECT name, version FROM care_data_versions")).all()
    engine.dispose()
    assert [(name, len(version)) for name, version in versions] == [("usage", 32)]
