"""Speech rate: Chinese characters per minute or English words per minute.

Mandarin is counted in characters because each Hanzi is one spoken syllable; an Arabic digit is
read as one syllable too, and a Latin token (for example "G" or "VIP") as one unit. English is
counted in words; a group of Arabic digits counts as one word.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from tiexin.domain.calls import Role, Turn
from tiexin.features.timing import PARTIES

_ZH_UNIT = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[0-9０-９]|[A-Za-z]+")
_EN_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*|[0-9]+(?:[.,][0-9]+)*")


def speech_rate_unit(language: str) -> str:
    """Return "cpm" (characters per minute) for Chinese, "wpm" (words per minute) otherwise."""
    return "cpm" if _is_chinese(language) else "wpm"


def _is_chinese(language: str) -> bool:
    return language.lower().startswith("zh")


def count_speech_units(text: str, language: str) -> int:
    """Spoken units in `text`: characters for Chinese, words for other languages."""
    pattern = _ZH_UNIT if _is_chinese(language) else _EN_WORD
    return len(pattern.findall(text))


def _per_minute(units: int, seconds: float) -> float:
    return units * 60.0 / seconds if seconds > 0.0 else 0.0


def turn_speech_rate(turn: Turn, language: str) -> float:
    """Units per minute over the turn's duration (0.0 for a turn of no duration)."""
    return _per_minute(count_speech_units(turn.text, language), turn.duration_s)


def speech_rate_by_role(turns: Sequence[Turn], language: str) -> dict[str, float]:
    """Total units over total speaking minutes per role, so long turns weigh more than short ones.

    Agent and customer are always present (0.0 when silent); unknown only if it spoke.
    """
    units: dict[Role, int] = {role: 0 for role in PARTIES}
    seconds: dict[Role, float] = {role: 0.0 for role in PARTIES}
    for turn in turns:
        units[turn.role] = units.get(turn.role, 0) + count_speech_units(turn.text, language)
        seconds[turn.role] = seconds.get(turn.role, 0.0) + turn.duration_s
    return {role.value: _per_minute(units[role], seconds[role]) for role in units}
