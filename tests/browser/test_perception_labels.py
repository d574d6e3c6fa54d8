"""The customer-satisfaction control on the call page, in a real browser: an inspector picks a
label, it is saved and shown with who labelled it, and it is still there after a reload.

Picking a label saves it (PUT) and then the page reloads itself. A test must wait for that
reload before it navigates: a `page.reload()` sent while the PUT is still in flight is aborted
(`net::ERR_ABORTED`) by the page's own reload once the PUT answers.
"""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, Request, expect

from tests.browser.conftest import Live

CALL = "DEMO-0007"  # a transcript call no other browser test reviews
QUICK_CLICKS_CALL = "DEMO-0006"


def _is_label_put(request: Request) -> bool:
    return request.method == "PUT" and request.url.endswith("/satisfaction")


def _label(page: Page, value: int) -> None:
    """Click a choice and wait until it is saved and the page has reloaded to show it."""
    with page.expect_event("load"):
        with page.expect_response(lambda response: _is_label_put(response.request)) as saved:
            page.locator(f'#satisfaction button[data-satisfaction="{value}"]').click()
        assert saved.value.ok, saved.value.text()


def test_inspector_labels_satisfaction_and_it_persists(
    page_as: Callable[[str], Page], live: Live
) -> None:
    assert CALL in live.seeded.call_ids
    page = page_as("inspector")
    page.goto(f"/calls/{CALL}")
    box = page.locator("#satisfaction")
    expect(box.locator("#satisfaction-labels")).to_contain_text("尚无人标注")

    _label(page, -1)
    expect(box.locator('button[data-satisfaction="-1"]')).to_have_attribute("aria-pressed", "true")
    expect(box.locator('#satisfaction-labels li[data-username="inspector"]')).to_contain_text(
        "不满意（inspector，"
    )

    _label(page, 1)  # changing one's mind replaces it
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


def test_a_second_quick_click_does_not_race_the_first_save(
    page_as: Callable[[str], Page], live: Live
) -> None:
    """Regression: two quick clicks sent two PUTs that the server could finish in either order,
    so the page sometimes kept the earlier choice. The choices are disabled while one saves."""
    assert QUICK_CLICKS_CALL in live.seeded.call_ids
    page = page_as("inspector")
    page.goto(f"/calls/{QUICK_CLICKS_CALL}")
    puts: list[Request] = []
    page.on("request", lambda request: puts.append(request) if _is_label_put(request) else None)
    with page.expect_event("load"):
        disabled_at_once = page.evaluate(
            """() => {
              const choice = (value) =>
                document.querySelector(`#satisfaction button[data-satisfaction="${value}"]`);
              choice(-2).click();
              const disabled = choice(2).disabled;
              choice(2).click();
              return disabled;
            }"""
        )
    assert disabled_at_once
    assert len(puts) == 1
    box = page.locator("#satisfaction")
    expect(box.locator('button[data-satisfaction="-2"]')).to_have_attribute("aria-pressed", "true")
    expect(box.locator("button[aria-pressed=true]")).to_have_count(1)
    mine = page.request.get(f"/api/v1/calls/{QUICK_CLICKS_CALL}/satisfaction").json()["mine"]
    assert mine == -2
