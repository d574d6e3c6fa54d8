"""Bulk writes. Inserts of rows known to be new: `COPY` on PostgreSQL, one prepared `INSERT`
run by the driver's executemany on SQLite. Upserts and updates: `COPY` into a temporary table
and one `INSERT ... ON CONFLICT DO UPDATE` or `UPDATE ... FROM` on PostgreSQL (a statement per
row costs a round trip each), a prepared statement run by executemany on SQLite.

Values go through each column type's own bind processing, column by column, so what is
stored is exactly what an ordinary SQLAlchemy insert would store (dates, UTC timestamps, JSON),
without SQLAlchemy's per-row parameter handling, which costs more than the insert itself at
hundreds of thousands of rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from psycopg.types.json import set_json_dumps
from sqlalchemy import JSON, Dialect, Table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator, TypeEngine

from .engine import dump_json


def insert_rows(db: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert `rows` (all with the same keys) into `table` in the session's transaction; a
    row whose key is already stored fails the whole insert."""
    if rows:
        insert_columns(db, table, _columns(rows, list(rows[0])))


def insert_columns(db: Session, table: Table, columns: Mapping[str, Sequence[Any]]) -> None:
    """`insert_rows` with the rows given column by column (each column as long as the others):
    a caller that holds its rows as columns builds no dictionary per row."""
    names = list(columns)
    if not names or not len(columns[names[0]]):
        return
    dialect = db.get_bind().dialect
    quoted = ", ".join(dialect.identifier_preparer.quote(n) for n in names)
    target = dialect.identifier_preparer.format_table(table)
    if dialect.name != "postgresql":
        marks = ", ".join("?" for _ in names)
        statement = f"INSERT INTO {target} ({quoted}) VALUES ({marks})"
        db.connection().exec_driver_sql(statement, _records(table, columns, dialect))
        return
    _copy(db, table, target, columns)


def upsert_rows(
    db: Session, table: Table, rows: Sequence[Mapping[str, Any]], keep: Iterable[str] = ()
) -> None:
    """Insert `rows` (all with the same keys), updating the stored rows with the same primary
    key; a `keep` column keeps its stored value where the new one is NULL. Of several rows
    with one key the last wins."""
    if not rows:
        return
    keys = [c.name for c in table.primary_key.columns]
    latest = list({tuple(row[k] for k in keys): row for row in rows}.values())
    names = list(latest[0])
    columns = _columns(latest, names)
    dialect = db.get_bind().dialect
    quote = dialect.identifier_preparer.quote
    target = dialect.identifier_preparer.format_table(table)
    conflict = on_conflict_update(dialect, table, names, keep)
    quoted = ", ".join(quote(n) for n in names)
    if dialect.name != "postgresql":
        marks = ", ".join("?" for _ in names)
        statement = f"INSERT INTO {target} ({quoted}) VALUES ({marks}) {conflict}"
        db.connection().exec_driver_sql(statement, _records(table, columns, dialect))
        return
    stage = _stage(db, table, columns)
    db.connection().exec_driver_sql(
        f"INSERT INTO {target} ({quoted}) SELECT {quoted} FROM {stage} {conflict}"
    )


def on_conflict_update(
    dialect: Dialect, table: Table, names: Sequence[str], keep: Iterable[str]
) -> str:
    """The ON CONFLICT clause of an upsert of `names` into `table` (both SQLite and PostgreSQL):
    a row whose primary key is stored updates the stored row, except that a `keep` column keeps
    its stored value where the new one is NULL."""
    quote = dialect.identifier_preparer.quote
    target = dialect.identifier_preparer.format_table(table)
    keys = [c.name for c in table.primary_key.columns]
    kept = set(keep)
    changes = ", ".join(
        f"{quote(n)} = COALESCE(excluded.{quote(n)}, {target}.{quote(n)})"
        if n in kept
        else f"{quote(n)} = excluded.{quote(n)}"
        for n in names
        if n not in keys
    )
    return f"ON CONFLICT ({', '.join(quote(k) for k in keys)}) DO UPDATE SET {changes}"


