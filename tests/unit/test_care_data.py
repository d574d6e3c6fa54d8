"""Stored customer columns as the planner's customer table."""

from __future__ import annotations

import numpy as np
import pytest

from tiexin.care.model import CUSTOMER_COLUMNS, TIERS
from tiexin.services.care_data import customer_table


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
