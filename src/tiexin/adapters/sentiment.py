"""Utterance sentiment: pysenti's bundled Chinese model; a small lexicon for English."""

from __future__ import annotations

import re
from typing import Any

_EN_POSITIVE = frozenset(
    [
        "thanks",
        "thank",
        "great",
        "good",
        "perfect",
        "appreciate",
        "helpful",
        "wonderful",
        "excellent",
        "happy",
        "glad",
        "nice",
        "sure",
        "fine",
        "lovely",
    ]
)
_EN_NEGATIVE = frozenset(
    [
        "complaint",
        "complain",
        "terrible",
        "awful",
        "angry",
        "ridiculous",
        "unacceptable",
        "cancel",
        "worst",
        "bad",
        "disappointed",
        "useless",
        "rude",
        "never",
        "problem",
        "wrong",
        "upset",
        "annoyed",
    ]
)
_EN_WORD = re.compile(r"[a-z']+")


class PysentiScorer:
    """Score in [-1, 1]: positive minus negative probability of pysenti's Bayes model."""

    def __init__(self) -> None:
        self._model: Any = None

    def setup(self) -> None:
        if self._model is None:
            from pysenti import ModelClassifier  # loads its bundled model at first use

            self._model = ModelClassifier()

    def score(self, text: str, *, language: str) -> float:
        if language == "en":
            return score_english(text)
        self.setup()
        if not text.strip():
            return 0.0
        result = self._model.classify(text)
        return float(result["positive_prob"]) - float(result["negative_prob"])


def score_english(text: str) -> float:
    words = _EN_WORD.findall(text.lower())
    positive = sum(word in _EN_POSITIVE for word in words)
    negative = sum(word in _EN_NEGATIVE for word in words)
    if positive + negative == 0:
        return 0.0
    return (positive - negative) / (positive + negative)
