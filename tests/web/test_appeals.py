"""Appeals: agents acknowledge or appeal their own released evaluations within the deadline;
supervisors accept or reject; the outcome changes the score and the history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from tests.support.workbench import PASSWORD
from tests.web.conftest import Web
from tiexin.adapters.storage.tables import audit_log, evaluation_reviews
from tiexin.services.auth import add_user

OWN_CALL = "DEMO-0001"  # agent 3107; proactive_offer fails automatically


def _evaluation(web: Web, call_id: str) -> dict[str, Any]:
    body = web.client("inspector").get(f"/api/v1/calls/{call_id}").json()
    evaluation: dict[str, Any] = body["evaluations"][0]
    return evaluation


def _post(web: Web, username: str, url: str, body: Any = None) -> Any:
    client: TestClient = web.client(username)
    return client.post(url, json=body, headers={"X-CSRF-Token": web.csrf(client)})


def _release(web: Web, call_id: str) -> int:
    evaluation_id = int(_evaluation(web, call_id)["id"])
    assert (
        _post(web, "inspector", f"/api/v1/evaluations/{evaluation_id}/release").status_code == 200
    )
    return evaluation_id


def _actions(web: Web, evaluation_id: int) -> list[str]:
    with web.engine.connect() as connection:
        rows = connection.execute(
            select(audit_log.c.action)
            .where(audit_log.c.resource_id == str(evaluation_id))
            .order_by(audit_log.c.id)
        )
        return [row.action for row in rows]


@pytest.fixture(scope="module")
def released(web: Web) -> int:
    """DEMO-0001's evaluation before and after release (checked once, then released)."""
    evaluation_id = int(_evaluation(web, OWN_CALL)["id"])
    assert web.client("agent").get("/api/v1/my/evaluations").json() == []
    assert (
        _post(web, "agent", f"/api/v1/evaluations/{evaluation_id}/acknowledge").status_code == 404
    )
    return _release(web, OWN_CALL)


def test_the_agent_sees_their_released_evaluation_and_no_one_elses(web: Web, released: int) -> None:
    mine = web.client("agent").get("/api/v1/my/evaluations").json()
    assert [e["id"] for e in mine] == [released]
    assert mine[0]["appeal_deadline"] is not None
    assert web.client("agent2").get("/api/v1/my/evaluations").json() == []
    for action in ("acknowledge", "appeals"):
        other = _post(
            web,
            "agent2",
            f"/api/v1/evaluations/{released}/{action}",
            {"item_id": "x", "comment": "x"},
        )
        assert other.status_code == 404


@pytest.mark.parametrize("username", ["inspector", "manager", "supervisor", "admin"])
def test_only_agents_appeal(web: Web, released: int, username: str) -> None:
    body = {"item_id": "proactive_offer", "comment": "我推荐了套餐"}
    assert _post(web, username, f"/api/v1/evaluations/{released}/appeals", body).status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"item_id": "proactive_offer", "comment": " "}, "body.comment"),
        ({"comment": "x"}, "body.item_id"),
    ],
)
def test_a_bad_appeal_names_the_field(
    web: Web, released: int, body: dict[str, str], field: str
) -> None:
    response = _post(web, "agent", f"/api/v1/evaluations/{released}/appeals", body)
    assert response.status_code == 422
    assert field in {error["field"] for error in response.json()["detail"]}


