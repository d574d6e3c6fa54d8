"""Upserts from Arrow columns store exactly the columns' values, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pyarrow as pa
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tiexin.adapters.storage.column_writes import stored_values, upsert_columns
from tiexin.adapters.storage.tables import care_customers, care_usage

USAGE = pa.schema(
    [
        ("customer_id", pa.string()),
        ("month", pa.date32()),
        ("voice_minutes", pa.float64()),
        ("data_gb", pa.float64()),
        ("sms", pa.int64()),
        ("bill_yuan", pa.float64()),
    ]
)


def _usage(*rows: tuple[object, ...]) -> pa.Table:
    return pa.Table.from_pylist([dict(zip(USAGE.names, r, strict=True)) for r in rows], USAGE)


def _stored_usage(engine: Engine) -> list[tuple[object, ...]]:
    with Session(engine) as db:
        query = select(*care_usage.c).order_by(care_usage.c.customer_id, care_usage.c.month)
        return [tuple(r) for r in db.execute(query)]


def test_values_are_stored_exactly_and_updated_by_key(engine: Engine) -> None:
    rows = [
        ('C"1,\n', date(999, 1, 1), 0.1, 1e-300, 0, -1234567.8912345678),
        ("客户2", date(9999, 12, 1), 1.7976931348623157e308, 5e-324, 2**31 - 1, -0.5),
    ]
    with Session(engine) as db:
        upsert_columns(db, care_usage, _usage(*rows))
        upsert_columns(db, care_usage, _usage(("客户2", date(9999, 12, 1), 2.0, 3.0, 4, 5.0)))
        db.commit()
    assert _stored_usage(engine) == [rows[0], ("客户2", date(9999, 12, 1), 2.0, 3.0, 4, 5.0)]


def test_a_column_of_several_chunks_is_stored_whole(engine: Engine) -> None:
    # Arrow 26 wrote NUL bytes as CSV for a column whose first chunk is empty
    row = ("C1", date(2025, 1, 1), 1.0, 2.0, 3, 4.0)
    chunked = pa.concat_tables([USAGE.empty_table(), _usage(row), _usage()])
    with Session(engine) as db:
        upsert_columns(db, care_usage, chunked)
        db.commit()
    assert _stored_usage(engine) == [row]


def test_a_kept_column_keeps_its_value_where_the_new_one_is_null(engine: Engine) -> None:
    names = ("customer_id", "msisdn", "name", "account_manager_id")
    schema = pa.schema([(name, pa.string()) for name in names])
    fixed = {
        "birthday": date(1980, 1, 1),
        "tier": "gold",
        "branch": "岚城",
        "county": "青石县",
        "plan_id": "p58",
        "balance_yuan": 1.0,
        "points": 0,
        "join_date": date(2010, 1, 1),
        "updated_at": datetime(2025, 3, 1, 8, tzinfo=UTC),
    }
    first = [dict(zip(names, (c, "13900000001", "张", "AM1"), strict=True)) for c in ("C1", "C2")]
    second = [{**first[0], "account_manager_id": None}, {**first[1], "account_manager_id": "AM2"}]
    with Session(engine) as db:
        for rows in (first, second):
            table = pa.Table.from_pylist(rows, schema)
            upsert_columns(db, care_customers, table, keep=["account_manager_id"], constants=fixed)
        db.commit()
        c = care_customers.c
        assert stored_values(db, c.customer_id, c.account_manager_id, ["C1", "C2", "C3"]) == {
            "C1": "AM1",
            "C2": "AM2",
        }
        stamped = db.execute(select(c.updated_at, c.birthday)).all()
    assert set(stamped) == {(fixed["updated_at"], date(1980, 1, 1))}


def test_a_refused_row_raises_sqlalchemys_error(engine: Engine) -> None:
    with Session(engine) as db, pytest.raises(IntegrityError):
        upsert_columns(db, care_usage, _usage(("C1", date(2025, 1, 1), 1.0, 2.0, None, 4.0)))


def test_new_keys_beside_stored_ones_are_added_and_stored_ones_updated(engine: Engine) -> None:
    january = ("C1", date(2025, 1, 1), 1.0, 1.0, 1, 1.0)
    with Session(engine) as db:
        upsert_columns(db, care_usage, _usage(january))
        db.commit()
        # a new month of the same customer: no key stored yet
        upsert_columns(db, care_usage, _usage(("C1", date(2025, 2, 1), 2.0, 2.0, 2, 2.0)))
        db.commit()
        # a stored key and a new one in one batch
        rows = [("C1", date(2025, 2, 1), 3.0, 3.0, 3, 3.0), ("C2", date(2025, 2, 1), 4.0, 4, 4, 4)]
        upsert_columns(db, care_usage, _usage(*rows))
        db.commit()
    assert _stored_usage(engine) == [january, *rows]


def test_constants_are_stored_with_new_rows(engine: Engine) -> None:
    now = datetime(2025, 3, 1, 8, 30, 15, 123456, tzinfo=UTC)
    row = {
        "customer_id": "C1",
        "msisdn": "13900000001",
        "name": "张",
        "birthday": date(1980, 2, 29),
        "tier": "gold",
        "branch": "岚城",
        "county": "青石县",
        "township": None,
        "plan_id": "p58",
        "balance_yuan": -12.3,
        "points": 2**63 - 1,
        "points_expiry": None,
        "account_manager_id": None,
        "join_date": date(2010, 5, 1),
    }
    with Session(engine) as db:
        constants = {"updated_at": now, "changed_seq": 7}
        upsert_columns(db, care_customers, pa.Table.from_pylist([row]), constants=constants)
        db.commit()
        stored = db.execute(select(care_customers)).one()._asdict()
    assert stored == {**row, **constants}
