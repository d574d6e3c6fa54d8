"""Did the agent raise the customer's open care opportunities? Matching per rule type, the two
built-ins, and the bundled scorecard's proactive_offer item with and without opportunities."""

from __future__ import annotations

import pickle

import pytest

from tiexin.care.rules import RuleType
from tiexin.care.world import demo_catalog
from tiexin.domain.calls import Role, Turn
from tiexin.domain.catalog import Catalog
from tiexin.features.extract import measure_call
from tiexin.pipeline.factory import bundled_scorecard
from tiexin.rules.care_offers import (
    EVIDENCE_FEATURE,
    RULE_CUES,
    CareOpportunity,
    care_functions,
)
from tiexin.rules.evaluate import CallView, Result
from tiexin.rules.scorecard import load_scorecard
from tiexin.rules.scoring import score_call

CATALOG = demo_catalog()
PLAN_FIT = CareOpportunity(
    "20250310-plan_fit-C1",
    "plan_fit",
    "plan_fit",
    (
        ("recommended_plan", "p58"),
        ("recommended_plan_name", "畅享58元套餐"),
        ("current_plan_name", "畅享88元套餐"),
        ("saving_yuan", "26.67"),
    ),
)
BIRTHDAY = CareOpportunity(
    "20250310-birthday-C1",
    "birthday",
    "birthday",
    (("birthday", "2025-03-15"), ("waiver_yuan", "30")),
)
POINTS = CareOpportunity(
    "20250310-points_expiry-C1",
    "points_expiry",
    "points_expiry",
    (("points", "8500"), ("expiry_date", "2025-03-31"), ("redeem_item", "视频会员月卡")),
)
GRACE = CareOpportunity(
    "20250310-grace_credit-C1",
    "grace_credit",
    "grace_credit",
    (("credit_yuan", "10"), ("expires_on", "2025-03-25")),
)
RECHARGE = CareOpportunity(
    "20250310-recharge_offer-C1",
    "recharge_offer",
    "recharge_offer",
    (
        ("campaign_name", "春季充值送"),
        ("offer", "充 200 元送 30 元"),
        ("campaign_end", "2025-04-30"),
    ),
)
RETENTION = CareOpportunity(
    "20250310-retention-C1", "retention", "retention", (("risk_reason", "多次投诉网络"),)
)


def _call(*agent_lines: str) -> CallView:
    turns: list[Turn] = [Turn(Role.CUSTOMER, 0.0, 2.0, "你好，我想查一下话费。")]
    for i, line in enumerate(agent_lines):
        start = 3.0 + 4 * i
        turns.append(Turn(Role.AGENT, start, start + 3.0, line))
    return _view(turns)


def _view(turns: list[Turn]) -> CallView:
    return CallView(tuple(turns), measure_call(turns, language="zh"))


def _offer_raised(
    opportunities: list[CareOpportunity], view: CallView, catalog: Catalog | None = CATALOG
) -> Result:
    result = care_functions(opportunities, catalog)["care_offer_raised"](view, ())
    assert isinstance(result, Result)
    return result


def _raised(opportunity: CareOpportunity, *lines: str, catalog: bool = True) -> bool:
    result = _offer_raised([opportunity], _call(*lines), CATALOG if catalog else None)
    return result.holds is True


CASES = [
    # (opportunity, what the agent said, raised?)
    (PLAN_FIT, "根据您的用量，建议您改用畅享58元套餐，每月能省二十多块。", True),
    (PLAN_FIT, "您换成五十八元的套餐会更划算。", True),  # the fee names the plan
    (PLAN_FIT, "唱想五十八元套餐您考虑一下。", True),  # ASR homophone of 畅享
    (PLAN_FIT, "换个更划算的套餐吧，每月能节省不少。", True),  # saving offer, no plan named
    (PLAN_FIT, "建议您改用尊享128元套餐，更划算。", False),  # the wrong plan
    (PLAN_FIT, "您现在的畅享88元套餐挺划算的。", False),  # the current plan, not an offer
    (PLAN_FIT, "您的话费已经查到了，本月一百二十元。", False),
    (PLAN_FIT, "I would recommend Enjoy 58, it saves you about 26 yuan a month.", True),
    (PLAN_FIT, "A cheaper plan would save you money.", True),
    (PLAN_FIT, "Your bill this month is 120 yuan.", False),
    (BIRTHDAY, "提前祝您生日快乐，当月账单给您减免三十元。", True),
    (BIRTHDAY, "您这个月的账单可以免单三十元。", True),
    (BIRTHDAY, "Happy birthday in advance, we will waive 30 yuan.", True),
    (BIRTHDAY, "还有什么可以帮您？", False),
    (POINTS, "您有八千五百积分月底到期，可以兑换一下。", True),
    (POINTS, "可以给您换一张视频会员月卡。", True),  # the reward the points buy
    (POINTS, "Your points expire at the end of the month.", True),
    (POINTS, "您的积分余额是八千五百分。", False),  # points mentioned, nothing offered
    (GRACE, "已经为您开通了十元的宽限额度。", True),
    (GRACE, "We added a temporary credit of 10 yuan.", True),
    (GRACE, "您的余额不足，请尽快充值。", False),
    (RECHARGE, "现在充值有优惠，充两百送三十。", True),
    (RECHARGE, "我们有个春季充值送活动。", True),
    (RECHARGE, "If you top up 200 yuan you get a 30 yuan bonus.", True),
    (RECHARGE, "您的余额还有二十元。", False),
    (RETENTION, "感谢您一直以来的支持，您是我们的老客户。", True),
    (RETENTION, "请问还有其他可以帮您的吗？", False),
]


