"""What a care run read, kept for the next run: the usage (`usage.arrow`) and the customers
(`customers.arrow`) in the `care-cache` folder of the data directory by default.

Each file is an Arrow IPC file whose columns hold numpy arrays byte for byte (fixed-width text,
dates and numbers alike), so loading maps the file into memory and the arrays are used where
they lie, without reading or converting tens of millions of rows. Saving writes a new file
beside the old one and then replaces it, so a reader sees the old snapshot or the new one, never
half of one; the writing happens on a thread of its own while the run goes on (`flush` waits
for it). A file that cannot be read (damaged, from another version of Tiexin) counts as no
snapshot: the run reads from the database and writes a new one.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from tiexin.care.model import CustomerTable, UsageTable

log = logging.getLogger(__name__)

_FORMAT = "tiexin-columns-1"  # changes when the layout below does
_DTYPE = b"numpy_dtype"  # field metadata: the column's numpy dtype (`dtype.str`)


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


@dataclass(frozen=True, slots=True, eq=False)
class CustomerSnapshot:
    """The customers as stored when the database's customers, `version`, had had `seq`
    changes: a later run reads only the customers changed after that (`changed_seq`)."""

    version: str
    seq: int
    customers: CustomerTable


class CareCache(Protocol):
    @property
    def usage(self) -> UsageCache: ...

    @property
    def customers(self) -> CustomerCache: ...

    def flush(self) -> None:
        """Return once every snapshot saved so far is written (or its failure logged)."""


class UsageCache(Protocol):
    """Keeps the usage a care run read for the next run. Usage changes once a month, with its
    import, while the run is daily: reading tens of millions of usage rows again every day
    would be most of the run."""

    def load(self, version: str, first: date, end: date) -> UsageSnapshot | None:
        """The kept snapshot of these months of this version of the stored usage, if any."""
        ...

    def save(self, snapshot: UsageSnapshot) -> None: ...


class CustomerCache(Protocol):
    """Keeps the customers a care run read, so the next run reads only those changed since."""

    def load(self, version: str) -> CustomerSnapshot | None:
        """The kept snapshot of the customers of `version`, if any."""
        ...

    def save(self, snapshot: CustomerSnapshot) -> None: ...


class CareCacheFiles:
    """Both snapshots, as files in `folder`, written in the background."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._writer = BackgroundWriter()
        self.usage = UsageCacheFile(folder / "usage.arrow", self._writer)
        self.customers = CustomerCacheFile(folder / "customers.arrow", self._writer)

    def flush(self) -> None:
        self._writer.wait()


class BackgroundWriter:
    """Runs file writes one after another on a thread of its own. A saved snapshot's arrays
    must not change until it is written (the care run's never do: it makes new arrays)."""

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None
        self._pending: list[tuple[Path, Future[None]]] = []

    def submit(
        self, file: ColumnsFile, columns: Mapping[str, Any], meta: Mapping[str, str]
    ) -> None:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="care-cache")
        self._pending.append((file.path, self._pool.submit(file.write, columns, meta)))

    def wait(self) -> None:
        """Wait for the writes; one that failed is logged (the next run reads the database
        instead), never raised: the run it belongs to has done its work."""
        pending, self._pending = self._pending, []
        for path, write in pending:
            error = write.exception()
            if error is not None:
                log.warning("%s: the snapshot was not written (%s)", path, error)


class UsageCacheFile:
    def __init__(self, path: Path, writer: BackgroundWriter | None = None) -> None:
        self.file = ColumnsFile(path, writer)

    def load(self, version: str, first: date, end: date) -> UsageSnapshot | None:
        wanted = {"version": version, "first": str(first), "end": str(end)}
        loaded = self.file.load(UsageTable, wanted)
        if loaded is None:
            return None
        columns, meta = loaded
        return UsageSnapshot(version, first, end, meta.get("customers", ""), UsageTable(**columns))

    def save(self, snapshot: UsageSnapshot) -> None:
        meta = {
            "version": snapshot.version,
            "first": str(snapshot.first),
            "end": str(snapshot.end),
            "customers": snapshot.customers,
        }
        self.file.save(_fields(snapshot.usage), meta)


