"""Importing transcripts from recording platforms that transcribe: those calls skip ASR.

Format (docs/transcript-import.md): a JSON object or a list of them, each
`{"call_id", "start_time", "direction", "line", "agent_id", "customer_msisdn"?, "language"?,
"turns": [{"role": "agent"|"customer", "start": s, "end": s, "text": str}]}`.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tiexin.domain.calls import CallMetadata, Role, Turn
from tiexin.domain.errors import InputError
from tiexin.services.metadata_csv import parse_metadata

_ROLES = (Role.AGENT.value, Role.CUSTOMER.value)


@dataclass(frozen=True)
class ImportedCall:
    metadata: CallMetadata
    turns: tuple[Turn, ...]
    content_hash: str


@dataclass(frozen=True)
class TranscriptProblem:
    where: str  # file and position, e.g. "calls.json: call 3, turn 2"
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


def read_transcripts(path: Path) -> tuple[list[ImportedCall], list[TranscriptProblem]]:
    """Parse a transcript file; a bad call is reported and the others are kept."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("transcript file not found", source=str(path)) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", source=str(path), line=exc.lineno) from None
    items = document if isinstance(document, list) else [document]
    calls: list[ImportedCall] = []
    problems: list[TranscriptProblem] = []
    for number, item in enumerate(items, start=1):
        where = f"{path}: call {number}"
        try:
            calls.append(parse_call(item))
        except ValueError as exc:
            label = item.get("call_id") if isinstance(item, Mapping) else None
            problems.append(TranscriptProblem(f"{where} ({label})" if label else where, str(exc)))
    return calls, problems


def parse_call(item: Any) -> ImportedCall:
    if not isinstance(item, Mapping):
        raise ValueError("each call must be a JSON object")
    fields = {
        key: _text(item.get(key))
        for key in (
            "call_id",
            "start_time",
            "direction",
            "line",
            "agent_id",
            "customer_msisdn",
            "language",
        )
    }
    metadata = parse_metadata({**fields, "file": f"{fields['call_id']}.json"})
    turns = item.get("turns")
    if not isinstance(turns, list) or not turns:
        raise ValueError("field turns: a non-empty list is required")
    parsed = tuple(_parse_turn(turn, index) for index, turn in enumerate(turns))
    canonical = json.dumps(item, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return ImportedCall(metadata=metadata, turns=parsed, content_hash=digest)


def _parse_turn(turn: Any, index: int) -> Turn:
    if not isinstance(turn, Mapping):
        raise ValueError(f"turn {index}: must be a JSON object")
    role = turn.get("role")
    if role not in _ROLES:
        raise ValueError(f"turn {index}: field role: {role!r} is not one of {', '.join(_ROLES)}")
    start, end = _seconds(turn, "start", index), _seconds(turn, "end", index)
    if end < start:
        raise ValueError(f"turn {index}: field end: {end} is before start {start}")
    text = turn.get("text")
    if not isinstance(text, str):
        raise ValueError(f"turn {index}: field text: a string is required")
    return Turn(role=Role(role), start_s=start, end_s=end, text=text.strip())


def _seconds(turn: Mapping[str, Any], field: str, index: int) -> float:
    value = turn.get(field, turn.get(f"{field}_s"))
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < math.inf:
        raise ValueError(f"turn {index}: field {field}: {value!r} is not a time in seconds")
    return float(value)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()
