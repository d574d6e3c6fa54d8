"""The care planner on a local Ray instance stores exactly the tasks of a local run: same ids,
facts, assignees (phone managers have room for part of the urgent calls: the order matters)."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.support.care import flag, import_world, storage
from tiexin.care.history import TaskHistory
from tiexin.care.model import ExistingTask
from tiexin.care.rules import CareRules, default_care_rules
from tiexin.care.world import demo_catalog, generate_world
from tiexin.cli import app
from tiexin.services.care_export import export_care_tasks
from tiexin.services.care_ray import customer_rows, usage_rows
from tiexin.services.care_run import run_care
from tiexin.services.ingest import UnitOfWorkFactory

AS_OF = date(2025, 3, 10)
NOW = datetime(2025, 3, 10, 2, 0, tzinfo=UTC)
CUSTOMERS = 2_000


def _world(folder: Path) -> UnitOfWorkFactory:
    uow_factory = storage(f"sqlite:///{folder / 'tiexin.db'}", folder)
    import_world(uow_factory, folder / "world", customers=CUSTOMERS, as_of=AS_OF, phone_capacity=15)
    flag(uow_factory, folder, **{f"C{n:08d}": "多次投诉网络" for n in range(1, CUSTOMERS, 97)})
    return uow_factory


def _tasks(uow_factory: UnitOfWorkFactory, path: Path) -> list[dict[str, Any]]:
    export_care_tasks(uow_factory, path)
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_chunks_carry_their_own_customers_usage_and_history() -> None:
    world = generate_world(customers=50, months=3, seed=3, as_of=AS_OF)
    ids = world.customers.customer_id
    part = customer_rows(world.customers, 10, 20)
    assert list(part.customer_id) == list(ids[10:20])
    usage = usage_rows(world.usage, 10, 20)
    inside = (world.usage.row >= 10) & (world.usage.row < 20)
    assert len(usage) == int(inside.sum()) > 0
    assert list(part.customer_id[usage.row]) == list(ids[world.usage.row[inside]])
    assert list(usage.bill_yuan) == list(world.usage.bill_yuan[inside])
    history = TaskHistory.of(
        [
            ExistingTask(str(ids[12]), "plan_fit", True, AS_OF),
            ExistingTask("gone", "plan_fit", True, AS_OF),
            ExistingTask(str(ids[25]), "birthday", False, AS_OF),
        ]
    )
    own = history.of_customers(part.customer_id)
    assert (list(own.customer_id), list(own.rule_id)) == ([str(ids[12])], ["plan_fit"])
    assert len(history.of_customers(customer_rows(world.customers, 40, 50).customer_id)) == 0


def _tied_rules() -> CareRules:
    """The bundled rules with points_expiry calls as urgent and as due as plan_fit calls, so
    the order in which tasks reach the full phone managers decides who gets one."""
    rules = default_care_rules()
    tied = [
        dataclasses.replace(r, priority=2, due_days=7) if r.id == "points_expiry" else r
        for r in rules.rules
    ]
    return dataclasses.replace(rules, rules=tuple(tied))


@pytest.mark.slow
def test_the_ray_planner_stores_the_tasks_of_a_local_run(tmp_path: Path) -> None:
    pytest.importorskip("ray")
    from tiexin.services.care_ray import RayPlanner

    local, on_ray = _world(tmp_path / "local"), _world(tmp_path / "ray")
    rules, catalog = _tied_rules(), demo_catalog()
    expected = run_care(local, as_of=AS_OF, rules=rules, catalog=catalog, now=NOW)
    report = run_care(
        on_ray, as_of=AS_OF, rules=rules, catalog=catalog, now=NOW, planner=RayPlanner(chunk=300)
    )
    assert report.planned == expected.planned > CUSTOMERS // 10
    assert report.by_rule == expected.by_rule and len(report.by_rule) == 6
    assert report.unassigned == expected.unassigned > 0
    tasks = _tasks(on_ray, tmp_path / "ray.jsonl")
    assert tasks == _tasks(local, tmp_path / "local.jsonl")


@pytest.mark.slow
def test_care_run_with_the_ray_runner_on_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("ray")
    local, on_ray = _world(tmp_path / "local"), _world(tmp_path / "ray")
    run_care(local, as_of=AS_OF, rules=default_care_rules(), catalog=demo_catalog())
    monkeypatch.setenv("TIEXIN_DATA_DIR", str(tmp_path / "ray"))
    monkeypatch.setenv("TIEXIN_DATABASE_URL", f"sqlite:///{tmp_path / 'ray' / 'tiexin.db'}")
    result = CliRunner().invoke(
        app, ["care", "run", "--as-of", AS_OF.isoformat(), "--runner", "ray"]
    )
    assert result.exit_code == 0, result.output
    assert "Time by stage: read" in result.output
    assert _tasks(on_ray, tmp_path / "ray.jsonl") == _tasks(local, tmp_path / "local.jsonl")
    again = CliRunner().invoke(app, ["care", "run", "--as-of", AS_OF.isoformat()])
    assert "0 stored" in again.output
