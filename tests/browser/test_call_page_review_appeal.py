"""The call page in a real browser: play, seek from a finding, review, release; then the agent
appeals and the supervisor accepts, and the score and history change."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.conftest import Live

CALL = "DEMO-0001"  # an audio call of agent 3107 (user "agent")
SCREENSHOT = Path(__file__).parents[2] / "docs" / "images" / "call-page.png"


def _player_time(page: Page) -> float:
    return float(page.evaluate("window.tiexinPlayer.getCurrentTime()"))


def _open_call(page: Page) -> None:
    page.goto(f"/calls/{CALL}")
    page.wait_for_function("() => window.tiexinPlayer && window.tiexinPlayer.getDuration() > 0")


def test_inspector_plays_seeks_reviews_and_releases(
    page_as: Callable[[str], Page], live: Live
) -> None:
    assert CALL in live.seeded.audio_call_ids
    page = page_as("inspector")
    _open_call(page)
    expect(page.locator("#waveform")).to_be_visible()
    expect(page.locator(".turn[data-start]").first).to_be_visible()
    expect(page.locator("#sentiment-chart canvas")).to_have_count(1)

    page.click("#play")
    page.wait_for_function("() => window.tiexinPlayer.isPlaying()")
    page.click("#play")

    duration = float(page.evaluate("window.tiexinPlayer.getDuration()"))
    findings = page.locator(".finding[data-start]")
    starts = [float(s) for s in findings.evaluate_all("nodes => nodes.map(n => n.dataset.start)")]
    index, target = next((i, s) for i, s in enumerate(starts) if 0.5 < s < duration - 0.5)
    assert _player_time(page) < target - 0.3
    findings.nth(index).click()
    assert abs(_player_time(page) - target) < 0.2
    expect(page.locator(".turn.current")).to_have_count(1)

    turn = page.locator(".turn[data-start]").nth(2)
    turn_start = float(turn.get_attribute("data-start") or 0)
    turn.click()
    assert abs(_player_time(page) - min(turn_start, duration)) < 0.2

    if os.environ.get("TIEXIN_SCREENSHOTS"):
        page.set_viewport_size({"width": 1400, "height": 900})
        page.evaluate("() => window.scrollTo(0, 0)")
        page.screenshot(path=str(SCREENSHOT))

    item = page.locator('.item[data-item-id="proactive_offer"]')
    form = item.locator("form.review-form")
    form.locator("select[name=result]").select_option("pass")
    form.locator("button.override").click()
    expect(form.locator(".form-message")).to_contain_text("理由")  # reason is mandatory
    form.locator("input[name=points]").fill("5")
    form.locator("input[name=reason]").fill("坐席在结尾推荐了流量包")
    form.locator("button.override").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".score-source").first).to_have_text("含人工修改")
    expect(page.locator(".history .change")).to_have_count(1)
    expect(page.locator(".history")).to_contain_text("坐席在结尾推荐了流量包")

    page.locator("button.release").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".review-status").first).to_have_text("已发布")
    expect(page.locator("form.review-form")).to_have_count(0)


def test_agent_appeals_and_supervisor_accepts(page_as: Callable[[str], Page]) -> None:
    agent = page_as("agent")
    agent.goto("/appeals")
    evaluation = agent.locator(f'.evaluation:has(a[href="/calls/{CALL}"])')
    expect(evaluation).to_be_visible()
    total_before = float(evaluation.locator(".total").get_attribute("data-total") or 0)
    form = evaluation.locator('.item[data-item-id="proactive_offer"] form.appeal-form')
    form.locator("input[name=comment]").fill("我推荐了流量包，应得满分")
    form.locator("button[type=submit]").click()
    agent.wait_for_load_state("networkidle")
    expect(evaluation.locator(".review-status")).to_have_text("申诉中")

    supervisor = page_as("supervisor")
    supervisor.goto("/appeals")
    decision = supervisor.locator("form.decision-form").first
    decision.locator("select[name=result]").select_option("pass")
    decision.locator("input[name=reason]").fill("录音中确有推荐")
    decision.locator("button.accept").click()
    supervisor.wait_for_load_state("networkidle")
    expect(supervisor.locator("#no-appeals")).to_be_visible()

    agent.goto("/appeals")
    evaluation = agent.locator(f'.evaluation:has(a[href="/calls/{CALL}"])')
    expect(evaluation.locator(".review-status")).to_have_text("已结案")
    assert float(evaluation.locator(".total").get_attribute("data-total") or 0) > total_before
    expect(evaluation.locator(".history .change")).to_have_count(2)
    expect(evaluation.locator(".history")).to_contain_text("supervisor")
