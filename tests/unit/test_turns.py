from __future__ import annotations

import pytest

from tiexin.domain.calls import Role, Turn, Word
from tiexin.pipeline.turns import (
    TURN_GAP_S,
    channel_turns,
    group_words,
    join_words,
    merge_in_time,
    region_of_each_word,
    turn_from_words,
    turns_from_regions,
)


def words(*texts: str, step: float = 0.5) -> list[Word]:
    """Back-to-back words, each `step` seconds long."""
    return [Word(i * step, (i + 1) * step, text) for i, text in enumerate(texts)]


@pytest.mark.parametrize(
    ("texts", "language", "expected"),
    [
        (["您好", " 请问", " 有什么", " 可以", " 帮您"], "zh", "您好请问有什么可以帮您"),
        ([" 我的", " 全球通", " 套餐"], "zh", "我的全球通套餐"),
        (["积分", "，", " 谢谢"], "zh", "积分，谢谢"),
        ([" 139", " 套餐"], "zh", "139套餐"),
        ([" 4G", " plan"], "zh", "4G plan"),
        ([" Hello", " how", " can", " I", " help?"], "en", "Hello how can I help?"),
        ([" 您好", " 请问"], "en", "您好 请问"),
        ([" Hello", "   there  "], "en", "Hello there"),
        (["Hel", "lo"], "en", "Hello"),
        ([], "zh", ""),
        ([" ", "  "], "en", ""),
    ],
)
def test_join_words(texts: list[str], language: str, expected: str) -> None:
    assert join_words(words(*texts), language) == expected


@pytest.mark.parametrize(
    ("spans", "expected_sizes"),
    [
        ([], []),
        ([(0.0, 0.5)], [1]),
        ([(0.0, 0.5), (0.6, 1.0), (1.1, 1.5)], [3]),
        ([(0.0, 0.5), (0.5 + TURN_GAP_S, 2.0)], [2]),  # a gap of exactly TURN_GAP_S joins
        ([(0.0, 0.5), (0.5 + TURN_GAP_S + 0.01, 2.0)], [1, 1]),
        ([(0.0, 0.5), (0.6, 1.0), (3.0, 3.5), (3.6, 4.0), (9.0, 9.5)], [2, 2, 1]),
    ],
)
def test_group_words_splits_at_long_pauses(
    spans: list[tuple[float, float]], expected_sizes: list[int]
) -> None:
    given = [Word(s, e, "x") for s, e in spans]
    groups = group_words(given)
    assert [len(g) for g in groups] == expected_sizes
    assert [w for g in groups for w in g] == given


def test_group_words_custom_gap() -> None:
    given = [Word(0.0, 0.5, "a"), Word(0.8, 1.0, "b")]
    assert [len(g) for g in group_words(given, max_gap_s=0.2)] == [1, 1]
    assert [len(g) for g in group_words(given, max_gap_s=0.35)] == [2]


def test_turn_from_words() -> None:
    given = [
        Word(1.0, 1.4, "您好", 0.9),
        Word(1.5, 2.0, " 请问", 0.6),
        Word(2.1, 2.75, " 贵宾", 0.75),
    ]
    turn = turn_from_words(given, role=Role.AGENT, language="zh", channel=0)
    assert turn == Turn(
        role=Role.AGENT,
        start_s=1.0,
        end_s=2.75,
        text="您好请问贵宾",
        words=tuple(given),
        confidence=0.75,
        channel=0,
    )


def test_turn_from_words_rounds_confidence() -> None:
    given = [Word(0.0, 1.0, "a", 1.0), Word(1.0, 2.0, "b", 0.0), Word(2.0, 3.0, "c", 0.0)]
    turn = turn_from_words(given, role=Role.CUSTOMER, language="en", channel=None)
    assert turn.confidence == 0.3333
    assert turn.channel is None


def test_channel_turns_drops_empty_text() -> None:
    given = [
        Word(0.0, 0.5, " Hello"),
        Word(0.6, 1.0, " there"),
        Word(5.0, 5.5, "  "),  # a turn of blanks only: dropped
        Word(10.0, 10.5, " Bye"),
    ]
    turns = channel_turns(given, role=Role.CUSTOMER, language="en", channel=1)
    assert [(t.text, t.start_s, t.end_s) for t in turns] == [
        ("Hello there", 0.0, 1.0),
        ("Bye", 10.0, 10.5),
    ]
    assert {t.role for t in turns} == {Role.CUSTOMER}
    assert {t.channel for t in turns} == {1}


def test_channel_turns_of_no_words() -> None:
    assert channel_turns([], role=Role.AGENT, language="zh", channel=0) == []


def test_merge_in_time_orders_by_start_then_end() -> None:
    def turn(role: Role, start: float, end: float) -> Turn:
        return Turn(role=role, start_s=start, end_s=end, text=f"{role}{start}")

    agent = [turn(Role.AGENT, 0.0, 2.0), turn(Role.AGENT, 5.0, 6.0)]
    customer = [turn(Role.CUSTOMER, 1.0, 3.0), turn(Role.CUSTOMER, 5.0, 5.5)]
    merged = merge_in_time(agent, customer)
    assert [(t.role, t.start_s, t.end_s) for t in merged] == [
        (Role.AGENT, 0.0, 2.0),
        (Role.CUSTOMER, 1.0, 3.0),
        (Role.CUSTOMER, 5.0, 5.5),
        (Role.AGENT, 5.0, 6.0),
    ]
    assert merge_in_time() == []
    assert merge_in_time([], agent) == agent


