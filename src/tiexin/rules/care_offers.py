"""Care in call scoring: did the agent raise the customer's open care opportunities? (pure)

A care opportunity is a care task that was open when the call started (a cheaper plan, a
birthday waiver, points about to lapse, a grace credit, a recharge campaign, a retention
visit). The `care_opportunities()` and `care_offer_raised()` built-ins let a scorecard item
demand that the agent raises one of them.

An agent turn raises an opportunity when it says one of its rule type's *alone* cues (生日,
免单), one of its facts (the reward the points buy, the campaign's name), or a *topic* cue and
an *offer* cue together (积分 and 兑换; 套餐 and 更划算). A `plan_fit` opportunity is also raised by
naming the recommended plan (catalogue name, English name, alias, or its fee before 套餐, found
as the plan fact-check finds plans), and is *not* raised by a turn that names another plan: an
agent who proposes the wrong plan has not made the offer. Chinese cues match on toneless
pinyin, so ASR homophones still count; English cues match whole words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from tiexin.domain.calls import Role
from tiexin.domain.catalog import Catalog
from tiexin.rules import matching
from tiexin.rules.evaluate import BuiltinImpl, CallView, Evidence, Result
from tiexin.rules.language import Arg
from tiexin.rules.plan_facts import plan_mentions

EVIDENCE_FEATURE = "care_opportunity"
_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True, slots=True)
class Cues:
    """What raises an opportunity of one rule type (see the module docstring)."""

    alone: tuple[str, ...] = ()
    topic: tuple[str, ...] = ()
    offer: tuple[str, ...] = ()
    fact_cues: tuple[str, ...] = ()  # facts whose values, said alone, raise it
    summary: str = ""  # English, filled from the facts
    facts: tuple[str, ...] = ()  # the task facts an opportunity carries (no personal data)


RULE_CUES: Mapping[str, Cues] = {
    "plan_fit": Cues(
        topic=("套餐", "资费", "plan", "package", "tariff"),
        offer=(
            "划算",
            "节省",
            "省钱",
            "省下",
            "可省",
            "更省",
            "便宜",
            "实惠",
            "cheaper",
            "save",
            "saves",
            "saving",
            "savings",
            "better value",
            "lower",
        ),
        summary="switch to {recommended_plan_name}, saving {saving_yuan} yuan a month",
        facts=("recommended_plan", "recommended_plan_name", "current_plan_name", "saving_yuan"),
    ),
    "birthday": Cues(
        alone=("生日", "免单", "birthday"),
        summary="birthday on {birthday}, bill waiver of {waiver_yuan} yuan",
        facts=("birthday", "waiver_yuan"),
    ),
    "points_expiry": Cues(
        alone=("积分兑换", "兑换积分"),
        topic=("积分", "points"),
        offer=("兑换", "到期", "过期", "清零", "作废", "redeem", "expire", "expires", "expiring"),
        fact_cues=("redeem_item",),
        summary="{points} points expire on {expiry_date}, enough for {redeem_item}",
        facts=("points", "expiry_date", "redeem_item"),
    ),
    "grace_credit": Cues(
        alone=("宽限", "临时额度", "应急额度", "grace", "temporary credit"),
        topic=("停机", "欠费", "suspend", "suspended", "suspension", "negative balance"),
        offer=("额度", "开通", "不会停", "不影响", "credit", "keep your line"),
        summary="grace credit of {credit_yuan} yuan until {expires_on}",
        facts=("credit_yuan", "expires_on"),
    ),
    "recharge_offer": Cues(
        topic=("充值", "充话费", "预存", "top up", "recharge"),
        offer=("优惠", "赠送", "送您", "活动", "bonus", "free", "offer", "extra"),
        fact_cues=("campaign_name",),
        summary="{campaign_name}: {offer} (until {campaign_end})",
        facts=("campaign_name", "offer", "campaign_end"),
    ),
    "retention": Cues(
        alone=(
            "老客户",
            "回馈",
            "挽留",
            "客户经理",
            "感谢您一直",
            "感谢您多年",
            "loyal",
            "account manager",
            "value you",
        ),
        summary="at risk of leaving: {risk_reason}",
        facts=("risk_reason",),
    ),
}


@dataclass(frozen=True, slots=True)
class CareOpportunity:
    """An open care task of the call's customer, as small picklable text values."""

    task_id: str
    rule_id: str
    rule_type: str  # a key of RULE_CUES
    facts: tuple[tuple[str, str], ...] = ()

    def fact(self, key: str) -> str:
        return dict(self.facts).get(key, "")

    @property
    def label(self) -> str:
        """`rule (what the offer is)`, as explanations and evidence name it."""
        summary = RULE_CUES[self.rule_type].summary.format_map(_Known(self.facts))
        return f"{self.rule_id} ({summary})"


class _Known(dict[str, str]):
    """Facts for a summary; a fact the task lacks shows as '?'."""

    def __init__(self, facts: tuple[tuple[str, str], ...]) -> None:
        super().__init__(facts)

    def __missing__(self, key: str) -> str:
        return "?"


@dataclass(frozen=True, slots=True)
class Reading:
    """What one agent turn did with one opportunity: the words that raised it, or the plans
    it named instead of the recommended one."""

    raised: matching.Hit | None
    named_instead: tuple[str, ...] = ()


