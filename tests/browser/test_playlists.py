"""An inspector builds a coaching playlist in the browser and the session plays it through."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.browser.conftest import Live


def _fill_clip(page: Page, call_id: str, start: str, end: str, example: str, note: str) -> None:
    form = page.locator("#clip-form")
    form.locator("input[name=call_id]").fill(call_id)
    form.locator("input[name=start_s]").fill(start)
    form.locator("input[name=end_s]").fill(end)
    form.locator("select[name=example]").select_option(example)
    form.locator("input[name=note]").fill(note)


def _add_clip(page: Page, *clip: str) -> None:
    _fill_clip(page, *clip)
    with page.expect_navigation():
        page.click("#clip-submit")


def test_an_inspector_builds_a_playlist_and_the_session_advances_clip_by_clip(
    page_as: Callable[[str], Page], live: Live
) -> None:
    first_call, second_call = live.seeded.audio_call_ids
    page = page_as("inspector")
    page.goto("/playlists")
    page.fill("#new-playlist input[name=title]", "第23周培训")
    page.fill("#new-playlist input[name=week]", "2025-W23")
    with page.expect_navigation():
        page.click("#new-playlist button[type=submit]")
    _add_clip(page, first_call, "0.5", "1.5", "good", "规范开场白")
    _add_clip(page, second_call, "1", "2", "bad", "服务禁语")
    rows = page.locator("#clips-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(1)).to_contain_text("反面例子")

    _fill_clip(page, first_call, "5", "1", "good", "")  # end before start: refused, shown
    page.click("#clip-submit")
    expect(page.locator("#playlist-error")).to_contain_text("end_s")
    expect(rows).to_have_count(2)

    page.click("#start-session")
    page.wait_for_url("**/session")
    session = page.locator("#session")
    expect(session).to_have_attribute("data-index", "0")
    expect(page.locator("#clip-note")).to_have_text("规范开场白")
    expect(page.locator("#clip-example")).to_have_text("好例子")
    page.click("#clip-play")
    page.wait_for_function(
        "() => document.getElementById('session-audio').currentTime > 0.6"
    )  # seeked to the clip's start and playing
    expect(session).to_have_attribute("data-index", "1", timeout=10_000)
    expect(page.locator("#clip-note")).to_have_text("服务禁语")
    source = page.evaluate("() => document.getElementById('session-audio').src")
    assert source.endswith(f"/api/v1/calls/{second_call}/audio")
    page.wait_for_function("() => document.getElementById('session-audio').currentTime >= 1.0")
    expect(page.locator("#clip-status")).to_have_text("全部片段已播放完毕。", timeout=10_000)
    stopped_at = page.evaluate("() => document.getElementById('session-audio').currentTime")
    assert 1.0 <= stopped_at < 2.5  # stopped at the clip's end, not the call's


def test_an_agent_opens_the_session_read_only(page_as: Callable[[str], Page]) -> None:
    page = page_as("agent")
    page.goto("/playlists")
    expect(page.locator("#new-playlist")).to_have_count(0)