@pytest.mark.parametrize(
    ("span", "regions", "expected"),
    [
        ((0.5, 1.0), [(0.0, 2.0), (3.0, 5.0)], 0),
        ((3.5, 4.0), [(0.0, 2.0), (3.0, 5.0)], 1),
        ((1.5, 3.3), [(0.0, 2.0), (3.0, 5.0)], 0),  # 0.5 s in the first, 0.3 s in the second
        ((1.8, 4.0), [(0.0, 2.0), (3.0, 5.0)], 1),  # most overlap wins
        ((2.2, 2.4), [(0.0, 2.0), (3.0, 5.0)], 0),  # no overlap: nearest (0.2 s vs 0.6 s)
        ((2.7, 2.9), [(0.0, 2.0), (3.0, 5.0)], 1),  # no overlap: nearest (0.1 s vs 0.7 s)
        ((9.0, 9.5), [(0.0, 2.0), (3.0, 5.0)], 1),  # after every region
        ((0.0, 0.1), [(1.0, 2.0), (3.0, 5.0)], 0),  # before every region
        ((0.0, 0.1), [(7.0, 8.0)], 0),
    ],
)
def test_region_of_each_word(
    span: tuple[float, float], regions: list[tuple[float, float]], expected: int
) -> None:
    assert region_of_each_word([Word(*span, "x")], regions) == [expected]


def test_region_of_each_word_keeps_word_order() -> None:
    given = [Word(3.1, 3.2, "a"), Word(0.1, 0.2, "b"), Word(6.0, 6.1, "c")]
    assert region_of_each_word(given, [(0.0, 1.0), (3.0, 4.0), (5.5, 7.0)]) == [1, 0, 2]
    assert region_of_each_word([], [(0.0, 1.0)]) == []


def test_turns_from_regions_splits_on_role_change() -> None:
    given = [
        Word(0.1, 0.5, " Hello"),
        Word(0.6, 1.0, " there"),
        Word(1.2, 1.5, " Hi"),
        Word(2.0, 2.4, " Okay"),
    ]
    regions = [(0.0, 1.1), (1.1, 1.9), (1.9, 2.5)]
    roles = [Role.AGENT, Role.CUSTOMER, Role.AGENT]
    word_regions = region_of_each_word(given, regions)
    assert word_regions == [0, 0, 1, 2]
    turns = turns_from_regions(given, word_regions, regions, roles, language="en")
    assert [(t.role, t.text, t.start_s, t.end_s) for t in turns] == [
        (Role.AGENT, "Hello there", 0.0, 1.1),
        (Role.CUSTOMER, "Hi", 1.1, 1.9),
        (Role.AGENT, "Okay", 1.9, 2.5),
    ]
    assert all(t.channel is None for t in turns)
    assert turns[0].words == tuple(given[:2])


def test_turns_from_regions_joins_close_regions_of_one_speaker() -> None:
    given = [Word(0.2, 0.8, "您好"), Word(1.5, 1.9, "请问")]
    regions = [(0.0, 1.0), (1.0 + TURN_GAP_S, 2.0)]  # gap of exactly TURN_GAP_S: same turn
    turns = turns_from_regions(given, [0, 1], regions, [Role.AGENT, Role.AGENT], language="zh")
    assert [(t.text, t.start_s, t.end_s) for t in turns] == [("您好请问", 0.0, 2.0)]


def test_turns_from_regions_splits_far_regions_of_one_speaker() -> None:
    given = [Word(0.2, 0.8, "您好"), Word(5.2, 5.9, "请问")]
    regions = [(0.0, 1.0), (5.0, 6.0)]
    turns = turns_from_regions(given, [0, 1], regions, [Role.AGENT, Role.AGENT], language="zh")
    assert [(t.role, t.text, t.start_s, t.end_s) for t in turns] == [
        (Role.AGENT, "您好", 0.0, 1.0),
        (Role.AGENT, "请问", 5.0, 6.0),
    ]


def test_turns_from_regions_bounds_come_from_used_regions_only() -> None:
    given = [Word(3.1, 3.4, " yes"), Word(3.5, 3.9, " sure")]
    regions = [(0.0, 1.0), (3.0, 4.5), (8.0, 9.0)]
    roles = [Role.CUSTOMER, Role.CUSTOMER, Role.CUSTOMER]
    turns = turns_from_regions(given, [1, 1], regions, roles, language="en")
    assert [(t.text, t.start_s, t.end_s, t.confidence) for t in turns] == [
        ("yes sure", 3.0, 4.5, 1.0)
    ]


def test_turns_from_regions_drops_blank_turns_and_handles_nothing() -> None:
    given = [Word(0.1, 0.5, "  "), Word(1.2, 1.5, " Hi")]
    regions = [(0.0, 1.0), (1.0, 2.0)]
    turns = turns_from_regions(given, [0, 1], regions, [Role.AGENT, Role.CUSTOMER], language="en")
    assert [(t.role, t.text) for t in turns] == [(Role.CUSTOMER, "Hi")]
    assert turns_from_regions([], [], regions, [Role.AGENT, Role.CUSTOMER], language="en") == []
