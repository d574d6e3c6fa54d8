"""`tiexin sampling set/list` and `tiexin queue build` over imported demo calls, both databases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.support.workbench import transcript_file
from tiexin.cli import app


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> Path:
    monkeypatch.setenv("TIEXIN_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("TIEXIN_DATABASE_URL", database_url)
    return tmp_path


def _invoke(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def test_a_plan_is_set_and_the_week_is_built_once(env: Path) -> None:
    imported = _invoke("import", "transcripts", str(transcript_file(env)))
    assert imported.exit_code == 0, imported.output
    listed = _invoke("sampling", "list")
    assert "10088" in listed.output and "default" in listed.output
    plan = _invoke("sampling", "set", "10088", "--per-agent", "2", "--random-share", "0.5")
    assert plan.exit_code == 0, plan.output
    assert "2 calls per agent per week, random share 0.5" in plan.output
    first = _invoke("queue", "build", "--week", "2025-W23")
    assert first.exit_code == 0, first.output
    # nine demo calls, one per agent: each agent's single call is queued
    assert "Queue 2025-W23: 9 added" in first.output
    again = _invoke("queue", "build", "--week", "2025-W23")
    assert "Queue 2025-W23: 0 added" in again.output and "from 0 unreviewed calls" in again.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("queue", "build", "--week", "2025-23"), "week"),
        (("sampling", "set", "10088", "--per-agent", "-1"), "per-agent"),
        (("sampling", "set", "10088", "--per-agent", "3", "--random-share", "2"), "random-share"),
    ],
)
def test_bad_input_is_refused(env: Path, args: tuple[str, ...], message: str) -> None:
    result = _invoke(*args)
    assert result.exit_code == 2
    assert message in result.output
