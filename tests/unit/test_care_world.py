"""The synthetic world: reproducible, realistic enough to exercise every rule, and its files."""

from __future__ import annotations

import csv
import io
from datetime import date

import numpy as np

from tiexin.adapters.catalog_yaml import parse_catalog
from tiexin.care.assignment import assign_account_managers
from tiexin.care.history import TaskHistory
from tiexin.care.model import CUSTOMER_COLUMNS, TIERS, USAGE_COLUMNS, UsageMonth
from tiexin.care.plan_fit import PlanColumns, fit_plans, plan_fit_reference, usage_window
from tiexin.care.planner import plan_tasks
from tiexin.care.rules import default_care_rules
from tiexin.care.world import generate_world
from tiexin.care.world_csv import world_files

AS_OF = date(2025, 3, 15)
WORLD = generate_world(5000, 3, seed=7, as_of=AS_OF)


def test_the_same_seed_gives_the_same_world() -> None:
    again = generate_world(5000, 3, seed=7, as_of=AS_OF)
    assert np.array_equal(again.customers.birthday, WORLD.customers.birthday)
    assert np.array_equal(again.usage.bill_yuan, WORLD.usage.bill_yuan)
    assert again.staff == WORLD.staff
    assert not np.array_equal(
        generate_world(5000, 3, seed=8, as_of=AS_OF).customers.plan_id, WORLD.customers.plan_id
    )


def test_distributions_cover_what_the_rules_need() -> None:
    customers = WORLD.customers
    assert len(np.unique(customers.customer_id)) == len(np.unique(customers.msisdn)) == 5000
    leap = (customers.birthday.astype("datetime64[M]").astype(int) % 12 == 1) & (
        (customers.birthday - customers.birthday.astype("datetime64[M]")).astype(int) == 28
    )
    assert leap.sum() >= 5
    assert 0.005 < (customers.balance_yuan < 0).mean() < 0.05
    assert set(TIERS) == {TIERS[t] for t in customers.tier}
    vip = customers.tier != TIERS.index("none")
    unassigned = vip & (customers.account_manager_id == "")
    assert 0 < unassigned.sum() < 0.1 * vip.sum()
    assert not (~vip & (customers.account_manager_id != "")).any()
    window = usage_window(WORLD.usage, len(customers), AS_OF)
    fits = fit_plans(customers.tier, customers.plan_id, window, PlanColumns.of(WORLD.catalog))
    assert 0.1 < (fits.recommended >= 0).mean() < 0.5  # most fit; some would save
    assert len(WORLD.usage) == 3 * 5000


def test_vectorised_and_reference_plan_fit_agree_on_the_world() -> None:
    customers, usage = WORLD.customers, WORLD.usage
    window = usage_window(usage, len(customers), AS_OF)
    fits = fit_plans(
        customers.tier, customers.plan_id, window, PlanColumns.of(WORLD.catalog), chunk_rows=777
    )
    for row in range(0, 5000, 7):
        months = [
            UsageMonth(
                "",
                usage.month[k].astype("datetime64[D]").item(),
                float(usage.voice_minutes[k]),
                float(usage.data_gb[k]),
                0,
                0.0,
            )
            for k in np.flatnonzero(usage.row == row)
        ]
        record = customers.record(row)
        expected = plan_fit_reference(record.tier, record.plan_id, months, WORLD.catalog, AS_OF)
        got = fits.recommended[row]
        assert (expected.recommended_plan if expected else None) == (
            WORLD.catalog.ids[got] if got >= 0 else None
        )


def test_the_world_runs_through_planning_and_assignment() -> None:
    tasks = plan_tasks(
        WORLD.customers,
        WORLD.usage,
        WORLD.catalog,
        default_care_rules(),
        TaskHistory.empty(),
        AS_OF,
    )
    assert {t.rule_id for t in tasks} >= {
        "plan_fit",
        "birthday",
        "points_expiry",
        "grace_credit",
        "recharge_offer",
    }
    decisions = assign_account_managers(WORLD.customers, WORLD.staff)
    vip = WORLD.customers.tier != TIERS.index("none")
    assert len(decisions) == (vip & (WORLD.customers.account_manager_id == "")).sum()


def test_files_have_the_documented_columns_and_the_catalogue_loads() -> None:
    files = {name: "".join(chunks) for name, chunks in world_files(WORLD).items()}
    customers = list(csv.DictReader(io.StringIO(files["customers.csv"])))
    assert tuple(customers[0]) == CUSTOMER_COLUMNS and len(customers) == 5000
    assert customers[0]["customer_id"] == "C00000001" and len(customers[0]["birthday"]) == 10
    usage = list(csv.DictReader(io.StringIO(files["usage.csv"])))
    assert tuple(usage[0]) == USAGE_COLUMNS and {u["month"] for u in usage} == {
        "2024-12",
        "2025-01",
        "2025-02",
    }
    staff = list(csv.DictReader(io.StringIO(files["staff.csv"])))
    assert {s["role"] for s in staff} == {"account_manager", "phone_manager"}
    assert parse_catalog(files["catalog.yaml"]).ids == WORLD.catalog.ids
