"""Transcript words for full-text search, and the call list's pure rules."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from tiexin.domain.call_list import (
    FAILED_RESULT,
    CallListFilter,
    Sentiment,
    failed_item_ids,
    sentiment_of,
    sentiment_range,
)
from tiexin.domain.operator_time import OPERATOR_TIMEZONE, day_bounds, local_minute
from tiexin.features.search_text import index_tokens, query_tokens
from tiexin.rules.scoring import Outcome


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("流量", ["流量"]),
        ("流量套餐", ["流量", "套餐"]),
        ("  宽带，上不了网！", ["宽带", "上", "不了", "网"]),
        ("ＶＩＰ 专线", ["vip", "专线"]),  # full-width letters and case folded
        ("，。！ ", []),
        ("", []),
        ("套餐 套餐", ["套餐"]),
    ],
)
def test_query_words(query: str, words: list[str]) -> None:
    assert query_tokens(query) == words


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (["我想办理流量套餐"], {"流量", "套餐", "办理"}),
        (["您好，VIP专线"], {"您好", "vip", "专线"}),
        (["中华人民共和国"], {"中华", "人民", "共和国", "中华人民共和国"}),  # search mode
        (["一九零三。", "3107"], {"3107"}),
    ],
)
def test_index_words_include_what_queries_ask(texts: list[str], expected: set[str]) -> None:
    words = index_tokens(texts).split(" ")
    assert expected <= set(words)
    assert len(words) == len(set(words)), "each word once"
    assert not {"，", "。", ""} & set(words)


@pytest.mark.parametrize(
    "text",
    ["我上个月的话费怎么多扣了三十块钱", "宽带从昨天晚上开始就上不了网了", "积分可以兑换话费"],
)
def test_every_query_word_of_a_sentence_is_indexed_for_it(text: str) -> None:
    assert set(query_tokens(text)) <= set(index_tokens([text]).split(" "))


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (None, None),
        (-0.9, Sentiment.NEGATIVE),
        (-0.2, Sentiment.NEUTRAL),
        (0.0, Sentiment.NEUTRAL),
        (0.2, Sentiment.NEUTRAL),
        (0.21, Sentiment.POSITIVE),
    ],
)
def test_sentiment_bands(score: float | None, band: Sentiment | None) -> None:
    assert sentiment_of(score) == band
    if score is not None and band is not None:
        low, high = sentiment_range(band)
        assert (low is None or score >= low) and (high is None or score <= high)


def test_days_are_local_days() -> None:
    low, high = day_bounds(date(2025, 6, 3), date(2025, 6, 4))
    assert low == datetime(2025, 6, 3, tzinfo=OPERATOR_TIMEZONE)
    assert high == datetime(2025, 6, 5, tzinfo=OPERATOR_TIMEZONE)
    assert day_bounds(None, None) == (None, None)
    assert local_minute(datetime.fromisoformat("2025-06-02T01:12:00+00:00")) == "2025-06-02 09:12"


@pytest.mark.parametrize(
    ("results", "changes", "failed"),
    [
        ({"a": "pass", "b": "fail", "c": "na"}, [], ["b"]),
        ({"a": "pass", "b": "fail"}, [("a", "fail"), ("b", "pass")], ["a"]),
        ({"a": "fail"}, [("a", "pass"), ("a", "fail")], ["a"]),  # the last change wins
        ({"a": "fail"}, [("a", None)], ["a"]),  # a comment changes nothing
    ],
)
def test_failed_items_after_human_changes(
    results: dict[str, str], changes: list[tuple[str, str | None]], failed: list[str]
) -> None:
    items = [{"id": item_id, "result": result} for item_id, result in results.items()]
    assert failed_item_ids(items, changes) == failed


def test_the_failed_result_is_the_scorers() -> None:
    assert Outcome.FAIL.value == FAILED_RESULT


def test_filters_as_text_leave_out_unset_ones() -> None:
    filters = CallListFilter(agent_id="3107", score_min=0.0, text="", sentiment=Sentiment.NEGATIVE)
    assert filters.as_dict() == {"agent_id": "3107", "score_min": "0.0", "sentiment": "negative"}
