"""How the customer's mood moved over the call, from per-turn scores computed elsewhere."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

# Averaging two turns at each end smooths a single curt "嗯" or "好的" without reaching into the
# middle of a short call.
DEFAULT_EDGE_TURNS = 2


@dataclass(frozen=True, slots=True)
class SentimentArc:
    start: float | None
    end: float | None
    trajectory: float | None  # end minus start; positive means the customer ended happier


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def _checked(scores: Sequence[float | None]) -> list[float]:
    present = [s for s in scores if s is not None]
    for score in present:
        if math.isnan(score) or not -1.0 <= score <= 1.0:
            raise ValueError(f"sentiment score {score!r} is outside [-1, 1]")
    return present


def customer_sentiment_arc(
    scores: Sequence[float | None], *, edge_turns: int = DEFAULT_EDGE_TURNS
) -> SentimentArc:
    """Start (mean of the first scored turns), end (mean of the last) and their difference.

    `scores` are the customer's turns in call order; None entries (unscored turns) are skipped.
    With no score at all every field is None.
    """
    if edge_turns < 1:
        raise ValueError("edge_turns must be at least 1")
    present = _checked(scores)
    if not present:
        return SentimentArc(start=None, end=None, trajectory=None)
    start = _mean(present[:edge_turns])
    end = _mean(present[-edge_turns:])
    return SentimentArc(start=start, end=end, trajectory=end - start)
