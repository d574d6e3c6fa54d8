"""Real audio → real Whisper → roles, features and masking, against the calls' ground truth."""

from __future__ import annotations

import re
import statistics
from typing import Any

import pytest

from tests.pipeline.textnorm import cer, normalise_en, normalise_zh, numerals_to_digits
from tiexin.domain.calls import CallAnalysis, Role

pytestmark = pytest.mark.slow

Truths = dict[str, dict[str, Any]]
Results = dict[str, CallAnalysis]


def _call_cer(truth: dict[str, Any], result: CallAnalysis) -> float:
    normalise = normalise_zh if truth["language"] == "zh" else normalise_en
    reference = normalise("".join(turn["text"] for turn in truth["turns"]))
    assert result.original_texts is not None
    hypothesis = normalise("".join(result.original_texts))
    return cer(reference, hypothesis)


def test_character_error_rate_median_below_15_percent(
    ground_truth: Truths, analysed: Results
) -> None:
    rates = {cid: _call_cer(truth, analysed[cid]) for cid, truth in ground_truth.items()}
    zh = [rate for cid, rate in rates.items() if ground_truth[cid]["language"] == "zh"]
    assert statistics.median(zh) < 0.15, rates
    assert statistics.median(rates.values()) < 0.15, rates


def _role_at(result: CallAnalysis, start: float, end: float) -> Role | None:
    best, best_overlap = None, 0.0
    for turn in result.turns:
        overlap = min(end, turn.end_s) - max(start, turn.start_s)
        if overlap > best_overlap:
            best, best_overlap = turn.role, overlap
    return best


def _role_accuracy(truth: dict[str, Any], result: CallAnalysis) -> float:
    turns = truth["turns"]
    right = sum(_role_at(result, t["start_s"], t["end_s"]) == Role(t["role"]) for t in turns)
    return right / len(turns)


def test_roles_right_on_stereo_calls(ground_truth: Truths, analysed: Results) -> None:
    for cid, truth in ground_truth.items():
        if truth["channels"] != "mono":
            assert _role_accuracy(truth, analysed[cid]) >= 0.95, cid
            assert analysed[cid].role_confidence == 1.0


def test_mono_calls_separated_with_a_confidence(ground_truth: Truths, analysed: Results) -> None:
    mono = [cid for cid, truth in ground_truth.items() if truth["channels"] == "mono"]
    assert mono
    for cid in mono:
        result = analysed[cid]
        assert 0.0 <= result.role_confidence <= 1.0
        assert any("mono" in note for note in result.notes)
        assert _role_accuracy(ground_truth[cid], result) >= 0.75, cid


def test_longest_silence_within_half_a_second(ground_truth: Truths, analysed: Results) -> None:
    for cid, truth in ground_truth.items():
        measured = analysed[cid].features.longest_silence_s
        assert measured == pytest.approx(truth["labels"]["longest_silence_s"], abs=0.5), cid


def test_overtalk_detected_where_labelled(ground_truth: Truths, analysed: Results) -> None:
    for cid, truth in ground_truth.items():
        events = analysed[cid].features.overtalk_events
        for start, end in truth["extra"]["overtalk_intervals"]:
            assert any(e.start_s < end and e.end_s > start for e in events), (cid, start, end)
        if truth["labels"]["overtalk_events"] == 0 and truth["channels"] != "mono":
            assert len(events) <= 1, (cid, events)


_DIGIT_RUN = re.compile(r"\d{6,}")


def test_spoken_phone_and_id_digits_are_masked(ground_truth: Truths, analysed: Results) -> None:
    kinds = {"phone_number", "id_card_full", "id_card_partial"}
    for cid, truth in ground_truth.items():
        masked = numerals_to_digits("".join(turn.text for turn in analysed[cid].turns))
        for item in truth["extra"].get("pii_items", []):
            if item["type"] in kinds:
                assert item["value"] not in masked, (cid, item)
        assert not _DIGIT_RUN.search(masked), (cid, masked)


def test_agent_speech_rate_separates_fast_talkers(ground_truth: Truths, analysed: Results) -> None:
    zh = {cid: t for cid, t in ground_truth.items() if t["language"] == "zh"}
    fast = [
        analysed[c].features.speech_rate["agent"]
        for c, t in zh.items()
        if t["labels"]["agent_speech_rate_fast"]
    ]
    normal = [
        analysed[c].features.speech_rate["agent"]
        for c, t in zh.items()
        if not t["labels"]["agent_speech_rate_fast"]
    ]
    assert min(fast) > statistics.median(normal)


def test_customer_sentiment_follows_the_labels(ground_truth: Truths, analysed: Results) -> None:
    ends = {"positive": [], "negative": []}
    for cid, truth in ground_truth.items():
        label = truth["labels"]["customer_end_sentiment"]
        value = analysed[cid].features.customer_sentiment_end
        if label in ends and value is not None and truth["language"] == "zh":
            ends[label].append(value)
    assert statistics.mean(ends["positive"]) > statistics.mean(ends["negative"])
