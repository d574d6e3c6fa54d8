"""Re-scoring with human edits: modes, N/A, auto-fails, critical items and point bounds."""

from __future__ import annotations

import pytest

from tiexin.rules.review_scoring import (
    ItemState,
    ReviewScoringError,
    checked_state,
    default_points,
    find_item,
    rescore,
)
from tiexin.rules.scorecard import Scorecard, parse_scorecard
from tiexin.rules.scoring import Outcome

P, F, N = Outcome.PASS, Outcome.FAIL, Outcome.NA

CARD_YAML = """
id: t
version: "1"
mode: {mode}
bands:
  - {{name: good, min: 80}}
  - {{name: poor, min: 0}}
sections:
  - id: a
    weight: {weight_a}
    items:
      - {{id: x, points: 10, pass_when: 'agent says "您好"'}}
      - {{id: y, points: 10, pass_when: 'agent says "您好"', auto_fail: section}}
  - id: b
    weight: {weight_b}
    items:
      - {{id: z, points: 10, pass_when: 'agent says "您好"', critical: true}}
      - {{id: w, points: 10, pass_when: 'agent says "您好"', auto_fail: form}}
"""


def _card(mode: str, weight_a: float = 40, weight_b: float = 60) -> Scorecard:
    text = CARD_YAML.format(mode=mode, weight_a=weight_a, weight_b=weight_b)
    return parse_scorecard(text)


WEIGHTED = _card("weighted")
DEDUCTION = _card("deduction")


def _states(card: Scorecard, results: str) -> dict[str, ItemState]:
    """`results` lists x, y, z, w as p/f/n with the default points of each result."""
    outcome = {"p": P, "f": F, "n": N}
    return {
        item_id: ItemState(outcome[r], default_points(card, find_item(card, item_id), outcome[r]))
        for item_id, r in zip("xyzw", results, strict=True)
    }


@pytest.mark.parametrize(
    ("results", "total", "band", "critical"),
    [
        ("pppp", 100.0, "good", ()),
        ("fppp", 80.0, "good", ()),  # a: 50% of weight 40
        ("nppp", 100.0, "good", ()),  # N/A leaves the section: x does not count
        ("nnpp", 100.0, "good", ()),  # section a all N/A: only b is weighted
        ("pfpp", 60.0, "poor", ()),  # y auto-fails section a
        ("ppfp", 70.0, "poor", ("z",)),  # critical failure listed, arithmetic unchanged
        ("pppf", 0.0, "poor", ()),  # w auto-fails the form
        ("nnnn", 100.0, "good", ()),  # nothing applies: nothing lost
    ],
)
def test_weighted_rescore(results: str, total: float, band: str, critical: tuple[str, ...]) -> None:
    evaluation = rescore(WEIGHTED, _states(WEIGHTED, results))
    assert evaluation.total == pytest.approx(total)
    assert evaluation.band == band
    assert evaluation.critical_failures == critical


@pytest.mark.parametrize(
    ("results", "total"),
    [
        ("pppp", 100.0),
        ("fppp", 30.0 + 60.0),  # a: 40 - 10 deducted
        ("ffpp", 0.0 + 60.0),  # y auto-fails a
        ("ppfp", 40.0 + 50.0),
        ("pppf", 0.0),  # form auto-fail
        ("nnnn", 100.0),
    ],
)
def test_deduction_rescore(results: str, total: float) -> None:
    evaluation = rescore(DEDUCTION, _states(DEDUCTION, results))
    assert evaluation.total == pytest.approx(total)


def test_partial_points_count_as_given() -> None:
    states = _states(WEIGHTED, "pppp") | {"x": ItemState(P, 5.0)}
    assert rescore(WEIGHTED, states).total == pytest.approx(90.0)


@pytest.mark.parametrize(
    ("card", "result", "points", "expected"),
    [
        (WEIGHTED, P, None, 10.0),
        (WEIGHTED, F, None, 0.0),
        (WEIGHTED, N, None, 0.0),
        (WEIGHTED, P, 7.5, 7.5),
        (DEDUCTION, F, None, -10.0),
        (DEDUCTION, P, None, 0.0),
        (DEDUCTION, F, -4.0, -4.0),
    ],
)
def test_checked_state_defaults_and_accepts_points_in_range(
    card: Scorecard, result: Outcome, points: float | None, expected: float
) -> None:
    assert checked_state(card, "x", result, points) == ItemState(result, expected)


@pytest.mark.parametrize(
    ("card", "item_id", "result", "points", "field"),
    [
        (WEIGHTED, "x", P, 11.0, "points"),
        (WEIGHTED, "x", F, -1.0, "points"),
        (WEIGHTED, "x", N, 3.0, "points"),
        (DEDUCTION, "x", F, 2.0, "points"),
        (DEDUCTION, "x", F, -12.0, "points"),
        (WEIGHTED, "nope", P, None, "item_id"),
    ],
)
def test_checked_state_refuses_what_the_scorecard_does_not_allow(
    card: Scorecard, item_id: str, result: Outcome, points: float | None, field: str
) -> None:
    with pytest.raises(ReviewScoringError) as raised:
        checked_state(card, item_id, result, points)
    assert raised.value.field == field


def test_an_evaluation_missing_an_item_of_the_scorecard_is_refused() -> None:
    states = _states(WEIGHTED, "pppp")
    del states["w"]
    with pytest.raises(ReviewScoringError, match="no result for item 'w'"):
        rescore(WEIGHTED, states)
