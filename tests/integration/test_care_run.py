"""The care run on SQLite and PostgreSQL: idempotent per date, cooldowns across dates, grace
credit once a month, crash and resume, account managers, risk flags and exports."""

from __future__ import annotations

import gc
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tests.support.care import (
    CUSTOMER_HEADER,
    STAFF_HEADER,
    USAGE_HEADER,
    flag,
    import_world,
    storage,
    write_csv,
)
from tiexin.adapters.storage import make_engine
from tiexin.care.rules import default_care_rules, parse_care_rules
from tiexin.care.world import demo_catalog
from tiexin.services.care_data import load_customers, load_inputs
from tiexin.services.care_export import export_care_tasks, export_customers, export_sms
from tiexin.services.care_import import import_customers, import_staff, import_usage
from tiexin.services.care_run import assign_managers, run_care
from tiexin.services.care_tasks import record_outcome
from tiexin.services.ingest import UnitOfWorkFactory

AS_OF = date(2025, 3, 10)
NOW = datetime(2025, 3, 10, 2, 0, tzinfo=UTC)  # 10:00 in Beijing: no quiet hours
BIRTHDAY_RULES = """
version: "t1"
rules:
  - id: bday
    type: birthday
    cooldown_days: 2
    priority: 3
    channel: call
    params: {within_days: 10}
    script: "{customer_name} {birthday}"
"""


@pytest.fixture
def uow_factory(database_url: str, tmp_path: Path) -> UnitOfWorkFactory:
    return storage(database_url, tmp_path / "var")


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _tasks(uow_factory: UnitOfWorkFactory, path: Path) -> list[dict[str, Any]]:
    export_care_tasks(uow_factory, path)
    return _lines(path)


def _small_base(uow_factory: UnitOfWorkFactory, folder: Path) -> None:
    """Two gold customers: C1 has a birthday on 15 March and a negative balance, C2 neither."""
    write_csv(
        folder / "c.csv",
        CUSTOMER_HEADER,
        "C1,13900000001,张三,1980-03-15,gold,岚城,青石县,p58,-12.30,0,,AM1,2010-05-01",
        "C2,13900000002,李四,1980-09-15,gold,岚城,青石县,p58,20,0,,AM1,2010-05-01",
    )
    write_csv(
        folder / "s.csv",
        STAFF_HEADER,
        "AM1,李经理,account_manager,岚城,青石县,300",
        "PM1,王电话,phone_manager,岚城,岚城城区,40",
    )
    import_customers(uow_factory, folder / "c.csv")
    import_staff(uow_factory, folder / "s.csv")


def _run(uow_factory: UnitOfWorkFactory, as_of: date, rules: Any = None, **kw: Any) -> Any:
    return run_care(
        uow_factory,
        as_of=as_of,
        rules=rules or default_care_rules(),
        catalog=demo_catalog(),
        now=NOW,
        **kw,
    )


def test_running_the_same_date_again_changes_nothing(
    uow_factory: UnitOfWorkFactory, tmp_path: Path
) -> None:
    import_world(uow_factory, tmp_path / "world", customers=400, as_of=AS_OF)
    first = _run(uow_factory, AS_OF)
    assert first.stored == first.planned > 20
    assert set(first.by_rule) >= {"plan_fit", "birthday", "points_expiry", "recharge_offer"}
    assert list(first.seconds) == ["read", "account managers", "plan", "assign", "store"]
    before = _tasks(uow_factory, tmp_path / "a.jsonl")
    second = _run(uow_factory, AS_OF)
    assert (second.stored, second.already_stored, second.sms_queued) == (0, first.planned, 0)
    assert second.managers_assigned == 0
    assert _tasks(uow_factory, tmp_path / "b.jsonl") == before
    task = next(t for t in before if t["rule"] == "plan_fit")
    assert task["task_id"] == f"20250310-plan_fit-{task['customer_id']}"
    assert task["facts"]["saving_yuan"] >= 10
    assert task["explanation"]["zh"] and task["explanation"]["en"]
    assert task["channel"] == "call" and task["status"] == "open"


