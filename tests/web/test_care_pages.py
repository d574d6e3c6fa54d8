"""The care pages and API on SQLite and PostgreSQL: who may open what, the phone manager's calls
of the day and outcome buttons, an account manager's customers with visits, carriers and
privileges, and care-rules editing (an invalid YAML is refused at its line, a valid one is the
next care run's rules)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from tests.support.care_pages import MANAGER_USER, PHONE_USER, CareSeed, seed_care
from tests.web.conftest import Web
from tiexin.adapters.storage.tables import care_redemptions, care_rule_versions, care_tasks
from tiexin.cli import app as cli_app

CUSTOMER = "/care/customers/{}"


@pytest.fixture(scope="module")
def care(web: Web) -> CareSeed:
    return seed_care(web.uow_factory, web.engine, web.folder)


def _api(web: Web, user: str) -> TestClient:
    client = web.client()
    client.headers.update(web.token(user))
    return client


def _audit(web: Web, action: str, resource_id: str) -> list[dict[str, Any] | None]:
    with web.uow_factory() as uow:
        entries, _ = uow.audit.page(limit=50, action=action, resource_id=resource_id)
    return [e.detail for e in entries]


def _task_status(web: Web, task_id: str) -> str:
    with web.engine.connect() as connection:
        query = select(care_tasks.c.status).where(care_tasks.c.task_id == task_id)
        return str(connection.execute(query).scalar_one())


# ---- permissions: every role on every care endpoint ----

READS = {
    "/api/v1/care/today": {PHONE_USER, "agent", "agent2"},
    "/api/v1/care/customers": {MANAGER_USER, "manager", "supervisor"},
    "/api/v1/care/rules": {"supervisor", "admin"},
    "/api/v1/care/rules/versions": {"supervisor", "admin"},
}
USERS = ("inspector", "agent", "manager", "supervisor", "admin", PHONE_USER, MANAGER_USER)


@pytest.mark.parametrize("path", sorted(READS))
def test_each_role_reaches_only_its_care_endpoints(web: Web, care: CareSeed, path: str) -> None:
    for user in USERS:
        status = _api(web, user).get(path).status_code
        assert status == (200 if user in READS[path] else 403), (path, user, status)


@pytest.mark.parametrize(
    ("page", "allowed"),
    [
        ("/care/today", {PHONE_USER, "agent"}),
        ("/care/customers", {MANAGER_USER, "manager", "supervisor"}),
        ("/care/rules", {"supervisor", "admin"}),
    ],
)
def test_pages_and_nav_links_follow_the_permissions(
    web: Web, care: CareSeed, page: str, allowed: set[str]
) -> None:
    for user in USERS:
        client = web.client(user)
        response = client.get(page)
        assert response.status_code == (200 if user in allowed else 403), (page, user)
        home = client.get("/dashboards" if user == "admin" else "/playlists")
        assert home.status_code == 200, (user, home.status_code)
        assert (f'href="{page}"' in home.text) is (user in allowed), (page, user)


def test_writes_are_refused_to_roles_without_the_permission(web: Web, care: CareSeed) -> None:
    task = care.visit_task_id
    attempts = [
        ("/api/v1/care/tasks/x/outcome", {"outcome": "contacted"}, ("inspector", "manager")),
        (
            f"/api/v1/care/customers/{care.customer_id}/redemptions",
            {"privilege": "car_wash"},
            ("agent", "admin", "inspector"),
        ),
        ("/api/v1/care/trips", {"staff_id": "X", "day": "2025-03-11", "areas": ["a"]}, ("agent",)),
        (f"/api/v1/care/tasks/{task}/carrier", {"staff_id": "X"}, ("agent", "admin")),
        (
            f"/api/v1/care/tasks/{task}/delivery",
            {"delivered_by": "X", "delivered_on": "2025-03-11"},
            ("agent", "inspector"),
        ),
        ("/api/v1/care/rules", {"yaml": "version: 1"}, ("agent", "manager", "inspector")),
    ]
    for path, body, users in attempts:
        for user in users:
            assert _api(web, user).post(path, json=body).status_code == 403, (path, user)


# ---- the phone manager's calls of the day ----


def _today(web: Web) -> list[dict[str, Any]]:
    response = _api(web, PHONE_USER).get("/api/v1/care/today")
    assert response.status_code == 200, response.text
    calls: list[dict[str, Any]] = response.json()
    return calls


def test_today_lists_the_phone_managers_open_calls_with_facts_script_and_whole_number(
    web: Web, care: CareSeed
) -> None:
    calls = _today(web)
    assert calls, "the care run assigned calls to this phone manager"
    assert all(c["task"]["assignee"] == care.phone_staff_id for c in calls)
    assert all(c["task"]["channel"] == "call" and c["overdue"] for c in calls)  # due in 2025
    assert all("*" not in c["msisdn"] and c["sms_status"] == "queued" for c in calls)
    first = calls[0]["task"]
    assert first["script"] and first["explanation_zh"] and first["facts"]
    assert set(first["outcomes"]) == {
        "contacted",
        "accepted",
        "declined",
        "unreachable",
        "callback",
    }
    page = web.client(PHONE_USER).get("/care/today")
    assert first["task_id"] in page.text and calls[0]["msisdn"] in page.text
    assert 'data-outcome="accepted"' in page.text and "csrf_token" in page.text
    assert "今日关怀电话" in page.text and "客户接受" in page.text  # Chinese by default
    english = web.client(PHONE_USER).get("/care/today", params={"lang": "en"})
    assert "Care calls today" in english.text and "Accepted" in english.text
    other_agent = _api(web, "agent").get("/api/v1/care/today")
    assert other_agent.json() == []  # agent 3107 is no phone manager of the care staff


def test_an_outcome_button_moves_the_task_and_is_audited(web: Web, care: CareSeed) -> None:
    task_id = _today(web)[0]["task"]["task_id"]
    client = web.client(PHONE_USER)
    form = {"outcome": "callback", "note": "客户开会，下午再打", "csrf_token": web.csrf(client)}
    response = client.post(f"/care/tasks/{task_id}/outcome", data=form)
    assert response.status_code == 303 and response.headers["location"].endswith(task_id)
    assert _task_status(web, task_id) == "callback"
    assert _audit(web, "care_task.outcome", task_id) == [
        {"from": "open", "to": "callback", "note": "客户开会，下午再打"}
    ]
    done = _api(web, PHONE_USER).post(
        f"/api/v1/care/tasks/{task_id}/outcome", json={"outcome": "accepted"}
    )
    assert done.status_code == 200 and done.json()["to_status"] == "accepted"
    assert task_id not in {c["task"]["task_id"] for c in _today(web)}


def test_an_illegal_outcome_or_a_missing_csrf_token_changes_nothing(
    web: Web, care: CareSeed
) -> None:
    task_id = _today(web)[0]["task"]["task_id"]
    api = _api(web, PHONE_USER)
    assert api.post(
        f"/api/v1/care/tasks/{task_id}/outcome", json={"outcome": "declined"}
    ).is_success
    again = api.post(f"/api/v1/care/tasks/{task_id}/outcome", json={"outcome": "accepted"})
    assert again.status_code == 422 and "cannot become accepted" in again.text
    assert (
        api.post(f"/api/v1/care/tasks/{task_id}/outcome", json={"outcome": "closed"}).status_code
        == 422
    )
    assert _task_status(web, task_id) == "declined"
    other = _today(web)[0]["task"]["task_id"]
    no_token = web.client(PHONE_USER).post(
        f"/care/tasks/{other}/outcome", data={"outcome": "callback"}
    )
    assert no_token.status_code == 403 and _task_status(web, other) == "open"


def test_another_phone_managers_task_is_forbidden_and_unknown_is_404(
    web: Web, care: CareSeed
) -> None:
    task_id = _today(web)[0]["task"]["task_id"]
    agent = _api(web, "agent")
    assert (
        agent.post(
            f"/api/v1/care/tasks/{task_id}/outcome", json={"outcome": "contacted"}
        ).status_code
        == 403
    )
    assert _task_status(web, task_id) == "open"
    missing = _api(web, PHONE_USER).post(
        "/api/v1/care/tasks/nope/outcome", json={"outcome": "contacted"}
    )
    assert missing.status_code == 404


# ---- the account manager's customers ----


def test_an_account_manager_lists_searches_and_filters_their_customers(
    web: Web, care: CareSeed
) -> None:
    api = _api(web, MANAGER_USER)
    everyone = api.get("/api/v1/care/customers").json()
    assert everyone["total"] > 1
    assert {c["account_manager_id"] for c in everyone["customers"]} == {care.manager_staff_id}
    assert all(c["tier"] != "none" and "*" not in c["msisdn"] for c in everyone["customers"])
    found = api.get("/api/v1/care/customers", params={"q": care.customer_id}).json()
    assert [c["customer_id"] for c in found["customers"]] == [care.customer_id]
    tier = found["customers"][0]["tier"]
    other_tier = "silver" if tier != "silver" else "gold"
    assert (
        api.get(
            "/api/v1/care/customers", params={"q": care.customer_id, "tier": other_tier}
        ).json()["total"]
        == 0
    )
    assert _api(web, "manager").get("/api/v1/care/customers").json()["total"] == 0  # no staff id
    assert _api(web, "supervisor").get("/api/v1/care/customers").json()["total"] > everyone["total"]
    page = web.client(MANAGER_USER).get("/care/customers", params={"q": care.customer_id})
    assert f'href="/care/customers/{care.customer_id}"' in page.text


def test_the_customer_page_shows_tasks_visit_carriers_privileges_and_calls(
    web: Web, care: CareSeed
) -> None:
    detail = _api(web, MANAGER_USER).get(f"/api/v1/care/customers/{care.customer_id}").json()
    assert (
        detail["customer"]["township"] == "大坪镇" and detail["customer"]["msisdn"] == care.msisdn
    )
    assert care.visit_task_id in {t["task_id"] for t in detail["open_tasks"]}
    visit = next(v for v in detail["visits"] if v["task"]["task_id"] == care.visit_task_id)
    assert visit["carriers"][0]["staff_id"] == care.carrier_staff_id
    assert visit["carriers"][0]["match"] == "township"
    assert {b["privilege_id"] for b in detail["balances"]} >= {"airport_lounge", "car_wash"}
    assert detail["calls"] and all(c["url"] == f"/calls/{c['call_id']}" for c in detail["calls"])
    assert any(c["score"] is not None for c in detail["calls"])
    page = web.client(MANAGER_USER).get(CUSTOMER.format(care.customer_id))
    assert page.status_code == 200
    assert care.visit_task_id in page.text and care.carrier_staff_id in page.text
    assert 'id="care-privileges"' in page.text and detail["calls"][0]["call_id"] in page.text


def test_another_managers_customer_is_forbidden_and_an_unknown_one_404(
    web: Web, care: CareSeed
) -> None:
    api = _api(web, MANAGER_USER)
    assert api.get(f"/api/v1/care/customers/{care.other_customer_id}").status_code == 403
    assert api.get("/api/v1/care/customers/NOPE").status_code == 404
    redeem = api.post(
        f"/api/v1/care/customers/{care.other_customer_id}/redemptions",
        json={"privilege": "car_wash"},
    )
    assert redeem.status_code == 403
    assert (
        _api(web, "supervisor").get(f"/api/v1/care/customers/{care.other_customer_id}").is_success
    )


# ---- privileges ----


def _used(web: Web, customer_id: str) -> int:
    with web.engine.connect() as connection:
        query = select(func.count()).where(care_redemptions.c.customer_id == customer_id)
        return int(connection.execute(query).scalar_one())


def test_redeeming_lowers_the_balance_and_beyond_it_is_refused_with_nothing_changed(
    web: Web, care: CareSeed
) -> None:
    api = _api(web, MANAGER_USER)
    path = f"/api/v1/care/customers/{care.customer_id}/redemptions"
    balances = api.get(f"/api/v1/care/customers/{care.customer_id}?year=2025").json()["balances"]
    repair = next(b for b in balances if b["privilege_id"] == "phone_repair")
    assert repair["used"] == 0 and repair["left"] == repair["entitled"] > 0
    for expected_left in range(repair["entitled"] - 1, -1, -1):
        response = api.post(path, json={"privilege": "phone_repair", "on": "2025-03-11"})
        assert response.status_code == 200, response.text
        assert response.json()["left"] == expected_left
    before = _used(web, care.customer_id)
    refused = api.post(path, json={"privilege": "phone_repair", "on": "2025-06-01"})
    assert refused.status_code == 422 and "no Free phone repair left in 2025" in refused.text
    assert _used(web, care.customer_id) == before
    next_year = api.post(path, json={"privilege": "phone_repair", "on": "2026-01-02"})
    assert next_year.status_code == 200  # entitlements renew each calendar year
    unknown = api.post(path, json={"privilege": "car_wsh"})
    assert unknown.status_code == 422 and "did you mean 'car_wash'" in unknown.text
    assert _audit(web, "care_privilege.redeemed", care.customer_id)


def test_the_redeem_button_on_the_customer_page(web: Web, care: CareSeed) -> None:
    client = web.client(MANAGER_USER)
    before = _used(web, care.customer_id)
    form = {"privilege": "car_wash", "csrf_token": web.csrf(client)}
    response = client.post(f"/care/customers/{care.customer_id}/redeem", data=form)
    assert response.status_code == 303 and _used(web, care.customer_id) == before + 1


# ---- visits ----


def test_asking_a_carrier_then_recording_the_delivery_closes_the_visit(
    web: Web, care: CareSeed
) -> None:
    api = _api(web, MANAGER_USER)
    task = care.visit_task_id
    wrong_trip = api.post(
        f"/api/v1/care/tasks/{task}/carrier",
        json={"staff_id": care.manager_staff_id, "trip_id": care.carrier_trip_id},
    )
    assert wrong_trip.status_code == 422 and "trip_id" in wrong_trip.text
    asked = api.post(
        f"/api/v1/care/tasks/{task}/carrier",
        json={"staff_id": care.carrier_staff_id, "trip_id": care.carrier_trip_id},
    )
    assert asked.status_code == 204, asked.text
    early = api.post(
        f"/api/v1/care/tasks/{task}/delivery",
        json={"delivered_by": care.carrier_staff_id, "delivered_on": "2025-03-01"},
    )
    assert early.status_code == 422 and _task_status(web, task) == "open"
    client = web.client(MANAGER_USER)
    form = {
        "delivered_by": care.carrier_staff_id,
        "delivered_on": "2025-03-12",
        "note": "顺路送达礼品",
        "csrf_token": web.csrf(client),
    }
    response = client.post(f"/care/customers/{care.customer_id}/tasks/{task}/delivery", data=form)
    assert response.status_code == 303
    assert _task_status(web, task) == "closed"
    visit = next(
        v
        for v in api.get(f"/api/v1/care/customers/{care.customer_id}").json()["visits"]
        if v["task"]["task_id"] == task
    )
    assert visit["visit"]["delivered_by"] == care.carrier_staff_id
    assert visit["visit"]["delivered_on"] == "2025-03-12" and visit["carriers"] == []
    assert _audit(web, "care_visit.delivered", task)
    again = api.post(
        f"/api/v1/care/tasks/{task}/delivery",
        json={"delivered_by": care.carrier_staff_id, "delivered_on": "2025-03-12"},
    )
    assert again.status_code == 422 and "closed" in again.text


def test_trips_are_posted_for_oneself_only_and_need_a_place(web: Web, care: CareSeed) -> None:
    api = _api(web, MANAGER_USER)
    mine = {"staff_id": care.manager_staff_id, "day": "2025-03-13", "areas": [" 某县 / 某镇 "]}
    assert api.post("/api/v1/care/trips", json=mine).status_code == 200
    theirs = {**mine, "staff_id": care.carrier_staff_id}
    assert api.post("/api/v1/care/trips", json=theirs).status_code == 403
    blank = api.post("/api/v1/care/trips", json={**mine, "areas": ["  "]})
    assert blank.status_code == 422 and "areas" in blank.text
    assert _api(web, "supervisor").post("/api/v1/care/trips", json=theirs).status_code == 200


# ---- care rules ----

INVALID_RULES = """version: "web-bad"
rules:
  - id: plan_fit
    type: plan_fit
    cooldown_days: 30
    priority: 2
    channel: phone
    script: hi
