"""The care run over a large customer base, next to a plain Polars scan of the same usage.

Usage: .venv/bin/python benchmarks/care.py [--customers 10000000] [--months 3] [--database-url URL]
       [--world DIR] [--ray]

A synthetic world (`tiexin synth world`) is written to CSV and imported into a fresh database
(SQLite file by default); then `care run` (load customers and usage as columns, assign account
managers, plan every rule, assign tasks, store tasks, grace credits and SMS) is timed next to
two baselines measured in the same run, each Polars aggregating the usage columns per customer:
one reading usage.csv (the floor of reading that data once from a file), one reading the
imported usage table from the same database (the floor of reading it from where the care run
reads it). Prints the times, the care run's stages, both ratios and the peak memory of the
process. The run is then repeated for the next day, the daily routine, when most customers a
rule finds already have its task. With `--ray`, the first day's inputs are then planned again
locally and on a local Ray instance, and the two task lists are compared.
"""

from __future__ import annotations

import argparse
import resource
import sqlite3
import tempfile
import time
from contextlib import closing
from datetime import date, timedelta
from pathlib import Path

import polars as pl
from sqlalchemy.engine import make_url

from tiexin.adapters.care_cache import CareCache
from tiexin.bootstrap import care_cache, open_storage
from tiexin.config import Settings
from tiexin.domain.catalog import Catalog
from tiexin.services.care_data import load_inputs, read_rules
from tiexin.services.care_import import import_customers, import_staff, import_usage
from tiexin.services.care_ray import RayPlanner
from tiexin.services.care_run import plan_locally, run_care
from tiexin.services.care_world import write_world
from tiexin.services.ingest import UnitOfWorkFactory
from tiexin.services.rules_data import import_catalog

AGGREGATES = (
    pl.col("voice_minutes").mean(),
    pl.col("data_gb").mean(),
    pl.col("sms").mean(),
    pl.col("bill_yuan").mean(),
    pl.len().alias("months"),
)
WORLD_FILES = ("catalog.yaml", "customers.csv", "usage.csv", "staff.csv")
USAGE_QUERY = "SELECT customer_id, month, voice_minutes, data_gb, sms, bill_yuan FROM care_usage"


def csv_baseline(usage_csv: Path) -> tuple[float, int]:
    start = time.perf_counter()
    totals = pl.scan_csv(usage_csv).group_by("customer_id").agg(*AGGREGATES).collect()
    return time.perf_counter() - start, totals.height


def database_baseline(url: str) -> tuple[float, int]:
    """Polars reading the usage table (ADBC on PostgreSQL, the sqlite3 module on SQLite)."""
    parsed = make_url(url)
    start = time.perf_counter()
    if parsed.get_backend_name() == "sqlite":
        with closing(sqlite3.connect(str(parsed.database))) as connection:
            usage = pl.read_database(USAGE_QUERY, connection)
    else:
        plain = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        usage = pl.read_database_uri(USAGE_QUERY, plain, engine="adbc")
    totals = usage.group_by("customer_id").agg(*AGGREGATES)
    return time.perf_counter() - start, totals.height


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=10_000_000)
    parser.add_argument("--months", type=int, default=3)
    parser.add_argument("--as-of", default="2025-03-10")
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file")
    parser.add_argument("--ray", action="store_true", help="also plan on a local Ray instance")
    parser.add_argument(
        "--world",
        type=Path,
        default=None,
        help="use the files of this folder, written by `tiexin synth world --seed 1 "
        "--as-of AS_OF` with the same customers and months, instead of writing them",
    )
    args = parser.parse_args()
    as_of = date.fromisoformat(args.as_of)
    with tempfile.TemporaryDirectory(prefix="tiexin-care-bench-") as folder:
        work = Path(folder)
        url = args.database_url or f"sqlite:///{work / 'care.db'}"
        uow_factory = open_storage(Settings(database_url=url, data_dir=work))
        with uow_factory() as uow:
            if uow.care.customer_count():
                raise SystemExit(f"{url} already holds customers: give an empty database")

        files = world_files(args.world, work / "world", args.customers, args.months, as_of)

        start = time.perf_counter()
        import_catalog(uow_factory, files["catalog.yaml"])
        imported = [
            load(uow_factory, files[name])
            for load, name in (
                (import_customers, "customers.csv"),
                (import_usage, "usage.csv"),
                (import_staff, "staff.csv"),
            )
        ]
        seconds = time.perf_counter() - start
        rows = sum(r.imported for r in imported)
        print(f"imported {rows:,} rows in {seconds:.1f} s ({rows / seconds:,.0f} rows/s)")

        from_csv, grouped = csv_baseline(files["usage.csv"])
        print(f"polars scan + aggregate of usage.csv: {from_csv:.2f} s ({grouped:,} customers)")
        from_database, grouped = database_baseline(url)
        print(
            f"polars read + aggregate of the usage table: {from_database:.2f} s "
            f"({grouped:,} customers)"
        )

        with uow_factory() as uow:
            catalog = uow.plans.catalog()
        if catalog is None:
            raise SystemExit("the catalogue did not import")
        cache = care_cache(Settings(database_url=url, data_dir=work))
        run(uow_factory, catalog, as_of, "care run", (from_csv, from_database), cache)
        # the next day: most customers a rule finds already have its task (the daily routine)
        next_day = as_of + timedelta(days=1)
        run(uow_factory, catalog, next_day, "care run, next day", (from_csv, from_database), cache)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory (RSS): {peak:,.0f} MiB")
        if args.ray:
            compare_ray(uow_factory, catalog, as_of)


