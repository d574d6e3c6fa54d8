"""Customer needs and complaint topics in what customers say: the dashboards' blind spots.

Two views of the customer turns of a call:
- `topics_in`: the telecom topics of a small lexicon (流量, 话费, 套餐, 宽带 ... and English words),
  so a count per topic is comparable week after week;
- `keywords_in`: the other content words (jieba segmentation minus a domain stop-word list), so a
  recurring need the lexicon does not know yet still shows up.
Counting is per call: a customer repeating "流量" five times is one call about data.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

import jieba
from jieba import posseg


@dataclass(frozen=True, slots=True)
class Topic:
    id: str
    name_zh: str
    name_en: str
    keywords: tuple[str, ...]  # Chinese phrases match as substrings, English ones as whole words


TOPICS: tuple[Topic, ...] = (
    Topic("data", "流量", "Mobile data", ("流量", "上网", "data", "gigabytes")),
    Topic(
        "bill",
        "话费与账单",
        "Charges and bills",
        (
            "话费",
            "账单",
            "扣费",
            "多扣",
            "扣了",
            "bill",
            "billing",
            "charge",
            "charged",
            "overcharged",
        ),
    ),
    Topic("plan", "套餐资费", "Plans and tariffs", ("套餐", "资费", "plan", "package", "tariff")),
    Topic(
        "broadband", "宽带", "Broadband", ("宽带", "光猫", "网速", "broadband", "wifi", "router")
    ),
    Topic("points", "积分", "Loyalty points", ("积分", "兑换", "points", "rewards")),
    Topic(
        "suspension",
        "停机欠费",
        "Suspension and arrears",
        ("停机", "欠费", "复机", "suspend", "suspended", "arrears"),
    ),
    Topic(
        "complaint",
        "投诉",
        "Complaints",
        ("投诉", "工信部", "态度", "complain", "complaint", "escalate"),
    ),
    Topic(
        "signal",
        "信号",
        "Signal and coverage",
        ("信号", "掉线", "打不通", "signal", "coverage", "dropped"),
    ),
    Topic("porting", "携号转网", "Number porting", ("携号转网", "转网", "porting", "port out")),
    Topic(
        "roaming",
        "国际漫游",
        "International roaming",
        ("国际漫游", "漫游", "出国", "roaming", "abroad"),
    ),
    Topic(
        "cancel", "退订销户", "Cancellations", ("退订", "取消业务", "销户", "cancel", "unsubscribe")
    ),
)

TOPIC_IDS = tuple(topic.id for topic in TOPICS)

# Words every call has (politeness, fillers, pronouns, generic verbs): never a need in themselves.


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOP_WORDS = _words(
    """
    你好 您好 我们 你们 他们 这个 那个 一下 一个 什么 怎么 为什么 可以 能不能 是不是 没有 不是
    就是 还是 但是 因为 所以 然后 已经 现在 今天 昨天 明天 时候 这样 那样 谢谢 谢谢你 好的 知道
    问题 帮我 帮忙 麻烦 请问 一点 还有 这边 那边 觉得 感觉 需要 想要 看看 我家 家里 到底 这么
    那么 办理 业务 手机 号码 客户 电话 真的 应该 如果
    或者 而且 自己 不用 不要 一直 总是 最近 每个 上个月 这个月 下个月 行吧
    hello thanks thank please would could should about there their what when where which that this
    with have your yours just like know okay yeah want need next week month today
    were been will didn doesn phone number call
    """
)

_LATIN_WORD = re.compile(r"[a-z][a-z']+")
_HAN = re.compile(r"[\u4e00-\u9fff]")


@cache
def _matchers() -> tuple[tuple[str, tuple[str, ...], tuple[re.Pattern[str], ...]], ...]:
    built = []
    for topic in TOPICS:
        han = tuple(k for k in topic.keywords if _HAN.search(k))
        latin = tuple(
            re.compile(rf"\b{re.escape(k)}s?\b") for k in topic.keywords if not _HAN.search(k)
        )
        built.append((topic.id, han, latin))
    return tuple(built)


def topics_in(text: str) -> frozenset[str]:
    """The ids of the lexicon topics this text mentions."""
    lowered = text.lower()
    return frozenset(
        topic_id
        for topic_id, han, latin in _matchers()
        if any(k in lowered for k in han) or any(p.search(lowered) for p in latin)
    )


@cache
def _lexicon_words() -> frozenset[str]:
    return frozenset(k.lower() for topic in TOPICS for k in topic.keywords)


def _tagged(text: str) -> list[tuple[str, str]]:
    jieba.setLogLevel(logging.WARNING)  # jieba announces its dictionary build on stderr
    return [(pair.word.strip(), pair.flag) for pair in posseg.lcut(text)]


def _is_content_word(word: str, flag: str) -> bool:
    # Needs are things (nouns, verbal nouns); person names (nr) are never a topic.
    if _HAN.search(word):
        noun = flag == "vn" or (flag.startswith("n") and flag != "nr")
        return noun and len(word) >= 2 and all(_HAN.match(ch) for ch in word)
    return bool(_LATIN_WORD.fullmatch(word)) and len(word) >= 4


def keywords_in(text: str) -> frozenset[str]:
    """Content words outside the lexicon: Chinese nouns of two or more characters, English
    words of four or more letters, minus stop words and the lexicon's own keywords."""
    return frozenset(
        word
        for word, flag in _tagged(text.lower())
        if _is_content_word(word, flag) and word not in STOP_WORDS | _lexicon_words()
    )


@dataclass(frozen=True, slots=True)
class TopicCount:
    key: str  # a topic id or a keyword
    calls: int
    previous_calls: int
    examples: tuple[str, ...]  # call ids, in the order the calls were given

    @property
    def change(self) -> int:
        return self.calls - self.previous_calls


def count_calls(
    current: Mapping[str, frozenset[str]],
    previous: Mapping[str, frozenset[str]],
    *,
    examples: int = 3,
) -> list[TopicCount]:
    """Calls per key in this period and the one before, most frequent first (then by key).

    `current` and `previous` map a call id to the keys (topics or keywords) found in it; only
    keys present in the current period are listed.
    """
    now: Counter[str] = Counter(key for keys in current.values() for key in keys)
    before: Counter[str] = Counter(key for keys in previous.values() for key in keys)
    found: dict[str, list[str]] = {}
    for call_id, keys in current.items():
        for key in keys:
            found.setdefault(key, []).append(call_id)
    ranked = sorted(now, key=lambda key: (-now[key], key))
    return [TopicCount(key, now[key], before[key], tuple(found[key][:examples])) for key in ranked]


def recurring(counts: Iterable[TopicCount], *, min_calls: int = 2) -> list[TopicCount]:
    """Only the keys heard in at least `min_calls` calls: one-off words are not blind spots."""
    return [count for count in counts if count.calls >= min_calls]


def topic_names(language: str) -> dict[str, str]:
    return {t.id: (t.name_zh if language == "zh" else t.name_en) for t in TOPICS}