@pytest.mark.parametrize("with_stranger", [False, True])
def test_usage_joins_its_customers_and_leaves_out_unknown_ones(
    uow_factory: UnitOfWorkFactory, tmp_path: Path, with_stranger: bool
) -> None:
    _small_base(uow_factory, tmp_path)
    lines = [f"{c},2025-0{m},{300 + m},{m}.5,10,{50 + m}" for c in ("C2", "C1") for m in (1, 2)]
    if with_stranger:  # usage may arrive before its customer does
        lines.insert(1, "C9,2025-01,999,9.5,10,99")
    import_usage(uow_factory, write_csv(tmp_path / "u.csv", USAGE_HEADER, *lines))
    with uow_factory() as uow:
        inputs = load_inputs(uow, default_care_rules(), AS_OF)
    usage = inputs.usage
    ids = inputs.customers.customer_id[usage.row].tolist()
    read = sorted(zip(ids, usage.month.astype(str).tolist(), usage.bill_yuan, strict=True))
    assert read == [
        ("C1", "2025-01", 51.0),
        ("C1", "2025-02", 52.0),
        ("C2", "2025-01", 51.0),
        ("C2", "2025-02", 52.0),
    ]


def test_a_run_stopped_after_its_first_chunk_resumes_to_the_uninterrupted_result(
    database_url: str, tmp_path: Path, postgres_url_or_none: str | None
) -> None:
    crashed = storage(database_url, tmp_path / "var")
    # phone managers with room for a few calls: the resumed run must count the load right
    import_world(crashed, tmp_path / "world", customers=400, as_of=AS_OF, phone_capacity=4)

    def crash(stored: int, total: int) -> None:
        raise RuntimeError("power cut")

    with pytest.raises(RuntimeError, match="power cut"):
        _run(crashed, AS_OF, chunk_size=25, after_chunk=crash)
    assert gc.isenabled()  # the run pauses the cycle collector, and always turns it back on
    assert len(_tasks(crashed, tmp_path / "partial.jsonl")) == 25
    resumed = _run(crashed, AS_OF, chunk_size=25)
    assert resumed.already_stored == 25

    clean = storage(postgres_url_or_none or f"sqlite:///{tmp_path / 'clean.db'}", tmp_path / "v2")
    import_world(clean, tmp_path / "world2", customers=400, as_of=AS_OF, phone_capacity=4)
    uninterrupted = _run(clean, AS_OF)
    assert uninterrupted.planned == resumed.planned
    assert _tasks(crashed, tmp_path / "x.jsonl") == _tasks(clean, tmp_path / "y.jsonl")
    export_sms(crashed, tmp_path / "sx.jsonl")
    export_sms(clean, tmp_path / "sy.jsonl")
    assert _lines(tmp_path / "sx.jsonl") == _lines(tmp_path / "sy.jsonl")


@pytest.fixture
def postgres_url_or_none(database_url: str, request: pytest.FixtureRequest) -> Iterator[str | None]:
    """A second, fresh PostgreSQL schema when `database_url` is PostgreSQL (None: SQLite)."""
    if database_url.startswith("sqlite"):
        yield None
        return
    server: str = request.getfixturevalue("postgres_server_url")
    schema = f"t_{uuid.uuid4().hex}"
    admin = make_engine(server)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(server).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def test_an_open_task_blocks_and_a_closed_one_waits_for_its_cooldown(
    uow_factory: UnitOfWorkFactory, tmp_path: Path
) -> None:
    _small_base(uow_factory, tmp_path)
    rules = parse_care_rules(BIRTHDAY_RULES, file="t.yaml")
    assert _run(uow_factory, date(2025, 3, 8), rules).stored == 1
    assert _run(uow_factory, date(2025, 3, 10), rules).stored == 0  # still open
    record_outcome(uow_factory, "20250308-bday-C1", "closed", "wang", now=NOW)
    assert _run(uow_factory, date(2025, 3, 9), rules).stored == 0  # 1 day < 2 days of cooldown
    again = _run(uow_factory, date(2025, 3, 10), rules)
    assert (again.stored, list(again.by_rule.elements())) == (1, ["bday"])
    ids = [t["task_id"] for t in _tasks(uow_factory, tmp_path / "t.jsonl")]
    assert ids == ["20250308-bday-C1", "20250310-bday-C1"]


