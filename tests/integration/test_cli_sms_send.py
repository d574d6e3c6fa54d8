"""`tiexin sms send` on the command line: what it sent and withdrew, and during quiet hours the
operator's time it waits for (rules files without quiet hours, or with quiet hours around now)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from tests.support.care import import_world, storage
from tests.support.cli import said
from tiexin.cli import app
from tiexin.domain.operator_time import OPERATOR_TIMEZONE
from tiexin.services.care_export import export_care_tasks
from tiexin.services.care_rules_admin import bundled_rules_text
from tiexin.services.care_tasks import record_outcome

BUNDLED_QUIET = 'quiet_hours:\n  start: "21:00"\n  end: "08:00"'


def _rules(tmp_path: Path, start: str, end: str) -> Path:
    text = bundled_rules_text()
    assert BUNDLED_QUIET in text
    path = tmp_path / f"rules-{start.replace(':', '')}-{end.replace(':', '')}.yaml"
    quiet = f'quiet_hours:\n  start: "{start}"\n  end: "{end}"'
    path.write_text(text.replace(BUNDLED_QUIET, quiet), encoding="utf-8")
    return path


def test_sms_send_reports_what_it_sent_withdrew_and_waits_for(tmp_path: Path) -> None:
    var = tmp_path / "var"
    env = {"TIEXIN_DATABASE_URL": f"sqlite:///{var / 'tiexin.db'}", "TIEXIN_DATA_DIR": str(var)}
    uow_factory = storage(env["TIEXIN_DATABASE_URL"], var)
    import_world(uow_factory, tmp_path / "world", customers=150, as_of=date(2025, 3, 10))
    runner = CliRunner()
    never = _rules(tmp_path, "00:00", "00:00")  # start == end: no quiet hours
    ran = runner.invoke(
        app, ["care", "run", "--as-of", "2025-03-10", "--rules", str(never)], env=env
    )
    assert ran.exit_code == 0, ran.output
    export_care_tasks(uow_factory, tmp_path / "t.jsonl")
    lines = (tmp_path / "t.jsonl").read_text(encoding="utf-8").splitlines()
    call = next(t for t in map(json.loads, lines) if t["channel"] == "call")
    record_outcome(uow_factory, call["task_id"], "declined", "wang")  # before its notice went

    # quiet from an hour ago to two hours on, operator time
    now = datetime.now(UTC).astimezone(OPERATOR_TIMEZONE)
    start, end = (now + timedelta(hours=h) for h in (-1, 2))
    quiet = _rules(tmp_path, f"{start:%H:%M}", f"{end:%H:%M}")
    waited = runner.invoke(app, ["sms", "send", "--rules", str(quiet)], env=env)
    assert waited.exit_code == 0, waited.output
    assert f"nothing sent before {end:%Y-%m-%d %H:%M} (UTC+8)" in said(waited)
    assert not (var / "sms-outbox.jsonl").exists()

    sent = runner.invoke(app, ["sms", "send", "--rules", str(never)], env=env)
    assert sent.exit_code == 0, sent.output
    delivered = (var / "sms-outbox.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(delivered) == len(lines) - 1
    assert f"Sent {len(delivered)} SMS, 0 failed (retried later), 1 withdrawn" in said(sent)