def read_turn(
    opportunity: CareOpportunity, turn: matching.TurnText, catalog: Catalog | None
) -> Reading:
    cues = RULE_CUES[opportunity.rule_type]
    named_instead: tuple[str, ...] = ()
    if opportunity.rule_type == "plan_fit":
        recommended, others = _plans_named(opportunity, turn.text, catalog)
        if recommended is not None:
            return Reading(recommended)
        if others:
            return Reading(None, others)
    alone = (*cues.alone, *(v for k in cues.fact_cues if (v := opportunity.fact(k))))
    for phrase in alone:
        if hits := _hits(turn, phrase):
            return Reading(hits[0], named_instead)
    topic = _first_hit(turn, cues.topic)
    offer = _first_hit(turn, cues.offer)
    if topic is not None and offer is not None:
        return Reading(_spanning(turn.text, topic, offer), named_instead)
    return Reading(None, named_instead)


def _plans_named(
    opportunity: CareOpportunity, text: str, catalog: Catalog | None
) -> tuple[matching.Hit | None, tuple[str, ...]]:
    """Where the turn names the recommended plan, and the other plans it names. Without a
    catalogue only the two plans the task names are known, by their names."""
    wanted = opportunity.fact("recommended_plan")
    if catalog is not None:
        named = [
            (plan.id, plan.name, start, end) for plan, start, end in plan_mentions(text, catalog)
        ]
    else:
        turn = matching.TurnText(text)
        pairs = [
            (wanted, opportunity.fact("recommended_plan_name")),
            ("", opportunity.fact("current_plan_name")),
        ]
        named = [
            (pid, name, h.start, h.end) for pid, name in pairs if name for h in _hits(turn, name)
        ]
    for plan_id, _, start, end in named:
        if plan_id == wanted:
            return matching.Hit(start, end, text[start:end]), ()
    return None, tuple(dict.fromkeys(name for _, name, _, _ in named))


@lru_cache(maxsize=1024)
def _syllable_key(phrase: str) -> tuple[str, ...]:
    return matching.syllables(matching.fold_phrase(phrase))


def _hits(turn: matching.TurnText, phrase: str) -> list[matching.Hit]:
    """Chinese (or mixed) phrases by toneless pinyin; English ones as whole words."""
    if _CJK.search(phrase):
        return turn.sounds(_syllable_key(phrase), False)
    return turn.phrase(phrase)


def _first_hit(turn: matching.TurnText, phrases: Sequence[str]) -> matching.Hit | None:
    return next((hits[0] for p in phrases if (hits := _hits(turn, p))), None)


def _spanning(text: str, a: matching.Hit, b: matching.Hit) -> matching.Hit:
    start, end = min(a.start, b.start), max(a.end, b.end)
    return matching.Hit(start, end, text[start:end])


# --- the built-ins ------------------------------------------------------------------------


def _listed(opportunities: Sequence[CareOpportunity]) -> str:
    return "; ".join(o.label for o in opportunities)


def _named(opportunities: Sequence[CareOpportunity]) -> tuple[Evidence, ...]:
    return tuple(Evidence(feature=EVIDENCE_FEATURE, value=o.label) for o in opportunities)


@dataclass(frozen=True)
class CareOpportunitiesOpen:
    """`care_opportunities()`: the customer had open care tasks when the call started."""

    opportunities: tuple[CareOpportunity, ...]

    def __call__(self, call: CallView, args: tuple[Arg, ...]) -> Result:
        if not self.opportunities:
            return Result(False, (), "the customer had no open care opportunity")
        count = len(self.opportunities)
        return Result(
            True,
            _named(self.opportunities),
            f"the customer had {count} open care opportunit{'y' if count == 1 else 'ies'}: "
            f"{_listed(self.opportunities)}",
        )


@dataclass(frozen=True)
class CareOfferRaised:
    """`care_offer_raised()`: the agent raised at least one open care opportunity.

    A frozen dataclass, not a closure, so the pipeline that carries it pickles to workers.
    """

    opportunities: tuple[CareOpportunity, ...]
    catalog: Catalog | None = None

    def __call__(self, call: CallView, args: tuple[Arg, ...]) -> Result:
        if not self.opportunities:
            return Result(False, (), "the customer had no open care opportunity to raise")
        agent_turns = [
            (i, t, matching.TurnText(t.text))
            for i, t in enumerate(call.turns)
            if t.role is Role.AGENT
        ]
        raised: list[tuple[CareOpportunity, Evidence]] = []
        missed: list[str] = []
        for opportunity in self.opportunities:
            readings = [
                (i, t, read_turn(opportunity, text, self.catalog)) for i, t, text in agent_turns
            ]
            hits = [
                Evidence(
                    turn=i,
                    start_s=t.start_s,
                    end_s=t.end_s,
                    text=r.raised.text,
                    feature=EVIDENCE_FEATURE,
                    value=opportunity.label,
                )
                for i, t, r in readings
                if r.raised is not None
            ]
            if hits:
                raised.append((opportunity, hits[0]))
                continue
            instead = dict.fromkeys(name for _, _, r in readings for name in r.named_instead)
            note = f" (the agent named {'、'.join(instead)} instead)" if instead else ""
            missed.append(opportunity.label + note)
        if raised:
            said = "; ".join(
                f"{o.label}: “{e.text}” (turn {e.turn}, {e.start_s:.1f}s)" for o, e in raised
            )
            return Result(True, tuple(e for _, e in raised), f"the agent raised {said}")
        return Result(
            False,
            _named(self.opportunities),
            f"the agent raised none of the open care opportunities: {'; '.join(missed)}",
        )


def care_functions(
    opportunities: Sequence[CareOpportunity], catalog: Catalog | None
) -> dict[str, BuiltinImpl]:
    """Built-ins for scoring one call; an empty list means the customer had no open task (or
    the caller is not a customer), which scorecards treat as "nothing to raise"."""
    known = tuple(opportunities)
    return {
        "care_opportunities": CareOpportunitiesOpen(known),
        "care_offer_raised": CareOfferRaised(known, catalog),
    }