class CustomerCacheFile:
    def __init__(self, path: Path, writer: BackgroundWriter | None = None) -> None:
        self.file = ColumnsFile(path, writer)

    def load(self, version: str) -> CustomerSnapshot | None:
        loaded = self.file.load(CustomerTable, {"version": version})
        if loaded is None:
            return None
        columns, meta = loaded
        try:
            seq = int(meta["seq"])
        except (KeyError, ValueError):
            log.warning("%s: no change count, ignored", self.file.path)
            return None
        return CustomerSnapshot(version, seq, CustomerTable(**columns))

    def save(self, snapshot: CustomerSnapshot) -> None:
        meta = {"version": snapshot.version, "seq": str(snapshot.seq)}
        self.file.save(_fields(snapshot.customers), meta)


def _fields(table: Any) -> dict[str, npt.NDArray[Any]]:
    return {f.name: getattr(table, f.name) for f in dataclasses.fields(table)}


class ColumnsFile:
    """Named numpy arrays of one length and fixed-width dtypes, with text metadata; saved
    through `writer` when there is one (in the background), else at once."""

    def __init__(self, path: Path, writer: BackgroundWriter | None = None) -> None:
        self.path = path
        self.writer = writer

    def save(self, columns: Mapping[str, npt.NDArray[Any]], meta: Mapping[str, str]) -> None:
        if self.writer is None:
            self.write(columns, meta)
        else:
            self.writer.submit(self, columns, meta)

    def write(self, columns: Mapping[str, npt.NDArray[Any]], meta: Mapping[str, str]) -> None:
        arrays, fields = [], []
        for name, values in columns.items():
            if values.dtype.itemsize == 0:  # numpy's text of no width ("U0")
                values = values.astype("U1")
            contiguous = np.ascontiguousarray(values)
            width = contiguous.dtype.itemsize
            buffers = [None, pa.py_buffer(contiguous.view(np.uint8).data)]
            arrays.append(pa.Array.from_buffers(pa.binary(width), len(contiguous), buffers))
            fields.append(pa.field(name, pa.binary(width), metadata={_DTYPE: values.dtype.str}))
        schema = pa.schema(fields, metadata={"format": _FORMAT, **meta})
        table = pa.Table.from_arrays(arrays, schema=schema)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(f".{self.path.name}.{os.getpid()}.partial")
        try:
            with pa.OSFile(str(partial), "wb") as sink, pa.ipc.new_file(sink, schema) as out:
                out.write_table(table)
            os.replace(partial, self.path)
        finally:
            partial.unlink(missing_ok=True)

    def load(
        self, kind: type, wanted: Mapping[str, str]
    ) -> tuple[dict[str, npt.NDArray[Any]], dict[str, str]] | None:
        """The columns and metadata, if the file holds the fields of dataclass `kind` and the
        metadata has the `wanted` values; else None."""
        try:
            with pa.memory_map(str(self.path)) as source:
                table = pa.ipc.open_file(source).read_all()
        except FileNotFoundError:
            return None
        except (OSError, pa.ArrowInvalid) as exc:
            log.warning("%s: not a snapshot, ignored (%s)", self.path, exc)
            return None
        meta = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
        names = [f.name for f in dataclasses.fields(kind)]
        if meta.get("format") != _FORMAT or table.column_names != names:
            log.warning("%s: not a snapshot of this version of Tiexin, ignored", self.path)
            return None
        if any(meta.get(k) != v for k, v in wanted.items()):
            return None
        try:
            return {f.name: _numpy(table.column(f.name), f) for f in table.schema}, meta
        except (KeyError, TypeError, ValueError) as exc:
            log.warning("%s: a column is not a numpy array, ignored (%s)", self.path, exc)
            return None


def _numpy(column: pa.ChunkedArray, field: pa.Field) -> npt.NDArray[Any]:
    dtype = np.dtype((field.metadata or {})[_DTYPE].decode())
    chunk = column.combine_chunks()  # one chunk as written: no copy
    data = chunk.buffers()[1]
    if data is None:  # no rows
        return np.empty(0, dtype=dtype)
    values: npt.NDArray[Any] = np.frombuffer(
        data, dtype=dtype, count=len(chunk), offset=chunk.offset * dtype.itemsize
    )
    return values
