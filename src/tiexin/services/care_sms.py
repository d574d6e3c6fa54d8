"""Delivering the SMS outbox: due messages go through a sender, never in quiet hours.

Each result is stored as it happens (its own transaction), so a crash re-sends at most the one
message in flight; the task id travels as the message id for a gateway to drop a repeat. A
failed message stays queued with its error and is tried again later: nothing is lost. A
message whose task has moved on (`_after_delivery`) is withdrawn: kept, never sent.
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
    withdrawn: int = 0  # not sent: their tasks had moved on (`_after_delivery`)
    failed: list[str] = field(default_factory=list)  # "task id: reason", retried later
    quiet_until: datetime | None = None  # set when nothing was sent because of quiet hours


def _after_delivery(kind: str, task_status: str) -> str | None:
    """The task's status once its message is delivered, None to withdraw the message instead.
    A pre-notice tells the customer a call is coming: only worth sending while nobody has
    called (the task is open), and its delivery makes the task notified. An SMS task's message
    is the service itself: sent unless the task was closed first, and it closes the task."""
    if kind == "pre_notice":
        return "notified" if task_status == "open" else None
    return "closed" if task_status != "closed" else None


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
    task_id = message.task_id
    to_status = _after_delivery(message.kind, message.task_status)
    if to_status is None:
        with uow_factory() as uow:
            uow.care.sms_withdrawn(task_id)
            uow.commit()
        report.withdrawn += 1
        return
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
        # an agent who moved the task while the message was in flight keeps their status
        uow.care.move_task(
            task_id,
            from_status=message.task_status,
            to_status=to_status,
            actor=SMS_ACTOR,
            note=None,
            now=now,
        )
        uow.commit()
    report.sent += 1
