"""Who does the work: dedicated account managers for VIPs, and staff for today's tasks.

Both balance load against capacity: the next customer or task goes to the person with the
lowest load/capacity ratio among those who still have room, preferring the customer's own
county (account managers travel) or branch (phone managers know the local offers).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from tiexin.care.model import NO_TIER, Channel, CustomerTable, NewTask, Role, Staff, locate


class Reason(StrEnum):
    SAME_COUNTY = "same_county"
    SAME_BRANCH = "same_branch"
    ELSEWHERE = "elsewhere"  # nobody nearby had room
    OVER_CAPACITY = "over_capacity"  # nobody had room; the least loaded took it
    OWN_MANAGER = "own_manager"  # a visit goes to the customer's account manager
    NO_CAPACITY = "no_capacity"  # left unassigned: every phone manager is full
    NO_MANAGER = "no_manager"  # left unassigned: the customer has no known account manager
    NOT_STAFFED = "not_staffed"  # an SMS: the system sends it


class _Pool:
    """Staff ordered by load/capacity, with lazy deletion: an entry whose load is out of date
    is dropped when it reaches the top, so taking one is O(log n) however many pools share a
    person."""

    def __init__(self, loads: dict[str, int], capacity: Mapping[str, int]) -> None:
        self.loads = loads  # shared by every pool of the same staff, updated in `take`
        self.capacity = capacity
        self.heap: list[tuple[float, str, int]] = []

    def ratio(self, staff_id: str) -> float:
        room = self.capacity[staff_id]
        return self.loads[staff_id] / room if room > 0 else float("inf")

    def push(self, staff_id: str) -> None:
        heapq.heappush(self.heap, (self.ratio(staff_id), staff_id, self.loads[staff_id]))

    def best(self, *, with_room: bool) -> str | None:
        while self.heap:
            _, staff_id, load = self.heap[0]
            if load != self.loads[staff_id]:
                heapq.heappop(self.heap)
                continue
            has_room = self.loads[staff_id] < self.capacity[staff_id]
            return staff_id if has_room or not with_room else None
        return None


class _Balancer:
    """Pools by county, by branch and overall over one set of staff."""

    def __init__(self, staff: Sequence[Staff], loads: Mapping[str, int]) -> None:
        self.loads = {s.staff_id: loads.get(s.staff_id, 0) for s in staff}
        capacity = {s.staff_id: s.capacity for s in staff}
        self.pools: dict[tuple[str, str], _Pool] = {}
        self.member_of: dict[str, list[_Pool]] = {}
        for person in staff:
            keys = [("county", person.county), ("branch", person.branch), ("all", "")]
            pools = [self.pools.setdefault(k, _Pool(self.loads, capacity)) for k in keys]
            self.member_of[person.staff_id] = pools
            for pool in pools:
                pool.push(person.staff_id)

    def pick(self, county: str | None, branch: str) -> tuple[str, Reason] | None:
        """The best person with room, nearest first; else the least loaded; None if no staff."""
        tries = [(("branch", branch), Reason.SAME_BRANCH), (("all", ""), Reason.ELSEWHERE)]
        if county is not None:
            tries.insert(0, (("county", county), Reason.SAME_COUNTY))
        for key, reason in tries:
            pool = self.pools.get(key)
            chosen = pool.best(with_room=True) if pool else None
            if chosen is not None:
                return chosen, reason
        everyone = self.pools.get(("all", ""))
        chosen = everyone.best(with_room=False) if everyone else None
        return None if chosen is None else (chosen, Reason.OVER_CAPACITY)

    def take(self, staff_id: str) -> None:
        self.loads[staff_id] += 1
        for pool in self.member_of[staff_id]:
            pool.push(staff_id)


@dataclass(frozen=True, slots=True)
class ManagerAssignment:
    """A VIP gets a dedicated account manager; `previous` is the id it had ("" for none), so
    storage can keep the history."""

    customer_id: str
    staff_id: str
    previous: str
    reason: Reason


def assign_account_managers(
    customers: CustomerTable, staff: Iterable[Staff]
) -> list[ManagerAssignment]:
    """Every VIP without a current account manager (none, or one no longer on the staff list)
    gets one: the least loaded with room in the same county, then branch, then anywhere; if all
    are full, the least loaded overall. Customers are taken in table order."""
    managers = [s for s in staff if s.role == Role.ACCOUNT_MANAGER]
    known = np.array(sorted({s.staff_id for s in managers}), dtype=np.str_)
    # a binary search in the few managers, not a sort of millions of customers (np.isin)
    which, has_known = locate(known, customers.account_manager_id)
    current = np.bincount(which[has_known], minlength=len(known))
    balancer = _Balancer(managers, dict(zip(known.tolist(), current.tolist(), strict=True)))
    decisions: list[ManagerAssignment] = []
    # only the rows that need a manager are visited one by one: a handful a day in millions
    for row in np.flatnonzero((customers.tier != NO_TIER) & ~has_known):
        previous = str(customers.account_manager_id[row])
        picked = balancer.pick(str(customers.county[row]), str(customers.branch[row]))
        if picked is None:
            break  # no account managers at all: nothing can be assigned
        staff_id, reason = picked
        balancer.take(staff_id)
        customer_id = str(customers.customer_id[row])
        decisions.append(ManagerAssignment(customer_id, staff_id, previous, reason))
    return decisions


@dataclass(frozen=True, slots=True)
class TaskAssignment:
    task: NewTask
    staff_id: str  # "" when the task is left unassigned or needs no one
    reason: Reason


def assign_tasks(
    tasks: Sequence[NewTask],
    staff: Iterable[Staff],
    open_tasks: Mapping[str, int] | None = None,
) -> list[TaskAssignment]:
    """Assign new tasks, in the order given. Calls go to phone managers (capacity: calls a
    day, counting `open_tasks`, the calls still to make on their list), most urgent first,
    same branch first;
    a call nobody has room for stays unassigned for a supervisor. Visits go to the customer's
    account manager; SMS need no one."""
    people = list(staff)
    phone = [s for s in people if s.role == Role.PHONE_MANAGER]
    managers = {s.staff_id for s in people if s.role == Role.ACCOUNT_MANAGER}
    balancer = _Balancer(phone, open_tasks or {})
    decided: dict[int, TaskAssignment] = {}
    calls = [i for i, t in enumerate(tasks) if t.channel == Channel.CALL]
    full = False  # nobody has room; loads only grow, so no later call finds any either
    for i in sorted(calls, key=lambda i: (tasks[i].priority, tasks[i].due)):
        picked = None if full else balancer.pick(None, tasks[i].branch)
        if picked is None or picked[1] == Reason.OVER_CAPACITY:
            full = True
            decided[i] = TaskAssignment(tasks[i], "", Reason.NO_CAPACITY)
            continue
        balancer.take(picked[0])
        decided[i] = TaskAssignment(tasks[i], picked[0], picked[1])
    for i, task in enumerate(tasks):
        if task.channel == Channel.VISIT:
            own = task.account_manager_id in managers
            reason = Reason.OWN_MANAGER if own else Reason.NO_MANAGER
            decided[i] = TaskAssignment(task, task.account_manager_id if own else "", reason)
        elif task.channel == Channel.SMS:
            decided[i] = TaskAssignment(task, "", Reason.NOT_STAFFED)
    return [decided[i] for i in range(len(tasks))]
