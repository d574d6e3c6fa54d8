"""The default scorecard on real ASR output of the shared calls, against their QA labels."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.test_rules_default_scorecard import EXPECTED
from tiexin.domain.calls import CallAnalysis

pytestmark = pytest.mark.slow


def _agreement(
    item_id: str, ground_truth: dict[str, dict[str, Any]], analysed: dict[str, CallAnalysis]
) -> tuple[float, list[str]]:
    agree, total, misses = 0, 0, []
    for call_id, truth in ground_truth.items():
        expected = EXPECTED[item_id](truth["labels"])
        if expected is None:
            continue
        evaluation = analysed[call_id].evaluation
        assert evaluation is not None
        item = next(i for i in evaluation["items"] if i["id"] == item_id)
        total += 1
        if item["result"] == expected.value:
            agree += 1
        else:
            misses.append(f"{call_id}: {item['result']} vs {expected.value}: {item['explanation']}")
    return agree / total, misses


@pytest.mark.parametrize("item_id", list(EXPECTED))
def test_item_agrees_with_the_labels_on_asr_output(
    item_id: str, ground_truth: dict[str, dict[str, Any]], analysed: dict[str, CallAnalysis]
) -> None:
    share, misses = _agreement(item_id, ground_truth, analysed)
    assert share >= 0.9, misses


def test_every_call_is_scored_with_evidence(analysed: dict[str, CallAnalysis]) -> None:
    for analysis in analysed.values():
        evaluation = analysis.evaluation
        assert evaluation is not None and evaluation["scorecard"] == "10088-vip"
        assert 0 <= evaluation["total"] <= 100
        for item in evaluation["items"]:
            assert item["result"] in ("pass", "fail", "na")
            assert item["explanation"]
