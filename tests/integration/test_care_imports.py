"""Care imports on SQLite and PostgreSQL: bad rows named, good rows stored, re-imports update."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from tests.support.care import (
    CUSTOMER_HEADER,
    STAFF_HEADER,
    USAGE_HEADER,
    import_world,
    storage,
    write_csv,
)
from tiexin.care.model import USAGE_COLUMNS
from tiexin.domain.errors import InputError
from tiexin.services.care_data import load_customers, staff_list
from tiexin.services.care_export import export_customers
from tiexin.services.care_import import (
    import_customers,
    import_risk_flags,
    import_staff,
    import_usage,
)
from tiexin.services.ingest import UnitOfWorkFactory


@pytest.fixture
def uow_factory(database_url: str, tmp_path: Path) -> UnitOfWorkFactory:
    return storage(database_url, tmp_path / "var")


def customer(cid: str, *, balance: str = "50.00", manager: str = "AM1", tier: str = "gold") -> str:
    return (
        f"{cid},1390000{cid[1:]:0>4},客户{cid},1985-06-01,{tier},岚城,青石县,p58,{balance},"
        f"1200,2025-04-01,{manager},2015-01-01"
    )


def test_bad_customer_rows_are_reported_and_good_rows_imported(
    uow_factory: UnitOfWorkFactory, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "customers.csv",
        CUSTOMER_HEADER,
        customer("C1"),
        customer("C2", tier="platinum"),
        customer("C3", balance="lots"),
        customer("C4"),
    )
    report = import_customers(uow_factory, path)
    assert (report.rows, report.imported, report.error_count) == (4, 2, 2)
    assert [str(e) for e in report.errors] == [
        f"{path}:3: field tier: 'platinum' is not one of diamond, gold, silver, none",
        f"{path}:4: field balance_yuan: 'lots' is not a number",
    ]
    with uow_factory() as uow:
        assert load_customers(uow).customer_id.tolist() == ["C1", "C4"]


def test_reimporting_customers_updates_them_and_keeps_manager_history(
    uow_factory: UnitOfWorkFactory, tmp_path: Path
) -> None:
    first = write_csv(tmp_path / "a.csv", CUSTOMER_HEADER, customer("C1"), customer("C2"))
    import_customers(uow_factory, first)
    second = write_csv(
        tmp_path / "b.csv",
        CUSTOMER_HEADER,
        customer("C1", balance="-3.50", manager="AM2"),
        customer("C2", manager=""),  # the CRM names nobody: the stored manager stays
        customer("C3"),
    )
    report = import_customers(uow_factory, second, batch_size=2)
    assert (report.imported, report.managers_changed) == (3, 1)
    with uow_factory() as uow:
        table = load_customers(uow)
        history = uow.care.manager_history("C1")
    assert table.customer_id.tolist() == ["C1", "C2", "C3"]
    assert table.balance_yuan.tolist() == [-3.5, 50.0, 50.0]
    assert table.account_manager_id.tolist() == ["AM2", "AM1", "AM1"]
    assert [(h.from_staff_id, h.to_staff_id, h.reason) for h in history] == [
        ("AM1", "AM2", "imported")
    ]


@pytest.mark.parametrize("line_end", ["\n", "\r"])  # "\r": read by the csv module alone
def test_a_customers_file_may_leave_out_its_optional_columns(
    uow_factory: UnitOfWorkFactory, tmp_path: Path, line_end: str
) -> None:
    import_customers(uow_factory, write_csv(tmp_path / "a.csv", CUSTOMER_HEADER, customer("C1")))
    columns = CUSTOMER_HEADER.split(",")
    kept = [i for i, c in enumerate(columns) if c not in ("points_expiry", "account_manager_id")]
    rows = [customer("C1", balance="-1.00", manager="").split(","), customer("C2").split(",")]
    lines = [",".join(values[i] for i in kept) for values in (columns, *rows)]
    path = tmp_path / "b.csv"
    path.write_text(line_end.join(lines) + line_end, encoding="utf-8")
    report = import_customers(uow_factory, path)
    assert (report.imported, report.error_count) == (2, 0)
    with uow_factory() as uow:
        table = load_customers(uow)
    # a column the file does not have keeps what is stored; a new customer has nothing there
    assert table.customer_id.tolist() == ["C1", "C2"]
    assert table.account_manager_id.tolist() == ["AM1", ""]
    assert table.balance_yuan.tolist() == [-1.0, 50.0]
    assert table.points_expiry.astype(str).tolist() == ["2025-04-01", "NaT"]


def test_usage_reimport_replaces_the_month_without_duplicates(
    uow_factory: UnitOfWorkFactory, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "u.csv",
        USAGE_HEADER,
        "C1,2025-01,100,1.5,10,58",
        "C1,2025-02,120,2,12,58",
        "C1,2025-14,1,1,1,1",
    )
    report = import_usage(uow_factory, path)
    assert (report.imported, [e.field for e in report.errors]) == (2, ["month"])
    import_usage(uow_factory, write_csv(tmp_path / "v.csv", USAGE_HEADER, "C1,2025-02,300,9,0,99"))
    with uow_factory() as uow:
        columns = uow.care.usage_columns(date(2025, 1, 1), date(2025, 3, 1))
    rows = sorted(zip(*(columns[name].tolist() for name in USAGE_COLUMNS), strict=True))
    assert rows == [
        ("C1", date(2025, 1, 1), 100.0, 1.5, 10, 58.0),
        ("C1", date(2025, 2, 1), 300.0, 9.0, 0, 99.0),
    ]


def test_the_staff_file_is_the_staff_list(uow_factory: UnitOfWorkFactory, tmp_path: Path) -> None:
    import_staff(
        uow_factory,
        write_csv(
            tmp_path / "s.csv",
            STAFF_HEADER,
            "AM1,李经理,account_manager,岚城,青石县,300",
            "PM1,王电话,phone_manager,岚城,岚城城区,40",
        ),
    )
    report = import_staff(
        uow_factory,
        write_csv(tmp_path / "t.csv", STAFF_HEADER, "AM1,李经理,account_manager,岚城,青石县,350"),
    )
    assert report.error_count == 0
    with uow_factory() as uow:
        staff = staff_list(uow)
    assert [(s.staff_id, s.capacity) for s in staff] == [("AM1", 350)]  # PM1 left


def test_a_staff_file_with_bad_rows_retires_nobody(
    uow_factory: UnitOfWorkFactory, tmp_path: Path
) -> None:
    first = write_csv(tmp_path / "s.csv", STAFF_HEADER, "AM1,李经理,account_manager,岚城,青石县,3")
    import_staff(uow_factory, first)
    bad = write_csv(tmp_path / "t.csv", STAFF_HEADER, "AM1,李经理,account_mgr,岚城,青石县,3")
    assert [e.field for e in import_staff(uow_factory, bad).errors] == ["role"]
    with uow_factory() as uow:
        assert [s.staff_id for s in staff_list(uow)] == ["AM1"]


def test_risk_flags_replace_the_previous_list(
    uow_factory: UnitOfWorkFactory, tmp_path: Path
) -> None:
    header = "customer_id,reason"
    import_risk_flags(uow_factory, write_csv(tmp_path / "a.csv", header, "C1,两次投诉", "C2,欠费"))
    import_risk_flags(uow_factory, write_csv(tmp_path / "b.csv", header, "C2,携号转网查询"))
    with uow_factory() as uow:
        assert uow.care.risk_flags() == {"C2": "携号转网查询"}


def test_a_file_without_a_required_column_is_refused(
    uow_factory: UnitOfWorkFactory, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "u.csv", "customer_id,month,voice_minutes", "C1,2025-01,3")
    with pytest.raises(InputError, match="missing columns: data_gb, sms, bill_yuan"):
        import_usage(uow_factory, path)
    with pytest.raises(InputError, match="file not found"):
        import_usage(uow_factory, tmp_path / "nothing.csv")


def test_a_synthetic_world_imports_cleanly(uow_factory: UnitOfWorkFactory, tmp_path: Path) -> None:
    import_world(uow_factory, tmp_path / "world", customers=300, as_of=date(2025, 3, 10))
    with uow_factory() as uow:
        customers = load_customers(uow)
        usage = uow.care.usage_columns(date(2024, 12, 1), date(2025, 3, 1))["customer_id"]
        catalog = uow.plans.catalog()
    assert len(customers) == 300
    assert len(usage) == 900
    assert catalog is not None and len(catalog.plans) == 8


def test_an_imported_township_is_exported_with_the_customer(
    uow_factory: UnitOfWorkFactory, tmp_path: Path
) -> None:
    header = CUSTOMER_HEADER + ",township"
    line = "C1,13900000001,张三,1980-03-15,gold,岚城,青石县,p58,20,0,,AM1,2010-05-01,大坪镇"
    import_customers(uow_factory, write_csv(tmp_path / "c.csv", header, line))
    export_customers(uow_factory, tmp_path / "c.jsonl")
    (customer,) = [json.loads(text) for text in (tmp_path / "c.jsonl").read_text().splitlines()]
    assert (customer["customer_id"], customer["township"]) == ("C1", "大坪镇")


def test_quoting_line_ends_and_blank_lines_keep_line_numbers(
    uow_factory: UnitOfWorkFactory, tmp_path: Path
) -> None:
    lines = [
        CUSTOMER_HEADER,
        customer("C1"),
        customer("C2").replace("客户C2", '"客户\r\nC2"'),  # a line break inside a quoted name
        "",
        customer("C3", tier="platinum"),
        *(customer(f"C{i}") for i in range(4, 9)),
        '"' + customer("C9").replace(",", '","') + '"',  # every field quoted
        customer("C10", balance="nan"),
    ]
    path = tmp_path / "c.csv"
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode())
    report = import_customers(uow_factory, path, batch_size=3)
    assert (report.rows, report.imported, report.error_count) == (10, 8, 2)
    assert [(e.line, e.field) for e in report.errors] == [(6, "tier"), (13, "balance_yuan")]
    with uow_factory() as uow:
        table = load_customers(uow)
    assert table.customer_id.tolist() == [f"C{i}" for i in (1, 2, 4, 5, 6, 7, 8, 9)]
    assert table.name.tolist()[1] == "客户\r\nC2"


def test_the_last_row_of_a_repeated_customer_wins(
    uow_factory: UnitOfWorkFactory, tmp_path: Path
) -> None:
    import_customers(uow_factory, write_csv(tmp_path / "a.csv", CUSTOMER_HEADER, customer("C1")))
    rows = [
        customer("C1", manager="AM2"),
        customer("C2"),
        customer("C1", balance="9", manager="AM3"),
    ]
    for batch_size in (1, 2, 10):  # the repeats in one batch, or in several
        path = write_csv(tmp_path / "b.csv", CUSTOMER_HEADER, *rows)
        import_customers(uow_factory, path, batch_size=batch_size)
        with uow_factory() as uow:
            table = load_customers(uow)
        assert table.account_manager_id.tolist() == ["AM3", "AM1"]
        assert table.balance_yuan.tolist() == [9.0, 50.0]
        import_customers(
            uow_factory, write_csv(tmp_path / "c.csv", CUSTOMER_HEADER, customer("C1"))
        )


def test_a_number_too_large_for_its_column_is_a_bad_row(
    uow_factory: UnitOfWorkFactory, tmp_path: Path
) -> None:
    # an SMS count past INTEGER used to pass the checks and fail the whole batch in PostgreSQL
    path = write_csv(
        tmp_path / "u.csv", USAGE_HEADER, "C1,2025-01,1,1,2147483648,1", "C2,2025-01,1,1,7,1"
    )
    report = import_usage(uow_factory, path)
    assert (report.imported, [(e.line, e.field) for e in report.errors]) == (1, [(2, "sms")])
    with uow_factory() as uow:
        columns = uow.care.usage_columns(date(2025, 1, 1), date(2025, 2, 1))
    assert (columns["customer_id"].tolist(), columns["sms"].tolist()) == (["C2"], [7])
