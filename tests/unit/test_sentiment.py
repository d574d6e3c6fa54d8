from __future__ import annotations

import math

import pytest

from tiexin.features.sentiment import SentimentArc, customer_sentiment_arc


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ([], SentimentArc(None, None, None)),
        ([None, None], SentimentArc(None, None, None)),
        ([0.5], SentimentArc(0.5, 0.5, 0.0)),
        ([-0.5, 0.5], SentimentArc(0.0, 0.0, 0.0)),
        ([-1.0, -0.5, 0.5], SentimentArc(-0.75, 0.0, 0.75)),
        ([-1.0, None, -0.6, 0.2, 0.8, 1.0], SentimentArc(-0.8, 0.9, 1.7)),
        ([0.8, 0.6, -0.4, -0.8], SentimentArc(0.7, -0.6, -1.3)),
    ],
)
def test_arc(scores: list[float | None], expected: SentimentArc) -> None:
    arc = customer_sentiment_arc(scores)
    for got, want in zip(
        (arc.start, arc.end, arc.trajectory),
        (expected.start, expected.end, expected.trajectory),
        strict=True,
    ):
        assert got == (None if want is None else pytest.approx(want))


def test_edge_turns_is_configurable() -> None:
    assert customer_sentiment_arc([-1.0, 0.0, 1.0], edge_turns=1) == SentimentArc(-1.0, 1.0, 2.0)


@pytest.mark.parametrize("bad", [1.5, -1.01, math.nan])
def test_rejects_scores_outside_range(bad: float) -> None:
    with pytest.raises(ValueError, match="outside"):
        customer_sentiment_arc([0.0, bad])


def test_rejects_zero_edge_turns() -> None:
    with pytest.raises(ValueError, match="edge_turns"):
        customer_sentiment_arc([0.0], edge_turns=0)
