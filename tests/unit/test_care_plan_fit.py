"""Plan fit: hand-computed costs, the vectorised matrix against the reference, and the
property that a recommendation never costs more than the current plan."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tiexin.care.model import TIERS, UsageMonth, UsageTable
from tiexin.care.plan_fit import (
    PlanColumns,
    PlanFit,
    expected_cost,
    fit_plans,
    month_cost,
    plan_fit_reference,
    usage_window,
    window_months,
)
from tiexin.domain.catalog import Catalog, Plan

SMALL = Plan("s", "小套餐", "Small", 30, 100, 5, 50, 0.2, 5.0)
LARGE = Plan("l", "大套餐", "Large", 60, 500, 20, 100, 0.1, 3.0)
GOLD = Plan("g", "金卡套餐", "Gold", 40, 1000, 40, 100, 0.1, 3.0, tiers=("gold", "diamond"))
CATALOG = Catalog((SMALL, LARGE, GOLD))
AS_OF = date(2025, 3, 15)


def months(*rows: tuple[float, float]) -> list[UsageMonth]:
    firsts = window_months(AS_OF, 3)
    return [UsageMonth("c1", firsts[i], m, d, 0, 0.0) for i, (m, d) in enumerate(rows)]


def test_window_is_the_three_complete_months_before_the_as_of_month() -> None:
    assert window_months(date(2025, 1, 31), 3) == [
        date(2024, 10, 1),
        date(2024, 11, 1),
        date(2024, 12, 1),
    ]
    assert window_months(date(2024, 3, 1), 2) == [date(2024, 1, 1), date(2024, 2, 1)]


def test_month_cost_is_fee_plus_minute_and_data_overage() -> None:
    # 30 + (250 - 100) * 0.2 + (8 - 5) * 5 = 30 + 30 + 15
    assert month_cost(SMALL, 250, 8) == pytest.approx(75.0)
    assert month_cost(SMALL, 80, 4.5) == 30.0  # within the allowances: the fee only


def test_expected_cost_is_the_mean_of_monthly_costs_not_the_cost_of_mean_usage() -> None:
    usage = months((0, 0), (0, 0), (300, 5))  # one heavy month: 30, 30, 30 + 200 * 0.2 = 70
    assert expected_cost(SMALL, usage) == pytest.approx(130 / 3)
    assert month_cost(SMALL, 100, 5) == 30.0  # the mean usage would have cost the fee only


def test_recommends_the_cheapest_allowed_plan_with_its_saving() -> None:
    usage = months((400, 10), (400, 10), (400, 10))
    # small: 30 + 300 * 0.2 + 5 * 5 = 115; large: 60; gold (not for silver): 40
    fit = plan_fit_reference("silver", "s", usage, CATALOG, AS_OF)
    assert fit is not None
    assert (fit.recommended_plan, fit.current_cost_yuan, fit.expected_cost_yuan) == ("l", 115, 60)
    assert fit.saving_yuan == pytest.approx(55)
    gold = plan_fit_reference("gold", "s", usage, CATALOG, AS_OF)
    assert gold is not None and gold.recommended_plan == "g"


def test_no_recommendation_below_the_minimum_saving() -> None:
    usage = months((150, 5), (150, 5), (150, 5))  # small: 30 + 10 = 40; large: 60
    assert plan_fit_reference("silver", "s", usage, CATALOG, AS_OF) is None
    # on the large plan the small one saves exactly 20 yuan a month
    assert plan_fit_reference("silver", "l", usage, CATALOG, AS_OF, min_saving_yuan=20.01) is None
    fit = plan_fit_reference("silver", "l", usage, CATALOG, AS_OF, min_saving_yuan=20)
    assert fit is not None and fit.saving_yuan == pytest.approx(20)


def test_no_recommendation_without_usage_in_the_window_or_an_unknown_plan() -> None:
    old = [UsageMonth("c1", date(2024, 11, 1), 900, 30, 0, 0.0)]  # before the window
    assert plan_fit_reference("silver", "s", old, CATALOG, AS_OF) is None
    assert plan_fit_reference("silver", "gone", months((900, 30)), CATALOG, AS_OF) is None


def _tables(
    tiers: list[str], plans: list[str], usage: list[list[tuple[float, float] | None]]
) -> tuple[np.ndarray, np.ndarray, UsageTable]:
    rows, month_list, minutes, data = [], [], [], []
    firsts = window_months(AS_OF, 3)
    for row, customer_months in enumerate(usage):
        for k, value in enumerate(customer_months):
            if value is not None:
                rows.append(row)
                month_list.append(np.datetime64(firsts[k], "M"))
                minutes.append(value[0])
                data.append(value[1])
    table = UsageTable(
        row=np.array(rows, dtype=np.int64),
        month=np.array(month_list, dtype="datetime64[M]"),
        voice_minutes=np.array(minutes, dtype=np.float64),
        data_gb=np.array(data, dtype=np.float64),
        sms=np.zeros(len(rows), dtype=np.int64),
        bill_yuan=np.zeros(len(rows)),
    )
    tier_codes = np.array([TIERS.index(t) for t in tiers], dtype=np.int8)
    return tier_codes, np.array(plans, dtype=np.str_), table


def _reference(
    tier: str, plan: str, customer_months: list[tuple[float, float] | None]
) -> PlanFit | None:
    firsts = window_months(AS_OF, 3)
    usage = [
        UsageMonth("c", firsts[k], v[0], v[1], 0, 0.0)
        for k, v in enumerate(customer_months)
        if v is not None
    ]
    return plan_fit_reference(tier, plan, usage, CATALOG, AS_OF)


month_usage = st.one_of(
    st.none(),
    st.tuples(
        st.floats(0, 3000, allow_nan=False).map(lambda x: round(x)),
        st.floats(0, 100, allow_nan=False).map(lambda x: round(x, 2)),
    ),
)
customer = st.tuples(
    st.sampled_from(TIERS),
    st.sampled_from(["s", "l", "g", "gone"]),
    st.lists(month_usage, min_size=3, max_size=3),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(customer, min_size=1, max_size=40), st.integers(1, 7))
def test_vectorised_plan_fit_agrees_with_the_reference(
    customers: list[tuple[str, str, list[tuple[float, float] | None]]], chunk: int
) -> None:
    tiers, plans, usage = _tables(
        [c[0] for c in customers], [c[1] for c in customers], [c[2] for c in customers]
    )
    window = usage_window(usage, len(customers), AS_OF)
    # small chunks so several chunk boundaries are crossed
    fits = fit_plans(tiers, plans, window, PlanColumns.of(CATALOG), chunk_rows=chunk)
    for row, (tier, plan, customer_months) in enumerate(customers):
        expected = _reference(tier, plan, customer_months)
        if expected is None:
            assert fits.recommended[row] == -1
            continue
        assert CATALOG.ids[fits.recommended[row]] == expected.recommended_plan
        assert fits.current_cost[row] == pytest.approx(expected.current_cost_yuan)
        assert fits.best_cost[row] == pytest.approx(expected.expected_cost_yuan)


@settings(max_examples=200, deadline=None)
@given(customer, st.floats(0, 50, allow_nan=False))
def test_a_recommended_plan_never_costs_more_than_the_current_one(
    one: tuple[str, str, list[tuple[float, float] | None]], min_saving: float
) -> None:
    tier, plan, customer_months = one
    firsts = window_months(AS_OF, 3)
    usage = [
        UsageMonth("c", firsts[k], v[0], v[1], 0, 0.0) for k, v in enumerate(customer_months) if v
    ]
    fit = plan_fit_reference(tier, plan, usage, CATALOG, AS_OF, min_saving_yuan=min_saving)
    if fit is not None:
        recommended = CATALOG.by_id(fit.recommended_plan)
        assert recommended.allows_tier(tier)
        assert (
            expected_cost(recommended, usage)
            <= expected_cost(CATALOG.by_id(plan), usage) - min_saving
        )


def test_index_of_maps_unknown_plans_to_minus_one() -> None:
    columns = PlanColumns.of(CATALOG)
    found = columns.index_of(np.array(["l", "zzz", "g", "a", "s"], dtype=np.str_))
    assert found.tolist() == [1, -1, 2, -1, 0]