def update_rows(db: Session, table: Table, rows: Sequence[Mapping[str, Any]], key: str) -> None:
    """Set the other columns of `rows` (all with the same keys) on the stored rows whose `key`
    column matches; a row matching nothing changes nothing."""
    if not rows:
        return
    names = list(rows[0])
    dialect = db.get_bind().dialect
    quote = dialect.identifier_preparer.quote
    target = dialect.identifier_preparer.format_table(table)
    changed = [n for n in names if n != key]
    if dialect.name != "postgresql":
        sets = ", ".join(f"{quote(n)} = ?" for n in changed)
        statement = f"UPDATE {target} SET {sets} WHERE {quote(key)} = ?"
        parameters = _records(table, _columns(rows, [*changed, key]), dialect)
        db.connection().exec_driver_sql(statement, parameters)
        return
    stage = _stage(db, table, _columns(rows, names))
    # without statistics the planner guesses the stage's size and may hash the whole table
    db.connection().exec_driver_sql(f"ANALYZE {stage}")
    sets = ", ".join(f"{quote(n)} = {stage}.{quote(n)}" for n in changed)
    match = f"{target}.{quote(key)} = {stage}.{quote(key)}"
    db.connection().exec_driver_sql(f"UPDATE {target} SET {sets} FROM {stage} WHERE {match}")


def _stage(db: Session, table: Table, columns: Mapping[str, Sequence[Any]]) -> str:
    """A temporary table (PostgreSQL) with the named columns of `table`, holding only the rows
    of `columns`."""
    stage = empty_stage(db, table, list(columns))
    _copy(db, table, stage, columns)
    return stage


def empty_stage(db: Session, table: Table, names: Sequence[str]) -> str:
    """A new, empty temporary table (PostgreSQL) with the `names` columns of `table`, dropped
    at commit; returns its quoted name."""
    preparer = db.get_bind().dialect.identifier_preparer
    stage = preparer.quote(f"stage_{table.name}")
    columns = ", ".join(preparer.quote(n) for n in names)
    connection = db.connection()
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {stage}")
    empty = f"SELECT {columns} FROM {preparer.format_table(table)} WITH NO DATA"
    connection.exec_driver_sql(f"CREATE TEMPORARY TABLE {stage} ON COMMIT DROP AS {empty}")
    return stage


@contextmanager
def driver_cursor(db: Session, statement: str) -> Iterator[Any]:
    """A cursor of the session's driver connection; its errors are raised as SQLAlchemy's,
    like any other statement's (IntegrityError for a key)."""
    cursor = db.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    failure = db.get_bind().dialect.loaded_dbapi.Error
    try:
        yield cursor
    except failure as error:
        raise DBAPIError.instance(statement, None, error, failure) from None
    finally:
        cursor.close()


def _copy(db: Session, table: Table, into: str, columns: Mapping[str, Sequence[Any]]) -> None:
    """Binary `COPY` into `into` (the table, or a stage with its columns): the server parses no
    text and the driver converts values in C."""
    dialect = db.get_bind().dialect
    names = list(columns)
    quoted = ", ".join(dialect.identifier_preparer.quote(n) for n in names)
    statement = f"COPY {into} ({quoted}) FROM STDIN (FORMAT BINARY)"
    records = _records(table, columns, dialect, json_as_objects=True)
    with driver_cursor(db, statement) as cursor:
        # JSON goes as objects, written with the engine's serializer (a serialized string
        # would be stored as a JSON string)
        set_json_dumps(dump_json, cursor)
        with cursor.copy(statement) as copy:
            copy.set_types([_postgres_type(table.c[n].type, dialect) for n in names])
            for record in records:
                copy.write_row(record)


def _postgres_type(column_type: TypeEngine[Any], dialect: Dialect) -> str:
    name = re.sub(r"\(.*\)", "", column_type.compile(dialect=dialect)).lower()
    return {"float": "float8"}.get(name, name)  # FLOAT is double precision on PostgreSQL


def _columns(rows: Sequence[Mapping[str, Any]], names: Sequence[str]) -> dict[str, list[Any]]:
    return {name: [row[name] for row in rows] for name in names}


def _records(
    table: Table,
    columns: Mapping[str, Sequence[Any]],
    dialect: Dialect,
    *,
    json_as_objects: bool = False,
) -> list[tuple[Any, ...]]:
    processed = []
    for name, values in columns.items():
        column_type = table.c[name].type
        is_json = isinstance(column_type.dialect_impl(dialect), JSON)
        process = None if is_json and json_as_objects else column_type.bind_processor(dialect)
        if process is not None and _python_type(column_type) in (date, datetime):
            # a run's timestamps and due dates repeat: format each distinct value once
            process = lru_cache(maxsize=1024)(process)
        processed.append([process(v) for v in values] if process else values)
    return list(zip(*processed, strict=True))


def _python_type(column_type: TypeEngine[Any]) -> type:
    # a TypeDecorator (UTC timestamps) says `object`; its underlying type knows
    if isinstance(column_type, TypeDecorator):
        return _python_type(column_type.impl_instance)
    return column_type.python_type
