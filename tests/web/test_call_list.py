"""The call list API and page: filters, sort, paging, search, scoping and masking."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import Web
from tiexin.demo.dialogues import DIALOGUES

ALL_CALLS = {d.call_id for d in DIALOGUES}
HTML = {"accept": "text/html"}


def listed(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/api/v1/calls", params={"page_size": 200, **params})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def ids(client: TestClient, **params: Any) -> set[str]:
    return {item["call_id"] for item in listed(client, **params)}


def with_words(*words: str) -> set[str]:
    return {d.call_id for d in DIALOGUES if all(any(w in t.text for t in d.turns) for w in words)}


def test_an_inspector_lists_every_call_newest_first(web: Web) -> None:
    response = web.client("inspector").get("/api/v1/calls")
    body = response.json()
    assert body["total"] == len(ALL_CALLS) and not body["total_capped"] and not body["has_more"]
    starts = [item["start_time"] for item in body["items"]]
    assert {item["call_id"] for item in body["items"]} == ALL_CALLS
    assert starts == sorted(starts, reverse=True)
    first = body["items"][0]
    assert first["url"] == f"/calls/{first['call_id']}"
    assert first["status"] == "analysed" and first["score"] is not None and first["band"]


def test_the_score_is_the_latest_evaluations_total(web: Web) -> None:
    items = {item["call_id"]: item for item in listed(web.client("inspector"))}
    with web.uow_factory() as uow:
        for call_id, item in items.items():
            latest = uow.evaluations.for_call(call_id)[0]
            assert item["score"] == pytest.approx(latest["total"])
            failed = {i["id"] for i in latest["items"] if i["result"] == "fail"}
            assert set(item["failed_items"]) == failed
            assert item["auto_failed"] == bool(latest.get("auto_failed"))


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            {"date_from": "2025-06-03", "date_to": "2025-06-04"},
            {"DEMO-0003", "DEMO-0004", "DEMO-0005"},
        ),
        ({"date_from": "2025-06-06"}, {"DEMO-0008", "DEMO-0009"}),
        ({"date_to": "2025-06-02"}, {"DEMO-0001", "DEMO-0002"}),
        ({"agent_id": "3215"}, {"DEMO-0002"}),
        ({"agent_id": "9999"}, set()),
        ({"line": "10088"}, ALL_CALLS),
        ({"line": "12580"}, set()),
        ({"q": "流量"}, with_words("流量")),
        ({"q": "流量套餐"}, with_words("流量", "套餐")),
        ({"q": "宽带"}, with_words("宽带")),
        ({"q": "宽带", "agent_id": "3107"}, set()),
        ({"q": "，。"}, ALL_CALLS),  # no word in it: no text condition
    ],
)
def test_filters(web: Web, params: dict[str, str], expected: set[str]) -> None:
    assert ids(web.client("inspector"), **params) == expected


def test_a_search_word_in_several_calls_is_found_in_each(web: Web) -> None:
    assert len(with_words("流量")) >= 3  # the demo scripts mention it in several calls
    assert ids(web.client("inspector"), q="流量") == with_words("流量")


def test_score_and_sentiment_ranges(web: Web) -> None:
    client = web.client("inspector")
    items = listed(client)
    scores = {item["call_id"]: item["score"] for item in items}
    assert ids(client, score_min=80) == {c for c, s in scores.items() if s >= 80}
    assert ids(client, score_max=60) == {c for c, s in scores.items() if s <= 60}
    assert ids(client, score_min=50, score_max=85) == {
        c for c, s in scores.items() if 50 <= s <= 85
    }
    moods = {item["call_id"]: item["customer_sentiment_end"] for item in items}
    negative = {c for c, m in moods.items() if m is not None and m < -0.2}
    assert negative and ids(client, sentiment="negative") == negative
    assert ids(client, sentiment="positive") == {
        c for c, m in moods.items() if m is not None and m > 0.2
    }
    neutral = {c for c, m in moods.items() if m is not None and -0.2 <= m <= 0.2}
    assert ids(client, sentiment="neutral") == neutral
    assert ids(client, sentiment_max=0) == {c for c, m in moods.items() if m is not None and m <= 0}
    labels = {item["call_id"]: item["customer_sentiment"] for item in items}
    assert all(labels[c] == "negative" for c in negative)


def test_failed_item_filter(web: Web) -> None:
    client = web.client("inspector")
    items = listed(client)
    failing = {i for item in items for i in item["failed_items"]}
    assert failing, "the demo calls include badly handled ones"
    for item_id in failing:
        expected = {item["call_id"] for item in items if item_id in item["failed_items"]}
        assert ids(client, failed_item=item_id) == expected
    assert ids(client, failed_item="no-such-item") == set()


@pytest.mark.parametrize("sort", ["start_time", "score", "duration", "agent_id"])
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_sorting(web: Web, sort: str, order: str) -> None:
    items = listed(web.client("inspector"), sort=sort, order=order)
    field = {"duration": "duration_s"}.get(sort, sort)
    values = [item[field] for item in items]
    assert None not in values
    assert values == sorted(values, reverse=order == "desc")


def test_pages_cover_the_list_once(web: Web) -> None:
    client = web.client("inspector")
    seen: list[str] = []
    for page in (1, 2, 3):
        body = client.get("/api/v1/calls", params={"page": page, "page_size": 4}).json()
        assert body["total"] == len(ALL_CALLS)
        assert body["has_more"] == (page < 3)
        seen += [item["call_id"] for item in body["items"]]
    assert len(seen) == len(ALL_CALLS) and set(seen) == ALL_CALLS
    everything = [item["call_id"] for item in listed(client)]
    assert seen == everything


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page_size": 201}, "query.page_size"),
        ({"page": 0}, "query.page"),
        ({"sort": "customer"}, "query.sort"),
        ({"order": "up"}, "query.order"),
        ({"score_min": "high"}, "query.score_min"),
        ({"date_from": "2025-13-01"}, "query.date_from"),
        ({"sentiment": "angry"}, "query.sentiment"),
        ({"sentiment_min": -2}, "query.sentiment_min"),
    ],
)
def test_invalid_filters_are_refused_naming_the_field(
    web: Web, params: dict[str, Any], field: str
) -> None:
    response = web.client("inspector").get("/api/v1/calls", params=params)
    assert response.status_code == 422
    assert field in {error["field"] for error in response.json()["detail"]}


def test_a_reversed_range_is_refused(web: Web) -> None:
    response = web.client("inspector").get("/api/v1/calls?score_min=90&score_max=10")
    assert response.status_code == 422
    assert "score_min" in response.text


def test_agents_see_only_their_own_calls(web: Web) -> None:
    agent = web.client("agent")
    assert ids(agent) == {web.seeded.agent_call_id} == {"DEMO-0001"}
    assert ids(agent, agent_id="3215") == set()
    assert ids(agent, q="宽带") == set()  # DEMO-0002's words, another agent's call
    assert agent.get("/api/v1/calls").json()["total"] == 1
    headers = web.token("agent2")
    response = TestClient(web.app, base_url="https://testserver").get(
        "/api/v1/calls", headers=headers
    )
    assert {item["call_id"] for item in response.json()["items"]} == {"DEMO-0002"}


@pytest.mark.parametrize(
    ("username", "masked"),
    [("inspector", True), ("agent", True), ("admin", True), ("supervisor", False)],
)
def test_customer_numbers_are_masked_without_the_permission(
    web: Web, username: str, masked: bool
) -> None:
    items = listed(web.client(username), agent_id="3107")
    if username == "agent":
        assert len(items) == 1
    customer = items[0]["customer"]
    assert customer == ("139****1234" if masked else "13900001234")


def test_account_managers_may_not_list_calls(web: Web) -> None:
    client = web.client("manager")
    assert client.get("/api/v1/calls").status_code == 403
    assert client.get("/calls", headers=HTML).status_code == 403
    assert client.get("/api/v1/exports/calls").status_code == 403


def test_signed_out_requests_are_refused(web: Web) -> None:
    client = web.client()
    assert client.get("/api/v1/calls").status_code == 401
    assert client.get("/calls", headers=HTML).status_code == 303


def test_the_page_shows_filtered_rows_with_links(web: Web) -> None:
    client = web.client("inspector")
    page = client.get("/calls?agent_id=3215&score_min=&q=", headers=HTML)
    assert page.status_code == 200
    assert 'href="/calls/DEMO-0002"' in page.text
    assert "/calls/DEMO-0001" not in page.text
    assert "137****5678" in page.text and "13700005678" not in page.text
    assert "通话列表" in page.text
    assert "/api/v1/exports/calls?agent_id=3215&amp;format=csv" in page.text
    english = client.get("/calls?lang=en", headers=HTML)
    assert "Calls" in english.text and "Search transcripts" in english.text


def test_sort_headers_flip_the_order_and_keep_the_filters(web: Web) -> None:
    page = web.client("inspector").get("/calls?sort=score&order=desc&agent_id=3107", headers=HTML)
    assert "?agent_id=3107&amp;sort=score&amp;order=asc" in page.text
    assert "?agent_id=3107&amp;sort=start_time&amp;order=desc" in page.text


def test_agents_have_no_export_links(web: Web) -> None:
    page = web.client("agent").get("/calls", headers=HTML)
    assert page.status_code == 200 and "/api/v1/exports/" not in page.text


def test_a_text_search_pages_by_has_more_without_a_count(web: Web) -> None:
    client = web.client("inspector")
    body = client.get("/api/v1/calls", params={"q": "流量", "page_size": 2}).json()
    assert body["total"] is None and body["has_more"]
    assert len(body["items"]) == 2
    page = client.get("/calls?q=流量&page_size=2", headers=HTML)
    assert 'rel="next"' in page.text and 'id="call-count"' not in page.text
