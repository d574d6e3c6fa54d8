from __future__ import annotations

import pytest

from tiexin.domain.calls import Role, Turn
from tiexin.features.speech import (
    count_speech_units,
    speech_rate_by_role,
    speech_rate_unit,
    turn_speech_rate,
)


@pytest.mark.parametrize(
    ("text", "language", "units"),
    [
        ("您好，工号一零二四为您服务。", "zh", 12),
        ("二十G流量", "zh", 5),  # G is one unit
        ("工号1024", "zh", 6),  # each Arabic digit is a syllable
        ("VIP客户", "zh", 3),
        ("，。！？  ", "zh", 0),
        ("", "zh", 0),
        ("Hello, this is agent three three zero eight.", "en", 8),
        ("I'm calling about my husband's account.", "en", 6),
        ("It costs 158 yuan.", "en", 4),
        ("...", "en", 0),
    ],
)
def test_count_speech_units(text: str, language: str, units: int) -> None:
    assert count_speech_units(text, language) == units


@pytest.mark.parametrize(("language", "unit"), [("zh", "cpm"), ("zh-CN", "cpm"), ("en", "wpm")])
def test_unit(language: str, unit: str) -> None:
    assert speech_rate_unit(language) == unit


@pytest.mark.parametrize(
    ("turn", "language", "rate"),
    [
        (Turn(Role.AGENT, 0.0, 2.0, "您好您好您好"), "zh", 180.0),
        (Turn(Role.AGENT, 1.0, 4.0, "one two three four five six"), "en", 120.0),
        (Turn(Role.AGENT, 1.0, 1.0, "您好"), "zh", 0.0),
    ],
)
def test_turn_speech_rate(turn: Turn, language: str, rate: float) -> None:
    assert turn_speech_rate(turn, language) == pytest.approx(rate)


def test_role_rate_weighs_by_speaking_time() -> None:
    call = [
        Turn(Role.AGENT, 0, 1, "一二三四五"),  # 300 cpm over 1 s
        Turn(Role.AGENT, 2, 5, "一二三"),  # 60 cpm over 3 s
        Turn(Role.CUSTOMER, 6, 8, "好的"),
    ]
    # 8 characters over 4 s, not the mean of the two turn rates
    assert speech_rate_by_role(call, "zh") == pytest.approx({"agent": 120.0, "customer": 60.0})


def test_silent_roles_read_zero() -> None:
    assert speech_rate_by_role([], "en") == {"agent": 0.0, "customer": 0.0}
