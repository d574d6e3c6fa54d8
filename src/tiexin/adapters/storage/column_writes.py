"""Bulk upserts from Arrow columns, for the CSV imports: no Python object per value on
PostgreSQL, one tuple per row on SQLite.

PostgreSQL: Arrow writes the columns as CSV (in C) into `COPY`: straight into the table, under
a savepoint, and if a key is stored already (the COPY stops at the first), into a temporary
table and then one `INSERT ... SELECT ... ON CONFLICT DO UPDATE`. Arrow writes floats
in their shortest round-trip form and dates as YYYY-MM-DD, so the server stores exactly the
values of the columns. SQLite: a prepared `INSERT ... ON CONFLICT` run by the driver's
executemany, as `bulk.upsert_rows` does, with values taken from the columns (dates as the
YYYY-MM-DD text the driver's own date adapter writes).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import repeat
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
from sqlalchemy import Column, Dialect, Table, any_, bindparam, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .bulk import driver_cursor, empty_stage, on_conflict_update

_CSV = pcsv.WriteOptions(include_header=False)
_SLICE_ROWS = 10_000


def upsert_columns(
    db: Session,
    table: Table,
    rows: pa.Table,
    *,
    keep: Iterable[str] = (),
    constants: Mapping[str, Any] | None = None,
) -> None:
    """Insert `rows` (columns named as `table`'s, each primary key once) into `table`, updating
    the stored rows with the same primary key; a `keep` column keeps its stored value where the
    new one is null; `constants` (column: value) are the same for every row."""
    if not rows.num_rows:
        return
    dialect = db.get_bind().dialect
    quote = dialect.identifier_preparer.quote
    target = dialect.identifier_preparer.format_table(table)
    # through each column type's bind processing once, as SQLAlchemy would for every row
    fixed = {}
    for name, value in (constants or {}).items():
        process = table.c[name].type.bind_processor(dialect)
        fixed[name] = process(value) if process else value
    names = [*rows.column_names, *fixed]
    conflict = on_conflict_update(dialect, table, names, keep)
    columns = ", ".join(quote(n) for n in names)
    if dialect.name != "postgresql":
        marks = ", ".join("?" for _ in names)
        statement = f"INSERT INTO {target} ({columns}) VALUES ({marks}) {conflict}"
        with driver_cursor(db, statement) as cursor:  # its executemany takes rows as they come
            cursor.executemany(statement, _records(rows, fixed, dialect))
        return
    for name, value in fixed.items():
        rows = rows.append_column(name, pa.array([value] * rows.num_rows))
    data = _csv(rows)
    try:  # new rows (a first import, a new month) are copied straight into the table
        with db.begin_nested():
            _copy(db, target, names, data)
        return
    except IntegrityError:  # a key is stored already (or was stored meanwhile): upsert instead
        pass
    stage = _stage(db, table, names, data)
    db.execute(text(f"INSERT INTO {target} ({columns}) SELECT {columns} FROM {stage} {conflict}"))


def stored_values(
    db: Session, key: Column[Any], wanted: Column[Any], keys: Sequence[Any]
) -> dict[Any, Any]:
    """`wanted` of the stored rows whose `key` is one of `keys`, by key: one parameter for all
    the keys (an array, or JSON on SQLite) rather than one each."""
    if not keys:
        return {}
    if db.get_bind().dialect.name == "postgresql":
        among = key == any_(bindparam("keys", list(keys), type_=ARRAY(key.type)))
    else:
        listed = func.json_each(bindparam("keys", json.dumps(list(keys)))).table_valued("value")
        among = key.in_(select(listed.c.value))
    return dict(db.execute(select(key, wanted).where(among)).all())


def _records(
    rows: pa.Table, constants: Mapping[str, Any], dialect: Dialect
) -> Iterator[tuple[Any, ...]]:
    """The driver's parameters, a slice of rows at a time (a Python object per value costs
    far more memory than Arrow's): dates as the text the driver's date adapter writes, then
    the constants."""
    driver = dialect.loaded_dbapi
    # adapted here once, rather than by the driver for every row (a datetime becomes text)
    fixed = [repeat(driver.adapt(v, driver.PrepareProtocol, v)) for v in constants.values()]
    for start in range(0, rows.num_rows, _SLICE_ROWS):
        columns = [
            (pc.cast(c, pa.string()) if pa.types.is_date32(c.type) else c).to_pylist()
            for c in rows.slice(start, _SLICE_ROWS).columns
        ]
        yield from zip(*columns, *fixed)  # noqa: B905 - the constants repeat without end


def _csv(rows: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    # one chunk per column: Arrow 26 writes NUL bytes for a column whose first chunk is empty
    pcsv.write_csv(rows.combine_chunks(), sink, _CSV)
    return bytes(sink.getvalue().to_pybytes())


def _stage(db: Session, table: Table, names: Sequence[str], data: bytes) -> str:
    """A temporary table (PostgreSQL) with the `names` columns of `table`, holding the CSV
    `data`; dropped at commit."""
    stage = empty_stage(db, table, names)
    _copy(db, stage, names, data)
    return stage


def _copy(db: Session, into: str, names: Sequence[str], data: bytes) -> None:
    """`COPY` of the CSV `data` into the `names` columns of the table `into`."""
    quote = db.get_bind().dialect.identifier_preparer.quote
    columns = ", ".join(quote(n) for n in names)
    statement = f"COPY {into} ({columns}) FROM STDIN (FORMAT csv, ENCODING 'UTF8')"
    with driver_cursor(db, statement) as cursor, cursor.copy(statement) as copy:
        copy.write(data)
