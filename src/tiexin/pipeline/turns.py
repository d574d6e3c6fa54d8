"""Building time-ordered turns from recognised words (pure)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from tiexin.domain.calls import Role, Turn, Word

# A pause longer than this inside one channel starts a new turn.
TURN_GAP_S = 0.8
# On a mono recording the parties share the channel: split finer, let speaker separation join.
MONO_PIECE_GAP_S = 0.3
_SENTENCE_END = ("。", "？", "！", "?", "!", ".")
_SPACE_BETWEEN_CJK = re.compile(
    r"(?<=[\u3000-\u9fff\uff00-\uffef])\s+|\s+(?=[\u3000-\u9fff\uff00-\uffef])"
)


def join_words(words: Iterable[Word], language: str) -> str:
    text = "".join(word.text for word in words).strip()
    text = re.sub(r"\s+", " ", text)
    return _SPACE_BETWEEN_CJK.sub("", text) if language == "zh" else text


def group_words(
    words: Sequence[Word], *, max_gap_s: float = TURN_GAP_S, split_sentences: bool = False
) -> list[list[Word]]:
    """Split words wherever the speaker pauses longer than `max_gap_s`.

    With `split_sentences`, also after sentence-final punctuation: on a mono recording a change
    of speaker often comes with a short pause only.
    """
    groups: list[list[Word]] = []
    for word in words:
        previous = groups[-1][-1] if groups else None
        joins = previous is not None and word.start_s - previous.end_s <= max_gap_s
        if joins and split_sentences and previous is not None:
            joins = not previous.text.rstrip().endswith(_SENTENCE_END)
        if joins:
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


def mono_pieces(words: Sequence[Word], *, language: str) -> list[Turn]:
    """Short single-speaker pieces of a mono recording, roles still unknown."""
    groups = group_words(words, max_gap_s=MONO_PIECE_GAP_S, split_sentences=True)
    return _turns(groups, role=Role.UNKNOWN, language=language, channel=None)


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


def merge_same_role(
    turns: Sequence[Turn], language: str, *, max_gap_s: float = TURN_GAP_S
) -> list[Turn]:
    """Join consecutive turns of one role (mono calls split into speaker runs)."""
    merged: list[Turn] = []
    for turn in turns:
        previous = merged[-1] if merged else None
        if previous and previous.role == turn.role and turn.start_s - previous.end_s <= max_gap_s:
            words = previous.words + turn.words
            merged[-1] = turn_from_words(
                words, role=turn.role, language=language, channel=turn.channel
            )
        else:
            merged.append(turn)
    return merged
