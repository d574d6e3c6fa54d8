"""The care run's usage snapshot kept in one Arrow IPC file (`care-cache/usage.arrow` in the
data directory by default).

Loading maps the file into memory: the columns are used where they lie, without reading or
copying tens of millions of rows. Saving writes a new file beside the old one and then
replaces it, so a reader sees the old snapshot or the new one, never half of one. A file that
cannot be read (damaged, from another version of Tiexin) counts as no snapshot: the run reads
the usage from the database and writes a new one.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

import numpy as np
import pyarrow as pa

from tiexin.care.model import UsageTable

log = logging.getLogger(__name__)

_FORMAT = "tiexin-usage-1"  # changes when the columns below do
_COLUMNS = ("row", "month", "voice_minutes", "data_gb", "sms", "bill_yuan")
_MONTH = "datetime64[M]"  # stored as its int64 count of months


@dataclass(frozen=True, slots=True, eq=False)
class UsageSnapshot:
    """Usage as a care run read it: from the stored usage of `version`, the months from
    `first` up to, not including, `end`, its rows indexing the customers whose ids, in table
    order, have the digest `customers` (`customer_digest`)."""

    version: str
    first: date
    end: date
    customers: str
    usage: UsageTable


class UsageCache(Protocol):
    """Keeps the usage a care run read for the next run. Usage changes once a month, with its
    import, while the run is daily: reading tens of millions of usage rows again every day
    would be most of the run."""

    def load(self, version: str, first: date, end: date) -> UsageSnapshot | None:
        """The kept snapshot of these months of this version of the stored usage, if any."""
        ...

    def save(self, snapshot: UsageSnapshot) -> None: ...


class UsageCacheFile:
    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self, version: str, first: date, end: date) -> UsageSnapshot | None:
        try:
            with pa.memory_map(str(self.path)) as source:
                table = pa.ipc.open_file(source).read_all()
        except FileNotFoundError:
            return None
        except (OSError, pa.ArrowInvalid) as exc:
            log.warning("%s: not a usage snapshot, ignored (%s)", self.path, exc)
            return None
        meta = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
        wanted = {"format": _FORMAT, "version": version, "first": str(first), "end": str(end)}
        if any(meta.get(k) != v for k, v in wanted.items()) or table.column_names != [*_COLUMNS]:
            return None
        columns = {name: table.column(name).to_numpy() for name in _COLUMNS}
        columns["month"] = columns["month"].view(_MONTH)
        return UsageSnapshot(version, first, end, meta.get("customers", ""), UsageTable(**columns))

    def save(self, snapshot: UsageSnapshot) -> None:
        usage = snapshot.usage
        columns = {name: getattr(usage, name) for name in _COLUMNS}
        columns["month"] = usage.month.astype(_MONTH).view(np.int64)
        meta = {
            "format": _FORMAT,
            "version": snapshot.version,
            "first": str(snapshot.first),
            "end": str(snapshot.end),
            "customers": snapshot.customers,
        }
        table = pa.table(columns).replace_schema_metadata(meta)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(f".{self.path.name}.{os.getpid()}.partial")
        try:
            with pa.OSFile(str(partial), "wb") as sink, pa.ipc.new_file(sink, table.schema) as out:
                out.write_table(table)
            os.replace(partial, self.path)
        finally:
            partial.unlink(missing_ok=True)
