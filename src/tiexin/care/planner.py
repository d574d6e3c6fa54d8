"""The care planner: which new tasks to create today, given everything that already exists.

Pure and idempotent: the same inputs give the same tasks, and once the tasks are stored,
planning again for the same as-of date gives none, because a rule never creates a second open
task for the same customer, nor any task inside its cooldown (at least one day).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from tiexin.care import birthday, grace_credit, plan_fit, points, recharge, retention
from tiexin.care.context import PlanContext
from tiexin.care.history import TaskHistory
from tiexin.care.model import (
    TIERS,
    CustomerTable,
    FactValue,
    Finding,
    NewTask,
    UsageTable,
)
from tiexin.care.rules import CareRule, CareRules, RuleType
from tiexin.care.templates import render
from tiexin.domain.catalog import Catalog

Finder = Callable[[PlanContext, Any, npt.NDArray[np.int64]], Iterator[Finding]]
FINDERS: dict[RuleType, Finder] = {
    RuleType.PLAN_FIT: plan_fit.find,
    RuleType.BIRTHDAY: birthday.find,
    RuleType.POINTS_EXPIRY: points.find,
    RuleType.GRACE_CREDIT: grace_credit.find,
    RuleType.RECHARGE_OFFER: recharge.find,
    RuleType.RETENTION: retention.find,
}


def plan_tasks(
    customers: CustomerTable,
    usage: UsageTable,
    catalog: Catalog,
    rules: CareRules,
    history: TaskHistory,
    as_of: date,
    *,
    grants: Mapping[str, Sequence[date]] | None = None,
    risk_flags: Mapping[str, str] | None = None,
) -> list[NewTask]:
    """The tasks to create for `as_of`, rule by rule in file order, customers in table order,
    leaving out the customers `history` blocks for each rule.

    `grants` holds the dates of each customer's earlier grace credits; `risk_flags` the customers
    flagged at risk of leaving, with the reason.
    """
    ctx = PlanContext(customers, usage, catalog, as_of, grants or {}, risk_flags or {})
    tasks: list[NewTask] = []
    for rule in rules.rules:
        rows = in_scope(customers, rule)
        # blocked customers are left out before the rule looks at them: on a daily run most
        # customers a rule finds already have its task, and explaining them would be wasted
        rows = rows[~history.blocked(customers.customer_id, rule, as_of)[rows]]
        findings = list(FINDERS[rule.type](ctx, rule.params, rows))
        due = as_of + timedelta(days=rule.due_days)
        for finding, who in zip(findings, _Who.of(customers, findings), strict=True):
            tasks.append(make_task(who, rule, finding, as_of, due))
    return tasks


def in_scope(customers: CustomerTable, rule: CareRule) -> npt.NDArray[np.int64]:
    """Rows of the customers whose tier the rule covers."""
    allowed = np.array([t in rule.tiers for t in TIERS], dtype=np.bool_)
    return np.flatnonzero(allowed[customers.tier]).astype(np.int64)


@dataclass(frozen=True, slots=True)
class _Who:
    """The customer columns a task copies, taken out of numpy for all of a rule's findings at
    once (one item at a time costs more than the rest of making the task)."""

    customer_id: str
    name: str
    tier: str
    branch: str
    account_manager_id: str

    @classmethod
    def of(cls, customers: CustomerTable, findings: Sequence[Finding]) -> list[_Who]:
        rows = np.fromiter((f.row for f in findings), dtype=np.int64, count=len(findings))
        columns = (
            customers.customer_id[rows].tolist(),
            customers.name[rows].tolist(),
            [TIERS[t] for t in customers.tier[rows].tolist()],
            customers.branch[rows].tolist(),
            customers.account_manager_id[rows].tolist(),
        )
        return [cls(*values) for values in zip(*columns, strict=True)]


def make_task(who: _Who, rule: CareRule, finding: Finding, as_of: date, due: date) -> NewTask:
    """The task of one finding; `due` is the rule's own due date for `as_of`."""
    facts: dict[str, FactValue] = {
        "customer_id": who.customer_id,
        "customer_name": who.name,
        "tier": who.tier,
        **finding.facts,
    }
    if finding.deadline is not None:
        # too late after the birthday, the expiry or the campaign's end; never before today
        due = max(as_of, min(due, finding.deadline))
    return NewTask(
        customer_id=who.customer_id,
        rule_id=rule.id,
        rule_type=rule.type.value,
        channel=rule.channel,
        priority=rule.priority,
        due=due,
        facts=facts,
        explanation_zh=finding.explanation_zh,
        explanation_en=finding.explanation_en,
        script=render(rule.script, facts),
        branch=who.branch,
        account_manager_id=who.account_manager_id,
        grace_credit=finding.grace_credit,
    )
