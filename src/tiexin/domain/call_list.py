"""What the call list is asked for: filters, sort and page, as plain values.

The web layer builds a `CallListQuery` from the request, the storage layer turns it into one
indexed SQL query, exports reuse it unchanged.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

# An item's result when it failed (the value of `rules.scoring.Outcome.FAIL`).
FAILED_RESULT = "fail"

# Dates in filters are days of the hotline's local time (China Standard Time, no daylight saving).


class SortKey(enum.StrEnum):
    START_TIME = "start_time"
    SCORE = "score"
    DURATION = "duration"
    AGENT_ID = "agent_id"


class SortOrder(enum.StrEnum):
    ASC = "asc"
    DESC = "desc"


class Sentiment(enum.StrEnum):
    """The customer's mood at the end of the call, from the sentiment score in [-1, 1]."""

    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"


# A score within this distance of 0 reads as neutral: the lexicon model gives small non-zero
# scores to plain factual turns ("好的", "后四位是五八二六").
NEUTRAL_MARGIN = 0.2
SENTIMENT_SCORE_MIN = -1.0
SENTIMENT_SCORE_MAX = 1.0


def sentiment_range(sentiment: Sentiment) -> tuple[float | None, float | None]:
    """The (exclusive of the other bands) score range of a band: (low, high), None = open."""
    if sentiment is Sentiment.NEGATIVE:
        return None, -NEUTRAL_MARGIN
    if sentiment is Sentiment.POSITIVE:
        return NEUTRAL_MARGIN, None
    return -NEUTRAL_MARGIN, NEUTRAL_MARGIN


def sentiment_of(score: float | None) -> Sentiment | None:
    """The band a score falls in; scores on a band's edge belong to the neutral band."""
    if score is None:
        return None
    if score < -NEUTRAL_MARGIN:
        return Sentiment.NEGATIVE
    if score > NEUTRAL_MARGIN:
        return Sentiment.POSITIVE
    return Sentiment.NEUTRAL


@dataclass(frozen=True)
class CallListFilter:
    """Every filter of the call list; None (or empty) means "any"."""

    date_from: date | None = None  # call start date, inclusive
    date_to: date | None = None  # inclusive
    agent_id: str | None = None
    line: str | None = None
    score_min: float | None = None  # the latest evaluation's total, human edits applied
    score_max: float | None = None
    failed_item: str | None = None  # an item that failed in the latest evaluation
    sentiment: Sentiment | None = None  # the customer's mood at the end of the call
    sentiment_min: float | None = None
    sentiment_max: float | None = None
    text: str | None = None  # words that must all occur in the transcript

    def as_dict(self) -> dict[str, str]:
        """The filters that are set, as text (for the audit log and links that keep them)."""
        values = {name: getattr(self, name) for name in self.__dataclass_fields__}
        return {name: str(value) for name, value in values.items() if value not in (None, "")}


@dataclass(frozen=True)
class CallListQuery:
    filters: CallListFilter = CallListFilter()
    sort: SortKey = SortKey.START_TIME
    order: SortOrder = SortOrder.DESC
    page: int = 1
    page_size: int = 50

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


def failed_item_ids(
    items: Iterable[Mapping[str, Any]], changes: Iterable[tuple[str, str | None]] = ()
) -> list[str]:
    """The items of an evaluation that failed, after the human changes (item id, new result).

    `changes` are in the order they were made; the last one for an item wins, a change without
    a new result (a comment) changes nothing.
    """
    results = {str(item["id"]): str(item.get("result")) for item in items}
    for item_id, new_result in changes:
        if new_result is not None:
            results[item_id] = new_result
    return [item_id for item_id, result in results.items() if result == FAILED_RESULT]