def test_grace_credit_is_granted_once_a_month(
    uow_factory: UnitOfWorkFactory, tmp_path: Path
) -> None:
    _small_base(uow_factory, tmp_path)
    rules = default_care_rules()
    first = _run(uow_factory, date(2025, 3, 10), rules)
    assert first.grace_credits == 1
    record_outcome(uow_factory, "20250310-grace_credit-C1", "closed", "wang", now=NOW)
    assert _run(uow_factory, date(2025, 3, 20), rules).grace_credits == 0  # same month
    april = _run(uow_factory, date(2025, 4, 2), rules)
    assert april.grace_credits == 1
    with uow_factory() as uow:
        assert sorted(uow.care.grants(excluding=date(1970, 1, 1))["C1"]) == [
            date(2025, 3, 10),
            date(2025, 4, 2),
        ]
    tasks = {t["task_id"]: t for t in _tasks(uow_factory, tmp_path / "t.jsonl")}
    grace = tasks["20250402-grace_credit-C1"]
    assert grace["facts"]["credit_yuan"] == 10 and grace["facts"]["expires_on"] == "2025-04-17"
    assert grace["due"] == "2025-04-02" and grace["assignee"] == "PM1"


def test_every_vip_gets_an_account_manager_with_history(
    uow_factory: UnitOfWorkFactory, tmp_path: Path
) -> None:
    import_world(uow_factory, tmp_path / "world", customers=400, as_of=AS_OF)
    with uow_factory() as uow:
        before = load_customers(uow)
    vip = before.tier != 3
    unassigned = before.customer_id[vip & (before.account_manager_id == "")].tolist()
    assert unassigned  # the world leaves one VIP in twenty without a manager
    assert assign_managers(uow_factory) == len(unassigned)
    assert assign_managers(uow_factory) == 0
    export_customers(uow_factory, tmp_path / "c.jsonl")
    customers = _lines(tmp_path / "c.jsonl")
    assert len(customers) == 400
    assert all(c["account_manager_id"] for c in customers if c["tier"] != "none")
    with uow_factory() as uow:
        history = uow.care.manager_history(unassigned[0])
    assert [(h.from_staff_id, h.reason) for h in history] == [(None, "same_county")]


def test_a_flagged_customer_gets_a_visit_from_the_account_manager(
    uow_factory: UnitOfWorkFactory, tmp_path: Path
) -> None:
    _small_base(uow_factory, tmp_path)
    flag(uow_factory, tmp_path, C2="两周内两次投诉")
    _run(uow_factory, AS_OF)
    visit = next(t for t in _tasks(uow_factory, tmp_path / "t.jsonl") if t["rule"] == "retention")
    assert (visit["customer_id"], visit["channel"], visit["assignee"]) == ("C2", "visit", "AM1")
    assert visit["facts"]["risk_reason"] == "两周内两次投诉"
    assert visit["assign_reason"] == "own_manager"


def test_a_manager_assigned_in_the_run_takes_the_visit_under_the_full_id(
    uow_factory: UnitOfWorkFactory, tmp_path: Path
) -> None:
    # no customer has a manager yet: the run assigns one whose id is longer than any stored
    write_csv(
        tmp_path / "c.csv",
        CUSTOMER_HEADER,
        "C1,13900000001,张三,1980-09-15,gold,岚城,青石县,p58,20,0,,,2010-05-01",
    )
    write_csv(
        tmp_path / "s.csv", STAFF_HEADER, "AM-QINGSHI-00017,李经理,account_manager,岚城,青石县,300"
    )
    import_customers(uow_factory, tmp_path / "c.csv")
    import_staff(uow_factory, tmp_path / "s.csv")
    flag(uow_factory, tmp_path, C1="两周内两次投诉")
    report = _run(uow_factory, AS_OF)
    assert report.managers_assigned == 1
    visit = next(t for t in _tasks(uow_factory, tmp_path / "t.jsonl") if t["rule"] == "retention")
    assert (visit["assignee"], visit["assign_reason"]) == ("AM-QINGSHI-00017", "own_manager")


