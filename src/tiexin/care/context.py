"""What every rule finder sees: the inputs of one planning run."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from tiexin.care.model import CustomerTable, UsageTable
from tiexin.care.plan_fit import PlanColumns, UsageWindow, usage_window
from tiexin.domain.catalog import Catalog


@dataclass(eq=False)
class PlanContext:
    """The inputs of one planning run. Derived arrays (the usage window, the catalogue as
    columns) are built on first use and shared by every rule of the run."""

    customers: CustomerTable
    usage: UsageTable
    catalog: Catalog
    as_of: date
    grants: Mapping[str, Sequence[date]]  # customer id -> dates of earlier grace credits
    risk_flags: Mapping[str, str]  # customer id -> why the customer is at risk
    _windows: dict[int, UsageWindow] = field(default_factory=dict)
    _plans: PlanColumns | None = None

    def window(self, months: int) -> UsageWindow:
        if months not in self._windows:
            self._windows[months] = usage_window(
                self.usage, len(self.customers), self.as_of, months
            )
        return self._windows[months]

    @property
    def plans(self) -> PlanColumns:
        if self._plans is None:
            self._plans = PlanColumns.of(self.catalog)
        return self._plans
