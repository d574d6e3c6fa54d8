"""Building time-ordered turns from recognised words (pure)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Literal

from tiexin.domain.calls import Role, Turn, Word

# A pause longer than this inside one channel starts a new turn.
TURN_GAP_S = 0.8
# The agent's turns that a second pass decodes again: the first (greeting, job number) and the
# last (thanks, goodbye).
EdgeTurn = Literal["opening", "closing"]
# A second pass hears this much audio either side of its turn, so a word whose edge the first
# pass's timestamps cut off is heard whole; short of the 0.3 s between turns.
REDECODE_PAD_S = 0.2
_SPACE_BETWEEN_CJK = re.compile(
    r"(?<=[\u3000-\u9fff\uff00-\uffef])\s+|\s+(?=[\u3000-\u9fff\uff00-\uffef])"
)


def join_words(words: Iterable[Word], language: str) -> str:
    text = "".join(word.text for word in words).strip()
    text = re.sub(r"\s+", " ", text)
    return _SPACE_BETWEEN_CJK.sub("", text) if language == "zh" else text


def group_words(words: Sequence[Word], *, max_gap_s: float = TURN_GAP_S) -> list[list[Word]]:
    """Split a channel's words wherever the speaker pauses longer than `max_gap_s`."""
    groups: list[list[Word]] = []
    for word in words:
        if groups and word.start_s - groups[-1][-1].end_s <= max_gap_s:
            groups[-1].append(word)
        else:
            groups.append([word])
    return groups


def turn_from_words(
    words: Sequence[Word], *, role: Role, language: str, channel: int | None
) -> Turn:
    confidence = sum(word.probability for word in words) / len(words)
    return Turn(
        role=role,
        start_s=words[0].start_s,
        end_s=words[-1].end_s,
        text=join_words(words, language),
        words=tuple(words),
        confidence=round(confidence, 4),
        channel=channel,
    )


def channel_turns(
    words: Sequence[Word], *, role: Role, language: str, channel: int | None
) -> list[Turn]:
    """Turns of one party on its own channel."""
    return _turns(group_words(words), role=role, language=language, channel=channel)


def _turns(
    groups: Sequence[Sequence[Word]], *, role: Role, language: str, channel: int | None
) -> list[Turn]:
    turns = (
        turn_from_words(group, role=role, language=language, channel=channel) for group in groups
    )
    return [turn for turn in turns if turn.text]


def merge_in_time(*channels: Sequence[Turn]) -> list[Turn]:
    return sorted(
        (turn for turns in channels for turn in turns), key=lambda t: (t.start_s, t.end_s)
    )


def region_of_each_word(words: Sequence[Word], regions: Sequence[tuple[float, float]]) -> list[int]:
    """Index of the speech region each word belongs to: most overlap, else the nearest one."""
    return [_best_region(word, regions) for word in words]


def _best_region(word: Word, regions: Sequence[tuple[float, float]]) -> int:
    def score(index: int) -> tuple[float, float]:
        start, end = regions[index]
        overlap = min(word.end_s, end) - max(word.start_s, start)
        distance = max(start - word.end_s, word.start_s - end, 0.0)
        return (overlap, -distance)

    return max(range(len(regions)), key=score)


def turns_from_regions(
    words: Sequence[Word],
    word_regions: Sequence[int],
    regions: Sequence[tuple[float, float]],
    region_roles: Sequence[Role],
    *,
    language: str,
) -> list[Turn]:
    """Consecutive words of one speaker form a turn, bounded by that speaker's speech regions."""
    turns: list[Turn] = []
    run: list[int] = []
    for index, region in enumerate(word_regions):
        if run and _starts_new_turn(word_regions[run[-1]], region, regions, region_roles):
            turns.append(_region_turn(words, word_regions, run, regions, region_roles, language))
            run = []
        run.append(index)
    if run:
        turns.append(_region_turn(words, word_regions, run, regions, region_roles, language))
    return [turn for turn in turns if turn.text]


def _region_turn(
    words: Sequence[Word],
    word_regions: Sequence[int],
    run: Sequence[int],
    regions: Sequence[tuple[float, float]],
    region_roles: Sequence[Role],
    language: str,
) -> Turn:
    used = [regions[word_regions[i]] for i in run]
    turn = turn_from_words(
        [words[i] for i in run],
        role=region_roles[word_regions[run[0]]],
        language=language,
        channel=None,
    )
    return replace(turn, start_s=min(s for s, _ in used), end_s=max(e for _, e in used))


def _starts_new_turn(
    previous: int,
    region: int,
    regions: Sequence[tuple[float, float]],
    region_roles: Sequence[Role],
) -> bool:
    if region_roles[previous] != region_roles[region]:
        return True
    return region != previous and regions[region][0] - regions[previous][1] > TURN_GAP_S


def edge_turn_clips(turns: Sequence[Turn]) -> list[tuple[EdgeTurn, int, float, float]]:
    """The agent's first and last turns, each with its index and the audio to decode it again.

    An agent with a single turn has only the opening: one turn is decoded once.
    """
    agent = [i for i, turn in enumerate(turns) if turn.role is Role.AGENT]
    if not agent:
        return []
    edges: list[tuple[EdgeTurn, int]] = [("opening", agent[0])]
    if len(agent) > 1:
        edges.append(("closing", agent[-1]))
    return [
        (edge, i, max(0.0, turns[i].start_s - REDECODE_PAD_S), turns[i].end_s + REDECODE_PAD_S)
        for edge, i in edges
    ]


def with_turn_redecoded(
    turns: Sequence[Turn], index: int, words: Sequence[Word], *, offset_s: float, language: str
) -> list[Turn]:
    """`turns` with turn `index` re-written from `words` (times from `offset_s`).

    The turn keeps its bounds, so silences, overtalk and snapping do not move; without words the
    first decode stands.
    """
    shifted = [replace(w, start_s=w.start_s + offset_s, end_s=w.end_s + offset_s) for w in words]
    old = turns[index]
    if not shifted or not join_words(shifted, language):
        return list(turns)
    new = turn_from_words(shifted, role=old.role, language=language, channel=old.channel)
    redone = replace(old, text=new.text, words=new.words, confidence=new.confidence)
    return [*turns[:index], redone, *turns[index + 1 :]]
