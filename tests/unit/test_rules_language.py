"""Parser and checker: every construct parses, every error names its place and near miss."""

from __future__ import annotations

import pickle

import pytest

from tiexin.rules.checker import DEFAULT_SCHEMA, Function, compile_rule
from tiexin.rules.language import And, Between, Member, Not, Or, RuleSyntaxError, Says, parse
from tiexin.rules.matching import Near, Pattern, PhraseSet, SimilarTo, SoundsLike

VALID = [
    'agent says any("您好", "你好")',
    'customer says all("宽带", "安装")',
    'agent says at_least(2, "a", "b", "c")',
    'agent says none("随便你")',
    'any says "再见"',
    'agent says "您好" in first 30s',
    'agent says "再见" in last 20%',
    'agent says "您好" in first 2 turns',
    'agent says "核实" within 2 turns after (customer says "办理")',
    'agent says "核实" within 10 s before customer says "办理"',
    'agent says "办好" before (any says sounds_like("验证码"))',
    'agent says near("身份证", "后四位", within=10 chars, ordered)',
    'agent says near("id", "card", within=2 words)',
    r"agent says matches(/工号\s*\d+/)",
    'agent says sounds_like("工号", loose)',
    'agent says similar_to("请问还有其他可以帮您的吗", threshold=0.85)',
    "longest_silence_s > 10",
    "overtalk_events >= 2",
    "speech_rate.agent > 330",
    "talk_ratio_agent between 0.3 and 0.8",
    "loudness_dbfs.agent < -30",
    "response_latency_s.agent <= 2.5",
    "customer_sentiment_end < -0.3",
    "sentiment(customer, last 2 turns) < 0",
    'line == "10088"',
    'direction == "outbound"',
    'customer_tier in ("gold", "diamond")',
    'agent_team not in ("A",)',
    "plan_facts_wrong()",
    'not (agent says "a" or customer says "b") and line != "x"  # comment',
]


@pytest.mark.parametrize("source", VALID)
def test_every_construct_compiles_and_pickles(source: str) -> None:
    rule = compile_rule(source)
    assert pickle.loads(pickle.dumps(rule)) == rule


def test_precedence_not_and_or() -> None:
    tree = parse("not a > 1 and b > 2 or c > 3")
    assert isinstance(tree, Or)
    assert isinstance(tree.items[0], And)
    assert isinstance(tree.items[0].items[0], Not)


def test_matchers_are_bound_to_specs() -> None:
    specs = {
        'agent says any("a")': PhraseSet,
        'agent says near("a", "b", within=3 chars)': Near,
        "agent says matches(/x/i)": Pattern,
        'agent says sounds_like("工号")': SoundsLike,
        'agent says similar_to("x")': SimilarTo,
    }
    for source, kind in specs.items():
        root = compile_rule(source).root
        assert isinstance(root, Says)
        assert isinstance(root.matcher, kind)


def test_between_and_membership_nodes() -> None:
    assert isinstance(parse("x between 1 and 2"), Between)
    member = parse('x not in ("a", "b")')
    assert isinstance(member, Member) and member.negated


ERRORS = [
    ("longest_silense_s > 10", 1, 1, "did you mean 'longest_silence_s'"),
    ('agnet says "a"', 1, 1, "did you mean 'agent'"),
    ('agent says ani("a")', 1, 12, "did you mean 'any'"),
    ("sentimnt(customer) < 0", 1, 1, "did you mean 'sentiment'"),
    ("sentiment(custmer) < 0", 1, 1, "did you mean 'customer'"),
    ('custmer_tier == "gold"', 1, 1, "did you mean 'customer_tier'"),
    ('agent says near("a", "b", within=3 char)', 1, 34, "did you mean 'chars'"),
    ('agent says near("a", "b", within=3 chars, orderd)', 1, 43, "did you mean 'ordered'"),
    ('agent says "a" in first 3 turn', 1, 25, "did you mean 'turns'"),
    ('agent says "a" in last 120%', 1, 24, "out of range"),
    ("line > 3", 1, 1, "needs a quoted text"),
    ('line < "3"', 1, 1, "only == and != apply"),
    ('longest_silence_s == "x"', 1, 1, "needs a number"),
    ("direction between 1 and 2", 1, 1, "'between' needs a number"),
    ("plan_facts_wrong() > 1", 1, 1, "use it as a condition"),
    ("sentiment(customer)", 1, 1, "use it in a comparison"),
    ("plan_facts_wrong(1)", 1, 1, "takes no arguments"),
    ('any("a")', 1, 1, "use it after 'says'"),
    ("agent says matches(/(/)", 1, 20, "invalid regular expression"),
    ('agent says at_least(0, "a")', 1, 12, "whole number"),
    ('agent says similar_to("a", threshold=2)', 1, 12, "threshold"),
    ("longest_silence_s >", 1, 20, "expected a number"),
    ('agent says any("a"', 1, 19, "expected ')', ','"),
    ("longest_silence_s > 10 and\n  overtalk_events >> 2", 2, 20, "unexpected '>'"),
    ("longest_silence_s ? 3", 1, 19, "unexpected character '?'"),
    ("   ", 1, 1, "empty"),
]


@pytest.mark.parametrize(("source", "line", "column", "fragment"), ERRORS)
def test_errors_name_line_column_and_near_miss(
    source: str, line: int, column: int, fragment: str
) -> None:
    with pytest.raises(RuleSyntaxError) as caught:
        compile_rule(source)
    assert (caught.value.line, caught.value.column) == (line, column), str(caught.value)
    assert fragment in str(caught.value)


def test_a_new_builtin_needs_no_grammar_change() -> None:
    schema = DEFAULT_SCHEMA.with_function(
        Function("is_vip", "bool", "is_vip()", lambda call, checker: None)
    )
    assert compile_rule("is_vip() and line == '10088'", schema).source
    with pytest.raises(RuleSyntaxError, match="did you mean 'is_vip'"):
        compile_rule("is_vp()", schema)
