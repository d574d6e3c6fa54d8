"""Conversation timing: talk time, silences (dead air), overtalk and response latency.

Pure functions over `Turn` values. Turns may arrive in any order; every function sorts a copy
by start time and never mutates its input.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from tiexin.domain.calls import OvertalkEvent, Role, Silence, Turn

# Two parties whose interplay we measure; UNKNOWN turns (mono, unresolved speaker) still count as
# speech for silences and talk time but cannot interrupt or respond to anyone.
PARTIES: tuple[Role, Role] = (Role.AGENT, Role.CUSTOMER)

DEFAULT_MIN_OVERTALK_S = 0.2  # ASR turn boundaries are fuzzy by about this much
DEFAULT_MAX_LATENCY_S = 10.0  # a longer gap is a hold or dead air, not a reply


@dataclass(frozen=True, slots=True)
class SilenceStats:
    total_s: float
    longest_s: float
    over_threshold: tuple[Silence, ...]


def _by_start(turns: Iterable[Turn]) -> list[Turn]:
    return sorted(turns, key=lambda t: (t.start_s, t.end_s))


def talk_time_by_role(turns: Sequence[Turn]) -> dict[str, float]:
    """Seconds spoken per role; agent and customer are always present, unknown only if used."""
    totals: dict[str, float] = {role.value: 0.0 for role in PARTIES}
    for turn in turns:
        totals[turn.role.value] = totals.get(turn.role.value, 0.0) + turn.duration_s
    return totals


def talk_ratio_by_role(talk_time: dict[str, float]) -> dict[str, float]:
    """Share of the total talk time per role (all zero when nobody spoke)."""
    total = sum(talk_time.values())
    if total <= 0.0:
        return {role: 0.0 for role in talk_time}
    return {role: seconds / total for role, seconds in talk_time.items()}


def _merged_speech(turns: Sequence[Turn]) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for turn in _by_start(turns):
        if merged and turn.start_s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], turn.end_s))
        else:
            merged.append((turn.start_s, max(turn.start_s, turn.end_s)))
    return merged


def find_silences(turns: Sequence[Turn]) -> list[Silence]:
    """Gaps where nobody speaks, between the first turn's start and the last turn's end.

    Lead-in and lead-out are not silences: they are ringing and hang-up, not dead air.
    """
    speech = _merged_speech(turns)
    return [Silence(start_s=a[1], end_s=b[0]) for a, b in pairwise(speech)]


def summarize_silences(turns: Sequence[Turn], *, threshold_s: float) -> SilenceStats:
    silences = find_silences(turns)
    return SilenceStats(
        total_s=sum(s.duration_s for s in silences),
        longest_s=max((s.duration_s for s in silences), default=0.0),
        over_threshold=tuple(s for s in silences if s.duration_s >= threshold_s),
    )


def _overtalk_between(a: Turn, b: Turn, min_overlap_s: float) -> OvertalkEvent | None:
    start, end = max(a.start_s, b.start_s), min(a.end_s, b.end_s)
    if end - start < min_overlap_s:
        return None
    later = b if (b.start_s, b.end_s) >= (a.start_s, a.end_s) else a
    return OvertalkEvent(start_s=start, end_s=end, interrupter=later.role)


def find_overtalk(
    turns: Sequence[Turn], *, min_overlap_s: float = DEFAULT_MIN_OVERTALK_S
) -> list[OvertalkEvent]:
    """One event per (agent turn, customer turn) pair overlapping by at least `min_overlap_s`.

    This is the ground-truth definition of an overtalk count; the interrupter is the party whose
    turn started later.
    """
    agent = [t for t in turns if t.role is Role.AGENT]
    customer = [t for t in turns if t.role is Role.CUSTOMER]
    events = [
        event
        for a in agent
        for c in customer
        if (event := _overtalk_between(a, c, min_overlap_s)) is not None
    ]
    return sorted(events, key=lambda e: (e.start_s, e.end_s))


def response_latency_by_role(
    turns: Sequence[Turn], *, max_gap_s: float = DEFAULT_MAX_LATENCY_S
) -> dict[str, float | None]:
    """Mean gap between the end of the other party's turn and the start of a role's reply.

    Only hand-overs (consecutive turns of the two parties) with a positive gap up to `max_gap_s`
    count: a negative gap is overtalk, a longer one is a hold. None when a role has no sample.
    """
    samples: dict[Role, list[float]] = {role: [] for role in PARTIES}
    for prev, cur in pairwise(_by_start(turns)):
        if prev.role in PARTIES and cur.role in PARTIES and prev.role is not cur.role:
            gap = cur.start_s - prev.end_s
            if 0.0 < gap <= max_gap_s:
                samples[cur.role].append(gap)
    return {role.value: (sum(gaps) / len(gaps) if gaps else None) for role, gaps in samples.items()}
