"""Every role against every resource, in one table: the API and the pages answer exactly as
`domain/access.py` says (403 forbidden; 404 for another agent's call, so its existence does not
leak; 422 where the role is allowed but the deliberately empty request is invalid, so nothing is
changed by this test).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import Web

USERS = ("inspector", "agent", "manager", "supervisor", "admin")

# method, path ({own}: a call of the signed-in agent, {other}: another agent's), body,
# expected status for inspector, agent, account manager, supervisor, admin.
API: list[tuple[str, str, Any, tuple[int, ...]]] = [
    ("GET", "/api/v1/calls", None, (200, 200, 403, 200, 200)),
    ("GET", "/api/v1/calls/{other}", None, (200, 404, 403, 200, 200)),
    ("GET", "/api/v1/calls/{own}", None, (200, 200, 403, 200, 200)),
    ("GET", "/api/v1/calls/{other}/audio", None, (200, 404, 403, 200, 403)),
    ("GET", "/api/v1/calls/{own}/audio", None, (200, 200, 403, 200, 403)),
    ("GET", "/api/v1/exports/calls?format=csv", None, (200, 403, 403, 200, 403)),
    ("GET", "/api/v1/audit", None, (403, 403, 403, 403, 200)),
    ("GET", "/api/v1/my/evaluations", None, (403, 200, 403, 403, 403)),
    ("GET", "/api/v1/appeals", None, (403, 403, 403, 200, 403)),
    ("POST", "/api/v1/evaluations/999999/acknowledge", None, (403, 404, 403, 403, 403)),
    ("POST", "/api/v1/evaluations/999999/appeals", {}, (403, 422, 403, 403, 403)),
    ("POST", "/api/v1/appeals/999999/decision", {}, (403, 403, 403, 422, 403)),
    ("POST", "/api/v1/evaluations/999999/items/x/review", {}, (422, 403, 403, 403, 403)),
    ("POST", "/api/v1/evaluations/999999/release", None, (404, 403, 403, 403, 403)),
    ("GET", "/api/v1/calls/{other}/satisfaction", None, (200, 403, 403, 200, 200)),
    ("PUT", "/api/v1/calls/{other}/satisfaction", {}, (422, 403, 403, 403, 403)),
    ("GET", "/api/v1/calibration", None, (200, 403, 403, 200, 403)),
    ("POST", "/api/v1/calibration", {}, (422, 403, 403, 403, 403)),
    ("GET", "/api/v1/calibration/999999/results", None, (404, 403, 403, 404, 403)),
    ("GET", "/api/v1/dashboards/scores", None, (200, 403, 403, 200, 200)),
    ("GET", "/api/v1/dashboards/failed-items", None, (200, 403, 403, 200, 200)),
    ("GET", "/api/v1/dashboards/blind-spots", None, (200, 403, 403, 200, 200)),
    ("GET", "/api/v1/playlists", None, (200, 200, 200, 200, 403)),
    ("POST", "/api/v1/playlists", {}, (422, 403, 403, 422, 403)),
    ("GET", "/api/v1/playlists/999999", None, (404, 404, 404, 404, 403)),
    ("GET", "/api/v1/queue", None, (422, 403, 403, 403, 422)),
    ("POST", "/api/v1/queue/build", {"week": "bad"}, (422, 403, 403, 403, 422)),
    ("GET", "/api/v1/sampling-plans", None, (200, 403, 403, 403, 200)),
    ("PUT", "/api/v1/sampling-plans/10088", {}, (422, 403, 403, 403, 422)),
]

PAGES: list[tuple[str, tuple[int, ...]]] = [
    ("/queue", (200, 403, 403, 403, 200)),
    ("/calls", (200, 200, 403, 200, 200)),
    ("/calls/{other}", (200, 404, 403, 200, 200)),
    ("/appeals", (403, 200, 403, 200, 403)),
    ("/calibration", (200, 403, 403, 200, 403)),
    ("/playlists", (200, 200, 200, 200, 403)),
    ("/dashboards", (200, 403, 403, 200, 200)),
    ("/admin/audit", (403, 403, 403, 403, 200)),
    ("/admin/users", (403, 403, 403, 403, 200)),
    ("/queue/plans", (200, 403, 403, 403, 200)),
]


@pytest.fixture(scope="module")
def tokens(web: Web) -> dict[str, dict[str, str]]:
    return {user: web.token(user) for user in USERS}


@pytest.mark.parametrize(("method", "path", "body", "expected"), API)
def test_api_answers_each_role_as_the_permission_table_says(
    web: Web,
    tokens: dict[str, dict[str, str]],
    method: str,
    path: str,
    body: Any,
    expected: tuple[int, ...],
) -> None:
    url = path.format(own=web.seeded.agent_call_id, other=web.seeded.other_call_id)
    client = web.client()
    got = tuple(
        client.request(method, url, headers=tokens[user], json=body).status_code for user in USERS
    )
    assert got == expected, dict(zip(USERS, got, strict=True))


@pytest.mark.parametrize(("path", "expected"), PAGES)
def test_pages_answer_each_role_as_the_permission_table_says(
    web: Web, path: str, expected: tuple[int, ...]
) -> None:
    url = path.format(other=web.seeded.other_call_id)
    got = tuple(
        web.client(user).get(url, headers={"accept": "text/html"}).status_code for user in USERS
    )
    assert got == expected, dict(zip(USERS, got, strict=True))
