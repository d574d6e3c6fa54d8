"""The planner and each built-in rule on small hand-made customer bases."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from tiexin.care.grace_credit import decide_grace_credit
from tiexin.care.history import TaskHistory
from tiexin.care.model import (
    Channel,
    Customer,
    CustomerTable,
    ExistingTask,
    NewTask,
    UsageMonth,
    UsageTable,
)
from tiexin.care.params import GraceParams
from tiexin.care.planner import plan_tasks
from tiexin.care.rules import CareRules, default_care_rules, parse_care_rules
from tiexin.domain.catalog import Catalog, Plan

CATALOG = Catalog(
    (
        Plan("s", "小套餐", "Small", 30, 100, 5, 50, 0.2, 5.0),
        Plan("l", "大套餐", "Large", 60, 500, 20, 100, 0.1, 3.0),
    )
)
BASE = Customer(
    customer_id="C1",
    msisdn="13900000001",
    name="林晓",
    birthday=date(1990, 6, 15),
    tier="gold",
    branch="岚城",
    county="青石县",
    plan_id="l",
    balance_yuan=50.0,
    points=0,
    points_expiry=None,
    account_manager_id="AM1",
    join_date=date(2015, 1, 1),
)


def plan(
    customers: list[Customer],
    as_of: date,
    *,
    rules: CareRules | None = None,
    usage: list[UsageMonth] | None = None,
    existing: list[ExistingTask] | None = None,
    **inputs: object,
) -> list[NewTask]:
    table = CustomerTable.from_records(customers)
    usage_table = UsageTable.from_records(usage or [], table)
    return plan_tasks(
        table,
        usage_table,
        CATALOG,
        rules or default_care_rules(),
        TaskHistory.of(existing or []),
        as_of,
        **inputs,  # type: ignore[arg-type]
    )


def only(tasks: list[NewTask], rule_id: str) -> list[NewTask]:
    return [t for t in tasks if t.rule_id == rule_id]


def test_plan_fit_task_with_hand_computed_costs() -> None:
    heavy = replace(BASE, plan_id="s")
    usage = [UsageMonth("C1", date(2025, m, 1), 400, 10, 20, 115.0) for m in (1, 2)]
    usage.append(UsageMonth("C1", date(2024, 12, 1), 100, 5, 20, 30.0))
    (task,) = only(plan([heavy], date(2025, 3, 10), usage=usage), "plan_fit")
    # small: (115 + 115 + 30) / 3 = 86.67; large: 60 every month
    assert task.facts["current_cost_yuan"] == pytest.approx(86.67)
    assert task.facts["expected_cost_yuan"] == 60
    assert task.facts["saving_yuan"] == pytest.approx(26.67)
    assert task.facts["recommended_plan"] == "l" and task.channel == Channel.CALL
    assert task.due == date(2025, 3, 17)
    assert "26.67" in task.script and "大套餐" in task.script and "林晓" in task.script
    assert "26.67" in task.explanation_zh and "26.67" in task.explanation_en


def test_birthday_on_29_february_in_a_common_year_and_across_the_year_end() -> None:
    leapling = replace(BASE, birthday=date(2000, 2, 29))
    (task,) = only(plan([leapling], date(2025, 2, 25)), "birthday")
    assert task.facts["birthday"] == date(2025, 2, 28) and task.facts["days_until"] == 3
    assert task.facts["waiver_yuan"] == 30 and task.due == date(2025, 2, 28)
    new_year = replace(BASE, birthday=date(1980, 1, 3))
    (task,) = only(plan([new_year], date(2024, 12, 28)), "birthday")
    assert task.facts["birthday"] == date(2025, 1, 3) and task.facts["days_until"] == 6
    assert not only(plan([new_year], date(2024, 12, 26)), "birthday")  # 8 days: outside 7


def test_points_expiry_offers_the_dearest_affordable_reward() -> None:
    rich = replace(BASE, points=8500, points_expiry=date(2025, 3, 31))
    (task,) = only(plan([rich], date(2025, 3, 1)), "points_expiry")
    assert task.facts["redeem_item"] == "视频会员月卡" and task.facts["redeem_points"] == 8000
    assert task.facts["days_left"] == 30 and task.due == date(2025, 3, 11)
    assert not only(plan([replace(rich, points=999)], date(2025, 3, 1)), "points_expiry")
    assert not only(plan([rich], date(2025, 2, 28)), "points_expiry")  # 31 days away
    assert not only(plan([rich], date(2025, 4, 1)), "points_expiry")  # already expired


@pytest.mark.parametrize(
    ("customer", "rule_id", "english"),
    [
        (replace(BASE, birthday=date(1990, 3, 10)), "birthday", "(today);"),
        (replace(BASE, birthday=date(1990, 3, 11)), "birthday", "(in 1 day);"),
        (replace(BASE, birthday=date(1990, 3, 13)), "birthday", "(in 3 days);"),
        (
            replace(BASE, points=1500, points_expiry=date(2025, 3, 11)),
            "points_expiry",
            "(in 1 day);",
        ),
        (
            replace(BASE, points=1500, points_expiry=date(2025, 3, 31)),
            "points_expiry",
            "(in 21 days);",
        ),
    ],
)
def test_english_explanations_say_today_and_one_day_in_the_singular(
    customer: Customer, rule_id: str, english: str
) -> None:
    (task,) = only(plan([customer], date(2025, 3, 10)), rule_id)
    assert english in task.explanation_en


GRACE = GraceParams(amount_yuan=10, period="month", valid_days=15)


def test_grace_credit_is_granted_at_most_once_a_calendar_month() -> None:
    credit = decide_grace_credit("C1", -3.5, [], date(2025, 1, 31), GRACE)
    assert credit is not None
    assert (credit.amount_yuan, credit.granted_on, credit.expires_on) == (
        10,
        date(2025, 1, 31),
        date(2025, 2, 15),
    )
    assert "下次充值" in credit.recovery and "2025-02-15" in credit.recovery
    assert decide_grace_credit("C1", -3.5, [date(2025, 1, 2)], date(2025, 1, 31), GRACE) is None
    # a new month: granted again, even the day after
    assert decide_grace_credit("C1", -3.5, [date(2025, 1, 31)], date(2025, 2, 1), GRACE) is not None
    assert decide_grace_credit("C1", 0.0, [], date(2025, 1, 31), GRACE) is None
    quarterly = replace(GRACE, period="quarter")
    assert decide_grace_credit("C1", -1, [date(2025, 1, 5)], date(2025, 3, 31), quarterly) is None


def test_grace_credit_task_carries_the_ledger_entry() -> None:
    broke = replace(BASE, balance_yuan=-12.3)
    (task,) = only(plan([broke], date(2025, 3, 10)), "grace_credit")
    assert task.grace_credit is not None and task.grace_credit.amount_yuan == 10
    assert task.due == date(2025, 3, 10) and task.priority == 1
    assert "-12.30" in task.script and "2025-03-25" in task.script
    granted = {"C1": [date(2025, 3, 1)]}
    assert not only(plan([broke], date(2025, 3, 10), grants=granted), "grace_credit")


def test_recharge_offer_picks_the_first_running_campaign_the_customer_qualifies_for() -> None:
    usage = [UsageMonth("C1", date(2025, m, 1), 0, 0, 0, 120.0) for m in (1, 2)]
    (task,) = only(plan([BASE], date(2025, 3, 10), usage=usage), "recharge_offer")
    assert task.facts["campaign"] == "spring-2025" and task.facts["mean_bill_yuan"] == 120
    assert task.channel == Channel.SMS and task.due == date(2025, 3, 13)
    low = [replace(u, bill_yuan=99.0) for u in usage]
    assert not only(plan([BASE], date(2025, 3, 10), usage=low), "recharge_offer")
    assert not only(
        plan([replace(BASE, tier="silver")], date(2025, 3, 10), usage=usage), "recharge_offer"
    )
    assert not only(
        plan([BASE], date(2025, 5, 1), usage=usage), "recharge_offer"
    )  # between campaigns
    (summer,) = only(plan([replace(BASE, tier="silver")], date(2025, 8, 31)), "recharge_offer")
    assert summer.facts["campaign"] == "summer-2025" and summer.due == date(2025, 8, 31)


def test_retention_visits_flagged_vips_only() -> None:
    others = [replace(BASE, customer_id="C2"), replace(BASE, customer_id="C3", tier="none")]
    flags = {"C1": "两周内两次投诉", "C3": "携号转网查询"}
    (task,) = only(plan([BASE, *others], date(2025, 3, 10), risk_flags=flags), "retention")
    assert task.customer_id == "C1" and task.channel == Channel.VISIT
    assert task.account_manager_id == "AM1" and "两周内两次投诉" in task.script


def test_customers_outside_a_rules_tiers_get_nothing() -> None:
    plain = replace(BASE, tier="none", birthday=date(1990, 3, 12), balance_yuan=-5)
    assert plan([plain], date(2025, 3, 10)) == []


TROUBLE = replace(
    BASE, birthday=date(1990, 3, 12), balance_yuan=-5, points=3000, points_expiry=date(2025, 3, 20)
)


def test_planning_again_for_the_same_day_creates_nothing() -> None:
    as_of = date(2025, 3, 10)
    first = plan([TROUBLE], as_of)
    assert {t.rule_id for t in first} == {"birthday", "grace_credit", "points_expiry"}
    # the cooldown blocks even tasks already closed on the same day
    stored = [ExistingTask(t.customer_id, t.rule_id, False, as_of) for t in first]
    assert plan([TROUBLE], as_of, existing=stored) == []
    assert plan([TROUBLE], as_of) == first  # pure: the same inputs give the same tasks


def test_an_open_task_blocks_a_second_one_whatever_its_age() -> None:
    old_open = [ExistingTask("C1", "birthday", True, date(2020, 1, 1))]
    assert not only(plan([TROUBLE], date(2025, 3, 10), existing=old_open), "birthday")
    old_done = [ExistingTask("C1", "birthday", False, date(2020, 1, 1))]
    assert only(plan([TROUBLE], date(2025, 3, 10), existing=old_done), "birthday")


def test_cooldown_counts_days_from_the_latest_task() -> None:
    rules = default_care_rules()
    points_rule = rules.get("points_expiry")
    assert points_rule is not None and points_rule.cooldown_days == 60
    done = [
        ExistingTask("C1", "points_expiry", False, date(2024, 10, 1)),
        ExistingTask("C1", "points_expiry", False, date(2025, 1, 10)),
    ]
    assert not only(plan([TROUBLE], date(2025, 3, 10), existing=done), "points_expiry")  # 59 days
    assert only(plan([TROUBLE], date(2025, 3, 11), existing=done), "points_expiry")  # 60 days
    other_customer = [ExistingTask("C2", "points_expiry", True, date(2025, 3, 10))]
    assert only(plan([TROUBLE], date(2025, 3, 10), existing=other_customer), "points_expiry")


def test_a_due_date_is_never_after_the_event_nor_before_today() -> None:
    text = """\
version: 1
rules:
  - id: b
    type: birthday
    cooldown_days: 300
    priority: 3
    channel: call
    due_days: 30
    script: "{customer_name}"
"""
    (task,) = plan([TROUBLE], date(2025, 3, 10), rules=parse_care_rules(text))
    assert task.due == date(2025, 3, 12)
    (today,) = plan([TROUBLE], date(2025, 3, 12), rules=parse_care_rules(text))
    assert today.due == date(2025, 3, 12)
