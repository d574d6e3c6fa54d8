"""Re-score an evaluation with a person's edits: an inspector's overrides or accepted appeals.

The stored evaluation keeps the automatic result of every item; a review only changes an item's
result and points. The score is then recomputed with the scorecard's own arithmetic
(`scoring.summarise`): the scoring mode, N/A items leaving the section, section and form
auto-fails, critical failures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tiexin.rules.scorecard import Item, Mode, Scorecard
from tiexin.rules.scoring import Evaluation, ItemResult, Outcome, summarise


class ReviewScoringError(ValueError):
    """An edit the scorecard does not allow, or an evaluation that does not fit the scorecard."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class ItemState:
    """One item's result and points as the score counts them (points are negative deductions
    in deduction mode, as in the stored evaluation)."""

    result: Outcome
    points: float


def find_item(card: Scorecard, item_id: str) -> Item:
    for section in card.sections:
        for item in section.items:
            if item.id == item_id:
                return item
    raise ReviewScoringError(f"scorecard {card.id} has no item {item_id!r}", field="item_id")


def default_points(card: Scorecard, item: Item, result: Outcome) -> float:
    """The points the automatic scoring gives this result."""
    if card.mode is Mode.WEIGHTED:
        return item.points if result is Outcome.PASS else 0.0
    return -item.points if result is Outcome.FAIL else 0.0


def checked_state(
    card: Scorecard, item_id: str, result: Outcome, points: float | None
) -> ItemState:
    """The edit as the score will count it; points default to the result's usual points.

    Weighted mode awards 0..item points, deduction mode deducts them (-item points..0); an N/A
    item carries no points.
    """
    item = find_item(card, item_id)
    if points is None:
        return ItemState(result, default_points(card, item, result))
    if result is Outcome.NA and points != 0:
        raise ReviewScoringError("a not-applicable item carries no points", field="points")
    low, high = (0.0, item.points) if card.mode is Mode.WEIGHTED else (-item.points, 0.0)
    if not low <= points <= high:
        raise ReviewScoringError(
            f"points of {item_id} must lie between {low:g} and {high:g}", field="points"
        )
    return ItemState(result, float(points))


def rescore(card: Scorecard, states: Mapping[str, ItemState]) -> Evaluation:
    """The evaluation's section scores, total and band with these item states."""
    results: list[ItemResult] = []
    for section in card.sections:
        for item in section.items:
            state = states.get(item.id)
            if state is None:
                raise ReviewScoringError(
                    f"the evaluation has no result for item {item.id!r} of scorecard "
                    f"{card.id} version {card.version}"
                )
            results.append(
                ItemResult(
                    id=item.id,
                    name=item.name,
                    section=section.id,
                    result=state.result,
                    points=state.points,
                    possible=0.0 if state.result is Outcome.NA else item.points,
                    confidence=1.0,
                    evidence=(),
                    explanation="",
                    critical=item.critical,
                )
            )
    return summarise(card, results)
