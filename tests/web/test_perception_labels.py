"""Customer-satisfaction labels: inspectors label a call -2..2 (one label each, changeable,
audited); other roles may not; bad input is refused naming the field and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.web.conftest import Web
from tiexin.adapters.storage.tables import audit_log

LABELLED_CALL = "DEMO-0004"
TWO_INSPECTORS_CALL = "DEMO-0005"
REFUSED_CALL = "DEMO-0006"


def _put(web: Web, username: str, call_id: str, body: Any) -> Any:
    client = web.client(username)
    return client.put(
        f"/api/v1/calls/{call_id}/satisfaction",
        json=body,
        headers={"X-CSRF-Token": web.csrf(client)},
    )


def _labels(web: Web, call_id: str, username: str = "inspector") -> dict[str, Any]:
    response = web.client(username).get(f"/api/v1/calls/{call_id}/satisfaction")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _audited(web: Web, call_id: str) -> list[dict[str, Any]]:
    query = (
        select(audit_log.c.username, audit_log.c.detail)
        .where(audit_log.c.action == "call.satisfaction", audit_log.c.resource_id == call_id)
        .order_by(audit_log.c.id)
    )
    with web.engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(query)]


def test_an_inspector_labels_a_call_and_changes_the_label(web: Web) -> None:
    first = _put(web, "inspector", LABELLED_CALL, {"satisfaction": -1})
    assert first.status_code == 200, first.text
    assert first.json()["mine"] == -1
    changed = _put(web, "inspector", LABELLED_CALL, {"satisfaction": 2})
    assert changed.status_code == 200, changed.text
    labels = _labels(web, LABELLED_CALL)
    assert [(x["username"], x["satisfaction"]) for x in labels["labels"]] == [("inspector", 2)]
    assert labels["mine"] == 2
    assert [(a["username"], a["detail"]) for a in _audited(web, LABELLED_CALL)] == [
        ("inspector", {"satisfaction": -1, "previous": None}),
        ("inspector", {"satisfaction": 2, "previous": -1}),
    ]


def test_each_inspector_has_their_own_label(web: Web) -> None:
    assert _put(web, "inspector", TWO_INSPECTORS_CALL, {"satisfaction": 1}).status_code == 200
    assert _put(web, "inspector2", TWO_INSPECTORS_CALL, {"satisfaction": 0}).status_code == 200
    seen = _labels(web, TWO_INSPECTORS_CALL, "inspector2")
    assert sorted((x["username"], x["satisfaction"]) for x in seen["labels"]) == [
        ("inspector", 1),
        ("inspector2", 0),
    ]
    assert seen["mine"] == 0
    assert _labels(web, TWO_INSPECTORS_CALL, "supervisor")["mine"] is None


BAD_BODIES: list[Any] = [
    {},
    {"score": 1},
    {"satisfaction": 3},
    {"satisfaction": -3},
    {"satisfaction": "1"},
    {"satisfaction": 1.5},
    {"satisfaction": True},
    {"satisfaction": None},
]


@pytest.mark.parametrize("body", BAD_BODIES)
def test_bad_input_is_refused_naming_the_field_and_changes_nothing(web: Web, body: Any) -> None:
    response = _put(web, "inspector", REFUSED_CALL, body)
    assert response.status_code == 422, response.text
    assert "body.satisfaction" in {d["field"] for d in response.json()["detail"]}
    assert _labels(web, REFUSED_CALL)["labels"] == []
    assert _audited(web, REFUSED_CALL) == []


@pytest.mark.parametrize("username", ["agent", "manager", "supervisor", "admin"])
def test_only_inspectors_label(web: Web, username: str) -> None:
    own_call = web.seeded.agent_call_id  # the agent's own call: still not theirs to label
    response = _put(web, username, own_call, {"satisfaction": 1})
    assert response.status_code == 403, response.text
    assert _labels(web, own_call)["labels"] == []


def test_an_unknown_call_is_404(web: Web) -> None:
    assert _put(web, "inspector", "NO-SUCH-CALL", {"satisfaction": 1}).status_code == 404
    assert web.client("inspector").get("/api/v1/calls/NO-SUCH-CALL/satisfaction").status_code == 404


def test_a_cookie_session_needs_the_csrf_token(web: Web) -> None:
    client: TestClient = web.client("inspector")
    response = client.put(f"/api/v1/calls/{REFUSED_CALL}/satisfaction", json={"satisfaction": 1})
    assert response.status_code == 403
    assert _labels(web, REFUSED_CALL)["labels"] == []


def test_an_api_token_labels_without_csrf(web: Web) -> None:
    response = web.client().put(
        f"/api/v1/calls/{TWO_INSPECTORS_CALL}/satisfaction",
        json={"satisfaction": 2},
        headers=web.token("inspector2"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["mine"] == 2


def test_the_call_page_shows_the_control_to_inspectors_and_the_labels_to_supervisors(
    web: Web,
) -> None:
    assert _put(web, "inspector", LABELLED_CALL, {"satisfaction": 2}).status_code == 200
    inspector_page = web.client("inspector").get(f"/calls/{LABELLED_CALL}").text
    assert 'class="satisfaction-choices"' in inspector_page
    assert 'data-satisfaction="2" aria-pressed="true"' in inspector_page
    assert "很满意（inspector，" in inspector_page
    supervisor_page = web.client("supervisor").get(f"/calls/{LABELLED_CALL}").text
    assert 'id="satisfaction-labels"' in supervisor_page
    assert 'class="satisfaction-choices"' not in supervisor_page
    agent_page = web.client("agent").get(f"/calls/{web.seeded.agent_call_id}").text
    assert 'id="satisfaction"' not in agent_page
