"""Account managers for VIPs and staff for tasks, balanced against capacity."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date

from tiexin.care.assignment import Reason, assign_account_managers, assign_tasks
from tiexin.care.model import Channel, Customer, CustomerTable, NewTask, Role, Staff

BASE = Customer(
    "C0",
    "13900000000",
    "林晓",
    date(1990, 6, 15),
    "gold",
    "岚城",
    "青石县",
    "p",
    0.0,
    0,
    None,
    "",
    date(2015, 1, 1),
)


def am(staff_id: str, county: str, capacity: int, branch: str = "岚城") -> Staff:
    return Staff(staff_id, staff_id, Role.ACCOUNT_MANAGER, branch, county, capacity)


def pm(staff_id: str, branch: str, capacity: int) -> Staff:
    return Staff(staff_id, staff_id, Role.PHONE_MANAGER, branch, "", capacity)


def customers(*rows: tuple[str, str, str]) -> CustomerTable:
    """(tier, county, account manager) per customer, ids C1, C2, ..."""
    return CustomerTable.from_records(
        [
            replace(
                BASE, customer_id=f"C{i + 1}", tier=tier, county=county, account_manager_id=manager
            )
            for i, (tier, county, manager) in enumerate(rows)
        ]
    )


def test_unassigned_vips_go_to_the_least_loaded_manager_in_their_county() -> None:
    table = customers(
        ("gold", "青石县", "A1"),
        ("gold", "青石县", "A1"),
        ("silver", "青石县", ""),
        ("diamond", "青石县", ""),
        ("none", "青石县", ""),  # not a VIP: no manager needed
        ("gold", "青石县", "A2"),  # has one: left alone
    )
    staff = [am("A1", "青石县", 4), am("A2", "青石县", 4), am("A3", "白沙县", 1)]
    decisions = assign_account_managers(table, staff)
    # A1 has 2 of 4, A2 1 of 4: C3 to A2 (1/4 < 2/4), then C4 ties 2/4 and goes to A1 by id
    assert [(d.customer_id, d.staff_id, d.reason) for d in decisions] == [
        ("C3", "A2", Reason.SAME_COUNTY),
        ("C4", "A1", Reason.SAME_COUNTY),
    ]


def test_full_county_overflows_to_the_branch_then_anywhere_then_over_capacity() -> None:
    table = customers(*[("gold", "青石县", "")] * 4)
    staff = [am("A1", "青石县", 1), am("A2", "白沙县", 1), am("A3", "松岭县", 1, branch="峪州")]
    decisions = assign_account_managers(table, staff)
    assert [(d.staff_id, d.reason) for d in decisions] == [
        ("A1", Reason.SAME_COUNTY),
        ("A2", Reason.SAME_BRANCH),
        ("A3", Reason.ELSEWHERE),
        ("A1", Reason.OVER_CAPACITY),
    ]


def test_a_manager_who_left_is_replaced_and_the_previous_id_kept() -> None:
    table = customers(("gold", "青石县", "GONE"))
    (decision,) = assign_account_managers(table, [am("A1", "青石县", 5)])
    assert (decision.staff_id, decision.previous) == ("A1", "GONE")


def test_assignment_spreads_load_in_proportion_to_capacity() -> None:
    table = customers(*[("gold", "青石县", "")] * 300)
    staff = [am("A1", "青石县", 100), am("A2", "青石县", 200), am("A3", "青石县", 300)]
    loads = Counter(d.staff_id for d in assign_account_managers(table, staff))
    assert loads == {"A1": 50, "A2": 100, "A3": 150}


def task(
    n: int, channel: Channel, branch: str = "岚城", priority: int = 3, manager: str = ""
) -> NewTask:
    return NewTask(
        f"C{n}",
        "r",
        "birthday",
        channel,
        priority,
        date(2025, 3, 10),
        {},
        "",
        "",
        "",
        branch,
        manager,
    )


def test_calls_go_to_phone_managers_same_branch_first_most_urgent_first() -> None:
    tasks = [
        task(1, Channel.CALL, priority=5),
        task(2, Channel.CALL, priority=1),
        task(3, Channel.CALL, priority=2),
        task(4, Channel.CALL, branch="峪州", priority=4),
        task(5, Channel.CALL, priority=3),
    ]
    staff = [pm("P1", "岚城", 2), pm("P2", "峪州", 2)]
    result = assign_tasks(tasks, staff, open_tasks={"P2": 1})
    by_customer = {a.task.customer_id: (a.staff_id, a.reason) for a in result}
    assert by_customer == {
        "C2": ("P1", Reason.SAME_BRANCH),
        "C3": ("P1", Reason.SAME_BRANCH),
        "C5": ("P2", Reason.ELSEWHERE),  # P1 full; P2 had one open task of two
        "C4": ("", Reason.NO_CAPACITY),  # the least urgent wait for a supervisor
        "C1": ("", Reason.NO_CAPACITY),
    }
    assert [a.task.customer_id for a in result] == ["C1", "C2", "C3", "C4", "C5"]


def test_visits_go_to_the_customers_own_manager_and_sms_to_no_one() -> None:
    staff = [am("A1", "青石县", 10), pm("P1", "岚城", 10)]
    tasks = [
        task(1, Channel.VISIT, manager="A1"),
        task(2, Channel.VISIT, manager=""),
        task(3, Channel.SMS),
    ]
    result = assign_tasks(tasks, staff)
    assert [(a.staff_id, a.reason) for a in result] == [
        ("A1", Reason.OWN_MANAGER),
        ("", Reason.NO_MANAGER),
        ("", Reason.NOT_STAFFED),
    ]
