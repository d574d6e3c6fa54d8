"""Birthday care: a call or message before the birthday, with the birthday bill waiver.

29 February birthdays are celebrated on 28 February in common years (`tiexin.care.dates`);
the window runs over the year end, so a 2 January birthday is found on 30 December.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from tiexin.care.dates import days_until_birthdays
from tiexin.care.model import TIERS, Finding
from tiexin.care.params import BirthdayParams
from tiexin.care.templates import days_away_en, days_away_zh, format_fact

if TYPE_CHECKING:
    from tiexin.care.context import PlanContext

FACTS = ("birthday", "days_until", "waiver_yuan")


def find(
    ctx: PlanContext, params: BirthdayParams, rows: npt.NDArray[np.int64]
) -> Iterator[Finding]:
    days = days_until_birthdays(ctx.customers.birthday[rows], ctx.as_of)
    near = days <= params.within_days
    for row, until in zip(rows[near], days[near].tolist(), strict=True):
        celebrated = ctx.as_of + timedelta(days=until)
        tier = TIERS[int(ctx.customers.tier[row])]
        waiver = params.waiver_yuan.get(tier, 0.0)
        yield Finding(
            row=int(row),
            facts={"birthday": celebrated, "days_until": until, "waiver_yuan": waiver},
            deadline=celebrated,
            explanation_zh=(
                f"客户生日是 {celebrated.isoformat()}（{days_away_zh(until)}），"
                f"可享生日账单减免 {format_fact(waiver)} 元。"
            ),
            explanation_en=(
                f"The customer's birthday is on {celebrated.isoformat()} ({days_away_en(until)}); "
                f"the birthday bill waiver is {format_fact(waiver)} yuan."
            ),
        )
