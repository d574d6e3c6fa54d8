"""The dashboards page draws its charts and lists the most failed items in a real browser."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect


def test_the_dashboards_draw_charts_and_list_failed_items_with_call_links(
    page_as: Callable[[str], Page],
) -> None:
    page = page_as("inspector")
    page.goto("/dashboards")
    expect(page.locator("#trend-chart canvas")).to_have_count(1)
    expect(page.locator("#radar-chart canvas")).to_have_count(1)
    failed = page.locator("#failed-items tbody tr")
    expect(failed.first.locator("a[href^='/calls/DEMO-']").first).to_be_visible()
    expect(page.locator("#blind-spots tbody")).to_contain_text("宽带")
    expect(page.locator("#by-team tbody")).to_contain_text("VIP-A")


def test_the_filters_narrow_the_figures(page_as: Callable[[str], Page]) -> None:
    page = page_as("supervisor")
    page.goto("/dashboards?agent=3215")
    expect(page.locator("#by-agent tbody tr")).to_have_count(1)
    expect(page.locator("#by-agent tbody")).to_contain_text("3215")
    expect(page.locator("input[name=agent]")).to_have_value("3215")
