"""Retention: customers another part of the system flagged as at risk of leaving."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from tiexin.care.model import Finding
from tiexin.care.params import RetentionParams

if TYPE_CHECKING:
    from tiexin.care.context import PlanContext

FACTS = ("risk_reason",)


def find(
    ctx: PlanContext, params: RetentionParams, rows: npt.NDArray[np.int64]
) -> Iterator[Finding]:
    if not ctx.risk_flags:
        return
    ids = ctx.customers.customer_id[rows]
    flagged = np.isin(ids, np.array(list(ctx.risk_flags), dtype=np.str_))
    for row, customer_id in zip(rows[flagged], ids[flagged], strict=True):
        reason = ctx.risk_flags[str(customer_id)]
        yield Finding(
            row=int(row),
            facts={"risk_reason": reason},
            deadline=None,
            explanation_zh=f"客户被标记为有流失风险：{reason}。",
            explanation_en=f"The customer is flagged as at risk of leaving: {reason}.",
        )