def test_a_run_on_an_in_memory_database_stores_its_tasks(tmp_path: Path) -> None:
    # managers and tasks are written from threads of their own: they must see the same database
    in_memory = storage("sqlite://", tmp_path / "var")
    import_world(in_memory, tmp_path / "world", customers=400, as_of=AS_OF)
    report = _run(in_memory, AS_OF)
    assert report.stored > 0 and report.managers_assigned > 0
    assert len(_tasks(in_memory, tmp_path / "t.jsonl")) == report.stored
    assert assign_managers(in_memory) == 0


def test_managers_assigned_before_planning_failed_are_kept_and_no_task_is(
    uow_factory: UnitOfWorkFactory, tmp_path: Path
) -> None:
    # the assignments are stored while the tasks are planned: a failed plan waits for them
    import_world(uow_factory, tmp_path / "world", customers=200, as_of=AS_OF)

    def failing(*_: Any) -> list[Any]:
        raise RuntimeError("planner lost")

    with pytest.raises(RuntimeError, match="planner lost"):
        _run(uow_factory, AS_OF, planner=failing)
    assert assign_managers(uow_factory) == 0
    assert _tasks(uow_factory, tmp_path / "t.jsonl") == []
    report = _run(uow_factory, AS_OF)
    assert report.managers_assigned == 0 and report.stored == report.planned > 0


def test_only_calls_still_to_make_count_against_a_phone_managers_capacity(
    uow_factory: UnitOfWorkFactory, tmp_path: Path
) -> None:
    import_world(uow_factory, tmp_path / "world", customers=400, as_of=AS_OF, phone_capacity=4)
    _run(uow_factory, AS_OF)
    calls = [t for t in _tasks(uow_factory, tmp_path / "a.jsonl") if t["assignee"]]
    calls = [t for t in calls if t["channel"] == "call"]
    manager = calls[0]["assignee"]
    mine = [t["task_id"] for t in calls if t["assignee"] == manager]
    assert len(mine) == 4  # full
    # reached and settled, reached, not reached: only the last is still to be called
    for task_id, moves in zip(
        mine, (["accepted", "closed"], ["declined"], ["contacted"], ["unreachable"]), strict=True
    ):
        for outcome in moves:
            record_outcome(uow_factory, task_id, outcome, "wang", now=NOW)
    next_day = AS_OF + timedelta(days=1)
    with uow_factory() as uow:
        loads = load_inputs(uow, default_care_rules(), next_day).loads
    assert loads[manager] == 1
    assert all(n == 4 for who, n in loads.items() if who != manager)
    _run(uow_factory, next_day)
    new = [t for t in _tasks(uow_factory, tmp_path / "b.jsonl") if t["created_on"] != "2025-03-10"]
    # the others are still full: whatever new calls get a phone manager go to this one
    assigned = [t["assignee"] for t in new if t["channel"] == "call" and t["assignee"]]
    assert assigned and set(assigned) == {manager} and len(assigned) <= 3


def test_the_task_export_is_the_same_file_on_both_databases(
    tmp_path: Path, postgres_url: str
) -> None:
    exports = []
    for name, url in (("sqlite", f"sqlite:///{tmp_path / 'lite.db'}"), ("pg", postgres_url)):
        uow_factory = storage(url, tmp_path / name)
        import_world(uow_factory, tmp_path / f"world-{name}", customers=200, as_of=AS_OF)
        _run(uow_factory, AS_OF)
        export_care_tasks(uow_factory, tmp_path / f"{name}.jsonl")
        exports.append((tmp_path / f"{name}.jsonl").read_bytes())
    # facts keys by name: JSONB would otherwise give its own order
    assert exports[0] == exports[1] and exports[0].count(b"\n") > 10
