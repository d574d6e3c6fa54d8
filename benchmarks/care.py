"""The care run over a large customer base, next to a plain Polars scan of the same usage.

Usage: .venv/bin/python benchmarks/care.py [--customers 10000000] [--months 3] [--database-url URL]

A synthetic world (`tiexin synth world`) is written to CSV and imported into a fresh database
(SQLite file by default); then `care run` (load customers and usage as columns, assign account
managers, plan every rule, assign tasks, store tasks, grace credits and SMS) is timed next to
the baseline measured in the same run: Polars reading usage.csv and aggregating its columns per
customer (the arithmetic floor of reading that data once). Prints both times, the ratio and the
peak memory of the process.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from datetime import date
from pathlib import Path

import polars as pl

from tiexin.bootstrap import open_storage
from tiexin.config import Settings
from tiexin.services.care_data import read_rules
from tiexin.services.care_import import import_customers, import_staff, import_usage
from tiexin.services.care_run import run_care
from tiexin.services.care_world import write_world
from tiexin.services.rules_data import import_catalog


def polars_baseline(usage_csv: Path) -> tuple[float, int]:
    start = time.perf_counter()
    totals = (
        pl.scan_csv(usage_csv)
        .group_by("customer_id")
        .agg(
            pl.col("voice_minutes").mean(),
            pl.col("data_gb").mean(),
            pl.col("sms").mean(),
            pl.col("bill_yuan").mean(),
            pl.len().alias("months"),
        )
        .collect()
    )
    return time.perf_counter() - start, totals.height


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=10_000_000)
    parser.add_argument("--months", type=int, default=3)
    parser.add_argument("--as-of", default="2025-03-10")
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file")
    args = parser.parse_args()
    as_of = date.fromisoformat(args.as_of)
    with tempfile.TemporaryDirectory(prefix="tiexin-care-bench-") as folder:
        work = Path(folder)
        url = args.database_url or f"sqlite:///{work / 'care.db'}"
        uow_factory = open_storage(Settings(database_url=url, data_dir=work))

        start = time.perf_counter()
        files = write_world(
            work / "world", customers=args.customers, months=args.months, seed=1, as_of=as_of
        )
        print(
            f"world of {args.customers:,} customers written in {time.perf_counter() - start:.1f} s"
        )

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

        baseline, grouped = polars_baseline(files["usage.csv"])
        print(f"polars scan + aggregate of usage.csv: {baseline:.2f} s ({grouped:,} customers)")

        with uow_factory() as uow:
            catalog = uow.plans.catalog()
        if catalog is None:
            raise SystemExit("the catalogue did not import")
        start = time.perf_counter()
        report = run_care(uow_factory, as_of=as_of, rules=read_rules(None), catalog=catalog)
        care = time.perf_counter() - start
        print(
            f"care run: {care:.2f} s, {report.stored:,} tasks stored "
            f"({dict(sorted(report.by_rule.items()))}), {report.managers_assigned:,} managers "
            f"assigned, {report.sms_queued:,} SMS queued"
        )
        print(f"ratio care run / polars scan: {care / baseline:.1f}")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory (RSS): {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
