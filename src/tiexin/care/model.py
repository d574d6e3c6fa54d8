"""Value types of the care engine: customers and usage as columns, staff, and tasks.

Customers and usage are held as numpy columns rather than one object per customer: the planner
has to sweep ten million customers in seconds, which only vectorised arithmetic can do. Records
(`Customer`, `UsageMonth`) exist for callers that have a handful of rows and for tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

import numpy as np
import numpy.typing as npt

TIERS = ("diamond", "gold", "silver", "none")
# The customers and usage files as an operator's billing/CRM exports them, column by column.
CUSTOMER_COLUMNS = (
    "customer_id",
    "msisdn",
    "name",
    "birthday",
    "tier",
    "branch",
    "county",
    "plan_id",
    "balance_yuan",
    "points",
    "points_expiry",
    "account_manager_id",
    "join_date",
)
USAGE_COLUMNS = ("customer_id", "month", "voice_minutes", "data_gb", "sms", "bill_yuan")
VIP_TIERS = ("diamond", "gold", "silver")
# The states of a task whose customer is still to be called: they count against a phone
# manager's capacity. Once the customer is reached (contacted), an outcome is recorded or the
# task is closed, the call is made.
CALL_PENDING = ("open", "notified", "callback", "unreachable")
NO_TIER = TIERS.index("none")


class Channel(StrEnum):
    CALL = "call"
    SMS = "sms"
    VISIT = "visit"


class Role(StrEnum):
    PHONE_MANAGER = "phone_manager"
    ACCOUNT_MANAGER = "account_manager"


@dataclass(frozen=True, slots=True)
class Customer:
    """One row of customers.csv."""

    customer_id: str
    msisdn: str
    name: str
    birthday: date
    tier: str
    branch: str
    county: str
    plan_id: str
    balance_yuan: float
    points: int
    points_expiry: date | None
    account_manager_id: str
    join_date: date


@dataclass(frozen=True, slots=True)
class UsageMonth:
    """One row of usage.csv; `month` is the first day of the month."""

    customer_id: str
    month: date
    voice_minutes: float
    data_gb: float
    sms: int
    bill_yuan: float


@dataclass(frozen=True, slots=True)
class Staff:
    """One row of staff.csv. `capacity` is customers for an account manager, tasks a day for a
    phone manager."""

    staff_id: str
    name: str
    role: Role
    branch: str
    county: str
    capacity: int


def locate(
    sorted_ids: npt.NDArray[np.str_], wanted: npt.NDArray[np.str_]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """Where each of `wanted` is in `sorted_ids`, and whether it is there at all."""
    position = np.searchsorted(sorted_ids, wanted)
    clipped = np.minimum(position, max(len(sorted_ids) - 1, 0)).astype(np.int64)
    if not len(sorted_ids):
        return clipped, np.zeros(len(wanted), dtype=np.bool_)
    return clipped, sorted_ids[clipped] == wanted


def _day(value: date | None) -> np.datetime64:
    return np.datetime64(value, "D") if value is not None else np.datetime64("NaT", "D")


@dataclass(frozen=True, slots=True, eq=False)
class CustomerTable:
    """Customers as parallel columns; row `i` of every column is one customer.

    `tier` holds indexes into `TIERS`; `points_expiry` is NaT where a customer has no points
    expiry; `account_manager_id` is "" where none is assigned.
    """

    customer_id: npt.NDArray[np.str_]
    msisdn: npt.NDArray[np.str_]
    name: npt.NDArray[np.str_]
    birthday: npt.NDArray[np.datetime64]
    tier: npt.NDArray[np.int8]
    branch: npt.NDArray[np.str_]
    county: npt.NDArray[np.str_]
    plan_id: npt.NDArray[np.str_]
    balance_yuan: npt.NDArray[np.float64]
    points: npt.NDArray[np.int64]
    points_expiry: npt.NDArray[np.datetime64]
    account_manager_id: npt.NDArray[np.str_]
    join_date: npt.NDArray[np.datetime64]

    def __len__(self) -> int:
        return len(self.customer_id)

    @classmethod
    def from_records(cls, customers: Sequence[Customer]) -> CustomerTable:
        for c in customers:
            if c.tier not in TIERS:
                raise ValueError(f"customer {c.customer_id}: unknown tier {c.tier!r}")
        return cls(
            customer_id=np.array([c.customer_id for c in customers], dtype=np.str_),
            msisdn=np.array([c.msisdn for c in customers], dtype=np.str_),
            name=np.array([c.name for c in customers], dtype=np.str_),
            birthday=np.array([_day(c.birthday) for c in customers], dtype="datetime64[D]"),
            tier=np.array([TIERS.index(c.tier) for c in customers], dtype=np.int8),
            branch=np.array([c.branch for c in customers], dtype=np.str_),
            county=np.array([c.county for c in customers], dtype=np.str_),
            plan_id=np.array([c.plan_id for c in customers], dtype=np.str_),
            balance_yuan=np.array([c.balance_yuan for c in customers], dtype=np.float64),
            points=np.array([c.points for c in customers], dtype=np.int64),
            points_expiry=np.array(
                [_day(c.points_expiry) for c in customers], dtype="datetime64[D]"
            ),
            account_manager_id=np.array([c.account_manager_id for c in customers], dtype=np.str_),
            join_date=np.array([_day(c.join_date) for c in customers], dtype="datetime64[D]"),
        )

    def record(self, row: int) -> Customer:
        """The customer in row `row` as a record (for facts, tests and small callers)."""
        expiry = self.points_expiry[row]
        return Customer(
            customer_id=str(self.customer_id[row]),
            msisdn=str(self.msisdn[row]),
            name=str(self.name[row]),
            birthday=self.birthday[row].item(),
            tier=TIERS[int(self.tier[row])],
            branch=str(self.branch[row]),
            county=str(self.county[row]),
            plan_id=str(self.plan_id[row]),
            balance_yuan=float(self.balance_yuan[row]),
            points=int(self.points[row]),
            points_expiry=None if np.isnat(expiry) else expiry.item(),
            account_manager_id=str(self.account_manager_id[row]),
            join_date=self.join_date[row].item(),
        )


@dataclass(frozen=True, slots=True, eq=False)
class UsageTable:
    """Monthly usage as parallel columns; `row` indexes the customer in its `CustomerTable`."""

    row: npt.NDArray[np.int64]
    month: npt.NDArray[np.datetime64]  # datetime64[M]
    voice_minutes: npt.NDArray[np.float64]
    data_gb: npt.NDArray[np.float64]
    sms: npt.NDArray[np.int64]
    bill_yuan: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.row)

    @classmethod
    def from_records(cls, usage: Sequence[UsageMonth], customers: CustomerTable) -> UsageTable:
        """Usage rows joined to customer rows; a row for an unknown customer is a ValueError."""
        index = {str(cid): i for i, cid in enumerate(customers.customer_id)}
        unknown = sorted({u.customer_id for u in usage} - index.keys())
        if unknown:
            raise ValueError(f"usage for unknown customers: {', '.join(unknown[:5])}")
        return cls(
            row=np.array([index[u.customer_id] for u in usage], dtype=np.int64),
            month=np.array([np.datetime64(u.month, "M") for u in usage], dtype="datetime64[M]"),
            voice_minutes=np.array([u.voice_minutes for u in usage], dtype=np.float64),
            data_gb=np.array([u.data_gb for u in usage], dtype=np.float64),
            sms=np.array([u.sms for u in usage], dtype=np.int64),
            bill_yuan=np.array([u.bill_yuan for u in usage], dtype=np.float64),
        )


@dataclass(frozen=True, slots=True)
class ExistingTask:
    """A task already stored: all the planner needs to avoid duplicates and honour cooldowns."""

    customer_id: str
    rule_id: str
    open: bool  # not closed yet (see the task life cycle)
    created: date


FactValue = str | int | float | date


@dataclass(frozen=True, slots=True)
class GraceCredit:
    """A grace-credit ledger entry: credited now, recovered from the next recharge."""

    customer_id: str
    amount_yuan: float
    granted_on: date
    expires_on: date
    recovery: str  # the recovery terms, as told to the customer


@dataclass(frozen=True, slots=True)
class Finding:
    """A customer a rule applies to: the facts, the latest useful date and why, in two
    languages. `deadline` None means the rule's own due days decide."""

    row: int
    facts: dict[str, FactValue]
    deadline: date | None
    explanation_zh: str
    explanation_en: str
    grace_credit: GraceCredit | None = None


@dataclass(frozen=True, slots=True)
class NewTask:
    """A care task the planner wants created. `branch` and `account_manager_id` are the
    customer's at planning time, so tasks can be assigned without another lookup."""

    customer_id: str
    rule_id: str
    rule_type: str
    channel: Channel
    priority: int
    due: date
    facts: dict[str, FactValue]
    explanation_zh: str
    explanation_en: str
    script: str
    branch: str
    account_manager_id: str
    grace_credit: GraceCredit | None = field(default=None)
