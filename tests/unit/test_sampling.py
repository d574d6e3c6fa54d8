"""Risk signals, ranking and the weekly per-agent pick."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from tiexin.rules.sampling import (
    CallSignals,
    escalation_terms,
    random_quota,
    rank_call,
    risk_reasons,
    select_for_agent,
    week_bounds,
    week_of,
)

CLEAN = CallSignals(
    call_pk=1, call_id="C-1", line="10088", agent_id="3107", total=95.0, band="优秀"
)


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("我要去工信部投诉你们！", ["投诉", "工信部"]),
        ("再这样我就打12300，还要找媒体曝光", ["12300", "曝光", "媒体"]),
        ("不行我就携号转网", ["携号转网", "转网"]),
        ("我想销户", ["销户"]),
        ("I will complain to the regulator", ["complain", "regulator"]),
        ("Please CANCEL my line", ["cancel"]),
        ("I'll call my lawyer and sue you", ["lawyer", "sue"]),
        ("谢谢你，服务很好", []),
        ("the issue is resolved", []),  # 'sue' inside a word does not count
        ("I was pressed for time", []),
    ],
)
def test_escalation_terms(text: str, terms: list[str]) -> None:
    assert escalation_terms(text) == terms


@pytest.mark.parametrize(
    ("changes", "codes"),
    [
        ({}, []),
        ({"auto_failed": True, "total": 0.0, "band": "不合格"}, ["auto_fail", "low_score"]),
        ({"failed_sections": ("expression",)}, ["section_failed"]),
        ({"critical_failures": ("identity",)}, ["critical_failed"]),
        ({"customer_texts": ("我要投诉",)}, ["escalation"]),
        ({"total": 59.9, "band": "不合格"}, ["low_score"]),
        ({"total": 70.0, "band": "不合格"}, ["low_score"]),  # the band says it failed
        ({"total": 60.0, "band": "合格"}, []),
        ({"customer_sentiment_end": -0.3}, ["negative_end"]),
        ({"customer_sentiment_end": -0.29}, []),
        ({"turn_confidences": (0.5, 0.6)}, ["low_asr_confidence"]),
        ({"turn_confidences": (0.6, 0.7)}, []),
        ({"item_confidences": (("greeting", 0.4), ("closing", 0.9))}, ["low_item_confidence"]),
        ({"new_agent": True}, ["new_agent"]),
        ({"total": None, "band": None}, []),
    ],
)
def test_risk_reasons(changes: dict[str, object], codes: list[str]) -> None:
    call = replace(CLEAN, **changes)  # type: ignore[arg-type]
    assert [reason.code for reason in risk_reasons(call)] == codes


def test_reasons_carry_what_the_page_shows() -> None:
    call = replace(
        CLEAN,
        total=42.25,
        band="不合格",
        customer_texts=("我要投诉", "找媒体"),
        item_confidences=(("greeting", 0.3),),
    )
    params = {r.code: r.params for r in risk_reasons(call)}
    assert params["escalation"] == {"terms": ["投诉", "媒体"]}
    assert params["low_score"] == {"total": 42.2, "band": "不合格"}
    assert params["low_item_confidence"] == {"items": ["greeting"]}


def test_an_automatic_fail_outranks_a_low_score_and_lower_scores_break_ties() -> None:
    failed = rank_call(replace(CLEAN, auto_failed=True, total=0.0, band="不合格"))
    low = rank_call(replace(CLEAN, total=50.0, band="不合格"))
    lower = rank_call(replace(CLEAN, total=40.0, band="不合格"))
    clean = rank_call(CLEAN)
    assert failed.risk > lower.risk > low.risk > clean.risk > 0


@pytest.mark.parametrize(
    ("n", "share", "quota"),
    [(5, 0.1, 1), (5, 0.0, 0), (10, 0.25, 3), (4, 1.0, 4), (0, 0.5, 0), (20, 0.1, 2)],
)
def test_random_quota(n: int, share: float, quota: int) -> None:
    assert random_quota(n, share) == quota


def _calls(count: int) -> list[CallSignals]:
    return [
        replace(CLEAN, call_pk=i, call_id=f"C-{i:02d}", total=float(100 - i)) for i in range(count)
    ]


def test_the_riskiest_calls_come_first_and_random_picks_come_from_the_rest() -> None:
    calls = _calls(12)
    picks = select_for_agent(calls, risk_slots=3, random_slots=2, seed="2025-W23|10088|3107")
    risky = [p.ranked.signals.call_id for p in picks if not p.random_pick]
    drawn = [p.ranked.signals.call_id for p in picks if p.random_pick]
    assert risky == ["C-11", "C-10", "C-09"]
    assert len(drawn) == 2 and not set(drawn) & set(risky)
    again = select_for_agent(
        list(reversed(calls)), risk_slots=3, random_slots=2, seed="2025-W23|10088|3107"
    )
    assert [p.ranked.signals.call_id for p in again] == risky + drawn  # reproducible


def test_the_seed_changes_the_random_picks() -> None:
    calls = _calls(30)
    draws = {
        tuple(
            p.ranked.signals.call_id
            for p in select_for_agent(calls, risk_slots=0, random_slots=3, seed=f"2025-W{w}")
            if p.random_pick
        )
        for w in range(10, 20)
    }
    assert len(draws) > 1


@pytest.mark.parametrize(("risk_slots", "random_slots", "taken"), [(5, 1, 3), (1, 5, 3), (0, 0, 0)])
def test_an_agent_with_few_calls_gives_what_there_is(
    risk_slots: int, random_slots: int, taken: int
) -> None:
    picks = select_for_agent(_calls(3), risk_slots=risk_slots, random_slots=random_slots, seed="s")
    assert len(picks) == taken


def test_weeks_run_on_beijing_time() -> None:
    start, end = week_bounds("2025-W23")
    assert start == datetime(2025, 6, 1, 16, 0, tzinfo=UTC)  # Monday 2 June 00:00 +08:00
    assert (end - start).days == 7
    assert week_of(datetime(2025, 6, 1, 16, 30, tzinfo=UTC)) == "2025-W23"
    assert week_of(datetime(2025, 6, 1, 15, 59, tzinfo=UTC)) == "2025-W22"


@pytest.mark.parametrize("week", ["2025-23", "2025-W54", "W23", "2025-W5", ""])
def test_a_bad_week_is_refused(week: str) -> None:
    with pytest.raises(ValueError, match="week"):
        week_bounds(week)
