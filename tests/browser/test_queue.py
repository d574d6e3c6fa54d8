"""An inspector opens the review queue, builds the demo week and sees why each call is there."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

WEEK = "2025-W23"  # the demo calls start on 2-6 June 2025


def test_the_inspector_builds_the_week_and_sees_the_reasons(
    page_as: Callable[[str], Page],
) -> None:
    page = page_as("inspector")
    assert page.url.endswith("/queue")  # the inspector's home page
    page.fill("#queue-filters input[name=week]", WEEK)
    page.click("#queue-filters button[type=submit]")
    expect(page.locator("h1")).to_contain_text(WEEK)
    expect(page.locator("#queue-table")).to_contain_text("本周队列为空")
    page.click("#queue-build button[type=submit]")
    expect(page.locator("#queue-built")).to_contain_text("已加入 9 通通话")
    poor = page.locator("#queue-table tr[data-call-id=DEMO-0002]")
    expect(poor.locator("[data-reason=low_score]")).to_contain_text("低分 20.0")
    expect(poor.locator("[data-reason=escalation]")).to_contain_text("投诉")
    # riskiest first: the poor-service call heads the queue
    expect(page.locator("#queue-table tbody tr").first).to_have_attribute(
        "data-call-id", "DEMO-0002"
    )
    poor.locator("a").click()
    page.wait_for_url("**/calls/DEMO-0002")


def test_filters_narrow_the_queue_to_one_agent(page_as: Callable[[str], Page]) -> None:
    page = page_as("inspector")
    page.goto(f"/queue?week={WEEK}")
    if page.locator("#queue-table tbody tr[data-call-id]").count() == 0:
        page.click("#queue-build button[type=submit]")
    page.select_option("#queue-filters select[name=agent]", "3107")
    page.click("#queue-filters button[type=submit]")
    rows = page.locator("#queue-table tbody tr[data-call-id]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-call-id", "DEMO-0001")


def test_the_english_queue_translates_the_reasons(page_as: Callable[[str], Page]) -> None:
    page = page_as("inspector")
    page.goto(f"/lang/en?next=/queue%3Fweek%3D{WEEK}")
    expect(page.locator("h1")).to_contain_text("Review queue")
    if page.locator("#queue-table tbody tr[data-call-id]").count() == 0:
        page.click("#queue-build button[type=submit]")
    poor = page.locator("#queue-table tr[data-call-id=DEMO-0002]")
    expect(poor.locator("[data-reason=low_score]")).to_contain_text("Low score 20.0")