@pytest.mark.parametrize(("opportunity", "said", "raised"), CASES)
def test_an_opportunity_is_raised_by_its_rule_s_cues(
    opportunity: CareOpportunity, said: str, raised: bool
) -> None:
    assert _raised(opportunity, said) is raised


def test_every_rule_type_has_cues_and_a_summary() -> None:
    assert set(RULE_CUES) == {t.value for t in RuleType}
    for cues in RULE_CUES.values():
        assert cues.summary and cues.facts and (cues.alone or cues.topic or cues.fact_cues)


def test_without_a_catalogue_the_plan_names_of_the_task_still_count() -> None:
    assert _raised(PLAN_FIT, "建议您改用畅享58元套餐。", catalog=False)
    assert not _raised(PLAN_FIT, "您现在的畅享88元套餐更划算。", catalog=False)


def test_the_evidence_names_the_opportunity_the_turn_and_the_time() -> None:
    view = _call("您好，请问有什么可以帮您？", "建议您改用畅享58元套餐。")
    result = _offer_raised([BIRTHDAY, PLAN_FIT], view)
    assert result.holds
    (evidence,) = result.evidence
    assert (evidence.turn, evidence.start_s, evidence.text) == (2, 7.0, "畅享58元套餐")
    assert evidence.feature == EVIDENCE_FEATURE
    assert evidence.value == "plan_fit (switch to 畅享58元套餐, saving 26.67 yuan a month)"
    assert "plan_fit (switch to 畅享58元套餐" in result.explanation
    assert "turn 2, 7.0s" in result.explanation


def test_a_missed_opportunity_is_named_with_the_plan_said_instead() -> None:
    result = _offer_raised([PLAN_FIT], _call("建议您改用尊享128元套餐。"))
    assert not result.holds
    assert result.explanation == (
        "the agent raised none of the open care opportunities: plan_fit (switch to "
        "畅享58元套餐, saving 26.67 yuan a month) (the agent named 尊享128元套餐 instead)"
    )
    assert [e.value for e in result.evidence] == [PLAN_FIT.label]


def test_customer_turns_never_raise_an_opportunity() -> None:
    view = _view(
        [Turn(Role.CUSTOMER, 0.0, 2.0, "我下周过生日。"), Turn(Role.AGENT, 2.5, 4.0, "好的。")]
    )
    assert not _offer_raised([BIRTHDAY], view).holds


def _proactive_offer(view: CallView, opportunities: list[CareOpportunity]) -> tuple[str, str]:
    card = load_scorecard(bundled_scorecard())
    evaluation = score_call(card, view, functions=care_functions(opportunities, CATALOG))
    item = next(i for i in evaluation.items if i.id == "proactive_offer")
    return item.result.value, item.explanation


def test_the_bundled_item_needs_an_open_opportunity_raised_when_there_is_one() -> None:
    offer = _call("建议您改用畅享58元套餐，每月省二十多块。")
    other = _call("另外，您还可以办理一个流量包。")
    assert _proactive_offer(offer, [PLAN_FIT])[0] == "pass"
    result, why = _proactive_offer(other, [PLAN_FIT])
    assert result == "fail" and "plan_fit (switch to 畅享58元套餐" in why
    # without open opportunities the item is scored as before: any proactive suggestion
    assert _proactive_offer(other, [])[0] == "pass"
    assert _proactive_offer(_call("好的，再见。"), [])[0] == "fail"


def test_the_built_ins_pickle_with_their_opportunities() -> None:
    functions = care_functions([PLAN_FIT, BIRTHDAY], CATALOG)
    again = pickle.loads(pickle.dumps(functions))
    view = _call("提前祝您生日快乐。")
    assert again["care_offer_raised"](view, ()) == functions["care_offer_raised"](view, ())
