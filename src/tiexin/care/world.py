"""A synthetic customer base for demos, tests and benchmarks: invented names and numbers only.

Distributions aim at what makes the care rules interesting: most customers sit on a plan that
fits their usage, some on one too small (overage) or too large (paying for nothing); birthdays
fall on every day of the year, 29 February included; points expire all year round; a few
balances are negative; VIPs mostly have an account manager in their county, a few have none.
Everything is vectorised so a world of ten million customers is generated in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from tiexin.care.model import TIERS, CustomerTable, Role, Staff, UsageTable
from tiexin.care.plan_fit import PlanColumns, UsageWindow, expected_costs, window_months
from tiexin.domain.catalog import Catalog, Plan

TIER_SHARES = (0.03, 0.10, 0.17, 0.70)  # diamond, gold, silver, none
FIT_SHARES = (0.70, 0.15, 0.15)  # on a fitting plan, one too small, one too large
BRANCHES = {
    "岚城": ("岚城城区", "青石县", "白沙县", "云渡县"),
    "峪州": ("峪州城区", "松岭县", "石门县"),
    "南浦": ("南浦城区", "桃溪县", "望海县", "金湾县"),
    "北塘": ("北塘城区", "柳河县", "双桥县"),
    "川江": ("川江城区", "栖霞县", "龙泉县"),
}
_SURNAMES = np.array(list("赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦许何吕施张孔曹严华金魏陶姜"))
_GIVEN = np.array(list("子涵浩宇欣怡梓萱俊杰雨桐思远嘉怡明轩若曦天佑诗琪博文佳琪一鸣晓彤"))
VIP_PER_MANAGER = 450
PHONE_MANAGER_CALLS_A_DAY = 40


def demo_catalog() -> Catalog:
    """Eight invented plans, cheapest first; the largest are for gold and diamond customers."""
    rows = [
        ("p18", "畅享18元套餐", "Enjoy 18", 18, 100, 5, 50, (), ()),
        ("p38", "畅享38元套餐", "Enjoy 38", 38, 300, 15, 100, (), ()),
        ("p58", "畅享58元套餐", "Enjoy 58", 58, 500, 30, 100, (), ()),
        ("p88", "畅享88元套餐", "Enjoy 88", 88, 800, 50, 200, (), ()),
        ("p128", "尊享128元套餐", "Premier 128", 128, 1200, 80, 300, (), ()),
        ("p188", "尊享188元套餐", "Premier 188", 188, 2000, 120, 500, ("diamond", "gold"), ()),
        ("p288", "钻石288元套餐", "Diamond 288", 288, 3000, 200, 1000, ("diamond",), ()),
        ("p588", "钻石588元套餐", "Diamond 588", 588, 6000, 400, 2000, ("diamond",), ()),
    ]
    plans = tuple(
        Plan(pid, name, name_en, fee, minutes, data, sms, 0.19, 3.0, tiers, aliases)
        for pid, name, name_en, fee, minutes, data, sms, tiers, aliases in rows
    )
    return Catalog(plans, version="demo-1")


@dataclass(frozen=True, slots=True, eq=False)
class World:
    catalog: Catalog
    customers: CustomerTable
    usage: UsageTable
    staff: tuple[Staff, ...]


def generate_world(customers: int, months: int, seed: int, as_of: date) -> World:
    """A reproducible world: the same arguments always give the same world."""
    rng = np.random.default_rng(seed)
    catalog = demo_catalog()
    plans = PlanColumns.of(catalog)
    tiers = rng.choice(len(TIERS), size=customers, p=TIER_SHARES).astype(np.int8)
    minutes_need = rng.lognormal(np.log(350), 0.8, customers)
    data_need = rng.lognormal(np.log(20), 0.9, customers)
    plan_index = _choose_plans(rng, tiers, minutes_need, data_need, plans)
    counties, branches = _places(rng, customers)
    table = CustomerTable(
        customer_id=np.char.add("C", np.char.zfill(np.arange(1, customers + 1).astype(str), 8)),
        msisdn=_msisdns(customers),
        name=_names(rng, customers),
        birthday=_birthdays(rng, customers),
        tier=tiers,
        branch=branches,
        county=counties,
        plan_id=np.array(plans.ids, dtype=np.str_)[plan_index],
        balance_yuan=_balances(rng, customers),
        points=np.zeros(customers, dtype=np.int64),  # replaced below with the expiries
        points_expiry=np.full(customers, np.datetime64("NaT"), dtype="datetime64[D]"),
        account_manager_id=np.full(customers, "", dtype="<U8"),
        join_date=np.datetime64(as_of, "D") - rng.integers(30, 20 * 365, customers),
    )
    points, expiry = _points(rng, customers, as_of)
    table.points[:] = points
    table.points_expiry[:] = expiry
    staff = _staff(rng, table)
    usage = _usage(rng, months, as_of, minutes_need, data_need, plan_index, plans)
    return World(catalog, table, usage, staff)


def _choose_plans(
    rng: np.random.Generator,
    tiers: npt.NDArray[np.int8],
    minutes: npt.NDArray[np.float64],
    data: npt.NDArray[np.float64],
    plans: PlanColumns,
) -> npt.NDArray[np.int64]:
    """The cheapest allowed plan for the usage, then moved a step or two down or up for the
    customers who sit on a plan that does not fit."""
    count = len(tiers)
    need = UsageWindow(
        minutes[None, :], data[None, :], np.zeros((1, count)), np.ones((1, count), bool)
    )
    best = np.empty(count, dtype=np.int64)
    for start in range(0, count, 131_072):
        rows = slice(start, min(start + 131_072, count))
        costs = np.where(plans.allowed[tiers[rows]], expected_costs(need, plans, rows), np.inf)
        best[rows] = np.argmin(costs, axis=1)
    shift = rng.choice([0, -1, 1], size=count, p=FIT_SHARES) * rng.integers(1, 3, count)
    chosen = np.clip(best + shift, 0, len(plans.ids) - 1)
    # a shifted plan the tier may not take falls back to the fitting one
    result: npt.NDArray[np.int64] = np.where(plans.allowed[tiers, chosen], chosen, best)
    return result


def _places(
    rng: np.random.Generator, count: int
) -> tuple[npt.NDArray[np.str_], npt.NDArray[np.str_]]:
    counties = np.array([c for cs in BRANCHES.values() for c in cs])
    branch_of = np.array([b for b, cs in BRANCHES.items() for _ in cs])
    # county towns are busier than the countryside
    weights = np.array([3.0 if c.endswith("城区") else 1.0 for c in counties])
    index = rng.choice(len(counties), size=count, p=weights / weights.sum())
    return counties[index], branch_of[index]


def _msisdns(count: int) -> npt.NDArray[np.str_]:
    # 7919 is prime to 10**8, so the numbers are distinct for up to 10**8 customers
    numbers = (np.arange(count, dtype=np.int64) * 7919 + 12345) % 10**8
    return np.char.add("139", np.char.zfill(numbers.astype(str), 8))


def _names(rng: np.random.Generator, count: int) -> npt.NDArray[np.str_]:
    surname = _SURNAMES[rng.integers(0, len(_SURNAMES), count)]
    first = _GIVEN[rng.integers(0, len(_GIVEN), count)]
    second = np.where(rng.random(count) < 0.6, _GIVEN[rng.integers(0, len(_GIVEN), count)], "")
    return np.char.add(np.char.add(surname, first), second)


def _birthdays(rng: np.random.Generator, count: int) -> npt.NDArray[np.datetime64]:
    start, end = np.datetime64("1950-01-01"), np.datetime64("2005-12-31")
    days = rng.integers(0, int((end - start).astype(int)) + 1, count)
    birthdays = start + days
    # one in a thousand born on 29 February (about 1/1461 naturally), so small worlds have some
    leap = np.arange(count) % 1000 == 7
    years = 1952 + 4 * rng.integers(0, 13, count)
    leap_days = (years - 1970).astype("datetime64[Y]").astype("datetime64[D]") + 59
    result: npt.NDArray[np.datetime64] = np.where(leap, leap_days, birthdays)
    return result


def _balances(rng: np.random.Generator, count: int) -> npt.NDArray[np.float64]:
    balances = np.round(rng.lognormal(np.log(60), 0.9, count), 2)
    negative = rng.random(count) < 0.02
    result: npt.NDArray[np.float64] = np.where(
        negative, -np.round(rng.uniform(0.5, 60, count), 2), balances
    )
    return result


def _points(
    rng: np.random.Generator, count: int, as_of: date
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.datetime64]]:
    points = (rng.exponential(5000, count) // 10 * 10).astype(np.int64)
    has = points > 0
    expiry = np.datetime64(as_of, "D") + rng.integers(0, 366, count)
    return np.where(has, points, 0), np.where(has, expiry, np.datetime64("NaT"))


def _usage(
    rng: np.random.Generator,
    months: int,
    as_of: date,
    minutes_need: npt.NDArray[np.float64],
    data_need: npt.NDArray[np.float64],
    plan_index: npt.NDArray[np.int64],
    plans: PlanColumns,
) -> UsageTable:
    """`months` complete months before the as-of month; each month varies around the need."""
    count = len(minutes_need)
    firsts = np.array(window_months(as_of, months), dtype="datetime64[M]")
    minutes = np.round(minutes_need[None, :] * rng.lognormal(0, 0.2, (months, count)))
    data = np.round(data_need[None, :] * rng.lognormal(0, 0.25, (months, count)), 2)
    sms = rng.poisson(30, (months, count))
    fee, per_minute, per_gb = (
        plans.fee[plan_index],
        plans.per_minute[plan_index],
        plans.per_gb[plan_index],
    )
    bill = (
        fee
        + np.maximum(minutes - plans.minutes[plan_index], 0) * per_minute
        + np.maximum(data - plans.data_gb[plan_index], 0) * per_gb
    )
    return UsageTable(
        row=np.tile(np.arange(count, dtype=np.int64), months),
        month=np.repeat(firsts, count),
        voice_minutes=minutes.ravel(),
        data_gb=data.ravel(),
        sms=sms.ravel().astype(np.int64),
        bill_yuan=np.round(bill, 2).ravel(),
    )


def _staff(rng: np.random.Generator, customers: CustomerTable) -> tuple[Staff, ...]:
    """Account managers per county sized to its VIPs (most VIPs assigned, one in twenty left
    for automatic assignment), and phone managers per branch."""
    staff: list[Staff] = []
    vip = customers.tier != TIERS.index("none")
    for branch, counties in BRANCHES.items():
        for county in counties:
            rows = np.flatnonzero(vip & (customers.county == county))
            count = max(1, -(-len(rows) // VIP_PER_MANAGER))
            ids = [f"AM{len(staff) + k + 1:05d}" for k in range(count)]
            for k, staff_id in enumerate(ids):
                capacity = int(rng.integers(VIP_PER_MANAGER, VIP_PER_MANAGER + 150))
                name = f"{county[:2]}客户经理{k + 1}"
                staff.append(Staff(staff_id, name, Role.ACCOUNT_MANAGER, branch, county, capacity))
            assigned = rows[rng.random(len(rows)) >= 0.05]
            customers.account_manager_id[assigned] = np.array(ids)[
                rng.integers(0, count, len(assigned))
            ]
        phone = max(1, int(vip[customers.branch == branch].sum()) // 2000)
        for k in range(phone):
            staff_id = f"PM{len(staff) + 1:05d}"
            staff.append(
                Staff(
                    staff_id,
                    f"{branch}电话经理{k + 1}",
                    Role.PHONE_MANAGER,
                    branch,
                    counties[0],
                    PHONE_MANAGER_CALLS_A_DAY,
                )
            )
    return tuple(staff)
