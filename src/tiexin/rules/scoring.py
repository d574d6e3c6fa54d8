"""Score a call with a scorecard: item results, section (dimension) scores, total and band.

Weighted mode: a section scores earned / possible points (N/A items leave both), the total is
the weighted mean of the sections that have any applicable item. Deduction mode: each section
starts from its weight (the weights add up to 100) and loses the points of its failed items,
never below zero. An auto-failed section scores 0; an auto-failed form totals 0. Critical items
do not change the arithmetic: their failures are listed so that reports can single them out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from tiexin.rules.evaluate import (
    BuiltinImpl,
    CallView,
    Context,
    Evidence,
    Result,
    UnavailableError,
    evaluate,
)
from tiexin.rules.scorecard import AutoFail, Item, Mode, Scorecard, Section
from tiexin.rules.similarity import SentenceEncoder, SimilarityUnavailableError


class Outcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NA = "na"


@dataclass(frozen=True, slots=True)
class ItemResult:
    id: str
    name: str
    section: str
    result: Outcome
    points: float  # awarded (weighted mode) or deducted, as a negative number (deduction mode)
    possible: float  # 0 when N/A
    confidence: float
    evidence: tuple[Evidence, ...]
    explanation: str
    critical: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "result": self.result.value,
            "points": round(self.points, 3),
            "confidence": round(self.confidence, 3),
            "evidence": [e.to_dict() for e in self.evidence],
            "explanation": self.explanation,
        }


@dataclass(frozen=True, slots=True)
class SectionScore:
    id: str
    name: str
    score: float | None  # 0..100; None when every item was N/A
    auto_failed: bool


@dataclass(frozen=True, slots=True)
class Evaluation:
    scorecard: str
    version: str
    total: float
    band: str | None
    dimensions: Mapping[str, SectionScore]
    items: tuple[ItemResult, ...]
    form_auto_failed: bool
    critical_failures: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """The export form: scorecard, version, total, band, dimensions, items."""
        return {
            "scorecard": self.scorecard,
            "version": self.version,
            "total": round(self.total, 2),
            "band": self.band,
            "dimensions": {
                k: None if d.score is None else round(d.score, 2)
                for k, d in self.dimensions.items()
            },
            "auto_failed": self.form_auto_failed,
            "critical_failures": list(self.critical_failures),
            "items": [i.to_dict() for i in self.items],
        }


def _confidence(call: CallView, evidence: tuple[Evidence, ...]) -> float:
    """The weakest ASR confidence among evidence turns, times the role-assignment confidence."""
    scores = [
        c
        for e in evidence
        if e.turn is not None and (c := call.turns[e.turn].confidence) is not None
    ]
    return min(scores, default=1.0) * call.role_confidence


def judge_item(item: Item, ctx: Context) -> tuple[Outcome, Result | None, str]:
    """Pass, fail or N/A, the deciding result, and why; N/A also when a capability is missing."""
    try:
        if item.na_when is not None:
            na = evaluate(item.na_when, ctx)
            if na.holds:
                return Outcome.NA, na, f"not applicable: {na.explanation}"
        if item.fail_when is not None:
            failed = evaluate(item.fail_when, ctx)
            if failed.holds or item.pass_when is None:
                return (Outcome.FAIL if failed.holds else Outcome.PASS), failed, failed.explanation
        assert item.pass_when is not None  # the loader guarantees one of the two
        passed = evaluate(item.pass_when, ctx)
        return (Outcome.PASS if passed.holds else Outcome.FAIL), passed, passed.explanation
    except (UnavailableError, SimilarityUnavailableError) as err:
        return Outcome.NA, None, f"not scored: {err}"


def _item_result(item: Item, section: Section, mode: Mode, ctx: Context) -> ItemResult:
    outcome, result, explanation = judge_item(item, ctx)
    evidence = result.evidence if result is not None else ()
    possible = 0.0 if outcome is Outcome.NA else item.points
    if mode is Mode.WEIGHTED:
        points = item.points if outcome is Outcome.PASS else 0.0
    else:
        points = -item.points if outcome is Outcome.FAIL else 0.0
    confidence = 0.0 if result is None else _confidence(ctx.call, evidence)
    return ItemResult(
        id=item.id,
        name=item.name,
        section=section.id,
        result=outcome,
        points=points,
        possible=possible,
        confidence=confidence,
        evidence=evidence,
        explanation=explanation,
        critical=item.critical,
    )


def _section_score(section: Section, results: list[ItemResult], mode: Mode) -> SectionScore:
    auto_failed = any(
        r.result is Outcome.FAIL and i.auto_fail is AutoFail.SECTION
        for i, r in zip(section.items, results, strict=True)
    )
    if mode is Mode.DEDUCTION:
        deducted = -sum(r.points for r in results)
        left = 0.0 if auto_failed else max(0.0, section.weight - deducted)
        return SectionScore(section.id, section.name, 100.0 * left / section.weight, auto_failed)
    possible = sum(r.possible for r in results)
    if possible == 0:
        return SectionScore(section.id, section.name, None, auto_failed)
    earned = sum(r.points for r in results)
    score = 0.0 if auto_failed else 100.0 * earned / possible
    return SectionScore(section.id, section.name, score, auto_failed)


def _total(card: Scorecard, scores: list[SectionScore]) -> float:
    if card.mode is Mode.DEDUCTION:
        return sum(
            s.weight * (d.score or 0.0) / 100.0 for s, d in zip(card.sections, scores, strict=True)
        )
    weighted = [
        (s.weight, d.score)
        for s, d in zip(card.sections, scores, strict=True)
        if d.score is not None
    ]
    weight = sum(w for w, _ in weighted)
    # A call where nothing applies lost nothing: it scores full marks.
    return sum(w * score for w, score in weighted) / weight if weight else 100.0


def score_call(
    card: Scorecard,
    call: CallView,
    *,
    encoder: SentenceEncoder | None = None,
    functions: Mapping[str, BuiltinImpl] | None = None,
) -> Evaluation:
    """Evaluate every item of the scorecard on one call."""
    ctx = Context(call, encoder=encoder, functions=functions)
    items = [
        _item_result(item, section, card.mode, ctx)
        for section in card.sections
        for item in section.items
    ]
    return summarise(card, items)


def summarise(card: Scorecard, items: Sequence[ItemResult]) -> Evaluation:
    """Section scores, auto-fails, total and band from one result per item of the scorecard.

    Shared by automatic scoring and by re-scoring with a person's edits, so both follow the
    same arithmetic.
    """
    by_id = {r.id: r for r in items}
    dimensions: dict[str, SectionScore] = {}
    scores: list[SectionScore] = []
    for section in card.sections:
        results = [by_id[item.id] for item in section.items]
        score = _section_score(section, results, card.mode)
        dimensions[section.id] = score
        scores.append(score)
    all_items = [i for s in card.sections for i in s.items]
    ordered = [by_id[i.id] for i in all_items]
    form_failed = any(
        r.result is Outcome.FAIL and i.auto_fail is AutoFail.FORM
        for i, r in zip(all_items, ordered, strict=True)
    )
    total = 0.0 if form_failed else min(100.0, max(0.0, _total(card, scores)))
    return Evaluation(
        scorecard=card.id,
        version=card.version,
        total=total,
        band=card.band_for(total),
        dimensions=dimensions,
        items=tuple(ordered),
        form_auto_failed=form_failed,
        critical_failures=tuple(r.id for r in ordered if r.critical and r.result is Outcome.FAIL),
    )
