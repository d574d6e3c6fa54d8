"""The default 10088-vip scorecard against the labelled ground-truth calls (exact turns)."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tiexin.adapters.catalog_yaml import load_catalog
from tiexin.adapters.sentiment import PysentiScorer
from tiexin.domain.calls import Role, Turn
from tiexin.features.extract import measure_call
from tiexin.rules.care_offers import care_functions
from tiexin.rules.evaluate import CallView
from tiexin.rules.plan_check import plan_functions
from tiexin.rules.scorecard import load_scorecard
from tiexin.rules.scoring import Evaluation, Outcome, score_call

CALLS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "calls"
SCORECARD = Path(__file__).resolve().parents[2] / "src/tiexin/resources/scorecards/10088-vip.yaml"

Labels = dict[str, Any]
# Item id -> the expected result from a call's labels (None: the label does not apply).
EXPECTED: dict[str, Callable[[Labels], Outcome | None]] = {
    "greeting_job_number": lambda lab: _ok(lab["greeting_with_job_number"]),
    "identity_verification": lambda lab: _na_or_ok(lab["identity_verified_before_account_action"]),
    "forbidden_phrases": lambda lab: _ok(not lab["forbidden_phrases"]),
    "ask_anything_else": lambda lab: _ok(lab["asked_anything_else"]),
    "polite_closing": lambda lab: _ok(lab["polite_closing"]),
    "dead_air": lambda lab: _ok(lab["longest_silence_s"] <= 10),
    "overtalk": lambda lab: _ok(lab["overtalk_events"] < 2),
    "speech_rate": lambda lab: _ok(not lab["agent_speech_rate_fast"]),
    "proactive_offer": lambda lab: _ok(lab["proactive_offer"]),
    "customer_end_sentiment": lambda lab: _ok(lab["customer_end_sentiment"] != "negative"),
    "complaint_escalation": lambda lab: _ok(not lab["complaint_escalation"]),
    "unaddressed_need": lambda lab: _ok(not lab["unaddressed_customer_need"]),
    "plan_facts": lambda lab: _na_or_ok(lab["stated_plan_facts_correct"]),
}


def _ok(value: bool) -> Outcome:
    return Outcome.PASS if value else Outcome.FAIL


def _na_or_ok(value: bool | None) -> Outcome:
    return Outcome.NA if value is None else _ok(value)


def _view(data: dict[str, Any], scorer: PysentiScorer) -> CallView:
    turns = tuple(
        Turn(Role(t["role"]), float(t["start_s"]), float(t["end_s"]), t["text"])
        for t in data["turns"]
    )
    sentiments = [scorer.score(t.text, language=data["language"]) for t in turns]
    features = measure_call(
        turns,
        language=data["language"],
        duration_s=float(data["duration_s"]),
        customer_sentiments=sentiments,
    )
    metadata = {k: str(data[k]) for k in ("line", "direction", "language", "agent_id")}
    return CallView(turns, features, metadata)


@cache
def _scored() -> list[tuple[str, Labels, Evaluation]]:
    card = load_scorecard(SCORECARD)
    scorer = PysentiScorer()
    catalog = load_catalog(CALLS / "catalog.yaml")
    # the labelled callers are no care customers: nothing open to raise
    functions = {**plan_functions(catalog), **care_functions((), catalog)}
    results = []
    for path in sorted(CALLS.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        results.append(
            (
                data["call_id"],
                data["labels"],
                score_call(card, _view(data, scorer), functions=functions),
            )
        )
    return results


def _agreement(item_id: str) -> tuple[int, int, list[str]]:
    agree, total, misses = 0, 0, []
    for call_id, labels, evaluation in _scored():
        expected = EXPECTED[item_id](labels)
        result = next(r for r in evaluation.items if r.id == item_id)
        if expected is None:
            continue
        total += 1
        if result.result is expected:
            agree += 1
        else:
            misses.append(f"{call_id}: got {result.result}, label {expected}: {result.explanation}")
    return agree, total, misses


pytestmark = pytest.mark.skipif(not CALLS.is_dir(), reason="ground-truth calls not present")


def test_every_item_is_mapped_to_a_label() -> None:
    card = load_scorecard(SCORECARD)
    ids = {i.id for s in card.sections for i in s.items}
    assert ids == set(EXPECTED)


def test_agreement_table() -> None:
    print("\nitem                      agree/total   %")
    for item_id in EXPECTED:
        agree, total, misses = _agreement(item_id)
        print(f"{item_id:25} {agree:5}/{total:<5} {100 * agree / total:6.1f}")
        for miss in misses:
            print("   ", miss)


@pytest.mark.parametrize("item_id", list(EXPECTED))
def test_item_agrees_with_labels_on_90_percent(item_id: str) -> None:
    agree, total, misses = _agreement(item_id)
    assert agree >= 0.9 * total, misses


def test_scores_stay_in_bounds_and_carry_evidence() -> None:
    for _, _, evaluation in _scored():
        assert 0.0 <= evaluation.total <= 100.0
        for item in evaluation.items:
            if item.result is Outcome.FAIL and item.id == "dead_air":
                assert any(e.start_s is not None for e in item.evidence)
            assert item.explanation
