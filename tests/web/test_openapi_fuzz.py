"""Schemathesis over /openapi.json: no generated request may cause a server error.

Every operation is called with generated inputs by a signed-in inspector and by a supervisor
(Bearer tokens, so the CSRF check does not hide the handlers). Runs on SQLite only: the point is
the handlers' input handling, which the database-parametrised API tests already cover per DB.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from tests.web.conftest import Web, _build


@pytest.fixture(scope="module")
def sqlite_web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    folder: Path = tmp_path_factory.mktemp("fuzz")
    yield from _build(f"sqlite:///{folder / 'var' / 'tiexin.db'}", folder)


@pytest.fixture(scope="module")
def api_schema(sqlite_web: Web) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", sqlite_web.app)


@pytest.fixture(scope="module")
def auth_headers(sqlite_web: Web) -> dict[str, dict[str, str]]:
    return {name: sqlite_web.token(name) for name in ("inspector", "supervisor")}


def _check_operation(operation: schemathesis.APIOperation, headers: list[dict[str, str]]) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    def run(case: schemathesis.Case) -> None:
        for user_headers in headers:
            response = case.call(headers=user_headers)
            case.validate_response(response, checks=[not_a_server_error])

    run()


def test_no_request_causes_a_server_error(
    api_schema: schemathesis.BaseSchema, auth_headers: dict[str, dict[str, str]]
) -> None:
    checked = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        if operation.path.endswith("/auth/logout"):
            continue  # would revoke the tokens the other operations use
        _check_operation(operation, list(auth_headers.values()))
        checked += 1
    assert checked >= 3
