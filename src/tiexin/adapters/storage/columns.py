"""Bulk reads as numpy columns, without a Python object per row where the driver allows.

The care run reads every customer and three months of usage: tens of millions of rows at
province scale. On PostgreSQL, ADBC (Arrow Database Connectivity) reads them with the binary
COPY protocol into Arrow columns, and numbers become numpy arrays without a copy; that read uses
its own connection, so it sees what is committed (callers read before they write). On SQLite the
session's own connection is used, never a second SQLite library in the process (two copies of
SQLite in one process break each other's file locks); its rows are fetched in batches and turned
into columns batch by batch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import closing
from typing import Any

import adbc_driver_postgresql.dbapi as postgres_adbc
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Select
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

Columns = dict[str, npt.NDArray[Any]]
TEXT, DAY, FLOAT, INT = "text", "day", "float", "int"
_BATCH_ROWS = 200_000


def read_columns(db: Session, query: Select[Any], kinds: Mapping[str, str]) -> Columns:
    """Run `query` and return each of its columns, named as in `kinds`, as a numpy array:
    TEXT as str (NULL is ""), DAY as datetime64[D] (NULL or "" is NaT), FLOAT as float64,
    INT as int64."""
    bind = db.get_bind()
    sql = str(query.compile(dialect=bind.dialect, compile_kwargs={"literal_binds": True}))
    if bind.dialect.name == "postgresql":
        return _columns_from_arrow(_read_arrow(bind.engine.url, sql), kinds)
    cursor = db.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
        fetch = lambda: cursor.fetchmany(_BATCH_ROWS)  # noqa: E731 - iter() needs a callable
        batches = [_columns_from_rows(rows, kinds) for rows in iter(fetch, [])]
    finally:
        cursor.close()
    return {
        name: np.concatenate([b[name] for b in batches])
        if batches
        else _numpy_from_values([], kind)
        for name, kind in kinds.items()
    }


def _columns_from_rows(rows: Sequence[Sequence[Any]], kinds: Mapping[str, str]) -> Columns:
    values = list(zip(*rows, strict=True))
    return {
        name: _numpy_from_values(values[i], kind) for i, (name, kind) in enumerate(kinds.items())
    }


def _numpy_from_values(values: Sequence[Any], kind: str) -> npt.NDArray[Any]:
    if kind == TEXT:
        texts = ["" if v is None else v for v in values] if None in values else values
        return np.array(texts, dtype=np.str_)
    if kind == DAY:  # numpy reads "" and None as NaT
        return np.array(values, dtype="datetime64[D]")
    return np.array(values, dtype=np.float64 if kind == FLOAT else np.int64)


def _read_arrow(url: URL, sql: str) -> pa.Table:
    plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with (
        closing(postgres_adbc.connect(plain)) as connection,
        closing(connection.cursor()) as cursor,
    ):
        cursor.execute(sql)
        table: pa.Table = cursor.fetch_arrow_table()
    return table


def _columns_from_arrow(table: pa.Table, kinds: Mapping[str, str]) -> Columns:
    return {
        name: _numpy_from_arrow(table.column(i), kind)
        for i, (name, kind) in enumerate(kinds.items())
    }


def _numpy_from_arrow(column: pa.ChunkedArray, kind: str) -> npt.NDArray[Any]:
    if kind == TEXT:
        text = column.fill_null("").to_numpy(zero_copy_only=False)
        return np.asarray(text, dtype=np.str_)
    if kind == DAY:
        return np.asarray(column.to_numpy(zero_copy_only=False), dtype="datetime64[D]")
    dtype = np.float64 if kind == FLOAT else np.int64
    return np.asarray(pc.cast(column, pa.from_numpy_dtype(dtype)).to_numpy(), dtype=dtype)
