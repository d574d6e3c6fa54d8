"""Which calls an inspector should hear this week: risk signals, ranking and the weekly pick.

Pure: the service gathers each call's evaluation, features and turns into `CallSignals`; this
module turns them into reasons (stored with the queue row and translated on the page), a risk
score, and the per-agent selection (the riskiest calls plus a reproducible random share that
serves calibration and keeps the sample honest).
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tiexin.domain.operator_time import OPERATOR_TIMEZONE

# Used when a line has no stored sampling plan.
DEFAULT_CALLS_PER_AGENT = 5
DEFAULT_RANDOM_SHARE = 0.1

# The hotline works on Beijing time: a week runs Monday 00:00 to Sunday 24:00 there.

LOW_SCORE_THRESHOLD = 60.0  # the pass mark of the bundled scorecard (band 合格)
FAILING_BANDS = frozenset({"不合格", "fail", "failed"})
NEGATIVE_END_SENTIMENT = -0.3  # customer sentiment is in [-1, 1]
LOW_ASR_CONFIDENCE = 0.6  # mean of the turns' ASR confidences
LOW_ITEM_CONFIDENCE = 0.5
NEW_AGENT_DAYS = 30

# Words a customer uses when a complaint is about to leave the hotline. Chinese terms are
# matched as substrings, English ones as whole words (case-insensitive).
ESCALATION_TERMS_ZH = (
    "投诉",
    "工信部",
    "12300",
    "曝光",
    "媒体",
    "记者",
    "律师",
    "起诉",
    "法院",
    "消协",
    "12315",
    "销户",
    "携号转网",
    "转网",
    "退网",
)
ESCALATION_TERMS_EN = (
    "complain",
    "complaint",
    "regulator",
    "ombudsman",
    "lawyer",
    "sue",
    "court",
    "media",
    "cancel",
    "switch carrier",
    "port my number",
)
_EN_PATTERN = re.compile(
    r"\b(" + "|".join(re.escape(term) for term in ESCALATION_TERMS_EN) + r")\b", re.IGNORECASE
)

# How much each signal adds to a call's risk; an automatic fail outweighs everything else.
WEIGHTS = {
    "auto_fail": 5.0,
    "section_failed": 3.0,
    "critical_failed": 3.0,
    "escalation": 4.0,
    "low_score": 2.0,
    "negative_end": 2.0,
    "low_asr_confidence": 1.0,
    "low_item_confidence": 1.0,
    "new_agent": 1.0,
}


@dataclass(frozen=True)
class Reason:
    """Why a call is worth a human listen: a code the page translates and its parameters."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "params": self.params}


@dataclass(frozen=True)
class CallSignals:
    """What the ranking knows about one analysed call."""

    call_pk: int
    call_id: str
    line: str
    agent_id: str
    total: float | None = None  # None when the call has no evaluation
    band: str | None = None
    auto_failed: bool = False
    failed_sections: tuple[str, ...] = ()  # sections that scored 0 (an automatic section fail)
    critical_failures: tuple[str, ...] = ()
    customer_sentiment_end: float | None = None
    customer_texts: tuple[str, ...] = ()
    turn_confidences: tuple[float, ...] = ()
    item_confidences: tuple[tuple[str, float], ...] = ()
    new_agent: bool = False


@dataclass(frozen=True)
class Ranked:
    signals: CallSignals
    risk: float
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Pick:
    ranked: Ranked
    random_pick: bool


def escalation_terms(text: str) -> list[str]:
    """The escalation words in one customer turn, in the order of the term lists."""
    found = [term for term in ESCALATION_TERMS_ZH if term in text]
    found += [match.lower() for match in _EN_PATTERN.findall(text)]
    return list(dict.fromkeys(found))


