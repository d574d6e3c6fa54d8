"""Exports of the care engine as JSON Lines: customers, care tasks and the SMS outbox."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from tiexin.care.model import CUSTOMER_COLUMNS
from tiexin.services.export import write_jsonl
from tiexin.services.ingest import UnitOfWorkFactory

SMS_COLUMNS = ("task_id", "kind", "msisdn", "text", "send_at", "status", "attempts")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def customer_records(rows: Iterable[Mapping[str, Any]]) -> Iterator[dict[str, Any]]:
    for row in rows:
        # township is optional in the CRM export and kept for door-to-door visits
        yield {
            **{name: _plain(row[name]) for name in CUSTOMER_COLUMNS},
            "township": row["township"],
        }


def task_records(rows: Iterable[Mapping[str, Any]]) -> Iterator[dict[str, Any]]:
    for row in rows:
        yield {
            "task_id": row["task_id"],
            "customer_id": row["customer_id"],
            "rule": row["rule_id"],
            "rule_type": row["rule_type"],
            "rules_version": row["rules_version"],
            "created_on": _plain(row["created_on"]),
            "assignee": row["assignee"],
            "assign_reason": row["assign_reason"],
            "channel": row["channel"],
            "priority": row["priority"],
            "due": _plain(row["due"]),
            "status": row["status"],
            # by name: PostgreSQL's JSONB keeps its own key order, and an export must not
            # depend on the database
            "facts": dict(sorted(row["facts"].items())),
            "explanation": {"zh": row["explanation_zh"], "en": row["explanation_en"]},
            "script": row["script"],
            "note": row["note"],
        }


def sms_records(rows: Iterable[Mapping[str, Any]]) -> Iterator[dict[str, Any]]:
    for row in rows:
        record = {name: _plain(row[name]) for name in SMS_COLUMNS}
        record["last_error"], record["sent_at"] = row["last_error"], _plain(row["sent_at"])
        yield record


def export_customers(uow_factory: UnitOfWorkFactory, output: Path) -> int:
    with uow_factory() as uow:
        return write_jsonl(customer_records(uow.care.iter_customers()), output)


def export_care_tasks(uow_factory: UnitOfWorkFactory, output: Path) -> int:
    with uow_factory() as uow:
        return write_jsonl(task_records(uow.care.iter_tasks()), output)


def export_sms(uow_factory: UnitOfWorkFactory, output: Path) -> int:
    with uow_factory() as uow:
        return write_jsonl(sms_records(uow.care.iter_sms()), output)
