"""Evaluation over a call: hits, misses, windows, evidence and explanations."""

from __future__ import annotations

import pickle
from collections.abc import Sequence

import numpy as np
import pytest
from numpy.typing import NDArray

from tiexin.domain.calls import Role, Turn
from tiexin.features.extract import measure_call
from tiexin.rules.checker import compile_rule
from tiexin.rules.evaluate import CallView, Result, UnavailableError, evaluate
from tiexin.rules.similarity import SimilarityUnavailableError

A, C = Role.AGENT, Role.CUSTOMER
TURNS = (
    Turn(A, 0.5, 3.0, "您好，功耗一零二四为您服务。"),
    Turn(C, 3.5, 6.0, "你好，我想改套餐。"),
    Turn(A, 6.5, 9.0, "好的，请报一下身份证的后四位。"),
    Turn(C, 9.5, 10.5, "五五八一。"),
    Turn(A, 25.0, 28.0, "已经办好了。请问还有其他可以帮您的吗？"),
    Turn(C, 28.5, 30.0, "没有了，谢谢。"),
)


def _call(
    turns: Sequence[Turn] = TURNS, sentiments: Sequence[float | None] | None = None
) -> CallView:
    features = measure_call(turns, language="zh", customer_sentiments=sentiments)
    return CallView(tuple(turns), features, {"line": "10088", "direction": "inbound"})


def _eval(source: str, call: CallView | None = None) -> Result:
    return evaluate(compile_rule(source), call or _call())


def test_phrase_hit_carries_turn_times_and_text() -> None:
    result = _eval('agent says any("您好", "你好")')
    assert result.holds
    first = result.evidence[0]
    assert (first.turn, first.start_s, first.end_s, first.text) == (0, 0.5, 3.0, "您好")
    assert "the agent said" in result.explanation


def test_homophone_matches_only_with_sounds_like() -> None:
    assert not _eval('agent says "工号"').holds
    result = _eval('agent says sounds_like("工号")')
    assert result.holds and result.evidence[0].text == "功耗"


def test_phrase_sets() -> None:
    assert _eval('agent says all("您好", "身份证")').holds
    assert not _eval('agent says all("您好", "再见")').holds
    assert _eval('agent says at_least(2, "您好", "身份证", "再见")').holds
    assert _eval('agent says none("随便你")').holds
    assert not _eval('agent says none("您好")').holds


def test_role_scope() -> None:
    assert not _eval('customer says "身份证"').holds
    assert _eval('any says "身份证"').holds


def test_time_and_turn_windows() -> None:
    assert _eval('agent says "您好" in first 5s').holds
    assert not _eval('agent says "还有其他" in first 20s').holds
    assert _eval('agent says "还有其他" in last 20%').holds
    assert _eval('agent says "身份证" in first 2 turns').holds  # the agent's own turns
    assert not _eval('agent says "还有其他" in first 2 turns').holds


def test_relative_windows() -> None:
    assert _eval('agent says "身份证" within 1 turns after customer says "套餐"').holds
    assert not _eval('agent says "办好" within 1 turns after customer says "套餐"').holds
    assert _eval('agent says "办好" after (agent says "身份证")').holds
    assert not _eval('agent says "办好" before (agent says "身份证")').holds
    # Never verified: everything is "before" the verification.
    assert _eval('agent says "办好" before (agent says "验证码")').holds
    assert _eval('agent says "办好" within 20 s after customer says "五五八一"').holds


def test_near_regex_and_proximity_order() -> None:
    assert _eval('agent says near("身份证", "后四位", within=2 chars, ordered)').holds
    assert not _eval('agent says near("后四位", "身份证", within=2 chars, ordered)').holds
    assert _eval('agent says near("后四位", "身份证", within=2 chars)').holds
    assert _eval(r"agent says matches(/后[四六]位/)").evidence[0].text == "后四位"


def test_feature_thresholds_report_name_and_value() -> None:
    result = _eval("longest_silence_s > 10")
    assert result.holds
    assert result.evidence[0].feature == "longest_silence_s"
    assert result.evidence[0].value == pytest.approx(14.5)
    assert result.evidence[1].start_s == pytest.approx(10.5)  # where the silence is
    assert "longest_silence_s is 14.5" in result.explanation
    assert _eval("talk_ratio_agent between 0.3 and 0.8").holds
    assert not _eval("overtalk_events >= 1").holds


def test_metadata_conditions() -> None:
    assert _eval('line == "10088" and direction in ("inbound", "x")').holds
    assert not _eval('customer_tier in ("gold")').holds  # unknown metadata: not available


def test_sentiment_function_and_missing_values() -> None:
    scores = [None, -0.5, None, 0.0, None, 0.8]
    call = _call(sentiments=scores)
    assert _eval("sentiment(customer, last 1 turns) > 0.5", call).holds
    assert _eval("sentiment(customer) < 0.2", call).holds
    result = _eval("customer_sentiment_end < 0")
    assert not result.holds and "not available" in result.explanation


def test_not_and_or_explanations_follow_the_deciding_part() -> None:
    result = _eval('agent says "再见" and longest_silence_s > 10')
    assert not result.holds and "never said" in result.explanation
    assert _eval('not agent says "再见"').holds


def test_injected_builtin_and_missing_capabilities() -> None:
    rule = compile_rule("plan_facts_wrong()")
    with pytest.raises(UnavailableError):
        evaluate(rule, _call())
    wrong = Result(True, (), "the agent quoted 20G for a 30G plan")
    assert evaluate(rule, _call(), functions={"plan_facts_wrong": lambda call, args: wrong}).holds
    with pytest.raises(SimilarityUnavailableError):
        evaluate(compile_rule('agent says similar_to("还有其他需要吗")'), _call())


class _BagOfChars:
    """A deterministic stand-in encoder: character counts, so similar sentences are close."""

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        rows = np.zeros((len(texts), 512), dtype=np.float32)
        for row, text in enumerate(texts):
            for char in text:
                rows[row, ord(char) % 512] += 1
        return rows


def test_similar_to_uses_the_given_encoder() -> None:
    rule = compile_rule('agent says similar_to("请问还有其他可以帮您的吗", threshold=0.9)')
    result = evaluate(rule, _call(), encoder=_BagOfChars())
    assert result.holds
    assert result.evidence[0].text == "请问还有其他可以帮您的吗"
    strict = compile_rule('agent says similar_to("您的宽带已经装好了", threshold=0.95)')
    assert not evaluate(strict, _call(), encoder=_BagOfChars()).holds


def test_compiled_rules_survive_pickling_and_still_evaluate() -> None:
    rule = compile_rule('agent says sounds_like("工号") and agent says matches(/后.位/)')
    assert evaluate(pickle.loads(pickle.dumps(rule)), _call()).holds
