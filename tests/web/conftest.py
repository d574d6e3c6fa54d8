"""Web fixtures: the app over a seeded database (SQLite and PostgreSQL) and signed-in clients.

`web` is module-scoped per database so the seeding (transcript import and scoring) runs once
per test module, not per test. Tests that change data should use their own calls or accept the
changes of earlier tests in the module.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from tests.support.workbench import PASSWORD, Seeded, seed_calls, seed_users
from tiexin.adapters.storage import make_engine, migrate
from tiexin.adapters.storage.engine import make_session_factory
from tiexin.adapters.storage.unit_of_work import SqlUnitOfWork
from tiexin.config import Settings
from tiexin.services.ingest import UnitOfWorkFactory
from tiexin.web.app import create_app

BASE_URL = "https://testserver"  # the session cookie is Secure


@dataclass
class Web:
    app: FastAPI
    engine: Engine
    uow_factory: UnitOfWorkFactory
    settings: Settings
    seeded: Seeded
    folder: Path

    def client(self, username: str | None = None) -> TestClient:
        """A browser-like client, signed in through the login form when a username is given."""
        client = TestClient(self.app, base_url=BASE_URL, follow_redirects=False)
        if username:
            response = client.post(
                "/login", data={"username": username, "password": PASSWORD, "next": "/"}
            )
            assert response.status_code == 303, response.text
        return client

    def csrf(self, client: TestClient) -> str:
        """The CSRF token of the client's session, as pages embed it."""
        page = client.get("/api/v1/auth/csrf")
        assert page.status_code == 200, page.text
        token: str = page.json()["csrf_token"]
        return token

    def token(self, username: str) -> dict[str, str]:
        """Authorization headers with an API token for this user."""
        client = TestClient(self.app, base_url=BASE_URL)
        response = client.post(
            "/api/v1/auth/login", json={"username": username, "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['token']}"}


def _build(database_url: str, folder: Path) -> Iterator[Web]:
    engine = make_engine(database_url)
    migrate(engine)
    session_factory = make_session_factory(engine)

    def uow_factory() -> SqlUnitOfWork:
        return SqlUnitOfWork(session_factory)

    settings = Settings(data_dir=folder / "var", database_url=database_url)
    seeded = seed_calls(uow_factory, engine, settings, folder)
    seed_users(uow_factory)
    app = create_app(settings, uow_factory)
    try:
        yield Web(app, engine, uow_factory, settings, seeded, folder)
    finally:
        engine.dispose()


@pytest.fixture(
    scope="module",
    params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def web(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    folder = tmp_path_factory.mktemp("web")
    if request.param == "sqlite":
        yield from _build(f"sqlite:///{folder / 'var' / 'tiexin.db'}", folder)
        return
    yield from _module_postgres(request, folder)


def _module_postgres(request: pytest.FixtureRequest, folder: Path) -> Iterator[Web]:
    server = request.getfixturevalue("postgres_server_url")
    schema = f"w_{uuid.uuid4().hex}"
    admin = make_engine(server)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(server).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield from _build(url.render_as_string(hide_password=False), folder)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
