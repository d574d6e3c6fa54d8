"""Bulk reads as columns and bulk inserts, on SQLite and PostgreSQL: what they store and read
back equals what ordinary SQLAlchemy statements store and read."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import numpy as np
import pytest
from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tiexin.adapters.storage.bulk import insert_columns, insert_rows, update_rows, upsert_rows
from tiexin.adapters.storage.columns import (
    DAY,
    FLOAT,
    INT,
    LABEL,
    TEXT,
    read_column_sets,
    read_columns,
)
from tiexin.adapters.storage.tables import care_customers, care_tasks

NOW = datetime(2025, 3, 10, 9, 30, tzinfo=UTC)


def _customer(customer_id: str, **changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "customer_id": customer_id,
        "msisdn": "13900000001",
        "name": "张三",
        "birthday": date(1980, 2, 29),
        "tier": "gold",
        "branch": "岚城",
        "county": "青石县",
        "plan_id": "p58",
        "balance_yuan": -12.5,
        "points": 300,
        "points_expiry": None,
        "account_manager_id": None,
        "join_date": date(2010, 5, 1),
        "updated_at": NOW,
    }
    return {**row, **changes}


def _task(task_id: str, text: str, customer_id: str = "C1") -> dict[str, object]:
    return {
        "task_id": task_id,
        "customer_id": customer_id,
        "rule_id": "plan_fit",
        "rule_type": "plan_fit",
        "rules_version": "v1",
        "created_on": date(2025, 3, 10),
        "channel": "call",
        "priority": 2,
        "due": date(2025, 3, 17),
        "status": "open",
        "open_slot": 1,
        "assignee": None,
        "assign_reason": "no_capacity",
        "facts": {"saving_yuan": 12.5, "plan": "p58", "note": text},
        "explanation_zh": text,
        "explanation_en": "saves 12.5 yuan",
        "script": text,
        "note": None,
        # not UTC: stored as the same instant
        "created_at": NOW.astimezone(timezone(timedelta(hours=8))),
        "updated_at": NOW,
    }


KINDS = {
    "customer_id": TEXT,
    "account_manager_id": TEXT,
    "birthday": DAY,
    "points_expiry": DAY,
    "balance_yuan": FLOAT,
    "points": INT,
}


def _read(engine: Engine) -> dict[str, np.ndarray]:
    c = care_customers.c
    query = select(*(c[name] for name in KINDS)).order_by(c.customer_id)
    with Session(engine) as db:
        return read_columns(db, query, KINDS)


def test_columns_read_nulls_as_empty_text_and_nat(engine: Engine) -> None:
    rows = [
        _customer("C1"),
        _customer("C2", account_manager_id="AM1", points_expiry=date(2025, 6, 30), points=0),
    ]
    with Session(engine) as db:
        db.execute(insert(care_customers), rows)
        db.commit()
    columns = _read(engine)
    assert columns["customer_id"].tolist() == ["C1", "C2"]
    assert columns["account_manager_id"].tolist() == ["", "AM1"]
    assert columns["birthday"].dtype == np.dtype("datetime64[D]")
    assert columns["birthday"].tolist() == [date(1980, 2, 29)] * 2
    assert np.isnat(columns["points_expiry"][0])
    assert columns["points_expiry"][1] == np.datetime64("2025-06-30")
    assert columns["balance_yuan"].dtype == np.float64
    assert columns["balance_yuan"].tolist() == [-12.5, -12.5]
    assert columns["points"].tolist() == [300, 0]


def test_labels_and_several_reads_at_once_give_the_same_columns(engine: Engine) -> None:
    rows = [
        _customer(f"C{n}", name=["张三", "", "Li"][n % 3], branch=["岚城", "青石", ""][n % 3])
        for n in range(7)
    ]
    rows.append(_customer("C9", account_manager_id="AM1", tier="silver"))
    with Session(engine) as db:
        db.execute(insert(care_customers), rows)
        db.commit()
    c = care_customers.c
    labels = {
        "customer_id": TEXT,  # ASCII: converted without Python strings
        "name": TEXT,  # not ASCII: converted through Python strings
        "branch": LABEL,
        "tier": LABEL,
        "account_manager_id": LABEL,
    }
    query = select(*(c[name] for name in labels)).order_by(c.customer_id)
    with Session(engine) as db:
        plain = select(*(c[name] for name in KINDS)).order_by(c.customer_id).limit(2)
        first, second = read_column_sets(db, [(query, labels), (plain, KINDS)])
    assert first["customer_id"].tolist() == [r["customer_id"] for r in rows]
    assert first["name"].tolist() == [r["name"] for r in rows]
    assert first["branch"].dtype.kind == "U"
    assert first["branch"].tolist() == [r["branch"] for r in rows]
    assert first["tier"].tolist() == ["gold"] * 7 + ["silver"]
    assert first["account_manager_id"].tolist() == [""] * 7 + ["AM1"]
    assert second["customer_id"].tolist() == ["C0", "C1"]


def test_an_empty_result_gives_empty_typed_columns(engine: Engine) -> None:
    columns = _read(engine)
    assert {name: (len(a), a.dtype.kind) for name, a in columns.items()} == {
        "customer_id": (0, "U"),
        "account_manager_id": (0, "U"),
        "birthday": (0, "M"),
        "points_expiry": (0, "M"),
        "balance_yuan": (0, "f"),
        "points": (0, "i"),
    }


def test_bulk_inserted_rows_read_back_like_ordinary_inserts(
    engine: Engine,
) -> None:
    awkward = "第一行\t制表符\n第二行 \\ 反斜杠 \\N 'quote' \"double\""
    with Session(engine) as db:
        db.execute(insert(care_customers), [_customer("C1"), _customer("C2")])
        db.execute(insert(care_tasks), [_task("ordinary", awkward)])
        insert_rows(db, care_tasks, [_task("bulk", awkward, "C2")])
        db.commit()
    with Session(engine) as db:
        stored = {
            row.task_id: {
                k: v for k, v in row._asdict().items() if k not in ("task_id", "customer_id")
            }
            for row in db.execute(select(care_tasks))
        }
    assert stored["bulk"] == stored["ordinary"]
    assert stored["bulk"]["facts"]["note"] == awkward
    assert stored["bulk"]["created_at"] == NOW


def test_columns_insert_like_rows_with_dates_and_numpy_numbers_in_json(engine: Engine) -> None:
    """Tasks as the care run stores them: column by column, facts holding dates and numpy
    numbers, one timestamp repeated in several time zones (each distinct value is converted
    once, and every one must still be stored as its UTC instant)."""
    east = NOW.astimezone(timezone(timedelta(hours=8)))
    rows = [_task("T1", "a"), {**_task("T2", "b", "C2"), "created_at": NOW}]
    columns = {name: [row[name] for row in rows] for name in rows[0]}
    columns["facts"] = [
        {"birthday": date(2024, 2, 29), "days": np.int64(3), "saving_yuan": np.float64(12.5)},
        {"birthday": date(2025, 3, 1), "days": 5, "saving_yuan": 0.1},
    ]
    columns["updated_at"] = [east, east]
    with Session(engine) as db:
        db.execute(insert(care_customers), [_customer("C1"), _customer("C2")])
        insert_columns(db, care_tasks, columns)
        db.commit()
    with Session(engine) as db:
        query = select(care_tasks.c.facts, care_tasks.c.created_at, care_tasks.c.updated_at)
        stored = db.execute(query.order_by(care_tasks.c.task_id)).all()
    assert [row.facts for row in stored] == [
        {"birthday": "2024-02-29", "days": 3, "saving_yuan": 12.5},
        {"birthday": "2025-03-01", "days": 5, "saving_yuan": 0.1},
    ]
    assert {row.created_at for row in stored} == {row.updated_at for row in stored} == {NOW}


def test_a_bulk_insert_of_a_stored_key_changes_nothing(engine: Engine) -> None:
    with Session(engine) as db:
        db.execute(insert(care_customers), [_customer("C1"), _customer("C2")])
        insert_rows(db, care_tasks, [_task("T1", "first")])
        db.commit()
    with pytest.raises(IntegrityError), Session(engine) as db:
        insert_rows(db, care_tasks, [_task("T2", "second", "C2"), _task("T1", "again", "C2")])
        db.commit()
    with Session(engine) as db:
        rows = db.execute(select(care_tasks.c.task_id, care_tasks.c.script)).all()
    assert [tuple(r) for r in rows] == [("T1", "first")]


def test_an_upsert_updates_keeps_null_kept_columns_and_the_last_duplicate_wins(
    engine: Engine,
) -> None:
    with Session(engine) as db:
        upsert_rows(db, care_customers, [_customer("C1", account_manager_id="AM1")])
        db.commit()
    changed = [
        _customer("C1", balance_yuan=1.0),
        _customer("C2", points=5),
        _customer("C1", balance_yuan=99.5, account_manager_id=None),
    ]
    with Session(engine) as db:
        upsert_rows(db, care_customers, changed, keep=["account_manager_id"])
        upsert_rows(db, care_customers, [_customer("C2", points=7)], keep=["account_manager_id"])
        db.commit()
    columns = _read(engine)
    assert columns["customer_id"].tolist() == ["C1", "C2"]
    assert columns["balance_yuan"].tolist() == [99.5, -12.5]
    assert columns["account_manager_id"].tolist() == ["AM1", ""]
    assert columns["points"].tolist() == [300, 7]


def test_an_update_sets_the_given_columns_of_matching_rows_only(engine: Engine) -> None:
    with Session(engine) as db:
        upsert_rows(db, care_customers, [_customer("C1"), _customer("C2", points=5)])
        db.commit()
    later = NOW + timedelta(days=1)
    changes = [
        {"customer_id": "C2", "account_manager_id": "AM9", "updated_at": later},
        {"customer_id": "C404", "account_manager_id": "AM9", "updated_at": later},
    ]
    with Session(engine) as db:
        update_rows(db, care_customers, changes, "customer_id")
        update_rows(db, care_customers, changes[:1], "customer_id")  # twice in one transaction
        db.commit()
        stamps = dict(
            db.execute(select(care_customers.c.customer_id, care_customers.c.updated_at)).all()
        )
    columns = _read(engine)
    assert columns["customer_id"].tolist() == ["C1", "C2"]
    assert columns["account_manager_id"].tolist() == ["", "AM9"]
    assert columns["points"].tolist() == [300, 5]
    assert stamps == {"C1": NOW, "C2": later}
