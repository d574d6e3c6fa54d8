"""Exports of the call list (CSV, XLSX) with their audit entries, and the list following reviews.

The review tests change stored data, so they live in this module with its own seeded database.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import insert, select, update

from tests.web.conftest import Web
from tiexin.adapters.storage.tables import calls, evaluation_reviews, item_changes
from tiexin.demo.dialogues import DIALOGUES


def csv_rows(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def xlsx_rows(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    assert "spreadsheetml" in response.headers["content-type"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    header, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    return [dict(zip(header, row, strict=True)) for row in rows]


def export_entries(web: Web) -> list[Any]:
    with web.uow_factory() as uow:
        entries, _ = uow.audit.page(limit=100, action="export")
    return list(entries)


def test_calls_export_as_csv_keeps_filters_order_and_masks(web: Web) -> None:
    client = web.client("inspector")
    response = client.get("/api/v1/exports/calls", params={"format": "csv", "sort": "score"})
    rows = csv_rows(response)
    assert "attachment" in response.headers["content-disposition"]
    assert {row["call_id"] for row in rows} == {d.call_id for d in DIALOGUES}
    scores = [float(row["score"]) for row in rows]
    assert scores == sorted(scores, reverse=True)
    first = next(row for row in rows if row["call_id"] == "DEMO-0001")
    assert first["customer"] == "139****1234" and first["agent_id"] == "3107"
    assert first["start_time"] == "2025-06-02 09:12"
    filtered = csv_rows(client.get("/api/v1/exports/calls?format=csv&agent_id=3215"))
    assert [row["call_id"] for row in filtered] == ["DEMO-0002"]


def test_calls_export_as_xlsx_shows_numbers_to_supervisors(web: Web) -> None:
    client = web.client("supervisor")
    rows = xlsx_rows(client.get("/api/v1/exports/calls?format=xlsx&q=宽带"))
    assert [row["call_id"] for row in rows] == ["DEMO-0002"]
    assert rows[0]["customer"] == "13700005678"
    assert rows[0]["score"] == listed(client, agent_id="3215")[0]["score"]  # a number cell


def test_evaluation_items_export_has_every_item_of_the_latest_evaluation(web: Web) -> None:
    client = web.client("inspector")
    for fmt, read in (("csv", csv_rows), ("xlsx", xlsx_rows)):
        rows = read(client.get(f"/api/v1/exports/evaluations?format={fmt}&agent_id=3107"))
        with web.uow_factory() as uow:
            latest = uow.evaluations.for_call("DEMO-0001")[0]
        assert [row["item_id"] for row in rows] == [item["id"] for item in latest["items"]]
        assert {row["call_id"] for row in rows} == {"DEMO-0001"}
        assert [row["result"] for row in rows] == [item["result"] for item in latest["items"]]
        assert {str(row["human_edited"]) for row in rows} == {"False"}
        assert rows[0]["customer"] == "139****1234"


def test_every_export_is_audited_with_its_filters_and_row_count(web: Web) -> None:
    before = len(export_entries(web))
    web.client("inspector").get("/api/v1/exports/calls?format=xlsx&agent_id=3215&q=宽带")
    entries = export_entries(web)
    assert len(entries) == before + 1
    entry = entries[0]
    assert entry.username == "inspector" and entry.resource_type == "calls"
    assert entry.detail["filters"] == {"agent_id": "3215", "text": "宽带"}
    assert entry.detail["rows"] == 1 and entry.detail["format"] == "xlsx"


@pytest.mark.parametrize("username", ["agent", "manager", "admin"])
def test_exports_need_the_export_permission(web: Web, username: str) -> None:
    before = len(export_entries(web))
    client = web.client(username)
    for what in ("calls", "evaluations"):
        assert client.get(f"/api/v1/exports/{what}?format=csv").status_code == 403
    assert len(export_entries(web)) == before


def test_export_with_bad_input_is_refused(web: Web) -> None:
    client = web.client("inspector")
    assert client.get("/api/v1/exports/calls?format=pdf").status_code == 422
    assert client.get("/api/v1/exports/things?format=csv").status_code == 422
    assert client.get("/api/v1/exports/calls?page_size=500").status_code == 422


def _latest_evaluation_id(web: Web, call_id: str) -> int:
    with web.engine.connect() as connection:
        query = select(calls.c.evaluation_id).where(calls.c.call_id == call_id)
        return int(connection.execute(query).scalar_one())


def test_the_list_follows_a_review_and_its_item_changes(web: Web) -> None:
    client = web.client("inspector")
    evaluation_id = _latest_evaluation_id(web, "DEMO-0003")
    now = datetime.now(UTC)
    with web.engine.begin() as connection:
        connection.execute(
            insert(evaluation_reviews).values(
                evaluation_id=evaluation_id,
                status="reviewing",
                total=41.0,
                band="不合格",
                human_edited=True,
                updated_at=now,
            )
        )
        connection.execute(
            insert(item_changes).values(
                evaluation_id=evaluation_id,
                item_id="hand-made-item",
                kind="override",
                old_result="pass",
                new_result="fail",
                old_points=5.0,
                new_points=0.0,
                reason="heard it",
                username="inspector",
                at=now,
            )
        )
    item = next(i for i in listed(client, score_max=45) if i["call_id"] == "DEMO-0003")
    assert item["score"] == 41.0 and item["band"] == "不合格"
    assert item["review_status"] == "reviewing"
    assert "DEMO-0003" in {i["call_id"] for i in listed(client, failed_item="hand-made-item")}

    with web.engine.begin() as connection:
        connection.execute(
            update(evaluation_reviews)
            .where(evaluation_reviews.c.evaluation_id == evaluation_id)
            .values(status="released", total=66.0)
        )
        connection.execute(
            insert(item_changes).values(
                evaluation_id=evaluation_id,
                item_id="hand-made-item",
                kind="override",
                old_result="fail",
                new_result="pass",
                old_points=0.0,
                new_points=5.0,
                reason="heard it again",
                username="inspector",
                at=now,
            )
        )
    item = listed(client, agent_id="3362")[0]
    assert item["score"] == 66.0 and item["review_status"] == "released"
    assert listed(client, failed_item="hand-made-item") == []
    rows = csv_rows(client.get("/api/v1/exports/evaluations?format=csv&agent_id=3362"))
    assert rows and all(row["call_id"] == "DEMO-0003" for row in rows)


def test_a_rescore_keeps_the_review_total_in_the_list(web: Web) -> None:
    client = web.client("inspector")
    with web.uow_factory() as uow:
        latest = uow.evaluations.for_call("DEMO-0003")[0]
        uow.evaluations.save(
            "DEMO-0003",
            scorecard_id=latest["scorecard"],
            version=latest["version"],
            total=12.0,
            band=latest["band"],
            auto_failed=False,
            result={**latest, "total": 12.0},
        )
        uow.commit()
    assert listed(client, agent_id="3362")[0]["score"] == 66.0  # reviewed total


def listed(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/api/v1/calls", params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items