"""
VALID_RULES = """version: "web-1"
rules:
  - id: web_plan_fit
    type: plan_fit
    name: 套餐适配（网页版）
    cooldown_days: 30
    priority: 2
    channel: call
    script: "{customer_name}您好，每月可节省 {saving_yuan} 元。"
"""


def _versions(web: Web) -> int:
    with web.engine.connect() as connection:
        return int(
            connection.execute(select(func.count()).select_from(care_rule_versions)).scalar_one()
        )


def test_invalid_rules_show_the_line_beside_the_editor_and_save_nothing(
    web: Web, care: CareSeed
) -> None:
    client = web.client("admin")
    before = _versions(web)
    form = {"yaml": INVALID_RULES, "action": "save", "csrf_token": web.csrf(client)}
    page = client.post("/care/rules", data=form)
    assert page.status_code == 422
    assert 'id="care-rules-error"' in page.text and "第 7 行" in page.text
    assert "channel" in page.text and "web-bad" in page.text  # the edited text stays in the editor
    api = _api(web, "supervisor").post("/api/v1/care/rules", json={"yaml": INVALID_RULES})
    assert api.status_code == 422 and api.json()["detail"][0]["line"] == 7
    check = _api(web, "admin").post("/api/v1/care/rules/check", json={"yaml": INVALID_RULES}).json()
    assert check["valid"] is False and check["line"] == 7
    assert _versions(web) == before


def test_saved_rules_become_the_next_care_runs_rules(web: Web, care: CareSeed) -> None:
    client = web.client("supervisor")
    form = {"yaml": VALID_RULES, "action": "save", "csrf_token": web.csrf(client)}
    response = client.post("/care/rules", data=form)
    assert response.status_code == 303
    active = _api(web, "admin").get("/api/v1/care/rules").json()
    assert active["source"] == "stored" and active["version"] == "web-1"
    versions = _api(web, "admin").get("/api/v1/care/rules/versions").json()
    assert versions[0]["version"] == "web-1" and versions[0]["saved_by"] == "supervisor"
    assert _audit(web, "care_rules.saved", str(versions[0]["id"]))
    env = {
        "TIEXIN_DATABASE_URL": web.settings.database_url,
        "TIEXIN_DATA_DIR": str(web.settings.data_dir),
    }
    result = CliRunner().invoke(cli_app, ["care", "run", "--as-of", "2025-03-11"], env=env)
    assert result.exit_code == 0, result.output
    with web.engine.connect() as connection:
        query = select(care_tasks.c.rules_version, care_tasks.c.rule_id).where(
            care_tasks.c.created_on == date(2025, 3, 11)
        )
        planned = set(connection.execute(query).all())
    assert planned == {("web-1", "web_plan_fit")}