def risk_reasons(call: CallSignals) -> list[Reason]:
    """Every risk signal the call shows, strongest kind first."""
    reasons: list[Reason] = []
    if call.auto_failed:
        reasons.append(Reason("auto_fail"))
    if call.failed_sections:
        reasons.append(Reason("section_failed", {"sections": list(call.failed_sections)}))
    if call.critical_failures:
        reasons.append(Reason("critical_failed", {"items": list(call.critical_failures)}))
    terms = list(dict.fromkeys(t for text in call.customer_texts for t in escalation_terms(text)))
    if terms:
        reasons.append(Reason("escalation", {"terms": terms}))
    if call.total is not None and (
        call.total < LOW_SCORE_THRESHOLD or (call.band or "").lower() in FAILING_BANDS
    ):
        reasons.append(Reason("low_score", {"total": round(call.total, 1), "band": call.band}))
    end = call.customer_sentiment_end
    if end is not None and end <= NEGATIVE_END_SENTIMENT:
        reasons.append(Reason("negative_end", {"sentiment": round(end, 2)}))
    if call.turn_confidences:
        mean = sum(call.turn_confidences) / len(call.turn_confidences)
        if mean < LOW_ASR_CONFIDENCE:
            reasons.append(Reason("low_asr_confidence", {"confidence": round(mean, 2)}))
    unsure = [
        item for item, confidence in call.item_confidences if confidence < LOW_ITEM_CONFIDENCE
    ]
    if unsure:
        reasons.append(Reason("low_item_confidence", {"items": unsure}))
    if call.new_agent:
        reasons.append(Reason("new_agent"))
    return reasons


def rank_call(call: CallSignals) -> Ranked:
    """Risk = the weights of the reasons, plus the missing share of the score (0..1) so that
    among calls with the same signals the lower-scored one is heard first."""
    reasons = risk_reasons(call)
    shortfall = 0.0 if call.total is None else max(0.0, min(100.0, 100.0 - call.total)) / 100.0
    risk = sum(WEIGHTS[r.code] for r in reasons) + shortfall
    return Ranked(call, round(risk, 4), tuple(reasons))


def random_quota(calls_per_agent: int, random_share: float) -> int:
    """How many of an agent's N weekly calls are random picks (at least one when share > 0)."""
    if calls_per_agent <= 0 or random_share <= 0:
        return 0
    return min(calls_per_agent, max(1, math.floor(calls_per_agent * random_share + 0.5)))


def select_for_agent(
    calls: Sequence[CallSignals],
    *,
    risk_slots: int,
    random_slots: int,
    seed: str,
) -> list[Pick]:
    """The `risk_slots` riskiest calls, then `random_slots` drawn from the rest.

    The draw is reproducible: `seed` (week, line and agent) seeds the generator and the rest is
    put in call-id order first, so building the same week twice picks the same calls.
    """
    ranked = sorted((rank_call(call) for call in calls), key=lambda r: (-r.risk, r.signals.call_id))
    chosen = [Pick(r, random_pick=False) for r in ranked[: max(0, risk_slots)]]
    rest = sorted(ranked[max(0, risk_slots) :], key=lambda r: r.signals.call_id)
    drawn = random.Random(seed).sample(rest, min(len(rest), max(0, random_slots)))
    chosen += [Pick(r, random_pick=True) for r in drawn]
    return chosen


def parse_week(week: str) -> date:
    """The Monday of an ISO week written `2025-W23`; ValueError when it is not one."""
    match = re.fullmatch(r"(\d{4})-W(\d{2})", week)
    if not match:
        raise ValueError(f"week must look like 2025-W23, not {week!r}")
    year, number = int(match.group(1)), int(match.group(2))
    try:
        return date.fromisocalendar(year, number, 1)
    except ValueError:
        raise ValueError(f"{year} has no ISO week {number}") from None


def week_bounds(week: str) -> tuple[datetime, datetime]:
    """The week's start (inclusive) and end (exclusive) as UTC instants."""
    monday = parse_week(week)
    start = datetime(monday.year, monday.month, monday.day, tzinfo=OPERATOR_TIMEZONE)
    return start.astimezone(UTC), (start + timedelta(days=7)).astimezone(UTC)


def week_of(moment: datetime) -> str:
    """The ISO week (in the hotline's time zone) an instant falls in."""
    local = moment.astimezone(OPERATOR_TIMEZONE)
    year, number, _ = local.isocalendar()
    return f"{year}-W{number:02d}"
