"""The weekly review queue and sampling plans over the seeded demo calls (June 2025)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select

from tests.web.conftest import Web
from tiexin.adapters.storage.tables import calls, evaluation_reviews, evaluations, review_queue

WEEK = "2025-W23"  # the demo calls start on 2-6 June 2025
ROLES_THAT_VIEW = {"inspector", "admin"}  # REVIEW or MANAGE_SAMPLING
ALL_USERS = ("inspector", "agent", "manager", "supervisor", "admin")


def _queue(web: Web, user: str = "inspector", **params: str) -> list[dict[str, object]]:
    response = web.client().get(
        "/api/v1/queue", params={"week": WEEK, **params}, headers=web.token(user)
    )
    assert response.status_code == 200, response.text
    rows: list[dict[str, object]] = response.json()["rows"]
    return rows


def _build(web: Web, week: str = WEEK) -> dict[str, int]:
    response = web.client().post(
        "/api/v1/queue/build", json={"week": week}, headers=web.token("inspector")
    )
    assert response.status_code == 200, response.text
    report: dict[str, int] = response.json()
    return report


def _review(web: Web, call_id: str, reviewer: str = "inspector2") -> None:
    """A review row as the call page writes it."""
    with web.engine.begin() as connection:
        evaluation_id = connection.execute(
            select(evaluations.c.id)
            .join(calls, calls.c.id == evaluations.c.call_pk)
            .where(calls.c.call_id == call_id)
        ).scalar_one()
        connection.execute(
            insert(evaluation_reviews).values(
                evaluation_id=evaluation_id,
                status="reviewing",
                total=80.0,
                human_edited=False,
                reviewed_by=reviewer,
                updated_at=datetime.now(UTC),
            )
        )


def test_building_the_week_queues_the_poor_service_call_with_its_reasons(web: Web) -> None:
    _review(web, "DEMO-0003")  # reviewed before the queue is built: left out
    report = _build(web)
    assert report["added"] > 0
    assert report["added"] == report["risk_picks"] + report["random_picks"]
    rows = {row["call_id"]: row for row in _queue(web)}
    assert "DEMO-0003" not in rows
    poor = rows["DEMO-0002"]
    codes = {reason["code"] for reason in poor["reasons"]}  # type: ignore[attr-defined]
    assert codes & {"low_score", "auto_fail", "section_failed"}, poor
    assert all(reason["text"] for reason in poor["reasons"])  # type: ignore[attr-defined]


def test_rows_come_riskiest_first_and_rebuilding_adds_nothing(web: Web) -> None:
    before = _queue(web)
    risks = [row["risk"] for row in before]
    assert risks == sorted(risks, reverse=True)  # type: ignore[type-var]
    again = _build(web)
    assert again["added"] == 0
    with web.engine.connect() as connection:
        queued = connection.execute(select(review_queue.c.call_pk)).scalars().all()
    assert len(queued) == len(set(queued)) == len(before)


def test_a_reviewed_call_shows_as_done_with_its_reviewer(web: Web) -> None:
    call_id = str(_queue(web)[0]["call_id"])
    _review(web, call_id, reviewer="inspector")
    row = next(r for r in _queue(web) if r["call_id"] == call_id)
    assert row["done"] is True and row["reviewed_by"] == "inspector"


def test_the_queue_filters_by_line_and_agent(web: Web) -> None:
    assert {r["agent_id"] for r in _queue(web, agent_id="3215")} == {"3215"}
    assert _queue(web, line="no-such-line") == []


@pytest.mark.parametrize("user", ALL_USERS)
def test_who_may_view_the_queue(web: Web, user: str) -> None:
    api = web.client().get("/api/v1/queue", params={"week": WEEK}, headers=web.token(user))
    page = web.client(user).get(f"/queue?week={WEEK}")
    expected = 200 if user in ROLES_THAT_VIEW else 403
    assert (api.status_code, page.status_code) == (expected, expected)


@pytest.mark.parametrize("user", ALL_USERS)
def test_who_may_build_the_queue_and_change_plans(web: Web, user: str) -> None:
    client = web.client()
    headers = web.token(user)
    build = client.post("/api/v1/queue/build", json={"week": "2025-W01"}, headers=headers)
    plan = client.put(
        "/api/v1/sampling-plans/10086",
        json={"calls_per_agent_per_week": 3, "random_share": 0.2},
        headers=headers,
    )
    read = client.get("/api/v1/sampling-plans/10086", headers=headers)
    allowed = user in {"inspector", "admin"}  # MANAGE_SAMPLING
    assert build.status_code == (200 if allowed else 403)
    assert plan.status_code == (200 if allowed else 403)
    assert read.status_code == (200 if allowed else 403)


def test_a_line_without_a_plan_has_the_default_and_a_plan_can_be_set(web: Web) -> None:
    client = web.client()
    headers = web.token("inspector")
    default = client.get("/api/v1/sampling-plans/12580", headers=headers).json()
    assert default == {
        "line": "12580",
        "calls_per_agent_per_week": 5,
        "random_share": 0.1,
        "is_default": True,
        "updated_by": None,
        "updated_at": None,
    }
    saved = client.put(
        "/api/v1/sampling-plans/12580",
        json={"calls_per_agent_per_week": 8, "random_share": 0.25},
        headers=headers,
    ).json()
    assert saved["is_default"] is False and saved["updated_by"] == "inspector"
    listed = client.get("/api/v1/sampling-plans", headers=headers).json()
    assert {"12580", "10088"} <= {plan["line"] for plan in listed}
    audit = client.get(
        "/api/v1/audit", params={"action": "sampling_plan.update"}, headers=web.token("admin")
    ).json()
    assert any(entry["resource_id"] == "12580" for entry in audit["entries"])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"calls_per_agent_per_week": -1, "random_share": 0.1}, "calls_per_agent_per_week"),
        ({"calls_per_agent_per_week": 5, "random_share": 1.5}, "random_share"),
        ({"random_share": 0.1}, "calls_per_agent_per_week"),
    ],
)
def test_a_bad_plan_is_refused_naming_the_field(
    web: Web, body: dict[str, object], field: str
) -> None:
    client = web.client()
    headers = web.token("inspector")
    response = client.put("/api/v1/sampling-plans/99999", json=body, headers=headers)
    assert response.status_code == 422
    assert any(field in error["field"] for error in response.json()["detail"])
    assert client.get("/api/v1/sampling-plans/99999", headers=headers).json()["is_default"]


@pytest.mark.parametrize("week", ["2025-23", "2025-W60", "next week"])
def test_a_bad_week_is_refused(web: Web, week: str) -> None:
    response = web.client().post(
        "/api/v1/queue/build", json={"week": week}, headers=web.token("inspector")
    )
    assert response.status_code == 422
    assert "week" in str(response.json()["detail"])


def test_the_page_builds_the_week_and_shows_translated_reasons(web: Web) -> None:
    client = web.client("inspector")
    built = client.post("/queue/build", data={"week": WEEK, "csrf_token": web.csrf(client)})
    assert built.status_code == 303
    page = client.get(built.headers["location"])
    assert page.status_code == 200
    assert 'href="/calls/DEMO-0002"' in page.text
    assert "低分" in page.text or "自动" in page.text
    english = client.get(f"/queue?week={WEEK}&lang=en")
    assert "Review queue" in english.text


def test_building_without_the_csrf_token_changes_nothing(web: Web) -> None:
    client = web.client("inspector")
    response = client.post("/queue/build", data={"week": "2025-W22"})
    assert response.status_code == 403
    with web.engine.connect() as connection:
        weeks = connection.execute(select(review_queue.c.week).distinct()).scalars().all()
    assert "2025-W22" not in weeks