def test_appeal_then_supervisor_accepts_and_the_score_changes(web: Web, released: int) -> None:
    before = _evaluation(web, OWN_CALL)
    created = _post(
        web,
        "agent",
        f"/api/v1/evaluations/{released}/appeals",
        {"item_id": "proactive_offer", "comment": "我在 1:10 推荐了流量包"},
    )
    assert created.status_code == 201, created.text
    appeal_id = created.json()["appeal_id"]
    again = _post(
        web,
        "agent",
        f"/api/v1/evaluations/{released}/appeals",
        {"item_id": "proactive_offer", "comment": "x"},
    )
    assert again.status_code == 409
    assert _evaluation(web, OWN_CALL)["status"] == "appealed"

    listed = web.client("supervisor").get("/api/v1/appeals").json()
    assert [e["id"] for e in listed] == [released]
    assert web.client("inspector").get("/api/v1/appeals").status_code == 403
    decision = f"/api/v1/appeals/{appeal_id}/decision"
    assert _post(web, "inspector", decision, {"decision": "accept"}).status_code == 403
    assert _post(web, "agent", decision, {"decision": "accept"}).status_code == 403
    no_reason = _post(web, "supervisor", decision, {"decision": "reject"})
    assert no_reason.status_code == 422 and no_reason.json()["detail"][0]["field"] == "reason"

    accepted = _post(
        web, "supervisor", decision, {"decision": "accept", "reason": "录音中确有推荐"}
    )
    assert accepted.status_code == 200, accepted.text
    after = _evaluation(web, OWN_CALL)
    assert after["status"] == "closed"
    assert after["total"] > before["total"] and after["score_source"] == "includes human edits"
    [change] = after["changes"]
    assert change["kind"] == "appeal" and change["username"] == "supervisor"
    assert (change["old_result"], change["new_result"]) == ("fail", "pass")
    [appeal] = after["appeals"]
    assert appeal["status"] == "accepted" and appeal["decided_by"] == "supervisor"
    assert (
        _post(web, "supervisor", decision, {"decision": "reject", "reason": "x"}).status_code == 409
    )
    assert _actions(web, released)[-3:] == ["review.release", "appeal.create", "appeal.accept"]


def test_a_rejected_appeal_changes_no_score(web: Web) -> None:
    evaluation_id = _release(web, "DEMO-0002")  # agent2's call
    created = _post(
        web,
        "agent2",
        f"/api/v1/evaluations/{evaluation_id}/appeals",
        {"item_id": "polite_closing", "comment": "我说了再见"},
    )
    appeal_id = created.json()["appeal_id"]
    rejected = _post(
        web,
        "supervisor",
        f"/api/v1/appeals/{appeal_id}/decision",
        {"decision": "reject", "reason": "录音中没有"},
    )
    assert rejected.status_code == 200
    after = _evaluation(web, "DEMO-0002")
    assert after["status"] == "closed" and after["changes"] == []
    assert after["total"] == after["automatic_total"]
    assert after["appeals"][0]["decision_reason"] == "录音中没有"
    assert "appeal.reject" in _actions(web, evaluation_id)


def _agent_account(web: Web, agent_id: str) -> str:
    """An account for the agent of a demo call that the seeded users do not cover."""
    username = f"agent{agent_id}"
    add_user(web.uow_factory, username, role="agent", password=PASSWORD, agent_id=agent_id)
    return username


def test_acknowledging_ends_the_chance_to_appeal(web: Web) -> None:
    evaluation_id = _release(web, "DEMO-0003")
    agent = _agent_account(web, "3362")
    url = f"/api/v1/evaluations/{evaluation_id}"
    assert _post(web, agent, f"{url}/acknowledge").status_code == 200
    assert _evaluation(web, "DEMO-0003")["status"] == "acknowledged"
    late = _post(web, agent, f"{url}/appeals", {"item_id": "dead_air", "comment": "x"})
    assert late.status_code == 409
    assert _post(web, agent, f"{url}/acknowledge").status_code == 409


def test_no_appeal_after_the_deadline(web: Web) -> None:
    evaluation_id = _release(web, "DEMO-0004")
    long_ago = datetime.now(UTC) - timedelta(days=web.settings.appeal_days, minutes=1)
    with web.engine.begin() as connection:
        connection.execute(
            update(evaluation_reviews)
            .where(evaluation_reviews.c.evaluation_id == evaluation_id)
            .values(released_at=long_ago)
        )
    response = _post(
        web,
        _agent_account(web, "3418"),
        f"/api/v1/evaluations/{evaluation_id}/appeals",
        {"item_id": "overtalk", "comment": "客户先插话"},
    )
    assert response.status_code == 409 and "appeal period" in response.json()["detail"]
    assert _evaluation(web, "DEMO-0004")["appeals"] == []


def test_the_appeals_page_for_agent_and_supervisor(web: Web, released: int) -> None:
    agent_page = web.client("agent").get("/appeals")
    assert agent_page.status_code == 200 and OWN_CALL in agent_page.text
    assert web.client("supervisor").get("/appeals").status_code == 200
    assert web.client("inspector").get("/appeals").status_code == 403
