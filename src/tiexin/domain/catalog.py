"""The tariff catalogue: plans with their fee, allowances and overage prices.

Shared by call scoring (fact-checking what agents say about plans) and the care engine
(plan fit). Pure: standard library only; values are frozen so a catalogue can be shared by
worker processes and cached by identity.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class PlanField(StrEnum):
    """A plan figure an agent can state; the values are the catalogue's field names."""

    MONTHLY_FEE_YUAN = "monthly_fee_yuan"
    MINUTES = "minutes"
    DATA_GB = "data_gb"
    SMS = "sms"
    OVERAGE_PER_MINUTE_YUAN = "overage_per_minute_yuan"
    OVERAGE_PER_GB_YUAN = "overage_per_gb_yuan"


@dataclass(frozen=True, slots=True)
class Plan:
    """One tariff plan. `tiers` empty means every customer tier may take it."""

    id: str
    name: str
    name_en: str
    monthly_fee_yuan: float
    minutes: int
    data_gb: float
    sms: int
    overage_per_minute_yuan: float
    overage_per_gb_yuan: float
    tiers: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()

    def value_of(self, plan_field: PlanField) -> float:
        value: float = getattr(self, plan_field.value)
        return value

    def allows_tier(self, tier: str) -> bool:
        return not self.tiers or tier in self.tiers

    @property
    def names(self) -> tuple[str, ...]:
        """Every name the plan is known by: Chinese name, English name and aliases."""
        return tuple(n for n in (self.name, self.name_en, *self.aliases) if n)


def plan_from_values(values: Mapping[str, Any]) -> Plan:
    """A plan from validated field values (a YAML plan or a database row)."""
    return Plan(
        id=values["id"],
        name=values["name"],
        name_en=values.get("name_en") or "",
        monthly_fee_yuan=values["monthly_fee_yuan"],
        minutes=values["minutes"],
        data_gb=values["data_gb"],
        sms=values["sms"],
        overage_per_minute_yuan=values["overage_per_minute_yuan"],
        overage_per_gb_yuan=values["overage_per_gb_yuan"],
        tiers=tuple(values.get("tiers") or ()),
        aliases=tuple(values.get("aliases") or ()),
    )


def name_key(name: str) -> str:
    """Lookup key for a plan name: case and spacing do not matter."""
    return re.sub(r"\s+", "", name).casefold()


@dataclass(frozen=True, slots=True)
class Catalog:
    """A versioned set of plans with unique ids and unambiguous names."""

    plans: tuple[Plan, ...]
    currency: str = "CNY"
    version: str = ""
    _by_id: dict[str, Plan] = field(init=False, repr=False, compare=False, hash=False)
    _by_name: dict[str, Plan] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        by_id: dict[str, Plan] = {}
        by_name: dict[str, Plan] = {}
        for plan in self.plans:
            if plan.id in by_id:
                raise ValueError(f"duplicate plan id {plan.id!r}")
            by_id[plan.id] = plan
            for name in plan.names:
                other = by_name.setdefault(name_key(name), plan)
                if other is not plan:
                    raise ValueError(f"name {name!r} is used by plans {other.id} and {plan.id}")
        # frozen dataclass: the indexes are derived once, so set them past the freeze
        object.__setattr__(self, "_by_id", by_id)
        object.__setattr__(self, "_by_name", by_name)

    def get(self, plan_id: str) -> Plan | None:
        return self._by_id.get(plan_id)

    def by_id(self, plan_id: str) -> Plan:
        """The plan with this id; KeyError names the known ids."""
        plan = self._by_id.get(plan_id)
        if plan is None:
            raise KeyError(f"no plan {plan_id!r}; known: {', '.join(self._by_id)}")
        return plan

    def by_name(self, name: str) -> Plan | None:
        """The plan with this Chinese name, English name or alias (case and spaces ignored)."""
        return self._by_name.get(name_key(name))

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self._by_id)