def world_files(
    given: Path | None, folder: Path, customers: int, months: int, as_of: date
) -> dict[str, Path]:
    if given is not None:
        missing = [name for name in WORLD_FILES if not (given / name).is_file()]
        if missing:
            raise SystemExit(f"{given}: no {', '.join(missing)}")
        return {name: given / name for name in WORLD_FILES}
    start = time.perf_counter()
    files: dict[str, Path] = write_world(
        folder, customers=customers, months=months, seed=1, as_of=as_of
    )
    print(f"world of {customers:,} customers written in {time.perf_counter() - start:.1f} s")
    return files


def run(
    uow_factory: UnitOfWorkFactory,
    catalog: Catalog,
    as_of: date,
    label: str,
    baselines: tuple[float, float],
    cache: CareCache,
) -> None:
    start = time.perf_counter()
    report = run_care(
        uow_factory, as_of=as_of, rules=read_rules(None), catalog=catalog, cache=cache
    )
    care = time.perf_counter() - start
    print(
        f"{label} ({as_of}): {care:.2f} s, {report.stored:,} tasks stored "
        f"({dict(sorted(report.by_rule.items()))}), {report.managers_assigned:,} managers "
        f"assigned, {report.sms_queued:,} SMS queued"
    )
    stages = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in report.seconds.items())
    print(f"{label} stages: {stages}")
    from_csv, from_database = baselines
    print(f"ratio {label} / polars scan of usage.csv: {care / from_csv:.1f}")
    print(f"ratio {label} / polars read of the usage table: {care / from_database:.1f}")


def compare_ray(uow_factory: UnitOfWorkFactory, catalog: Catalog, as_of: date) -> None:
    """Plan the run's inputs (read again: earlier runs of the same date are left out, so they
    are what the run planned from) locally and on Ray; report both times and whether the task
    lists are equal."""
    rules = read_rules(None)
    with uow_factory() as uow:
        inputs = load_inputs(uow, rules, as_of)
    timed = {}
    for name, planner in (("local", plan_locally), ("ray", RayPlanner())):
        start = time.perf_counter()
        tasks = planner(inputs.customers, inputs, catalog, rules, as_of)
        timed[name] = (time.perf_counter() - start, tasks)
    (local_s, local), (ray_s, on_ray) = timed["local"], timed["ray"]
    print(
        f"planning again: local {local_s:.2f} s, Ray {ray_s:.2f} s (with start-up); "
        f"{len(on_ray):,} tasks on Ray, identical to the {len(local):,} local: {on_ray == local}"
    )


if __name__ == "__main__":
    main()
