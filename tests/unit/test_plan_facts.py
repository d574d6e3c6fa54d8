"""Fact-checking the plan figures agents state: sentences, ASR-style text, the shared calls."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tiexin.domain.catalog import Catalog, Plan, PlanField
from tiexin.rules.plan_facts import check_plan_facts, plan_facts_correct

CALLS_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "calls"
CALL_FILES = sorted(CALLS_DIR.glob("*.json")) if CALLS_DIR.is_dir() else []
F = PlanField


def _plan(pid: str, name: str, en: str, fee: float, mins: int, gb: float, sms: int,
          per_min: float, per_gb: float) -> Plan:  # fmt: skip
    return Plan(pid, name, en, fee, mins, gb, sms, per_min, per_gb)


# the shared catalogue (../shared/data/calls/catalog.yaml), so these tests run without it
CATALOG = Catalog(
    (
        _plan("ZX-88", "尊享88元套餐", "Premier 88", 88, 300, 20, 100, 0.19, 3),
        _plan("ZX-128", "尊享128元套餐", "Premier 128", 128, 500, 40, 200, 0.15, 3),
        _plan("ZX-158", "尊享158元套餐", "Premier 158", 158, 800, 60, 300, 0.15, 3),
        _plan("ZX-198", "尊享198元套餐", "Premier 198", 198, 1000, 80, 300, 0.12, 2),
        _plan("ZX-288", "尊享288元套餐", "Premier 288", 288, 2000, 150, 500, 0.10, 2),
        _plan("LL-138", "流量畅享138元套餐", "Data Plus 138", 138, 200, 100, 100, 0.19, 2),
        _plan("TH-168", "商务通话168元套餐", "Business Voice 168", 168, 2000, 20, 200, 0.10, 5),
    ),
    version="test",
)


def facts(*texts: str) -> list[tuple[str, PlanField, float, bool]]:
    turns = [(i, float(i), i + 0.5, text) for i, text in enumerate(texts)]
    return [(f.plan_id, f.field, f.stated, f.correct) for f in check_plan_facts(turns, CATALOG)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("您的尊享八十八元套餐含二十G流量。",
         [("ZX-88", F.MONTHLY_FEE_YUAN, 88, True), ("ZX-88", F.DATA_GB, 20, True)]),
        ("推荐88元套餐，有三百分钟通话。",
         [("ZX-88", F.MONTHLY_FEE_YUAN, 88, True), ("ZX-88", F.MINUTES, 300, True)]),
        ("尊享一百五十八元套餐有八十G流量。",
         [("ZX-158", F.MONTHLY_FEE_YUAN, 158, True), ("ZX-158", F.DATA_GB, 80, False)]),
        ("尊享88元套餐超出部分每个G三块钱。",
         [("ZX-88", F.MONTHLY_FEE_YUAN, 88, True), ("ZX-88", F.OVERAGE_PER_GB_YUAN, 3, True)]),
        ("尊享一百二十八元套餐超出后每分钟一毛九。",
         [("ZX-128", F.MONTHLY_FEE_YUAN, 128, True),
          ("ZX-128", F.OVERAGE_PER_MINUTE_YUAN, 0.19, False)]),
        ("商务通话套餐月费一百六十八元，含两百条短信。",
         [("TH-168", F.MONTHLY_FEE_YUAN, 168, True), ("TH-168", F.SMS, 200, True)]),
        ("流量畅享套餐，3元一个G。", [("LL-138", F.OVERAGE_PER_GB_YUAN, 3, False)]),
        ("Premier 128 costs 128 yuan a month with 40 gigabytes.",
         [("ZX-128", F.MONTHLY_FEE_YUAN, 128, True), ("ZX-128", F.DATA_GB, 40, True)]),
        ("Premier one ninety eight gives you eighty gigabytes, and extra minutes cost "
         "zero point one two yuan per minute.",
         [("ZX-198", F.DATA_GB, 80, True), ("ZX-198", F.OVERAGE_PER_MINUTE_YUAN, 0.12, True)]),
        # usage, savings, bills, add-ons and hedged amounts are not plan facts
        ("您的尊享八十八元套餐，这个月用了三十五个G，还剩五个G。",
         [("ZX-88", F.MONTHLY_FEE_YUAN, 88, True)]),
        ("换成尊享158元套餐每月能省一百块左右。", [("ZX-158", F.MONTHLY_FEE_YUAN, 158, True)]),
        ("尊享158元套餐，您上个月话费两百一十二元。", [("ZX-158", F.MONTHLY_FEE_YUAN, 158, True)]),
        ("尊享158元套餐，可以加一个三十元十个G的流量包。",
         [("ZX-158", F.MONTHLY_FEE_YUAN, 158, True)]),
        ("尊享158元套餐，您每月大概用五十多个G。", [("ZX-158", F.MONTHLY_FEE_YUAN, 158, True)]),
        # no plan named: nothing to check
        ("您这个月用了三十五个G，账单一百五十八元。", []),
        ("可以给您加一个三十元十个G的流量包。", []),
        ("您的套餐可以加一条三百兆宽带，每月加二十元。", []),
        ("5G网络信号很好，二十G流量够用。", []),
    ],
)  # fmt: skip
def test_extracts_and_checks_plan_facts(
    text: str, expected: list[tuple[str, PlanField, float, bool]]
) -> None:
    assert facts(text) == expected


@pytest.mark.parametrize(
    ("text", "plan_id"),
    [
        ("您的分享88元套餐含20G流量。", "ZX-88"),  # 尊享 → 分享
        ("您的尊象八十八元套餐含二十G流量。", "ZX-88"),  # 尊享 → 尊象
        ("流量唱响一百三十八元套餐含一百G流量。", "LL-138"),  # 畅享 → 唱响
        ("流量唱响套餐含一百G流量。", "LL-138"),  # name alone, homophone
        ("您的尊享88元套餐含20机流量。", "ZX-88"),  # G → 机
        ("尊享88有二十G流量。", "ZX-88"),  # family and fee, no 套餐
        ("Your premiere eighty eight plan has 20 GB.", "ZX-88"),
    ],
)
def test_plan_names_survive_asr_errors(text: str, plan_id: str) -> None:
    found = facts(text)
    assert (plan_id, F.DATA_GB) in [(p, f) for p, f, _, _ in found]


def test_figures_belong_to_the_most_recent_plan_until_the_next_turn_but_one() -> None:
    found = facts(
        "Data Plus one thirty eight is one hundred thirty eight yuan a month.",
        "Two hundred minutes.",
        "And one hundred gigabytes.",  # two agent turns on: no longer about Data Plus
    )
    assert [(p, f) for p, f, _, _ in found] == [
        ("LL-138", F.MONTHLY_FEE_YUAN),
        ("LL-138", F.MINUTES),
    ]


def test_finding_carries_evidence_and_explanation() -> None:
    turns = [(4, 10.0, 14.5, "谢谢。建议您换成尊享一百五十八元套餐，有八十G流量和一千分钟通话。")]
    wrong = [f for f in check_plan_facts(turns, CATALOG) if not f.correct]
    assert [(f.field, f.stated, f.catalogue) for f in wrong] == [
        (F.DATA_GB, 80, 60),
        (F.MINUTES, 1000, 800),
    ]
    evidence = wrong[0].evidence
    assert (evidence.turn_index, evidence.start_s, evidence.end_s) == (4, 10.0, 14.5)
    assert evidence.sentence == "建议您换成尊享一百五十八元套餐，有八十G流量和一千分钟通话。"
    assert evidence.matched == "八十G"
    assert wrong[0].explanation == (
        "The agent said 尊享158元套餐 has 80 GB of data; the catalogue says 60 GB of data."
    )


def test_repeated_figures_are_reported_once() -> None:
    assert len(facts("尊享88元套餐含二十G流量。", "对，尊享88元套餐就是二十G流量。")) == 2


def test_no_facts_means_no_verdict() -> None:
    assert plan_facts_correct([]) is None


# --- the shared ground-truth calls ----------------------------------------------------------


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _agent_turns(call: dict[str, Any]) -> list[tuple[int, float, float, str]]:
    return [
        (i, t["start_s"], t["end_s"], t["text"])
        for i, t in enumerate(call["turns"])
        if t["role"] == "agent"
    ]


def _require_calls() -> None:
    if not CALL_FILES:
        if os.environ.get("CI"):
            pytest.fail(f"no ground-truth calls in {CALLS_DIR}")
        pytest.skip(f"no ground-truth calls in {CALLS_DIR}")


@pytest.mark.parametrize("path", CALL_FILES or [None], ids=lambda p: p.stem if p else "none")
def test_ground_truth_label(path: Path | None) -> None:
    _require_calls()
    assert path is not None
    call = _load(path)
    findings = check_plan_facts(_agent_turns(call), CATALOG)
    assert plan_facts_correct(findings) == call["labels"]["stated_plan_facts_correct"]
    # every figure the label lists is found; anything more is the fee said in a plan's name
    found = {(f.plan_id, f.field.value): f.stated for f in findings}
    for stated in call["extra"].get("plan_facts_stated", []):
        for field, value in stated["stated"].items():
            assert found.pop((stated["plan_id"], field)) == pytest.approx(value)
    assert all(key[1] == "monthly_fee_yuan" for key in found)


# How Whisper writes some of these calls: Arabic digits, homophones of plan names and of "G"
ASR_VARIANTS = [
    (
        "VIP20250304-0117",
        {
            4: "核对成功，您的分享88元套餐含20G流量，这个月用了35个G，超出部分每个机3块钱。",
            6: "建议您换成流量唱响138元套餐，每月100G流量，200分钟通话。",
        },
    ),
    (
        "VIP20250307-0133",
        {
            5: "谢谢，您的尊象88元套餐有20G流量，可您每月都用50多个G，超出的流量费要100块左右。",
            7: "建议您换成尊享158元套餐，有80机流量和1000分钟通话，比现在还便宜。",
        },
    ),
    (
        "VIP20250310-0116",
        {
            4: "谢谢，您的尊享88元套餐只有300分钟通话，可您每月都打900分钟左右。",
            6: "建议您换成商务通话168元套餐，有2000分钟通话，20G流量，还更省钱。",
        },
    ),
    (
        "VIP20250310-0134",
        {
            2: "赵女士您好，我是电话经理小吴，工号5830，您现在是流量唱响138元套餐，每月100G流量。",
            4: "您每月流量只用10个G左右，通话却有900多分钟，超出的通话费不少。",
            6: "建议您换成商务通话168元套餐，2000分钟通话，20G流量，每月能省100块左右。",
        },
    ),
    (
        "VIP20250307-0124",
        {
            4: "Thanks. You use about 50 gigabytes a month, but your premiere 88 plan only has 20.",
            6: "I recommend Premier 158. It costs 158 yuan a month, with 80 GB and 1,000 minutes.",
        },
    ),
    (
        "VIP20250313-0123",
        {4: "Thanks. Data Plus 138 gives you 100 gigabytes for 138 yuan a month."},
    ),
    (
        "VIP20250306-0115",
        {4: "核对成功，可以给您加一个30元10个G的流量包，当月有效。"},
    ),
]  # fmt: skip


@pytest.mark.parametrize(("call_id", "rewritten"), ASR_VARIANTS, ids=[v[0] for v in ASR_VARIANTS])
def test_ground_truth_label_on_asr_style_text(call_id: str, rewritten: dict[int, str]) -> None:
    _require_calls()
    call = _load(CALLS_DIR / f"{call_id}.json")
    turns = [(i, start, end, rewritten.get(i, text)) for i, start, end, text in _agent_turns(call)]
    findings = check_plan_facts(turns, CATALOG)
    assert plan_facts_correct(findings) == call["labels"]["stated_plan_facts_correct"]
