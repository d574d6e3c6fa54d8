"""Stored customer and usage columns as the planner's tables."""

from __future__ import annotations

import numpy as np
import pytest

from tiexin.care.model import CUSTOMER_COLUMNS, TIERS, CustomerTable
from tiexin.services.care_data import customer_digest, customer_table, usage_table


@pytest.mark.parametrize("ids", [["C1", "C2", "C3"], ["C3", "C1", "C2"]])
def test_customers_are_planned_in_id_order_however_they_are_read(ids: list[str]) -> None:
    columns = {name: np.array([""] * 3) for name in CUSTOMER_COLUMNS}
    columns["customer_id"] = np.array(ids)
    columns["msisdn"] = np.array([f"1390000000{i[1]}" for i in ids])
    columns["tier"] = np.array(["gold", "none", "silver"])
    table = customer_table(columns)
    assert table.customer_id.tolist() == ["C1", "C2", "C3"]
    by_id = dict(zip(ids, ["gold", "none", "silver"], strict=True))
    assert [TIERS[t] for t in table.tier] == [by_id[i] for i in ("C1", "C2", "C3")]
    assert table.msisdn.tolist() == ["13900000001", "13900000002", "13900000003"]


def _customers(*ids: str) -> CustomerTable:
    columns = {name: np.array([""] * len(ids)) for name in CUSTOMER_COLUMNS}
    columns["customer_id"] = np.array(ids)
    columns["tier"] = np.array(["gold"] * len(ids))
    return customer_table(columns)


@pytest.mark.parametrize(
    ("usage_ids", "rows"),
    [
        ([], []),
        (["C1", "C1", "C2", "C2", "C3"], [0, 0, 1, 1, 2]),  # each customer's months together
        (["C2", "C1", "C2", "C3", "C1"], [1, 0, 1, 2, 0]),  # in any order
        (["C9", "C1", "C9", "C9", "C3", "C0"], [0, 2]),  # unknown customers left out
        (["C0", "C0"], []),  # nothing known
    ],
)
def test_usage_rows_index_their_customers(usage_ids: list[str], rows: list[int]) -> None:
    count = len(usage_ids)
    columns = {
        "customer_id": np.array(usage_ids, dtype=np.str_),
        "month": np.array([f"2025-0{1 + i % 9}-01" for i in range(count)], "datetime64[D]"),
        "voice_minutes": np.arange(count, dtype=np.float64),
        "data_gb": np.zeros(count),
        "sms": np.zeros(count, dtype=np.int64),
        "bill_yuan": np.arange(count, dtype=np.float64) * 10,
    }
    usage = usage_table(columns, _customers("C1", "C2", "C3"))
    assert usage.row.tolist() == rows
    kept = [i for i, c in enumerate(usage_ids) if c in ("C1", "C2", "C3")]
    assert usage.bill_yuan.tolist() == [10.0 * i for i in kept]  # each row keeps its own values
    assert usage.month.dtype == np.dtype("datetime64[M]")


def test_the_customer_digest_follows_ids_their_order_and_width() -> None:
    digest = customer_digest(np.array(["C1", "C2"]))
    assert digest == customer_digest(np.array(["C1", "C2"]))
    assert digest != customer_digest(np.array(["C2", "C1"]))
    assert digest != customer_digest(np.array(["C1", "C3"]))
    assert digest != customer_digest(np.array(["C1", "C2"], dtype="<U3"))
