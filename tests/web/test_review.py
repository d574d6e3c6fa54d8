"""Human review: confirm and override with a reason, the recomputed score, history, release."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from tests.web.conftest import Web
from tiexin.adapters.storage.tables import audit_log, evaluation_reviews
from tiexin.pipeline.factory import bundled_scorecard
from tiexin.rules.scorecard import load_scorecard
from tiexin.services.rescore import rescore_calls

DEAD_AIR_CALL = "DEMO-0003"  # dead_air fails automatically; 87.5 overall


def _evaluation(web: Web, call_id: str) -> dict[str, Any]:
    body = web.client("inspector").get(f"/api/v1/calls/{call_id}").json()
    evaluation: dict[str, Any] = body["evaluations"][0]
    return evaluation


def _review(web: Web, username: str, evaluation_id: int, item_id: str, **body: Any) -> Any:
    client = web.client(username)
    return client.post(
        f"/api/v1/evaluations/{evaluation_id}/items/{item_id}/review",
        json=body,
        headers={"X-CSRF-Token": web.csrf(client)},
    )


def _item(evaluation: dict[str, Any], item_id: str) -> dict[str, Any]:
    return next(i for i in evaluation["items"] if i["id"] == item_id)


@pytest.mark.parametrize("username", ["agent", "manager", "supervisor", "admin"])
def test_only_inspectors_review(web: Web, username: str) -> None:
    evaluation = _evaluation(web, DEAD_AIR_CALL)
    response = _review(web, username, evaluation["id"], "dead_air", result="pass", reason="x")
    assert response.status_code == 403
    assert _evaluation(web, DEAD_AIR_CALL)["changes"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"result": "pass", "reason": "   "}, "body.reason"),
        ({"result": "pass"}, "body.reason"),
        ({"result": "maybe", "reason": "x"}, "body.result"),
        ({"result": "pass", "points": 11, "reason": "x"}, "points"),
        ({"result": "na", "points": 3, "reason": "x"}, "points"),
    ],
)
def test_a_bad_review_is_refused_naming_the_field_and_changes_nothing(
    web: Web, body: dict[str, Any], field: str
) -> None:
    evaluation = _evaluation(web, DEAD_AIR_CALL)
    response = _review(web, "inspector", evaluation["id"], "dead_air", **body)
    assert response.status_code == 422
    assert field in {error["field"] for error in response.json()["detail"]}
    after = _evaluation(web, DEAD_AIR_CALL)
    assert after["changes"] == [] and after["status"] is None


def test_unknown_evaluation_or_item(web: Web) -> None:
    assert (
        _review(web, "inspector", 999_999, "dead_air", result="pass", reason="x").status_code == 404
    )
    evaluation = _evaluation(web, DEAD_AIR_CALL)
    response = _review(
        web, "inspector", evaluation["id"], "no_such_item", result="pass", reason="x"
    )
    assert response.status_code == 422


def test_confirming_keeps_the_automatic_score(web: Web) -> None:
    evaluation = _evaluation(web, "DEMO-0004")
    item = _item(evaluation, "overtalk")
    response = _review(
        web,
        "inspector",
        evaluation["id"],
        "overtalk",
        result=item["result"],
        reason="听过了，确实抢话",
    )
    assert response.status_code == 200, response.text
    after = _evaluation(web, "DEMO-0004")
    assert after["status"] == "reviewing" and after["score_source"] == "automatic"
    assert after["total"] == evaluation["automatic_total"]
    assert [c["kind"] for c in after["changes"]] == ["confirm"]


def test_an_override_recomputes_the_score_and_is_recorded(web: Web) -> None:
    evaluation = _evaluation(web, DEAD_AIR_CALL)
    assert evaluation["automatic_total"] == pytest.approx(87.5)
    response = _review(
        web, "inspector", evaluation["id"], "dead_air", result="pass", reason="静默是在查询系统"
    )
    assert response.status_code == 200, response.text
    after = _evaluation(web, DEAD_AIR_CALL)
    assert after["total"] == pytest.approx(92.5) and after["band"] == "优秀"
    assert after["automatic_total"] == pytest.approx(87.5)
    assert after["score_source"] == "includes human edits"
    assert after["dimensions"]["voice_quality"] == pytest.approx(100.0)
    item = _item(after, "dead_air")
    assert item["result"] == "fail" and item["current_result"] == "pass" and item["changed"]
    [change] = after["changes"]
    assert change["username"] == "inspector" and change["kind"] == "override"
    assert (change["old_result"], change["new_result"]) == ("fail", "pass")
    assert (change["old_points"], change["new_points"]) == (0.0, 10.0)
    assert change["reason"] == "静默是在查询系统"
    with web.engine.connect() as connection:
        entry = connection.execute(
            select(audit_log.c.detail).where(
                (audit_log.c.action == "review.item")
                & (audit_log.c.resource_id == str(evaluation["id"]))
            )
        ).scalar_one()
    assert entry["item_id"] == "dead_air" and entry["new_result"] == "pass"


def test_a_review_survives_a_rescore(web: Web) -> None:
    evaluation = _evaluation(web, DEAD_AIR_CALL)
    assert evaluation["changes"]
    rescore_calls(web.uow_factory, load_scorecard(bundled_scorecard()), encoder=None, catalog=None)
    after = _evaluation(web, DEAD_AIR_CALL)
    assert after["id"] == evaluation["id"] and after["changes"] == evaluation["changes"]
    assert after["score_source"] == "includes human edits"


def test_release_then_no_more_edits(web: Web) -> None:
    evaluation = _evaluation(web, DEAD_AIR_CALL)
    client = web.client("inspector")
    headers = {"X-CSRF-Token": web.csrf(client)}
    url = f"/api/v1/evaluations/{evaluation['id']}/release"
    assert web.client("supervisor").post(url, headers=web.token("supervisor")).status_code == 403
    assert client.post(url, headers=headers).status_code == 200
    after = _evaluation(web, DEAD_AIR_CALL)
    assert after["status"] == "released" and after["released_by"] == "inspector"
    assert after["appeal_deadline"] is not None
    assert client.post(url, headers=headers).status_code == 409
    late = _review(web, "inspector", evaluation["id"], "dead_air", result="fail", reason="x")
    assert late.status_code == 409 and "appeal" in late.json()["detail"]
    with web.engine.connect() as connection:
        status = connection.execute(
            select(evaluation_reviews.c.status).where(
                evaluation_reviews.c.evaluation_id == evaluation["id"]
            )
        ).scalar_one()
    assert status == "released"


def test_releasing_an_unreviewed_evaluation_keeps_the_automatic_score(web: Web) -> None:
    evaluation = _evaluation(web, "DEMO-0005")
    response = web.client("inspector").post(
        f"/api/v1/evaluations/{evaluation['id']}/release", headers=web.token("inspector")
    )
    assert response.status_code == 200
    after = _evaluation(web, "DEMO-0005")
    assert after["status"] == "released" and after["total"] == evaluation["automatic_total"]
    assert after["score_source"] == "automatic"


def test_the_page_shows_review_forms_to_inspectors_only(web: Web) -> None:
    call_id = "DEMO-0006"
    assert 'class="review-form"' in web.client("inspector").get(f"/calls/{call_id}").text
    assert 'class="review-form"' not in web.client("supervisor").get(f"/calls/{call_id}").text
