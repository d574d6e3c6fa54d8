"""Delivering the SMS outbox: due messages go through a sender, never in quiet hours.

Each result is stored as it happens (its own transaction), so a crash re-sends at most the one
message in flight; the task id travels as the message id for a gateway to drop a repeat. A
failed message stays queued with its error and is tried again later: nothing is lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Row

from tiexin.adapters.sms import OutgoingSms, SmsSender, SmsSendError
from tiexin.care.schedule import QuietHours, sms_send_time
from tiexin.domain.operator_time import OPERATOR_TIMEZONE
from tiexin.services.ingest import UnitOfWorkFactory

FETCH = 500
RETRY_MINUTES = 15  # times the attempts so far: a gateway that is down is not hammered
SMS_ACTOR = "sms"


@dataclass
class SmsReport:
    sent: int = 0
    failed: list[str] = field(default_factory=list)  # "task id: reason", retried later
    quiet_until: datetime | None = None  # set when nothing was sent because of quiet hours


def _after_delivery(kind: str) -> tuple[str, str]:
    """The task's move once its SMS is delivered: a pre-notice means the customer was told a
    call is coming; an SMS task is done once its message is delivered."""
    return ("open", "notified") if kind == "pre_notice" else ("open", "closed")


def send_due_sms(
    uow_factory: UnitOfWorkFactory,
    sender: SmsSender,
    *,
    quiet: QuietHours,
    now: datetime | None = None,
) -> SmsReport:
    """Send every queued message whose time has come, unless `now` is in quiet hours."""
    now = (now or datetime.now(UTC)).astimezone(OPERATOR_TIMEZONE)
    report = SmsReport()
    allowed = sms_send_time(now, quiet)
    if allowed != now:
        report.quiet_until = allowed
        return report
    while True:
        with uow_factory() as uow:
            due = uow.care.due_sms(now, FETCH)
        if not due:
            return report
        for message in due:
            _send_one(uow_factory, sender, message, quiet, now, report)


def _send_one(
    uow_factory: UnitOfWorkFactory,
    sender: SmsSender,
    message: Row[Any],
    quiet: QuietHours,
    now: datetime,
    report: SmsReport,
) -> None:
    task_id, kind = message.task_id, message.kind
    outgoing = OutgoingSms(task_id, message.msisdn, message.text)
    try:
        sender.send(outgoing)
    except SmsSendError as exc:
        attempts = message.attempts + 1
        retry_at = sms_send_time(now + timedelta(minutes=RETRY_MINUTES * attempts), quiet)
        with uow_factory() as uow:
            uow.care.sms_failed(task_id, str(exc), retry_at)
            uow.commit()
        report.failed.append(f"{task_id}: {exc}")
        return
    with uow_factory() as uow:
        uow.care.sms_sent(task_id, now)
        from_status, to_status = _after_delivery(kind)
        # a task already taken further by its agent keeps its status
        uow.care.move_task(
            task_id,
            from_status=from_status,
            to_status=to_status,
            actor=SMS_ACTOR,
            note=None,
            now=now,
        )
        uow.commit()
    report.sent += 1
