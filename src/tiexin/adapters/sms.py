"""Sending SMS: the port the SMS service uses, a local outbox file and an HTTP gateway.

A sender either delivers a message or raises `SmsSendError` with a readable reason; the service
keeps a failed message queued and tries again later, so nothing is lost.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True, slots=True)
class OutgoingSms:
    message_id: str  # the care task's id: a gateway can use it to drop a repeated message
    msisdn: str
    text: str


class SmsSendError(Exception):
    """The message was not delivered; `str()` says why."""


class SmsSender(Protocol):
    def send(self, message: OutgoingSms) -> None: ...


class OutboxFileSender:
    """Delivers to a JSON Lines file (one message a line), for sites without a gateway or to
    review what would be sent. The file is opened per message, so nothing is held open."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def send(self, message: OutgoingSms) -> None:
        record = {
            "id": message.message_id,
            "to": message.msisdn,
            "text": message.text,
            "at": datetime.now(UTC).isoformat(),
        }
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        except OSError as exc:
            raise SmsSendError(f"{self.path}: {exc.strerror or exc}") from None


class HttpGatewaySender:
    """POSTs `{"id", "to", "text", "sender"}` as JSON to the operator's SMS gateway; any 2xx
    answer means delivered, anything else (or no answer within `timeout_s`) is a failure."""

    def __init__(self, url: str, *, sender: str, timeout_s: float = 10.0) -> None:
        self.url, self.sender, self.timeout_s = url, sender, timeout_s

    def send(self, message: OutgoingSms) -> None:
        body = {
            "id": message.message_id,
            "to": message.msisdn,
            "text": message.text,
            "sender": self.sender,
        }
        request = urllib.request.Request(
            self.url,
            data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json; charset=utf-8"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            raise SmsSendError(f"gateway answered HTTP {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise SmsSendError(f"gateway unreachable: {reason}") from None
