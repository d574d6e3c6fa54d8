"""CSV rows of the care imports: every bad field named with its line, good rows kept."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest

from tiexin.services.care_csv import (
    CUSTOMERS,
    RISK_FLAGS,
    STAFF,
    USAGE,
    CsvSpec,
    HeaderError,
    RowError,
    parse_csv,
)

CUSTOMER_HEADER = (
    "customer_id,msisdn,name,birthday,tier,branch,county,plan_id,balance_yuan,points,"
    "points_expiry,account_manager_id,join_date"
)
GOOD_CUSTOMER = (
    "C1,13900000001,张三,1980-02-29,gold,岚城,青石县,p58,-12.30,8500,2025-03-31,AM1,2010-05-01"
)


def _customer(**changes: str) -> str:
    fields = dict(zip(CUSTOMER_HEADER.split(","), GOOD_CUSTOMER.split(","), strict=True))
    return ",".join({**fields, **changes}.values())


def _parse(
    spec: CsvSpec, text: str, batch_size: int = 100
) -> tuple[list[dict[str, Any]], list[RowError]]:
    rows, errors = [], []
    for batch in parse_csv(io.StringIO(text), spec, file="in.csv", batch_size=batch_size):
        rows.extend(batch.rows)
        errors.extend(batch.errors)
    return rows, errors


def test_a_good_customer_row_becomes_typed_values() -> None:
    rows, errors = _parse(CUSTOMERS, f"{CUSTOMER_HEADER}\n{GOOD_CUSTOMER}\n")
    assert errors == []
    assert rows == [
        {
            "customer_id": "C1",
            "msisdn": "13900000001",
            "name": "张三",
            "birthday": date(1980, 2, 29),
            "tier": "gold",
            "branch": "岚城",
            "county": "青石县",
            "township": None,
            "plan_id": "p58",
            "balance_yuan": -12.3,
            "points": 8500,
            "points_expiry": date(2025, 3, 31),
            "account_manager_id": "AM1",
            "join_date": date(2010, 5, 1),
        }
    ]


def test_empty_optional_customer_fields_are_none() -> None:
    rows, _ = _parse(
        CUSTOMERS, f"{CUSTOMER_HEADER}\n{_customer(points_expiry='', account_manager_id='')}\n"
    )
    assert rows[0]["points_expiry"] is None
    assert rows[0]["account_manager_id"] is None


BAD_CUSTOMERS = [
    ({"customer_id": ""}, "customer_id", "missing"),
    ({"customer_id": "C" * 33}, "customer_id", "longer than 32"),
    ({"msisdn": "139-0000"}, "msisdn", "not a phone number"),
    ({"birthday": "1980-02-30"}, "birthday", "not a date YYYY-MM-DD"),
    ({"birthday": "80-1-2"}, "birthday", "not a date"),
    ({"tier": "platinum"}, "tier", "not one of diamond, gold, silver, none"),
    ({"balance_yuan": "12.3.4"}, "balance_yuan", "not a number"),
    ({"balance_yuan": "nan"}, "balance_yuan", "not a finite number"),
    ({"points": "1.5"}, "points", "not a whole number"),
    ({"points": "-1"}, "points", "below 0"),
    ({"points": "9223372036854775808"}, "points", "above 9223372036854775807"),  # a BIGINT
    ({"points_expiry": "2025/03/31"}, "points_expiry", "not a date"),
    ({"join_date": ""}, "join_date", "missing"),
]


@pytest.mark.parametrize(("changes", "field", "message"), BAD_CUSTOMERS)
def test_a_bad_customer_field_is_named_at_its_line(
    changes: dict[str, str], field: str, message: str
) -> None:
    bad = _customer(**{"customer_id": "C2", **changes})
    text = f"{CUSTOMER_HEADER}\n{GOOD_CUSTOMER}\n{bad}\n"
    rows, errors = _parse(CUSTOMERS, text)
    assert [r["customer_id"] for r in rows] == ["C1"]  # the good row is still there
    assert len(errors) == 1
    assert (errors[0].file, errors[0].line, errors[0].field) == ("in.csv", 3, field)
    assert message in errors[0].message
    assert str(errors[0]).startswith(f"in.csv:3: field {field}: ")


BAD_USAGE = [
    ("C1,2025-13,1,1,1,1", "month", "not a month YYYY-MM"),
    ("C1,2025-02-01,1,1,1,1", "month", "not a month YYYY-MM"),
    ("C1,2025-02,-5,1,1,1", "voice_minutes", "below 0"),
    ("C1,2025-02,5,x,1,1", "data_gb", "not a number"),
    ("C1,2025-02,5,1,2.5,1", "sms", "not a whole number"),
    ("C1,2025-02,5,1,2", "bill_yuan", "missing"),  # a short row
    ("C1,0000-02,5,1,2,1", "month", "not a month YYYY-MM"),  # there is no year 0
    ("C1,2025-02,5,1,2147483648,1", "sms", "above 2147483647"),  # an INTEGER column
]


@pytest.mark.parametrize(("line", "field", "message"), BAD_USAGE)
def test_a_bad_usage_field_is_named(line: str, field: str, message: str) -> None:
    header = "customer_id,month,voice_minutes,data_gb,sms,bill_yuan"
    rows, errors = _parse(USAGE, f"{header}\nC0,2025-01,300,2.5,10,-3\n{line}\n")
    assert rows == [
        {
            "customer_id": "C0",
            "month": date(2025, 1, 1),
            "voice_minutes": 300.0,
            "data_gb": 2.5,
            "sms": 10,
            "bill_yuan": -3.0,  # a refund month
        }
    ]
    assert [(e.line, e.field) for e in errors] == [(3, field)]
    assert message in errors[0].message


BAD_STAFF = [
    ("S1,王,agent,岚城,青石县,10", "role", "not one of phone_manager, account_manager"),
    ("S1,王,phone_manager,岚城,青石县,-1", "capacity", "below 0"),
    ("S1,,phone_manager,岚城,青石县,10", "name", "missing"),
]


@pytest.mark.parametrize(("line", "field", "message"), BAD_STAFF)
def test_a_bad_staff_field_is_named(line: str, field: str, message: str) -> None:
    rows, errors = _parse(STAFF, f"staff_id,name,role,branch,county,capacity\n{line}\n")
    assert rows == []
    assert [(e.line, e.field) for e in errors] == [(2, field)]
    assert message in errors[0].message


def test_a_missing_column_rejects_the_file() -> None:
    with pytest.raises(HeaderError, match=r"in.csv:1: missing columns: reason"):
        _parse(RISK_FLAGS, "customer_id\nC1\n")


def test_extra_columns_are_ignored_and_a_repeated_key_keeps_the_last_row() -> None:
    text = "customer_id,reason,source\nC1,投诉两次,crm\nC1,携号转网查询,crm\n"
    rows, errors = _parse(RISK_FLAGS, text)
    assert errors == []
    assert rows == [{"customer_id": "C1", "reason": "携号转网查询"}]


def test_batches_split_the_file_and_count_every_row() -> None:
    header = "customer_id,month,voice_minutes,data_gb,sms,bill_yuan"
    lines = [f"C{i},2025-01,1,1,1,1" for i in range(5)] + ["C9,bad,1,1,1,1"]
    batches = list(
        parse_csv(io.StringIO("\n".join([header, *lines])), USAGE, file="u.csv", batch_size=2)
    )
    assert [b.lines for b in batches] == [2, 2, 2]
    assert [len(b.rows) for b in batches] == [2, 2, 1]
    assert [e.line for b in batches for e in b.errors] == [7]
