"""The care pages in Chromium: a phone manager records an outcome on today's calls; an account
manager opens a customer and sees tasks, privileges and a suggested carrier for a visit; an
administrator edits the care rules and sees the validation error beside the editor."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Live
from tests.support.care_pages import MANAGER_USER, PHONE_USER, CareSeed, seed_care
from tests.support.live_server import LiveServer, seed_database
from tiexin.adapters.storage import make_engine
from tiexin.adapters.storage.engine import make_session_factory
from tiexin.adapters.storage.unit_of_work import SqlUnitOfWork

BAD_CHANNEL_RULES = """version: "browser"
rules:
  - id: plan_fit
    type: plan_fit
    cooldown_days: 30
    priority: 2
    channel: phone
    script: hi
"""


class CareLive(Live):
    care: CareSeed


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CareLive]:
    """The browser tests' server over the demo calls plus the care data."""
    folder = tmp_path_factory.mktemp("care-live")
    url, seeded = seed_database(folder)
    engine = make_engine(url)
    session_factory = make_session_factory(engine)
    care = seed_care(lambda: SqlUnitOfWork(session_factory), engine, folder)
    engine.dispose()
    server = LiveServer(folder, url)
    try:
        served = CareLive(server, seeded)
        served.care = care
        yield served
    finally:
        server.stop()


def test_a_phone_manager_records_an_outcome_on_todays_calls(
    page_as: Callable[[str], Page],
) -> None:
    page = page_as(PHONE_USER)
    page.click("nav.mainnav a[href='/care/today']")
    card = page.locator(".care-call").first
    task_id = card.get_attribute("data-task-id")
    expect(card.locator(".script")).not_to_be_empty()
    expect(card.locator(".sms")).to_contain_text("短信预告待发送")
    card.locator("input[name=note]").fill("客户在开会")
    card.locator("button[data-outcome=callback]").click()
    expect(page.locator("#care-done")).to_contain_text(str(task_id))
    moved = page.locator(f".care-call[data-task-id='{task_id}']")
    expect(moved.locator(".status")).to_have_text("约定回拨")
    # a call back can be answered for good, not called back again
    expect(moved.locator("button[data-outcome=accepted]")).to_be_visible()
    expect(moved.locator("button[data-outcome=callback]")).to_have_count(0)


def test_an_account_manager_opens_a_customer_with_tasks_privileges_and_a_carrier(
    page_as: Callable[[str], Page], live: CareLive
) -> None:
    care = live.care
    page = page_as(MANAGER_USER)
    page.goto("/care/customers")
    page.fill("#care-customer-filters input[name=q]", care.customer_id)
    page.click("#care-customer-filters button[type=submit]")
    page.click(f"#care-customers a[href='/care/customers/{care.customer_id}']")
    expect(page.locator("#care-open-tasks")).to_contain_text("retention")
    visit = page.locator(f".care-visit[data-task-id='{care.visit_task_id}']")
    carrier = visit.locator(f"li.carrier[data-staff-id='{care.carrier_staff_id}']")
    expect(carrier).to_contain_text("经过所在乡镇")
    expect(page.locator("#care-privileges tr[data-privilege=airport_lounge]")).to_be_visible()
    carrier.locator("button").click()
    expect(page.locator("#care-done")).to_contain_text("已请同事顺路送达")
    expect(visit.locator(".asked")).to_contain_text(MANAGER_USER)


def test_an_administrator_sees_the_rules_error_beside_the_editor(
    page_as: Callable[[str], Page],
) -> None:
    page = page_as("admin")
    page.goto("/care/rules")
    expect(page.locator("#care-rules-active")).to_contain_text("系统内置规则")
    page.fill("#care-rules-yaml", BAD_CHANNEL_RULES)
    page.click("#care-rules-form button[value=save]")
    error = page.locator("#care-rules-error")
    expect(error).to_contain_text("第 7 行")
    expect(error).to_contain_text("channel")
    expect(error).to_contain_text("未保存任何内容")
    expect(page.locator("#care-rules-history")).to_contain_text("尚未在此保存过规则")
