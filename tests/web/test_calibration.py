"""Calibration sessions: blind scoring, closing, per-item agreement, permissions."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import Web

CALLS = ["DEMO-0001", "DEMO-0002"]
ALL_USERS = ("inspector", "agent", "manager", "supervisor", "admin")


def _request(web: Web, method: str, url: str, user: str, **kwargs: Any) -> Any:
    return web.client().request(method, url, headers=web.token(user), **kwargs)


def _create(web: Web, calls: list[str] = CALLS) -> int:
    response = _request(
        web, "POST", "/api/v1/calibration", "inspector", json={"name": "W23", "call_ids": calls}
    )
    assert response.status_code == 201, response.text
    session_id: int = response.json()["id"]
    return session_id


def _view(web: Web, session_id: int, call_id: str, user: str) -> dict[str, Any]:
    response = _request(web, "GET", f"/api/v1/calibration/{session_id}/calls/{call_id}", user)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def _labels(
    web: Web, session_id: int, call_id: str, failed: tuple[str, ...] = ()
) -> dict[str, str]:
    items = _view(web, session_id, call_id, "inspector")["items"]
    return {item["id"]: ("fail" if item["id"] in failed else "pass") for item in items}


def _score(web: Web, session_id: int, call_id: str, user: str, labels: dict[str, str]) -> Any:
    url = f"/api/v1/calibration/{session_id}/calls/{call_id}/scores"
    return _request(web, "PUT", url, user, json={"labels": labels})


def test_scoring_is_blind_until_one_has_submitted(web: Web) -> None:
    session_id = _create(web)
    first = _view(web, session_id, "DEMO-0002", "inspector2")
    assert first["revealed"] is False and first["turns"] and first["items"]
    assert all(i["automatic"] is None and i["others"] == {} for i in first["items"])
    assert any(i["name"] != i["id"] for i in first["items"])  # scorecard item names

    labels = _labels(web, session_id, "DEMO-0002")
    assert _score(web, session_id, "DEMO-0002", "inspector", labels).status_code == 200
    # inspector2 still cannot see inspector's labels nor the machine's
    still_blind = _view(web, session_id, "DEMO-0002", "inspector2")
    assert all(i["automatic"] is None and i["others"] == {} for i in still_blind["items"])
    assert {c["call_id"]: c["submitted_by"] for c in still_blind["session"]["calls"]} == {
        "DEMO-0001": [],
        "DEMO-0002": ["inspector"],
    }

    mine = _score(web, session_id, "DEMO-0002", "inspector2", labels).json()
    assert mine["revealed"] is True
    assert all(i["others"] == {"inspector": labels[i["id"]]} for i in mine["items"])
    assert all(i["automatic"] in ("pass", "fail", "na") for i in mine["items"])


def test_a_submission_is_final_and_must_cover_every_item(web: Web) -> None:
    session_id = _create(web)
    labels = _labels(web, session_id, "DEMO-0001")
    missing = dict(list(labels.items())[1:])
    response = _score(web, session_id, "DEMO-0001", "inspector", missing)
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "labels"
    bad = {**labels, next(iter(labels)): "maybe"}
    assert _score(web, session_id, "DEMO-0001", "inspector", bad).status_code == 422
    unknown = {**labels, "no_such_item": "pass"}
    assert _score(web, session_id, "DEMO-0001", "inspector", unknown).status_code == 422
    assert _view(web, session_id, "DEMO-0001", "inspector")["revealed"] is False  # nothing saved
    assert _score(web, session_id, "DEMO-0001", "inspector", labels).status_code == 200
    assert _score(web, session_id, "DEMO-0001", "inspector", labels).status_code == 409


def test_results_show_the_most_disputed_item_first(web: Web) -> None:
    session_id = _create(web)
    results_url = f"/api/v1/calibration/{session_id}/results"
    disputed = next(iter(_labels(web, session_id, "DEMO-0001")))
    for call_id in CALLS:
        _score(web, session_id, call_id, "inspector", _labels(web, session_id, call_id))
    # inspector2 has not scored everything: results stay hidden; supervisors read them any time
    assert _request(web, "GET", results_url, "inspector2").status_code == 403
    assert _request(web, "GET", results_url, "supervisor").status_code == 200
    for call_id in CALLS:
        labels = _labels(web, session_id, call_id, failed=(disputed,))
        assert _score(web, session_id, call_id, "inspector2", labels).status_code == 200
    results = _request(web, "GET", results_url, "inspector2").json()
    assert results["inspectors"] == ["inspector", "inspector2"]
    worst = results["items"][0]
    assert worst["item_id"] == disputed
    assert worst["calls"] == 2 and worst["pairwise"] == 0.0
    assert {a["inspector"] for a in worst["inspectors"]} == {"inspector", "inspector2"}
    agreeing = [i for i in results["items"] if i["item_id"] != disputed]
    assert all(i["pairwise"] == 1.0 for i in agreeing)
    lowest = [
        min(v for v in (i["pairwise"], i["alpha"], i["automatic"]) if v is not None)
        for i in results["items"]
    ]
    assert lowest == sorted(lowest)


def test_only_the_creator_closes_and_closing_ends_scoring(web: Web) -> None:
    session_id = _create(web)
    close = f"/api/v1/calibration/{session_id}/close"
    assert _request(web, "POST", close, "inspector2").status_code == 403
    assert _request(web, "POST", close, "inspector").json()["closed_at"]
    assert _request(web, "POST", close, "inspector").status_code == 409
    labels = _labels(web, session_id, "DEMO-0001")
    assert _score(web, session_id, "DEMO-0001", "inspector2", labels).status_code == 409
    revealed = _view(web, session_id, "DEMO-0001", "inspector2")
    assert revealed["revealed"] is True and revealed["items"][0]["automatic"]
    results = _request(web, "GET", f"/api/v1/calibration/{session_id}/results", "inspector2")
    assert results.status_code == 200


def test_unknown_sessions_calls_and_bad_input(web: Web) -> None:
    session_id = _create(web)
    assert _request(web, "GET", "/api/v1/calibration/999999", "inspector").status_code == 404
    assert (
        _request(web, "GET", "/api/v1/calibration/999999/results", "inspector").status_code == 404
    )
    outside = _request(web, "GET", f"/api/v1/calibration/{session_id}/calls/DEMO-0009", "inspector")
    assert outside.status_code == 404
    for body, field in (
        ({"name": "x", "call_ids": ["NO-SUCH-CALL"]}, "call_ids"),
        ({"name": "x", "call_ids": []}, "call_ids"),
        ({"name": "", "call_ids": CALLS}, "name"),
    ):
        response = _request(web, "POST", "/api/v1/calibration", "inspector", json=body)
        assert response.status_code == 422
        assert any(field in error["field"] for error in response.json()["detail"])


@pytest.mark.parametrize("user", ALL_USERS)
def test_who_may_do_what(web: Web, user: str) -> None:
    session_id = _create(web, ["DEMO-0001"])
    calibrates = user == "inspector"
    reads = user in {"inspector", "supervisor"}
    create = _request(
        web, "POST", "/api/v1/calibration", user, json={"name": "x", "call_ids": CALLS}
    )
    assert create.status_code == (201 if calibrates else 403)
    listed = _request(web, "GET", "/api/v1/calibration", user)
    assert listed.status_code == (200 if reads else 403)
    view = _request(web, "GET", f"/api/v1/calibration/{session_id}/calls/DEMO-0001", user)
    assert view.status_code == (200 if calibrates else 403)
    labels = _labels(web, session_id, "DEMO-0001")
    assert _score(web, session_id, "DEMO-0001", user, labels).status_code == (
        200 if calibrates else 403
    )
    results = _request(web, "GET", f"/api/v1/calibration/{session_id}/results", user)
    assert results.status_code == (200 if reads else 403)  # the inspector has scored it all
    close = _request(web, "POST", f"/api/v1/calibration/{session_id}/close", user)
    assert close.status_code == (200 if calibrates else 403)
    page = web.client(user).get("/calibration")
    assert page.status_code == (200 if reads else 403)


def test_creating_scoring_and_closing_are_audited(web: Web) -> None:
    session_id = _create(web, ["DEMO-0003"])
    _score(web, session_id, "DEMO-0003", "inspector", _labels(web, session_id, "DEMO-0003"))
    _request(web, "POST", f"/api/v1/calibration/{session_id}/close", "inspector")
    entries = _request(web, "GET", "/api/v1/audit", "admin").json()["entries"]
    actions = {(e["action"], e["username"]) for e in entries}
    assert {
        ("calibration.create", "inspector"),
        ("calibration.score", "inspector"),
        ("calibration.close", "inspector"),
    } <= actions


def test_the_pages_create_score_and_show_results(web: Web) -> None:
    client = web.client("inspector")
    csrf = web.csrf(client)
    created = client.post(
        "/calibration", data={"name": "页面校准", "pasted": "DEMO-0004", "csrf_token": csrf}
    )
    assert created.status_code == 303
    session_url = created.headers["location"]
    assert "页面校准" in client.get(session_url).text
    score_url = f"{session_url}/calls/DEMO-0004"
    page = client.get(score_url)
    assert page.status_code == 200 and 'name="item:' in page.text
    session_id = int(session_url.rsplit("/", 1)[1])
    form = {f"item:{k}": v for k, v in _labels(web, session_id, "DEMO-0004").items()}
    assert client.post(score_url, data={**form, "csrf_token": csrf}).status_code == 303
    assert 'id="revealed"' in client.get(score_url).text
    results = client.get(f"{session_url}/results")
    assert results.status_code == 200 and 'id="agreement-table"' in results.text
