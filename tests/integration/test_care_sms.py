"""The SMS outbox on SQLite and PostgreSQL: pre-notices outside quiet hours, the outbox file,
and a real HTTP gateway (a local server) that fails first and recovers: nothing is lost."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError

from tests.support.care import import_world, storage
from tiexin.adapters.sms import HttpGatewaySender, OutboxFileSender
from tiexin.adapters.storage.engine import make_engine, migrate
from tiexin.adapters.storage.tables import care_tasks, sms_outbox
from tiexin.care.rules import default_care_rules
from tiexin.care.world import demo_catalog
from tiexin.services.care_export import export_care_tasks, export_sms
from tiexin.services.care_run import run_care
from tiexin.services.care_sms import send_due_sms
from tiexin.services.care_tasks import record_outcome
from tiexin.services.ingest import UnitOfWorkFactory

AS_OF = date(2025, 3, 10)
QUIET = default_care_rules().quiet_hours  # 21:00-08:00 Beijing time
MORNING = datetime(2025, 3, 10, 2, 0, tzinfo=UTC)  # 10:00 in Beijing
LATE = datetime(2025, 3, 10, 15, 0, tzinfo=UTC)  # 23:00 in Beijing


@pytest.fixture
def uow_factory(database_url: str, tmp_path: Path) -> UnitOfWorkFactory:
    uow_factory = storage(database_url, tmp_path / "var")
    import_world(uow_factory, tmp_path / "world", customers=150, as_of=AS_OF)
    return uow_factory


def _run(uow_factory: UnitOfWorkFactory, now: datetime) -> int:
    rules, catalog = default_care_rules(), demo_catalog()
    report = run_care(uow_factory, as_of=AS_OF, rules=rules, catalog=catalog, now=now)
    assert report.sms_queued > 0
    queued: int = report.sms_queued
    return queued


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_notices_go_to_the_outbox_file_and_move_their_tasks(
    uow_factory: UnitOfWorkFactory, tmp_path: Path
) -> None:
    queued = _run(uow_factory, MORNING)
    outbox = tmp_path / "outbox.jsonl"
    report = send_due_sms(uow_factory, OutboxFileSender(outbox), quiet=QUIET, now=MORNING)
    assert (report.sent, report.failed) == (queued, [])
    sent = _lines(outbox)
    assert len(sent) == queued and all(m["to"].startswith("139") for m in sent)
    again = send_due_sms(uow_factory, OutboxFileSender(outbox), quiet=QUIET, now=MORNING)
    assert again.sent == 0 and len(_lines(outbox)) == queued
    export_care_tasks(uow_factory, tmp_path / "t.jsonl")
    status = {t["channel"]: t["status"] for t in _lines(tmp_path / "t.jsonl")}
    assert status == {"call": "notified", "sms": "closed"}
    export_sms(uow_factory, tmp_path / "s.jsonl")
    messages = _lines(tmp_path / "s.jsonl")
    assert {m["status"] for m in messages} == {"sent"}
    notice = next(m for m in messages if m["kind"] == "pre_notice")
    assert "电话经理" in notice["text"] and notice["attempts"] == 1


def test_a_notice_planned_late_in_the_evening_waits_for_the_morning(
    uow_factory: UnitOfWorkFactory, tmp_path: Path
) -> None:
    _run(uow_factory, LATE)
    export_sms(uow_factory, tmp_path / "s.jsonl")
    assert {m["send_at"] for m in _lines(tmp_path / "s.jsonl")} == {"2025-03-11T00:00:00+00:00"}
    outbox = tmp_path / "outbox.jsonl"
    quiet = send_due_sms(uow_factory, OutboxFileSender(outbox), quiet=QUIET, now=LATE)
    assert quiet.sent == 0 and quiet.quiet_until is not None
    assert quiet.quiet_until.astimezone(UTC) == datetime(2025, 3, 11, 0, 0, tzinfo=UTC)
    early = LATE + timedelta(hours=8, minutes=59)  # 07:59 next morning, still quiet
    assert send_due_sms(uow_factory, OutboxFileSender(outbox), quiet=QUIET, now=early).sent == 0
    assert not outbox.exists()


class _Gateway(BaseHTTPRequestHandler):
    status: ClassVar[int] = 503
    received: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if type(self).status == 200:
            type(self).received.append(json.loads(body))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test reads what was received."""


