"""Scoring math, scorecard loading errors, and properties of totals and N/A."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tiexin.domain.calls import Role, Turn
from tiexin.features.extract import measure_call
from tiexin.rules.checker import compile_rule
from tiexin.rules.evaluate import CallView
from tiexin.rules.scorecard import (
    AutoFail,
    Item,
    Mode,
    Scorecard,
    ScorecardError,
    Section,
    load_scorecard,
    parse_scorecard,
)
from tiexin.rules.scoring import Outcome, score_call

TURNS = (Turn(Role.AGENT, 0.0, 2.0, "您好"), Turn(Role.CUSTOMER, 2.5, 4.0, "你好"))
CALL = CallView(TURNS, measure_call(TURNS, language="zh"), {"line": "10088"})
PASS = compile_rule('agent says "您好"')
FAIL = compile_rule('agent says "再见"')
NA = compile_rule('line == "10088"')


def _item(n: int, outcome: str, points: float, auto_fail: AutoFail | None = None) -> Item:
    return Item(
        id=f"i{n}",
        name=f"i{n}",
        points=points,
        pass_when=PASS if outcome == "pass" else FAIL,
        fail_when=None,
        na_when=NA if outcome == "na" else None,
        auto_fail=auto_fail,
    )


def _card(sections: list[list[tuple[str, float]]], weights: list[float], mode: Mode) -> Scorecard:
    counter = iter(range(1000))
    built = tuple(
        Section(f"s{k}", f"s{k}", w, tuple(_item(next(counter), o, p) for o, p in items))
        for k, (items, w) in enumerate(zip(sections, weights, strict=True))
    )
    return Scorecard("t", "1", "t", mode, built, ())


def test_weighted_mode_excludes_na_from_the_possible_score() -> None:
    card = _card([[("pass", 10), ("fail", 10), ("na", 30)], [("pass", 5)]], [1, 3], Mode.WEIGHTED)
    evaluation = score_call(card, CALL)
    assert evaluation.dimensions["s0"].score == pytest.approx(50.0)
    assert evaluation.total == pytest.approx((50 + 300) / 4)
    assert [i.result for i in evaluation.items][:3] == [Outcome.PASS, Outcome.FAIL, Outcome.NA]


def test_deduction_mode_caps_each_section_at_zero() -> None:
    card = _card([[("fail", 50), ("pass", 5)], [("fail", 10)]], [30, 70], Mode.DEDUCTION)
    evaluation = score_call(card, CALL)
    assert evaluation.dimensions["s0"].score == 0.0
    assert evaluation.total == pytest.approx(60.0)
    assert evaluation.items[0].points == -50


def test_auto_fail_of_section_and_form_and_critical_items() -> None:
    section = Section("s", "s", 1, (_item(1, "fail", 1, AutoFail.SECTION), _item(2, "pass", 99)))
    other = Section("o", "o", 1, (_item(3, "pass", 1),))
    card = Scorecard("t", "1", "t", Mode.WEIGHTED, (section, other), ())
    evaluation = score_call(card, CALL)
    assert evaluation.dimensions["s"].auto_failed and evaluation.total == pytest.approx(50.0)
    form = dataclasses.replace(
        section,
        items=(dataclasses.replace(section.items[0], auto_fail=AutoFail.FORM, critical=True),),
    )
    evaluation = score_call(dataclasses.replace(card, sections=(form, other)), CALL)
    assert evaluation.form_auto_failed and evaluation.total == 0.0
    assert evaluation.critical_failures == ("i1",)


items_strategy = st.lists(
    st.tuples(st.sampled_from(["pass", "fail", "na"]), st.integers(0, 20)), min_size=1, max_size=5
)


@given(st.lists(items_strategy, min_size=1, max_size=4), st.sampled_from(list(Mode)))
def test_totals_stay_within_0_and_100(sections: list[list[tuple[str, int]]], mode: Mode) -> None:
    weights = [100 / len(sections)] * len(sections)
    evaluation = score_call(_card(sections, weights, mode), CALL)
    assert 0.0 <= evaluation.total <= 100.0
    for dimension in evaluation.dimensions.values():
        assert dimension.score is None or 0.0 <= dimension.score <= 100.0


@given(st.lists(items_strategy, min_size=1, max_size=4), st.sampled_from(list(Mode)), st.data())
def test_na_never_lowers_a_score(
    sections: list[list[tuple[str, int]]], mode: Mode, data: st.DataObject
) -> None:
    """Turning a failed item into N/A never lowers the total: N/A is out of the possible."""
    weights = [100 / len(sections)] * len(sections)
    k = data.draw(st.integers(0, len(sections) - 1))
    j = data.draw(st.integers(0, len(sections[k]) - 1))
    failed = [list(s) for s in sections]
    failed[k][j] = ("fail", sections[k][j][1])
    as_na = [list(s) for s in sections]
    as_na[k][j] = ("na", sections[k][j][1])
    before = score_call(_card(failed, weights, mode), CALL).total
    after = score_call(_card(as_na, weights, mode), CALL).total
    assert after >= before - 1e-9


YAML = """\
id: demo
version: 1
mode: weighted
sections:
  - id: s
    weight: 1
    items:
      - id: ok
        points: 1
        pass_when: agent says "您好"
      - id: bad
        points: 1
        {line}
"""


@pytest.mark.parametrize(
    ("line", "fragment", "reported"),
    [
        # a bad condition is reported at its own line (a folded `>` one at its first line),
        # other problems at the item's
        ("pass_when: longest_silense_s > 3", "did you mean 'longest_silence_s'", 13),
        (
            'pass_when: >\n          agent says "您好"\n          and longest_silense_s > 3',
            "did you mean",
            14,
        ),
        ("pas_when: x > 1", "did you mean 'pass_when'", 11),
        ("auto_fail: page\n        pass_when: line == 'x'", "'section' or 'form'", 11),
        ("critical: true", "needs 'pass_when' or 'fail_when'", 11),
    ],
)
def test_loader_errors_name_file_line_and_near_miss(
    line: str, fragment: str, reported: int
) -> None:
    with pytest.raises(ScorecardError) as caught:
        parse_scorecard(YAML.format(line=line), file="demo.yaml")
    assert str(caught.value).startswith(f"demo.yaml:{reported}:"), str(caught.value)
    assert fragment in str(caught.value)


def test_loader_rejects_unknown_top_level_keys_and_bad_deduction_weights() -> None:
    with pytest.raises(ScorecardError, match="did you mean 'sections'"):
        parse_scorecard("id: x\nversion: 1\nsection: []\n")
    text = YAML.format(line="fail_when: line == 'x'").replace("mode: weighted", "mode: deduction")
    with pytest.raises(ScorecardError, match="add up to 100"):
        parse_scorecard(text)


def test_default_scorecard_loads_and_bands_apply() -> None:
    path = Path(__file__).resolve().parents[2] / "src/tiexin/resources/scorecards/10088-vip.yaml"
    card = load_scorecard(path)
    assert len(card.sections) == 5
    evaluation = score_call(card, CALL)
    assert evaluation.band is not None
    exported = evaluation.to_dict()
    assert exported["scorecard"] == "10088-vip" and len(exported["items"]) == 13
    plan = next(i for i in evaluation.items if i.id == "plan_facts")
    assert plan.result is Outcome.NA
