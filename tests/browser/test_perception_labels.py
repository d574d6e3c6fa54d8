"""The customer-satisfaction control on the call page, in a real browser: an inspector picks a
label, it is saved and shown with who labelled it, and it is still there after a reload."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.browser.conftest import Live

CALL = "DEMO-0007"  # a transcript call no other browser test reviews


def test_inspector_labels_satisfaction_and_it_persists(
    page_as: Callable[[str], Page], live: Live
) -> None:
    assert CALL in live.seeded.call_ids
    page = page_as("inspector")
    page.goto(f"/calls/{CALL}")
    box = page.locator("#satisfaction")
    expect(box.locator("#satisfaction-labels")).to_contain_text("尚无人标注")

    box.locator('button[data-satisfaction="-1"]').click()
    page.wait_for_load_state("networkidle")
    expect(box.locator('button[data-satisfaction="-1"]')).to_have_attribute("aria-pressed", "true")
    expect(box.locator('#satisfaction-labels li[data-username="inspector"]')).to_contain_text(
        "不满意（inspector，"
    )

    box.locator('button[data-satisfaction="1"]').click()  # changing one's mind replaces it
    page.wait_for_load_state("networkidle")
    page.reload()
    expect(box.locator('button[data-satisfaction="1"]')).to_have_attribute("aria-pressed", "true")
    expect(box.locator('button[data-satisfaction="-1"]')).to_have_attribute("aria-pressed", "false")
    expect(box.locator("#satisfaction-labels li")).to_have_count(1)
    expect(box.locator('#satisfaction-labels li[data-satisfaction="1"]')).to_contain_text(
        "满意（inspector，"
    )

    supervisor = page_as("supervisor")
    supervisor.goto(f"/calls/{CALL}")
    expect(supervisor.locator("#satisfaction-labels")).to_contain_text("满意（inspector，")
    expect(supervisor.locator(".satisfaction-choices")).to_have_count(0)
