"""Two inspectors score a calibration session blind; the results show per-item agreement."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect


def _score_all(page: Page, *, fail_first: bool) -> str:
    """Label every item 'pass' (the first item 'fail' when asked); the first item's id."""
    rows = page.locator("#calibration-score tbody tr")
    first = rows.first.get_attribute("data-item") or ""
    for index in range(rows.count()):
        label = "fail" if fail_first and index == 0 else "pass"
        rows.nth(index).locator(f"input[value={label}]").check()
    page.click("#calibration-score button[type=submit]")
    expect(page.locator("#revealed")).to_be_visible()
    return first


def test_two_inspectors_score_blind_and_see_per_item_agreement(
    page_as: Callable[[str], Page],
) -> None:
    first = page_as("inspector")
    first.goto("/calibration")
    first.fill("#calibration-new input[name=name]", "六月第一周校准")
    first.fill("#calibration-new textarea[name=pasted]", "DEMO-0001")
    first.click("#calibration-new button[type=submit]")
    expect(first.locator("h1")).to_contain_text("六月第一周校准")
    session_url = first.url
    first.click("#session-calls a:text('DEMO-0001')")
    expect(first.locator(".transcript")).to_contain_text("贵宾专线")
    item = _score_all(first, fail_first=False)

    second = page_as("inspector2")
    second.goto(session_url)
    expect(second.locator("#session-calls")).to_contain_text("inspector")
    second.click("#session-calls a:text('DEMO-0001')")
    # blind: neither the first inspector's labels nor the automatic result are on the page
    expect(second.locator("#revealed")).to_have_count(0)
    expect(second.locator("#blind-note")).to_contain_text("提交后")
    _score_all(second, fail_first=True)
    expect(second.locator(f"#revealed tr[data-item={item}]")).to_contain_text("inspector: 通过")

    second.goto(session_url)
    second.click("#results-link")
    worst = second.locator("#agreement-table tbody tr").first
    expect(worst).to_have_attribute("data-item", item)
    expect(worst.locator(".pairwise")).to_have_text("0%")
    expect(second.locator("#agreement-table tbody tr").nth(1).locator(".pairwise")).to_have_text(
        "100%"
    )
