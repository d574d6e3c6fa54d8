"""Topics and keywords in what customers say, and counting them per call."""

from __future__ import annotations

import pytest

from tiexin.rules.topics import (
    TOPIC_IDS,
    TOPICS,
    TopicCount,
    count_calls,
    keywords_in,
    recurring,
    topic_names,
    topics_in,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我想问一下我这个月的流量还剩多少", {"data"}),
        ("上个月的话费怎么多扣了三十块钱", {"bill"}),
        ("我家里的宽带从昨天晚上开始就上不了网了", {"broadband"}),
        ("你这是什么态度？我要投诉你", {"complaint"}),
        ("我想办携号转网", {"porting"}),
        ("下周出国，国际漫游怎么开通", {"roaming"}),
        ("手机欠费停机了，能先复机吗", {"suspension"}),
        ("积分可以兑换什么", {"points"}),
        ("家里信号很差，老是掉线", {"signal"}),
        ("换个便宜点的套餐", {"plan"}),
        ("I was overcharged on my bill", {"bill"}),
        ("My broadband router keeps failing and I want to complain", {"broadband", "complaint"}),
        ("Is roaming included in my plan?", {"roaming", "plan"}),
        ("I'd like to cancel the plans", {"cancel", "plan"}),
        ("Update my database password", set()),  # "data" only as a whole word
        ("好的，谢谢你，再见", set()),
    ],
)
def test_topics_in(text: str, expected: set[str]) -> None:
    assert topics_in(text) == expected


@pytest.mark.parametrize(
    ("text", "present", "absent"),
    [
        ("我的积分能兑换什么礼品吗", {"礼品"}, {"积分", "什么"}),  # lexicon words are topics
        ("我想问一下我这个月的流量还剩多少", set(), {"流量", "多少", "一下"}),
        ("I travel abroad next week", {"travel"}, {"next", "week", "abroad"}),
        ("李明帮我查一下发票", {"发票"}, {"李明"}),  # person names are never a need
    ],
)
def test_keywords_in(text: str, present: set[str], absent: set[str]) -> None:
    found = keywords_in(text)
    assert present <= found and not (absent & found)


def test_count_calls_ranks_by_calls_and_compares_with_the_period_before() -> None:
    current = {"C1": frozenset({"data", "bill"}), "C2": frozenset({"data"}), "C3": frozenset()}
    previous = {"P1": frozenset({"bill"}), "P2": frozenset({"bill"}), "P3": frozenset({"roaming"})}
    assert count_calls(current, previous) == [
        TopicCount("data", 2, 0, ("C1", "C2")),
        TopicCount("bill", 1, 2, ("C1",)),
    ]
    assert [c.change for c in count_calls(current, previous)] == [2, -1]


def test_count_calls_keeps_a_few_examples_and_recurring_drops_one_offs() -> None:
    current = {f"C{i}": frozenset({"data"}) for i in range(5)} | {"X": frozenset({"rare"})}
    counts = count_calls(current, {}, examples=2)
    assert counts[0] == TopicCount("data", 5, 0, ("C0", "C1"))
    assert [c.key for c in recurring(counts)] == ["data"]


def test_every_topic_has_a_name_in_both_languages() -> None:
    assert len(set(TOPIC_IDS)) == len(TOPICS)
    for language in ("zh", "en"):
        names = topic_names(language)
        assert set(names) == set(TOPIC_IDS) and all(names.values())
    assert topic_names("en")["porting"] == "Number porting"
