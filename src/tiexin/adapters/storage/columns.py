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
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from operator import itemgetter
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
TEXT, LABEL, DAY, FLOAT, INT = "text", "label", "day", "float", "int"
_BATCH_ROWS = 200_000


def read_columns(db: Session, query: Select[Any], kinds: Mapping[str, str]) -> Columns:
    """Run `query` and return each of its columns, named as in `kinds`, as a numpy array:
    TEXT and LABEL as str (NULL is ""; LABEL for text with few distinct values, converted
    once per value), DAY as datetime64[D] (NULL or "" is NaT), FLOAT as float64, INT as
    int64."""
    return read_column_sets(db, [(query, kinds)])[0]


def read_column_sets(
    db: Session, reads: Sequence[tuple[Select[Any], Mapping[str, str]]]
) -> list[Columns]:
    """Several `read_columns` at once. On PostgreSQL each runs on its own connection at the
    same time: the server scans the tables in parallel while this process converts what has
    arrived."""
    bind = db.get_bind()
    sqls = [
        str(query.compile(dialect=bind.dialect, compile_kwargs={"literal_binds": True}))
        for query, _ in reads
    ]
    if bind.dialect.name == "postgresql":
        url = bind.engine.url
        with ThreadPoolExecutor(max_workers=len(reads)) as pool:
            futures = [
                pool.submit(_read_postgres, url, sql, kinds)
                for sql, (_, kinds) in zip(sqls, reads, strict=True)
            ]
            return [future.result() for future in futures]
    return [_read_sqlite(db, sql, kinds) for sql, (_, kinds) in zip(sqls, reads, strict=True)]


def _read_sqlite(db: Session, sql: str, kinds: Mapping[str, str]) -> Columns:
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
    # itemgetter per column, not zip(*rows): zip over a batch of rows is several times slower
    return {
        name: _numpy_from_values(list(map(itemgetter(i), rows)), kind)
        for i, (name, kind) in enumerate(kinds.items())
    }


def _numpy_from_values(values: Sequence[Any], kind: str) -> npt.NDArray[Any]:
    if kind in (TEXT, LABEL, DAY) and None in values:
        # numpy reads "" as NaT; None would send the whole column down its slow object path
        values = ["" if v is None else v for v in values]
    if kind in (TEXT, LABEL):
        return np.array(values, dtype=np.str_)
    if kind == DAY:
        return np.array(values, dtype="datetime64[D]")
    return np.array(values, dtype=np.float64 if kind == FLOAT else np.int64)


def _read_postgres(url: URL, sql: str, kinds: Mapping[str, str]) -> Columns:
    return _columns_from_arrow(_read_arrow(url, sql), kinds)


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
        text = column.fill_null("").combine_chunks()
        if pc.all(pc.string_is_ascii(text)).as_py() is not False:
            return _ascii_text(text)
        return np.asarray(text.to_numpy(zero_copy_only=False), dtype=np.str_)
    if kind == LABEL:  # each distinct value becomes a Python string once, not once per row
        encoded = pc.dictionary_encode(column.fill_null("")).combine_chunks()
        labels = np.asarray(encoded.dictionary.to_numpy(zero_copy_only=False), dtype=np.str_)
        rows: npt.NDArray[np.str_] = labels[encoded.indices.to_numpy()]
        return rows
    if kind == DAY:
        return np.asarray(column.to_numpy(zero_copy_only=False), dtype="datetime64[D]")
    dtype = np.float64 if kind == FLOAT else np.int64
    return np.asarray(pc.cast(column, pa.from_numpy_dtype(dtype)).to_numpy(), dtype=dtype)


def _ascii_text(text: pa.StringArray | pa.LargeStringArray) -> npt.NDArray[np.str_]:
    """ASCII strings (ids, phone numbers) as numpy str without a Python object per value:
    the bytes, `width` to a value, are widened to UTF-32 code units in numpy. Values of one
    length (ids usually are) are laid out so already; others are padded with NULs first."""
    offset_type = np.int64 if pa.types.is_large_string(text.type) else np.int32
    offsets = np.frombuffer(text.buffers()[1], dtype=offset_type)
    offsets = offsets[text.offset : text.offset + len(text) + 1]
    lengths = np.diff(offsets)
    width = max(int(lengths.max(initial=0)), 1)
    if len(text) and (lengths == width).all():
        start = int(offsets[0])
        data = np.frombuffer(text.buffers()[2], dtype=np.uint8)[start : start + width * len(text)]
    else:
        # a new array: its values start at byte 0 of its data, `width` bytes each
        padded = pc.ascii_rpad(text, width=width, padding="\x00")
        data = np.frombuffer(padded.buffers()[2], dtype=np.uint8, count=width * len(text))
    return data.astype(np.uint32).view(f"U{width}").reshape(len(text))
