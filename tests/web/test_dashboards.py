"""Dashboard figures against the seeded demo calls, on both databases.

The expected values are computed here in Python from the stored rows (newest evaluation per
call, the human total when a review has one), independently of the SQL under test.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select

from tests.web.conftest import Web
from tiexin.adapters.storage.tables import calls, evaluation_reviews, evaluations

API = "/api/v1/dashboards"
REVIEWED_TOTAL = 12.5


@dataclass(frozen=True)
class Scored:
    call_id: str
    day: date
    agent_id: str | None
    score: float
    result: dict[str, Any]


@pytest.fixture(scope="module")
def scored(web: Web) -> list[Scored]:
    """Every scored call, after a reviewer has set a human total on the first one."""
    with web.engine.begin() as db:
        rows = db.execute(
            select(calls.c.call_id, calls.c.start_time, calls.c.agent_id, evaluations)
            .join(evaluations, evaluations.c.call_pk == calls.c.id)
            .order_by(evaluations.c.created_at, evaluations.c.id)
        ).all()
        newest = {row.call_id: row for row in rows}  # the last one of each call wins
        reviewed = newest[web.seeded.call_ids[0]]
        db.execute(
            evaluation_reviews.insert().values(
                evaluation_id=reviewed.id,
                status="released",
                total=REVIEWED_TOTAL,
                human_edited=True,
                updated_at=reviewed.created_at,
            )
        )
    return [
        Scored(
            row.call_id,
            row.start_time.date(),
            row.agent_id,
            REVIEWED_TOTAL if row.id == reviewed.id else row.total,
            row.result,
        )
        for row in newest.values()
    ]


def _get(web: Web, path: str, username: str = "inspector", **params: str) -> Any:
    response = TestClient(web.app).get(f"{API}/{path}", params=params, headers=web.token(username))
    assert response.status_code == 200, response.text
    return response.json()


def _week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@pytest.mark.parametrize(
    ("username", "status"),
    [("inspector", 200), ("supervisor", 200), ("admin", 200), ("agent", 403), ("manager", 403)],
)
def test_only_dashboard_viewers_get_the_figures_and_the_page(
    web: Web, username: str, status: int
) -> None:
    client = TestClient(web.app)
    headers = web.token(username)
    for path in ("scores", "failed-items", "blind-spots"):
        assert client.get(f"{API}/{path}", headers=headers).status_code == status, path
    page = web.client(username).get("/dashboards")
    assert page.status_code == status
    if status == 200:
        assert "/static/vendor/echarts.min.js" in page.text and 'id="failed-items"' in page.text


def test_the_weekly_trend_uses_the_human_total_when_there_is_one(
    web: Web, scored: list[Scored]
) -> None:
    weeks: dict[str, list[float]] = defaultdict(list)
    for call in scored:
        weeks[_week(call.day)].append(call.score)
    expected = [(week, pytest.approx(sum(s) / len(s)), len(s)) for week, s in sorted(weeks.items())]
    trend = _get(web, "scores")["trend"]
    assert [(w["key"], w["average"], w["calls"]) for w in trend] == expected
    assert sum(w["calls"] for w in trend) == len(web.seeded.call_ids)


def test_averages_per_agent_and_team(web: Web, scored: list[Scored]) -> None:
    found = _get(web, "scores")
    agents = {a["key"]: (a["average"], a["calls"]) for a in found["agents"]}
    for call in scored:
        assert agents[call.agent_id] == (pytest.approx(call.score), 1)  # one call per agent
    team = [s.score for s in scored if s.agent_id in ("3107", "3215")]  # the VIP-A accounts
    teams = {t["key"]: (t["average"], t["calls"]) for t in found["teams"]}
    assert teams["VIP-A"] == (pytest.approx(sum(team) / len(team)), len(team))
    assert teams[None][1] == len(scored) - len(team)
    only_team = _get(web, "scores", team="VIP-A")
    assert sum(w["calls"] for w in only_team["trend"]) == len(team)


def test_dimension_averages_leave_out_na_dimensions(web: Web, scored: list[Scored]) -> None:
    values: dict[str, list[float]] = defaultdict(list)
    for call in scored:
        for key, value in call.result["dimensions"].items():
            if value is not None:
                values[key].append(value)
    dimensions = {d["id"]: d for d in _get(web, "scores")["dimensions"]}
    assert {key: d["average"] for key, d in dimensions.items()} == {
        key: pytest.approx(sum(v) / len(v)) for key, v in values.items()
    }
    assert dimensions["expression"]["name"] == "表达水平"  # named after the scorecard


def test_most_failed_items_count_failures_over_applicable_calls(
    web: Web, scored: list[Scored]
) -> None:
    failed: dict[str, list[str]] = defaultdict(list)
    applicable: dict[str, int] = defaultdict(int)
    for call in sorted(scored, key=lambda c: c.call_id):
        for item in call.result["items"]:
            applicable[item["id"]] += item["result"] != "na"
            if item["result"] == "fail":
                failed[item["id"]].append(call.call_id)
    items = _get(web, "failed-items")["items"]
    assert items, "the demo calls include failures"
    counts = [item["failed"] for item in items]
    assert counts == sorted(counts, reverse=True)
    for item in items:
        assert item["failed"] == len(failed[item["id"]])
        assert item["applicable"] == applicable[item["id"]]
        assert item["rate"] == pytest.approx(item["failed"] / item["applicable"])
        assert set(item["examples"]) <= set(failed[item["id"]]) and 1 <= len(item["examples"]) <= 3
    assert {item["id"] for item in items} == set(failed) or len(items) == 10


def test_filters_narrow_every_figure(web: Web, scored: list[Scored]) -> None:
    days = sorted({call.day for call in scored})
    since, until = days[1], days[2]
    inside = [c for c in scored if since <= c.day <= until]
    found = _get(web, "scores", **{"from": since.isoformat(), "to": until.isoformat()})
    assert found["period"] == {"from": since.isoformat(), "to": until.isoformat()}
    assert sum(w["calls"] for w in found["trend"]) == len(inside)
    agent = _get(web, "scores", agent="3215")
    assert [(a["key"], a["calls"]) for a in agent["agents"]] == [("3215", 1)]
    assert _get(web, "scores", line="no-such-line")["trend"] == []
    bad = TestClient(web.app).get(
        f"{API}/scores", params={"from": "2025-06-09", "to": "2025-06-01"},
        headers=web.token("inspector"),
    )  # fmt: skip
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "query.from"
    far = TestClient(web.app).get(
        f"{API}/blind-spots", params={"from": "1013-01-01"}, headers=web.token("inspector")
    )
    assert far.status_code == 422 and far.json()["detail"][0]["field"] == "query.from"


def test_blind_spots_count_calls_per_topic_against_the_previous_period(
    web: Web, scored: list[Scored]
) -> None:
    whole = _get(web, "blind-spots", lang="en")
    topics = {t["key"]: t for t in whole["topics"]}
    assert whole["calls"] == len(scored)
    assert web.seeded.call_ids[0] in topics["data"]["examples"]  # 流量 in DEMO-0001
    assert web.seeded.call_ids[1] in topics["broadband"]["examples"]  # 宽带 in DEMO-0002
    assert topics["broadband"]["name"] == "Broadband"

    days = sorted({call.day for call in scored})
    middle = days[len(days) // 2]
    later = _get(web, "blind-spots", **{"from": middle.isoformat(), "to": days[-1].isoformat()})
    length = days[-1] - middle
    earlier_calls = [c for c in scored if middle - length - timedelta(days=1) <= c.day < middle]
    assert later["previous_calls"] == len(earlier_calls)
    assert later["calls"] == len([c for c in scored if c.day >= middle])
    for topic in later["topics"]:
        assert topic["change"] == topic["calls"] - topic["previous_calls"]


def test_a_newer_evaluation_replaces_the_older_one_in_every_figure(
    web: Web, scored: list[Scored]
) -> None:
    target = web.seeded.call_ids[-1]
    old = next(call for call in scored if call.call_id == target)
    with web.uow_factory() as uow:
        uow.evaluations.save(
            target,
            scorecard_id="10088-vip",
            version="9.9-test",
            total=1.0,
            band=None,
            auto_failed=False,
            result=old.result | {"version": "9.9-test", "total": 1.0},
        )
        uow.commit()
    agents = {a["key"]: a for a in _get(web, "scores")["agents"]}
    assert agents[old.agent_id]["average"] == pytest.approx(1.0)
    assert sum(a["calls"] for a in agents.values()) == len(scored)
    with web.engine.begin() as db:  # leave the module's data as the other tests expect it
        db.execute(delete(evaluations).where(evaluations.c.scorecard_version == "9.9-test"))
