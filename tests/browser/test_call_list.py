"""The call list in a real browser: filtering changes the rows, a row leads to its call page."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect


def test_an_inspector_filters_the_list_and_opens_a_call(page_as: Callable[[str], Page]) -> None:
    page = page_as("inspector")
    page.goto("/calls")
    rows = page.locator("#calls-table tbody tr[data-call-id]")
    expect(rows).to_have_count(9)
    expect(page.locator("#calls-table")).to_contain_text("139****1234")

    page.fill("input[name=q]", "宽带")
    page.click("#call-filters button[type=submit]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-call-id", "DEMO-0002")
    assert "q=" in page.url

    page.fill("input[name=q]", "")
    page.fill("input[name=agent_id]", "3107")
    page.click("#call-filters button[type=submit]")
    expect(rows).to_have_count(1)
    page.click("a.call-link")
    page.wait_for_url(re.compile(r"/calls/DEMO-0001$"))


def test_a_column_header_sorts_the_list(page_as: Callable[[str], Page]) -> None:
    page = page_as("inspector")
    page.goto("/calls")
    page.click("th a.sort >> nth=3")  # the score column
    page.wait_for_url(re.compile(r"sort=score"))
    badges = page.locator("#calls-table tbody td .badge").all_inner_texts()
    scores = [float(text) for text in badges if re.fullmatch(r"\d+(\.\d+)?", text)]
    assert scores == sorted(scores, reverse=True) and len(scores) == 9
