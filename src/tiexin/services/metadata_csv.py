"""Reading the metadata CSV a call-recording system exports, row by row, with exact reasons."""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tiexin.domain.calls import CallMetadata, Direction
from tiexin.domain.errors import InputError

REQUIRED_COLUMNS = ("call_id", "file", "start_time", "direction", "line", "agent_id")
OPTIONAL_COLUMNS = ("customer_msisdn", "duration_s", "language")
METADATA_COLUMNS = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
LANGUAGES = ("zh", "en")


@dataclass(frozen=True)
class MetadataRow:
    """One CSV row: the parsed metadata, or the reason it cannot be used (and what is known)."""

    line: int
    metadata: CallMetadata | None
    call_id: str | None
    file: str | None
    error: str | None


def read_metadata(path: Path) -> Iterator[MetadataRow]:
    """Yield every data row; raise InputError only when the file itself is unusable."""
    if not path.is_file():
        raise InputError("metadata file not found", source=str(path))
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(f"missing columns: {', '.join(missing)}", source=str(path), line=1)
        for row in reader:
            yield _parse_row(row, source=str(path), line=reader.line_num)


def _parse_row(row: Mapping[str, str | None], *, source: str, line: int) -> MetadataRow:
    values = {key: (value or "").strip() for key, value in row.items() if key}
    call_id, file = values.get("call_id") or None, values.get("file") or None
    try:
        metadata = parse_metadata(values)
    except ValueError as exc:
        return MetadataRow(line, None, call_id, file, f"{source}:{line}: {exc}")
    return MetadataRow(line, metadata, call_id, file, None)


def parse_metadata(values: Mapping[str, str]) -> CallMetadata:
    """Validate one row's fields; ValueError names the field and the bad value."""
    for column in REQUIRED_COLUMNS:
        if not values.get(column):
            raise ValueError(f"field {column}: missing")
    return CallMetadata(
        call_id=values["call_id"],
        file=values["file"],
        start_time=_parse_time(values["start_time"]),
        direction=Direction(_parse_choice("direction", values["direction"], tuple(Direction))),
        line=values["line"],
        agent_id=values["agent_id"],
        customer_msisdn=values.get("customer_msisdn") or None,
        duration_s=_parse_duration(values.get("duration_s", "")),
        language=_parse_choice("language", values["language"], LANGUAGES)
        if values.get("language")
        else None,
    )


def _parse_time(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"field start_time: {text!r} is not an ISO 8601 time (2025-03-04T10:59:50+08:00)"
        ) from None


def _parse_choice(field: str, text: str, choices: tuple[str, ...]) -> str:
    if text not in choices:
        raise ValueError(f"field {field}: {text!r} is not one of {', '.join(choices)}")
    return text


def _parse_duration(text: str) -> float | None:
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"field duration_s: {text!r} is not a number of seconds") from None
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"field duration_s: {text!r} must be a finite number, zero or more")
    return value
