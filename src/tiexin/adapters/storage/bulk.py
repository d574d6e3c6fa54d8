"""Bulk inserts of rows that are known to be new: `COPY` on PostgreSQL, one prepared `INSERT`
run by the driver's executemany on SQLite.

Values go through each column type's own bind processing, column by column, so what is
stored is exactly what an ordinary SQLAlchemy insert would store (dates, UTC timestamps, JSON),
without SQLAlchemy's per-row parameter handling, which costs more than the insert itself at
hundreds of thousands of rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session


def insert_rows(db: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert `rows` (all with the same keys) into `table` in the session's transaction; a
    row whose key is already stored fails the whole insert."""
    if not rows:
        return
    names = list(rows[0])
    dialect = db.get_bind().dialect
    columns = []
    for name in names:
        column_type = table.c[name].type
        process = column_type.bind_processor(dialect)
        if process is not None and column_type.python_type in (date, datetime):
            # a run's timestamps and due dates repeat: format each distinct value once
            process = lru_cache(maxsize=1024)(process)
        values = [row[name] for row in rows]
        columns.append([process(v) for v in values] if process else values)
    records = list(zip(*columns, strict=True))
    quoted = ", ".join(dialect.identifier_preparer.quote(n) for n in names)
    target = dialect.identifier_preparer.format_table(table)
    if dialect.name != "postgresql":
        marks = ", ".join("?" for _ in names)
        statement = f"INSERT INTO {target} ({quoted}) VALUES ({marks})"
        db.connection().exec_driver_sql(statement, records)
        return
    statement = f"COPY {target} ({quoted}) FROM STDIN"
    cursor = db.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(statement) as copy:
            for record in records:
                copy.write_row(record)
    except dialect.loaded_dbapi.Error as error:
        # the same exception classes as any other statement (IntegrityError for a key)
        raise DBAPIError.instance(statement, None, error, dialect.loaded_dbapi.Error) from None
    finally:
        cursor.close()
