"""Points expiry: points about to lapse, and the best reward they can still buy."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from tiexin.care.model import Finding
from tiexin.care.params import PointsParams, Redemption
from tiexin.care.templates import days_away_en, days_away_zh

if TYPE_CHECKING:
    from tiexin.care.context import PlanContext

FACTS = ("points", "expiry_date", "days_left", "redeem_item", "redeem_points")


def best_redemption(points: int, redemptions: tuple[Redemption, ...]) -> Redemption | None:
    """The dearest reward the points pay for (`redemptions` is sorted cheapest first)."""
    affordable = [r for r in redemptions if r.points <= points]
    return affordable[-1] if affordable else None


def find(ctx: PlanContext, params: PointsParams, rows: npt.NDArray[np.int64]) -> Iterator[Finding]:
    expiry = ctx.customers.points_expiry[rows]
    points = ctx.customers.points[rows]
    days = (expiry - np.datetime64(ctx.as_of, "D")).astype(np.int64)
    due = ~np.isnat(expiry) & (days >= 0) & (days <= params.within_days)
    due &= points >= params.min_points
    for k in np.flatnonzero(due):
        reward = best_redemption(int(points[k]), params.redemptions)
        # the rules loader requires min_points to cover the cheapest reward
        assert reward is not None
        yield _finding(int(rows[k]), int(points[k]), expiry[k].item(), int(days[k]), reward)


def _finding(row: int, points: int, expiry: date, days: int, reward: Redemption) -> Finding:
    return Finding(
        row=row,
        facts={
            "points": points,
            "expiry_date": expiry,
            "days_left": days,
            "redeem_item": reward.item,
            "redeem_points": reward.points,
        },
        deadline=expiry,
        explanation_zh=(
            f"客户的 {points} 积分将于 {expiry.isoformat()} 到期（{days_away_zh(days)}），"
            f"可兑换{reward.item}（{reward.points} 分）。"
        ),
        explanation_en=(
            f"The customer's {points} points expire on {expiry.isoformat()} "
            f"({days_away_en(days)}); they can buy {reward.item_en} ({reward.points} points)."
        ),
    )
