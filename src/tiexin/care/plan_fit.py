"""Plan fit: what each plan would have cost a customer, and a cheaper plan worth proposing.

A plan's cost for one month is its fee plus overage: minutes over the allowance times the
per-minute price, and gigabytes over the allowance times the per-GB price. The catalogue has
no SMS overage price (`Plan` carries an SMS allowance only), so SMS never adds to a cost.
The expected monthly cost is the mean of the monthly costs over the window (the complete months
before the as-of month that have usage), not the cost of the mean usage: overage is charged
month by month, so one heavy month costs more than its share of the average.

`fit_plans` does this for every customer at once as a customers × plans matrix, in chunks, so
ten million customers take seconds; `plan_fit_reference` is the same rule for one customer in
plain Python, kept as the readable specification the vectorised code is tested against.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from tiexin.care.dates import add_months, month_start
from tiexin.care.model import TIERS, FactValue, Finding, UsageMonth, UsageTable
from tiexin.care.params import PlanFitParams
from tiexin.care.templates import format_fact
from tiexin.domain.catalog import Catalog, Plan

if TYPE_CHECKING:
    from tiexin.care.context import PlanContext

CHUNK_ROWS = 131_072  # rows per matrix: 3 months × rows × ~10 plans of float64 stays ~30 MB


@dataclass(frozen=True, slots=True)
class PlanFit:
    """A recommendation: the customer would save `saving_yuan` a month on another plan."""

    current_plan: str
    recommended_plan: str
    current_cost_yuan: float
    expected_cost_yuan: float
    saving_yuan: float


def window_months(as_of: date, months: int) -> list[date]:
    """The first days of the `months` complete months before the as-of month, oldest first."""
    first = month_start(as_of)
    return [add_months(first, -k) for k in range(months, 0, -1)]


# ---- reference: one customer, plain Python ----


def month_cost(plan: Plan, voice_minutes: float, data_gb: float) -> float:
    minutes_over = max(voice_minutes - plan.minutes, 0.0)
    gb_over = max(data_gb - plan.data_gb, 0.0)
    return (
        plan.monthly_fee_yuan
        + minutes_over * plan.overage_per_minute_yuan
        + gb_over * plan.overage_per_gb_yuan
    )


def expected_cost(plan: Plan, usage: Sequence[UsageMonth]) -> float:
    """Mean monthly cost of `usage` (one customer's months) on `plan`."""
    costs = [month_cost(plan, u.voice_minutes, u.data_gb) for u in usage]
    return sum(costs) / len(costs)


def plan_fit_reference(
    tier: str,
    plan_id: str,
    usage: Sequence[UsageMonth],
    catalog: Catalog,
    as_of: date,
    *,
    months: int = 3,
    min_saving_yuan: float = 10.0,
) -> PlanFit | None:
    """The cheapest plan the customer's tier allows, when it saves at least `min_saving_yuan`
    a month over the current plan; None without usage in the window or a known current plan."""
    window = set(window_months(as_of, months))
    recent = [u for u in usage if u.month in window]
    current = catalog.get(plan_id)
    if not recent or current is None:
        return None
    current_cost = expected_cost(current, recent)
    best: tuple[float, Plan] | None = None
    for plan in catalog.plans:
        if plan.id == plan_id or not plan.allows_tier(tier):
            continue
        cost = expected_cost(plan, recent)
        if best is None or cost < best[0]:
            best = (cost, plan)
    if best is None or current_cost - best[0] < min_saving_yuan:
        return None
    return PlanFit(plan_id, best[1].id, current_cost, best[0], current_cost - best[0])


# ---- vectorised: every customer ----


@dataclass(frozen=True, slots=True, eq=False)
class UsageWindow:
    """Usage of the window as dense [month, customer] arrays; `present` marks real months."""

    voice_minutes: npt.NDArray[np.float64]
    data_gb: npt.NDArray[np.float64]
    bill_yuan: npt.NDArray[np.float64]
    present: npt.NDArray[np.bool_]

    def take(self, rows: npt.NDArray[np.int64]) -> UsageWindow:
        """The window of the customers in `rows`, in that order."""
        return UsageWindow(
            self.voice_minutes[:, rows],
            self.data_gb[:, rows],
            self.bill_yuan[:, rows],
            self.present[:, rows],
        )

    def mean_bill(self) -> npt.NDArray[np.float64]:
        """Mean monthly bill over the months present; NaN for a customer without usage."""
        total = np.where(self.present, self.bill_yuan, 0.0).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            result: npt.NDArray[np.float64] = total / self.present.sum(axis=0)
        return result


def usage_window(usage: UsageTable, customers: int, as_of: date, months: int = 3) -> UsageWindow:
    """Scatter the window's usage rows into dense arrays (a repeated row: the last one wins)."""
    first = np.datetime64(window_months(as_of, months)[0], "M")
    index = (usage.month - first).astype(np.int64)
    keep = (index >= 0) & (index < months)
    rows, index = usage.row[keep], index[keep]
    minutes = np.zeros((months, customers))
    data = np.zeros((months, customers))
    bill = np.zeros((months, customers))
    present = np.zeros((months, customers), dtype=np.bool_)
    minutes[index, rows] = usage.voice_minutes[keep]
    data[index, rows] = usage.data_gb[keep]
    bill[index, rows] = usage.bill_yuan[keep]
    present[index, rows] = True
    return UsageWindow(minutes, data, bill, present)


@dataclass(frozen=True, slots=True, eq=False)
class PlanColumns:
    """The catalogue as arrays, one entry per plan in catalogue order."""

    ids: tuple[str, ...]
    fee: npt.NDArray[np.float64]
    minutes: npt.NDArray[np.float64]
    data_gb: npt.NDArray[np.float64]
    per_minute: npt.NDArray[np.float64]
    per_gb: npt.NDArray[np.float64]
    allowed: npt.NDArray[np.bool_]  # [tier index, plan]

    @classmethod
    def of(cls, catalog: Catalog) -> PlanColumns:
        plans = catalog.plans
        return cls(
            ids=catalog.ids,
            fee=np.array([p.monthly_fee_yuan for p in plans], dtype=np.float64),
            minutes=np.array([p.minutes for p in plans], dtype=np.float64),
            data_gb=np.array([p.data_gb for p in plans], dtype=np.float64),
            per_minute=np.array([p.overage_per_minute_yuan for p in plans], dtype=np.float64),
            per_gb=np.array([p.overage_per_gb_yuan for p in plans], dtype=np.float64),
            allowed=np.array([[p.allows_tier(t) for p in plans] for t in TIERS], dtype=np.bool_),
        )

    def index_of(self, plan_ids: npt.NDArray[np.str_]) -> npt.NDArray[np.int64]:
        """Catalogue index of each plan id; -1 for an id the catalogue does not have."""
        order = np.argsort(np.array(self.ids, dtype=np.str_))
        known = np.array(self.ids, dtype=np.str_)[order]
        position = np.clip(np.searchsorted(known, plan_ids), 0, len(known) - 1)
        found = known[position] == plan_ids
        result: npt.NDArray[np.int64] = np.where(found, order[position], -1)
        return result


def expected_costs(window: UsageWindow, plans: PlanColumns, rows: slice) -> npt.NDArray[np.float64]:
    """[customer, plan] mean monthly cost for the customers in `rows`; NaN without usage."""
    minutes = window.voice_minutes[:, rows, None]
    data = window.data_gb[:, rows, None]
    cost = (
        plans.fee
        + np.maximum(minutes - plans.minutes, 0.0) * plans.per_minute
        + np.maximum(data - plans.data_gb, 0.0) * plans.per_gb
    )
    present = window.present[:, rows]
    months = present.sum(axis=0)
    total = np.where(present[:, :, None], cost, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        result: npt.NDArray[np.float64] = total / months[:, None]
    return result


@dataclass(frozen=True, slots=True, eq=False)
class PlanFitColumns:
    """Per customer: current plan's expected cost, best alternative, and the recommendation
    (catalogue index, -1 for none). Costs are NaN where they could not be computed."""

    current_cost: npt.NDArray[np.float64]
    best_cost: npt.NDArray[np.float64]
    recommended: npt.NDArray[np.int64]


def fit_plans(
    tiers: npt.NDArray[np.int8],
    plan_ids: npt.NDArray[np.str_],
    window: UsageWindow,
    plans: PlanColumns,
    *,
    min_saving_yuan: float = 10.0,
    chunk_rows: int = CHUNK_ROWS,
) -> PlanFitColumns:
    """`plan_fit_reference` for every customer, chunk by chunk."""
    count = len(tiers)
    current_index = plans.index_of(plan_ids)
    current_cost = np.full(count, np.nan)
    best_cost = np.full(count, np.nan)
    best_index = np.full(count, -1, dtype=np.int64)
    for start in range(0, count, chunk_rows):
        rows = slice(start, min(start + chunk_rows, count))
        costs = expected_costs(window, plans, rows)
        current = current_index[rows]
        known = current >= 0
        picked = np.take_along_axis(costs, np.maximum(current, 0)[:, None], axis=1)[:, 0]
        current_cost[rows] = np.where(known, picked, np.nan)
        # a plan the tier may not take, or the current plan itself, is never the alternative
        candidates = np.where(plans.allowed[tiers[rows]], costs, np.inf)
        candidates[known, current[known]] = np.inf
        best = np.argmin(candidates, axis=1)
        cheapest = np.take_along_axis(candidates, best[:, None], axis=1)[:, 0]
        usable = np.isfinite(cheapest)
        best_cost[rows] = np.where(usable, cheapest, np.nan)
        best_index[rows] = np.where(usable, best, -1)
    with np.errstate(invalid="ignore"):
        saves = current_cost - best_cost >= min_saving_yuan
    recommended = np.where(saves, best_index, -1)
    return PlanFitColumns(current_cost, best_cost, recommended)


# ---- the rule ----

FACTS = (
    "current_plan",
    "current_plan_name",
    "recommended_plan",
    "recommended_plan_name",
    "current_cost_yuan",
    "expected_cost_yuan",
    "saving_yuan",
)


def find(ctx: PlanContext, params: PlanFitParams, rows: npt.NDArray[np.int64]) -> Iterator[Finding]:
    customers = ctx.customers
    fits = fit_plans(
        customers.tier[rows],
        customers.plan_id[rows],
        ctx.window(params.months).take(rows),
        ctx.plans,
        min_saving_yuan=params.min_saving_yuan,
    )
    for k in np.flatnonzero(fits.recommended >= 0):
        current = ctx.catalog.by_id(str(customers.plan_id[rows[k]]))
        better = ctx.catalog.plans[fits.recommended[k]]
        fit = PlanFit(
            current.id,
            better.id,
            round(float(fits.current_cost[k]), 2),
            round(float(fits.best_cost[k]), 2),
            round(float(fits.current_cost[k] - fits.best_cost[k]), 2),
        )
        yield _finding(int(rows[k]), fit, current, better)


def _finding(row: int, fit: PlanFit, current: Plan, better: Plan) -> Finding:
    facts: dict[str, FactValue] = {
        "current_plan": current.id,
        "current_plan_name": current.name,
        "recommended_plan": better.id,
        "recommended_plan_name": better.name,
        "current_cost_yuan": fit.current_cost_yuan,
        "expected_cost_yuan": fit.expected_cost_yuan,
        "saving_yuan": fit.saving_yuan,
    }
    cost, new, saving = (
        format_fact(fit.current_cost_yuan),
        format_fact(fit.expected_cost_yuan),
        format_fact(fit.saving_yuan),
    )
    return Finding(
        row=row,
        facts=facts,
        deadline=None,
        explanation_zh=(
            f"按近几个月的用量，{current.name}每月约 {cost} 元，改用{better.name}约 {new} 元，"
            f"每月可省 {saving} 元。"
        ),
        explanation_en=(
            f"On recent usage {current.name_en or current.id} costs about {cost} yuan a month "
            f"and {better.name_en or better.id} about {new} yuan: a saving of {saving} yuan."
        ),
    )
