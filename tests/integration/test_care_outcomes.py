"""Care task outcomes on SQLite and PostgreSQL: legal moves recorded, illegal ones refused with
nothing changed, an accepted plan changes the customer's plan; the CLI on top."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.support.care import import_world, storage
from tiexin.care.rules import default_care_rules
from tiexin.care.world import demo_catalog
from tiexin.cli import app
from tiexin.domain.errors import TiexinError
from tiexin.services.care_export import export_care_tasks
from tiexin.services.care_run import run_care
from tiexin.services.care_tasks import record_outcome
from tiexin.services.ingest import UnitOfWorkFactory

AS_OF = date(2025, 3, 10)
NOW = datetime(2025, 3, 10, 2, 0, tzinfo=UTC)


@pytest.fixture
def uow_factory(database_url: str, tmp_path: Path) -> UnitOfWorkFactory:
    uow_factory = storage(database_url, tmp_path / "var")
    import_world(uow_factory, tmp_path / "world", customers=200, as_of=AS_OF)
    run_care(uow_factory, as_of=AS_OF, rules=default_care_rules(), catalog=demo_catalog(), now=NOW)
    return uow_factory


def _plan_fit_task(uow_factory: UnitOfWorkFactory, tmp_path: Path) -> dict[str, object]:
    export_care_tasks(uow_factory, tmp_path / "t.jsonl")
    tasks = [json.loads(line) for line in (tmp_path / "t.jsonl").read_text().splitlines()]
    return next(t for t in tasks if t["rule"] == "plan_fit")


def test_an_accepted_plan_recommendation_moves_the_customer(
    uow_factory: UnitOfWorkFactory, tmp_path: Path
) -> None:
    task = _plan_fit_task(uow_factory, tmp_path)
    task_id, facts = str(task["task_id"]), task["facts"]
    assert isinstance(facts, dict)
    record_outcome(uow_factory, task_id, "contacted", "wang", now=NOW)
    result = record_outcome(uow_factory, task_id, "accepted", "wang", "同意换套餐", now=NOW)
    assert result.plan_changed_to == facts["recommended_plan"]
    record_outcome(uow_factory, task_id, "closed", "wang", now=NOW)
    with uow_factory() as uow:
        customer = uow.care.customer(str(task["customer_id"]))
        events = uow.care.task_events(task_id)
        stored = uow.care.task(task_id)
    assert customer is not None and customer.plan_id == facts["recommended_plan"]
    assert [(e.from_status, e.to_status, e.actor) for e in events] == [
        ("open", "contacted", "wang"),
        ("contacted", "accepted", "wang"),
        ("accepted", "closed", "wang"),
    ]
    assert stored is not None and stored.note == "同意换套餐" and stored.open_slot is None


@pytest.mark.parametrize(
    ("moves", "bad", "message"),
    [
        (["declined"], "accepted", "is declined: it cannot become accepted (allowed: closed)"),
        (["closed"], "contacted", "is closed: it cannot become contacted (a closed task"),
        ([], "acepted", "unknown outcome 'acepted'"),
        ([], "open", "unknown outcome 'open'"),
    ],
)
def test_an_illegal_outcome_is_refused_and_changes_nothing(
    uow_factory: UnitOfWorkFactory, tmp_path: Path, moves: list[str], bad: str, message: str
) -> None:
    task = _plan_fit_task(uow_factory, tmp_path)
    task_id, customer_id = str(task["task_id"]), str(task["customer_id"])
    for move in moves:
        record_outcome(uow_factory, task_id, move, "wang", now=NOW)
    with uow_factory() as uow:
        before = (uow.care.task(task_id), uow.care.customer(customer_id))
    with pytest.raises(TiexinError, match=re.escape(message)):
        record_outcome(uow_factory, task_id, bad, "wang", now=NOW)
    with uow_factory() as uow:
        assert (uow.care.task(task_id), uow.care.customer(customer_id)) == before
        assert len(uow.care.task_events(task_id)) == len(moves)


def test_the_cli_records_outcomes_and_refuses_illegal_ones(
    uow_factory: UnitOfWorkFactory, tmp_path: Path, database_url: str
) -> None:
    task_id = str(_plan_fit_task(uow_factory, tmp_path)["task_id"])
    env = {"TIEXIN_DATABASE_URL": database_url, "TIEXIN_DATA_DIR": str(tmp_path / "var")}
    runner = CliRunner()
    ok = runner.invoke(app, ["care", "outcome", task_id, "unreachable", "--by", "li"], env=env)
    assert ok.exit_code == 0, ok.output
    assert f"Task {task_id}: open → unreachable" in ok.output
    closed = runner.invoke(app, ["care", "outcome", task_id, "closed", "--by", "li"], env=env)
    assert closed.exit_code == 0
    refused = runner.invoke(app, ["care", "outcome", task_id, "accepted"], env=env)
    assert refused.exit_code == 2
    assert "is closed: it cannot become accepted" in refused.output
    missing = runner.invoke(app, ["care", "outcome", "nope", "closed"], env=env)
    assert missing.exit_code == 2 and "no care task 'nope'" in missing.output
