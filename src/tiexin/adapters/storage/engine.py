"""Engines, sessions and schema migrations; nothing here runs at import time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

SQLITE_BUSY_TIMEOUT_MS = 30_000
MIGRATIONS = "tiexin.adapters.storage:migrations"
_POSTGRES_MIGRATION_LOCK = 0x7469_6578_696E  # "tiexin": one migrating process at a time


def make_engine(url: str) -> Engine:
    """An engine for `url`: a SQLite file (WAL, foreign keys on) or PostgreSQL through psycopg 3.

    A plain `postgresql://` URL is taken to mean psycopg 3. For SQLite the file's folder is
    created when missing.
    """
    parsed = _with_psycopg(make_url(url))
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    return create_engine(parsed, pool_pre_ping=True, json_serializer=_dump_json)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to the newest revision (Alembic `upgrade head`), or to `revision`; a
    no-op when current.

    On PostgreSQL concurrent callers wait for each other; on SQLite call it once at start-up.
    """
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    config.set_main_option("path_separator", "os")
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            lock = text("SELECT pg_advisory_xact_lock(:key)")
            connection.execute(lock, {"key": _POSTGRES_MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def _with_psycopg(url: URL) -> URL:
    if url.drivername == "postgresql":
        return url.set(drivername="postgresql+psycopg")
    return url


def _sqlite_engine(url: URL) -> Engine:
    options: dict[str, Any] = {}
    if _in_memory(url):
        # one connection shared by every thread (the care run writes from a thread of its
        # own): SQLAlchemy's default gives each thread a connection, and each connection to
        # an in-memory database is a new, empty database
        options = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
    elif url.database and not url.database.startswith("file:"):
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, json_serializer=_dump_json, **options)
    event.listen(engine, "connect", _configure_sqlite_connection)
    return engine


def _in_memory(url: URL) -> bool:
    return url.database in (None, "", ":memory:") or url.query.get("mode") == "memory"


def _configure_sqlite_connection(dbapi_connection: Any, _connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
    finally:
        cursor.close()


_JSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY


def dump_json(value: object) -> bytes:
    """JSON of a JSON column's value, as UTF-8: dates as YYYY-MM-DD and numpy scalars as
    numbers. orjson rather than the json module: a care run stores a million tasks' facts, and
    the json module takes longer to write them than the database takes to store them."""
    return orjson.dumps(value, option=_JSON_OPTIONS)


def _dump_json(value: object) -> str:
    return dump_json(value).decode()
