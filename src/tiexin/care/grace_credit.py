"""Suspension care: a customer whose balance goes negative gets a grace credit instead of
being cut off, at most once per calendar period.

The decision is a pure function of the balance, the earlier grants (which storage keeps) and
the as-of date; the returned ledger entry is what storage records.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from tiexin.care.dates import same_period
from tiexin.care.model import Finding, GraceCredit
from tiexin.care.params import GraceParams
from tiexin.care.templates import format_fact

if TYPE_CHECKING:
    from tiexin.care.context import PlanContext

FACTS = ("balance_yuan", "credit_yuan", "granted_on", "expires_on", "recovery")


def recovery_terms(amount_yuan: float, expires_on: date) -> str:
    return (
        f"{format_fact(amount_yuan)} 元宽限额度将从下次充值中扣回；"
        f"{expires_on.isoformat()} 前未充值的，按正常规则停机。"
    )


def decide_grace_credit(
    customer_id: str,
    balance_yuan: float,
    previous_grants: Iterable[date],
    as_of: date,
    params: GraceParams,
) -> GraceCredit | None:
    """The grace credit to grant today, or None: the balance is not negative, or a credit was
    already granted in the same period (month, quarter or year) as `as_of`."""
    if balance_yuan >= 0:
        return None
    if any(same_period(granted, as_of, params.period) for granted in previous_grants):
        return None
    expires_on = as_of + timedelta(days=params.valid_days)
    return GraceCredit(
        customer_id=customer_id,
        amount_yuan=params.amount_yuan,
        granted_on=as_of,
        expires_on=expires_on,
        recovery=recovery_terms(params.amount_yuan, expires_on),
    )


def find(ctx: PlanContext, params: GraceParams, rows: npt.NDArray[np.int64]) -> Iterator[Finding]:
    balances = ctx.customers.balance_yuan[rows]
    for row, balance in zip(rows[balances < 0], balances[balances < 0], strict=True):
        customer_id = str(ctx.customers.customer_id[row])
        grants = ctx.grants.get(customer_id, ())
        credit = decide_grace_credit(customer_id, float(balance), grants, ctx.as_of, params)
        if credit is not None:
            yield _finding(int(row), float(balance), credit)


def _finding(row: int, balance: float, credit: GraceCredit) -> Finding:
    amount, expires = format_fact(credit.amount_yuan), credit.expires_on.isoformat()
    return Finding(
        row=row,
        facts={
            "balance_yuan": balance,
            "credit_yuan": credit.amount_yuan,
            "granted_on": credit.granted_on,
            "expires_on": credit.expires_on,
            "recovery": credit.recovery,
        },
        deadline=credit.granted_on,
        explanation_zh=(
            f"客户余额为 {format_fact(balance)} 元，本期尚未享受宽限，"
            f"给予 {amount} 元宽限额度至 {expires}，暂不停机。"
        ),
        explanation_en=(
            f"The balance is {format_fact(balance)} yuan and no grace credit was granted this "
            f"period: a {amount}-yuan credit until {expires} instead of suspension."
        ),
        grace_credit=credit,
    )
