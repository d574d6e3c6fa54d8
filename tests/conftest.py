"""Shared fixtures: a migrated database on SQLite and on PostgreSQL.

PostgreSQL: `TIEXIN_TEST_POSTGRES_URL` (default: the trust-auth server on 127.0.0.1). Each test
gets a fresh schema that is dropped afterwards. An unreachable server skips those tests, or
fails them when `CI` is set.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

# Whisper's numbers depend on its OpenMP thread count, and Ray sets OMP_NUM_THREADS=1 in its
# workers: the runner tests compare transcripts across runners, so every process here uses one.
# Set before any model runtime starts (conftest loads first), inherited by pool and Ray workers.
os.environ.setdefault("OMP_NUM_THREADS", "1")
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from tiexin.adapters.storage import make_engine, migrate

POSTGRES_URL_ENV = "TIEXIN_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    """The test server's URL, checked once; skips (or fails under CI) when it cannot be reached."""
    url = make_url(os.environ.get(POSTGRES_URL_ENV, DEFAULT_POSTGRES_URL))
    if "connect_timeout" not in url.query:
        url = url.update_query_dict({"connect_timeout": "5"})
    rendered = url.render_as_string(hide_password=False)
    engine = make_engine(rendered)
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        message = f"PostgreSQL at {url} is unreachable ({POSTGRES_URL_ENV}): {exc.orig}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    finally:
        engine.dispose()
    return rendered


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file in a new folder, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'var' / 'tiexin.db'}"
    else:
        yield request.getfixturevalue("postgres_url")


@pytest.fixture
def postgres_url(postgres_server_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL schema (dropped afterwards), as the URL's search path."""
    schema = f"t_{uuid.uuid4().hex}"
    admin = make_engine(postgres_server_url)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(postgres_server_url).update_query_dict(
            {"options": f"-csearch_path={schema}"}
        )
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A migrated engine on `database_url`."""
    made = make_engine(database_url)
    migrate(made)
    yield made
    made.dispose()
