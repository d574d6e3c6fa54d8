"""Importing the operator's CSV exports: customers, monthly usage, staff and risk flags.

Customers and usage stream in batches, one transaction each: a ten-million-row file never sits
in memory, and an import stopped half way is finished by importing the file again (rows are
upserted by their key, so nothing is duplicated). Staff and risk flags are whole lists, small
enough for one transaction: the file replaces the previous list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from tiexin.adapters.storage.unit_of_work import SqlUnitOfWork
from tiexin.domain.errors import InputError
from tiexin.services.care_csv import (
    CUSTOMERS,
    RISK_FLAGS,
    STAFF,
    USAGE,
    CsvSpec,
    HeaderError,
    RowError,
    Values,
)
from tiexin.services.care_csv_reader import ColumnBatch, read_batches
from tiexin.services.ingest import UnitOfWorkFactory

BATCH_ROWS = 10_000
KEPT_ERRORS = 1_000  # a file of bad rows must not fill memory with messages


@dataclass
class ImportReport:
    file: str
    kind: str
    rows: int = 0  # data rows read
    imported: int = 0
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)  # the first KEPT_ERRORS
    managers_changed: int = 0

    def add(self, batch: ColumnBatch) -> None:
        self.rows += batch.lines
        self.imported += batch.rows.num_rows
        self.error_count += len(batch.errors)
        self.errors.extend(batch.errors[: max(0, KEPT_ERRORS - len(self.errors))])


def _batches(path: Path, spec: CsvSpec, batch_size: int) -> Iterator[ColumnBatch]:
    if not path.is_file():
        raise InputError(f"{spec.name} file not found", source=str(path))
    with path.open("rb") as handle:
        try:
            yield from read_batches(handle, spec, file=str(path), batch_size=batch_size)
        except HeaderError as exc:
            raise InputError(str(exc)) from None


def _streamed(
    uow_factory: UnitOfWorkFactory,
    path: Path,
    spec: CsvSpec,
    store: Callable[[SqlUnitOfWork, pa.Table, datetime], int],
    batch_size: int,
) -> ImportReport:
    report = ImportReport(str(path), spec.name)
    for batch in _batches(path, spec, batch_size):
        with uow_factory() as uow:
            report.managers_changed += store(uow, batch.rows, datetime.now(UTC))
            uow.commit()
        report.add(batch)
    return report


def _store_customers(uow: SqlUnitOfWork, rows: pa.Table, now: datetime) -> int:
    return uow.care.upsert_customers(rows, now) if rows.num_rows else 0


def _store_usage(uow: SqlUnitOfWork, rows: pa.Table, now: datetime) -> int:
    if rows.num_rows:
        uow.care.upsert_usage(rows, now)
    return 0


def import_customers(
    uow_factory: UnitOfWorkFactory, path: Path, *, batch_size: int = BATCH_ROWS
) -> ImportReport:
    """Add or update customers. An empty account_manager_id keeps the manager already stored;
    another manager than the stored one is recorded in the manager history."""
    return _streamed(uow_factory, path, CUSTOMERS, _store_customers, batch_size)


def import_usage(
    uow_factory: UnitOfWorkFactory, path: Path, *, batch_size: int = BATCH_ROWS
) -> ImportReport:
    """Add or update monthly usage, keyed by customer and month."""
    return _streamed(uow_factory, path, USAGE, _store_usage, batch_size)


def _whole_file(path: Path, spec: CsvSpec) -> tuple[ImportReport, list[Values]]:
    report, rows = ImportReport(str(path), spec.name), dict[str, Values]()
    for batch in _batches(path, spec, BATCH_ROWS):
        report.add(batch)
        rows.update({str(r[spec.key[0]]): r for r in batch.rows.to_pylist()})
    report.imported = len(rows)
    return report, list(rows.values())


def import_staff(uow_factory: UnitOfWorkFactory, path: Path) -> ImportReport:
    """The file is the staff list: people in it are added or updated; people missing from it
    become inactive (their customers get another account manager at the next assignment),
    unless the file had bad rows, in which case nobody is retired on its account."""
    report, rows = _whole_file(path, STAFF)
    with uow_factory() as uow:
        uow.care.replace_staff(rows, datetime.now(UTC), retire_others=report.error_count == 0)
        uow.commit()
    return report


def import_risk_flags(uow_factory: UnitOfWorkFactory, path: Path) -> ImportReport:
    """The file is the list of customers now at risk of leaving, with the reason; it replaces
    the previous list (a customer no longer in it is no longer flagged)."""
    report, rows = _whole_file(path, RISK_FLAGS)
    with uow_factory() as uow:
        uow.care.replace_risk_flags(rows, datetime.now(UTC))
        uow.commit()
    return report