@pytest.fixture
def gateway() -> Iterator[tuple[str, type[_Gateway]]]:
    handler = type("Gateway", (_Gateway,), {"status": 503, "received": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sms", handler
    finally:
        server.shutdown()
        server.server_close()


def test_a_failing_gateway_keeps_messages_queued_until_it_recovers(
    uow_factory: UnitOfWorkFactory, tmp_path: Path, gateway: tuple[str, type[_Gateway]]
) -> None:
    url, handler = gateway
    queued = _run(uow_factory, MORNING)
    sender = HttpGatewaySender(url, sender="10088", timeout_s=5)
    down = send_due_sms(uow_factory, sender, quiet=QUIET, now=MORNING)
    assert down.sent == 0 and len(down.failed) == queued
    assert "HTTP 503" in down.failed[0]
    export_sms(uow_factory, tmp_path / "s.jsonl")
    messages = _lines(tmp_path / "s.jsonl")
    assert {(m["status"], m["attempts"]) for m in messages} == {("queued", 1)}
    assert "HTTP 503" in messages[0]["last_error"]
    # not retried at once: the next attempt is a quarter of an hour later
    assert send_due_sms(uow_factory, sender, quiet=QUIET, now=MORNING).failed == []
    handler.status = 200
    later = MORNING + timedelta(minutes=20)
    up = send_due_sms(uow_factory, sender, quiet=QUIET, now=later)
    assert (up.sent, up.failed) == (queued, [])
    assert len(handler.received) == queued
    first = handler.received[0]
    assert set(first) == {"id", "to", "text", "sender"} and first["sender"] == "10088"
    export_sms(uow_factory, tmp_path / "t.jsonl")
    assert {(m["status"], m["attempts"]) for m in _lines(tmp_path / "t.jsonl")} == {("sent", 2)}


def test_an_unreachable_gateway_is_reported(uow_factory: UnitOfWorkFactory) -> None:
    _run(uow_factory, MORNING)
    sender = HttpGatewaySender("http://127.0.0.1:9/sms", sender="10088", timeout_s=2)
    report = send_due_sms(uow_factory, sender, quiet=QUIET, now=MORNING)
    assert report.sent == 0 and "gateway unreachable" in report.failed[0]


def test_a_message_whose_task_moved_on_is_withdrawn_not_sent(
    uow_factory: UnitOfWorkFactory, tmp_path: Path
) -> None:
    _run(uow_factory, MORNING)
    export_care_tasks(uow_factory, tmp_path / "t.jsonl")
    tasks = _lines(tmp_path / "t.jsonl")
    calls = [t["task_id"] for t in tasks if t["channel"] == "call"][:3]
    sms = [t["task_id"] for t in tasks if t["channel"] == "sms"][:2]
    # the customer was called before the notice went out, or the task was dropped
    record_outcome(uow_factory, calls[0], "declined", "wang", now=MORNING)
    record_outcome(uow_factory, calls[1], "closed", "wang", now=MORNING)
    record_outcome(uow_factory, calls[2], "unreachable", "wang", now=MORNING)
    record_outcome(uow_factory, sms[0], "closed", "wang", now=MORNING)
    record_outcome(uow_factory, sms[1], "contacted", "wang", now=MORNING)  # still to be sent
    outbox = tmp_path / "outbox.jsonl"
    report = send_due_sms(uow_factory, OutboxFileSender(outbox), quiet=QUIET, now=MORNING)
    assert report.withdrawn == 4
    assert not {calls[0], calls[1], calls[2], sms[0]} & {m["id"] for m in _lines(outbox)}
    assert sms[1] in {m["id"] for m in _lines(outbox)}
    export_sms(uow_factory, tmp_path / "s.jsonl")
    status = {m["task_id"]: m["status"] for m in _lines(tmp_path / "s.jsonl")}
    assert [status[t] for t in (*calls, *sms)] == ["withdrawn"] * 4 + ["sent"]
    export_care_tasks(uow_factory, tmp_path / "after.jsonl")
    after = {t["task_id"]: t["status"] for t in _lines(tmp_path / "after.jsonl")}
    # a delivered SMS closes its task from any state; withdrawn notices move nothing
    assert [after[t] for t in (*calls, *sms)] == [
        "declined",
        "closed",
        "unreachable",
        "closed",
        "closed",
    ]
    again = send_due_sms(uow_factory, OutboxFileSender(outbox), quiet=QUIET, now=MORNING)
    assert (again.sent, again.withdrawn) == (0, 0)


def test_messages_queued_before_withdrawal_existed_can_be_withdrawn(
    database_url: str, tmp_path: Path
) -> None:
    engine = make_engine(database_url)
    migrate(engine, "0010")
    at = datetime(2025, 3, 10, 2, 0, tzinfo=UTC)
    task = {
        "task_id": "T1", "customer_id": "C1", "rule_id": "r", "rule_type": "birthday",
        "rules_version": "v", "created_on": AS_OF, "channel": "call", "priority": 1,
        "due": AS_OF, "status": "closed", "open_slot": None, "assignee": None,
        "assign_reason": "no_capacity", "facts": {}, "explanation_zh": "", "explanation_en": "",
        "script": "", "note": None, "created_at": at, "updated_at": at,
    }  # fmt: skip
    message = {
        "task_id": "T1", "kind": "pre_notice", "msisdn": "13900000001", "text": "x",
        "send_at": at, "status": "queued", "attempts": 0, "last_error": None, "sent_at": None,
        "created_at": at,
    }  # fmt: skip
    with engine.begin() as connection:
        connection.execute(insert(care_tasks), task)
        connection.execute(insert(sms_outbox), message)
    migrate(engine)
    outbox = tmp_path / "outbox.jsonl"
    uow_factory = storage(database_url, tmp_path / "var")
    report = send_due_sms(uow_factory, OutboxFileSender(outbox), quiet=QUIET, now=MORNING)
    assert (report.sent, report.withdrawn, report.failed) == (0, 1, [])
    assert not outbox.exists()
    with engine.begin() as connection, pytest.raises(IntegrityError):
        connection.execute(update(sms_outbox).values(status="lost"))
    engine.dispose()
