"""The settings of each built-in care rule type, as parsed from the rules YAML.

Defaults here are the documented defaults (docs/care-rules.md); a rule only states what it
changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True, slots=True)
class PlanFitParams:
    months: int = 3  # complete months of usage before the as-of month
    min_saving_yuan: float = 10.0  # a month, for a recommendation to be worth a call


def _default_waivers() -> dict[str, float]:
    return {"diamond": 50.0, "gold": 30.0, "silver": 20.0}


@dataclass(frozen=True, slots=True)
class BirthdayParams:
    within_days: int = 7
    waiver_yuan: dict[str, float] = field(default_factory=_default_waivers)  # by tier


@dataclass(frozen=True, slots=True)
class Redemption:
    points: int
    item: str
    item_en: str


@dataclass(frozen=True, slots=True)
class PointsParams:
    within_days: int = 30
    min_points: int = 1000
    redemptions: tuple[Redemption, ...] = ()  # sorted by points, cheapest first


@dataclass(frozen=True, slots=True)
class GraceParams:
    amount_yuan: float = 10.0
    period: str = "month"  # at most one grant per calendar month, quarter or year
    valid_days: int = 15  # days the credit covers before the customer must recharge


@dataclass(frozen=True, slots=True)
class Campaign:
    id: str
    name: str
    name_en: str
    start: date
    end: date  # inclusive
    tiers: tuple[str, ...]
    offer: str
    offer_en: str
    # every threshold that is set must be met; None means no threshold
    min_balance_yuan: float | None = None
    min_spend_yuan: float | None = None  # mean monthly bill over the last three months


@dataclass(frozen=True, slots=True)
class RechargeParams:
    campaigns: tuple[Campaign, ...] = ()


@dataclass(frozen=True, slots=True)
class RetentionParams:
    """Retention takes no settings: who is at risk comes in as a flag from the caller."""


RuleParams = (
    PlanFitParams | BirthdayParams | PointsParams | GraceParams | RechargeParams | RetentionParams
)
