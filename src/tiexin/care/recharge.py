"""Recharge offers: campaigns with a date window, eligible tiers and spending thresholds.

A customer is offered the first campaign in the rule's list that is running on the as-of date
and whose every threshold they meet (balance now; spend as the mean monthly bill over the last
three complete months).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from tiexin.care.model import TIERS, Finding
from tiexin.care.params import Campaign, RechargeParams
from tiexin.care.templates import format_fact

if TYPE_CHECKING:
    from tiexin.care.context import PlanContext

FACTS = ("campaign", "campaign_name", "offer", "campaign_end", "balance_yuan", "mean_bill_yuan")
SPEND_MONTHS = 3


def eligible(
    campaign: Campaign,
    tiers: npt.NDArray[np.int8],
    balance: npt.NDArray[np.float64],
    mean_bill: npt.NDArray[np.float64],
) -> npt.NDArray[np.bool_]:
    """Which customers meet the campaign's tiers and thresholds (NaN spend never does)."""
    allowed = np.array([t in campaign.tiers for t in TIERS], dtype=np.bool_)
    result: npt.NDArray[np.bool_] = allowed[tiers]
    if campaign.min_balance_yuan is not None:
        result &= balance >= campaign.min_balance_yuan
    if campaign.min_spend_yuan is not None:
        with np.errstate(invalid="ignore"):
            result &= mean_bill >= campaign.min_spend_yuan
    return result


def find(
    ctx: PlanContext, params: RechargeParams, rows: npt.NDArray[np.int64]
) -> Iterator[Finding]:
    running = [c for c in params.campaigns if c.start <= ctx.as_of <= c.end]
    if not running:
        return
    tiers = ctx.customers.tier[rows]
    balance = ctx.customers.balance_yuan[rows]
    mean_bill = ctx.window(SPEND_MONTHS).take(rows).mean_bill()
    offered = np.zeros(len(rows), dtype=np.bool_)
    for campaign in running:
        fresh = eligible(campaign, tiers, balance, mean_bill) & ~offered
        offered |= fresh
        for k in np.flatnonzero(fresh):
            yield _finding(int(rows[k]), campaign, float(balance[k]), float(mean_bill[k]))


def _finding(row: int, campaign: Campaign, balance: float, mean_bill: float) -> Finding:
    spent = round(mean_bill, 2) if np.isfinite(mean_bill) else 0.0
    end = campaign.end.isoformat()
    return Finding(
        row=row,
        facts={
            "campaign": campaign.id,
            "campaign_name": campaign.name,
            "offer": campaign.offer,
            "campaign_end": campaign.end,
            "balance_yuan": balance,
            "mean_bill_yuan": spent,
        },
        deadline=campaign.end,
        explanation_zh=f"客户符合「{campaign.name}」条件（截至 {end}）：{campaign.offer}。",
        explanation_en=(
            f"The customer qualifies for '{campaign.name_en or campaign.id}' (until {end}): "
            f"{campaign.offer_en or campaign.offer}; mean bill {format_fact(spent)} yuan."
        ),
    )
