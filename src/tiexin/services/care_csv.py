"""Rows of the care engine's CSV files (customers, usage, staff, risk flags), parsed and checked.

Pure: it reads lines given by the caller and yields batches of column values ready for storage,
plus the bad rows, each with its file, line and field. A bad row never stops the file: the good
rows are still imported. Parsing is streaming (one batch in memory at a time), because a billing
export holds millions of rows.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from tiexin.care.model import TIERS, Role

Values = dict[str, Any]
ID_MAX = 32  # care_customers.customer_id, care_staff.staff_id
_MSISDN = re.compile(r"^\+?[0-9]{5,20}$")


class FieldError(ValueError):
    """One field of one row is wrong; the caller adds the file and line."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


@dataclass(frozen=True, slots=True)
class RowError:
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: field {self.field}: {self.message}"


@dataclass(frozen=True, slots=True)
class CsvSpec:
    """A CSV file kind: its columns, its key (a repeated key: the last row wins) and the
    parser of one row."""

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    key: tuple[str, ...]
    parse: Callable[[Mapping[str, str]], Values]


@dataclass(slots=True)
class Batch:
    rows: list[Values] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    lines: int = 0  # data rows read in this batch, good and bad


class HeaderError(ValueError):
    """The header lacks required columns: the file cannot be read at all."""


# ---- fields ----


def text(values: Mapping[str, str], name: str, *, max_length: int | None = None) -> str:
    value = values.get(name, "")
    if not value:
        raise FieldError(name, "missing")
    if max_length is not None and len(value) > max_length:
        raise FieldError(name, f"{value[:40]!r} is longer than {max_length} characters")
    return value


def optional_text(values: Mapping[str, str], name: str, *, max_length: int) -> str | None:
    return text(values, name, max_length=max_length) if values.get(name) else None


def day(values: Mapping[str, str], name: str) -> date:
    value = text(values, name)
    try:
        if len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise FieldError(name, f"{value!r} is not a date YYYY-MM-DD") from None


def optional_day(values: Mapping[str, str], name: str) -> date | None:
    return day(values, name) if values.get(name) else None


def month(values: Mapping[str, str], name: str) -> date:
    """A month YYYY-MM, as its first day."""
    value = text(values, name)
    match = re.fullmatch(r"(\d{4})-(\d{2})", value)
    if match is None or not 1 <= int(match[2]) <= 12:
        raise FieldError(name, f"{value!r} is not a month YYYY-MM")
    return date(int(match[1]), int(match[2]), 1)


def number(values: Mapping[str, str], name: str, *, minimum: float | None = None) -> float:
    value = text(values, name)
    try:
        result = float(value)
    except ValueError:
        raise FieldError(name, f"{value!r} is not a number") from None
    if not math.isfinite(result):
        raise FieldError(name, f"{value!r} is not a finite number")
    if minimum is not None and result < minimum:
        raise FieldError(name, f"{value} is below {minimum:g}")
    return result


def whole(values: Mapping[str, str], name: str, *, minimum: int = 0) -> int:
    value = text(values, name)
    try:
        result = int(value)
    except ValueError:
        raise FieldError(name, f"{value!r} is not a whole number") from None
    if result < minimum:
        raise FieldError(name, f"{value} is below {minimum}")
    return result


def choice(values: Mapping[str, str], name: str, allowed: Iterable[str]) -> str:
    value = text(values, name)
    options = tuple(allowed)
    if value not in options:
        raise FieldError(name, f"{value!r} is not one of {', '.join(options)}")
    return value


# ---- rows ----


def parse_customer(values: Mapping[str, str]) -> Values:
    msisdn = text(values, "msisdn")
    if not _MSISDN.match(msisdn):
        raise FieldError("msisdn", f"{msisdn!r} is not a phone number (5 to 20 digits)")
    return {
        "customer_id": text(values, "customer_id", max_length=ID_MAX),
        "msisdn": msisdn,
        "name": text(values, "name"),
        "birthday": day(values, "birthday"),
        "tier": choice(values, "tier", TIERS),
        "branch": text(values, "branch", max_length=64),
        "county": text(values, "county", max_length=64),
        "township": optional_text(values, "township", max_length=64),  # for door-to-door visits
        "plan_id": text(values, "plan_id", max_length=64),
        "balance_yuan": number(values, "balance_yuan"),
        "points": whole(values, "points"),
        "points_expiry": optional_day(values, "points_expiry"),
        # empty: the CRM names no manager, so the one Tiexin assigned is kept
        "account_manager_id": optional_text(values, "account_manager_id", max_length=ID_MAX),
        "join_date": day(values, "join_date"),
    }


def parse_usage(values: Mapping[str, str]) -> Values:
    return {
        "customer_id": text(values, "customer_id", max_length=ID_MAX),
        "month": month(values, "month"),
        "voice_minutes": number(values, "voice_minutes", minimum=0),
        "data_gb": number(values, "data_gb", minimum=0),
        "sms": whole(values, "sms"),
        # a bill may be negative (a refund), so it has no minimum
        "bill_yuan": number(values, "bill_yuan"),
    }


def parse_staff(values: Mapping[str, str]) -> Values:
    return {
        "staff_id": text(values, "staff_id", max_length=ID_MAX),
        "name": text(values, "name"),
        "role": choice(values, "role", (r.value for r in Role)),
        "branch": text(values, "branch", max_length=64),
        "county": text(values, "county", max_length=64),
        "capacity": whole(values, "capacity"),
    }


def parse_risk_flag(values: Mapping[str, str]) -> Values:
    return {
        "customer_id": text(values, "customer_id", max_length=ID_MAX),
        "reason": text(values, "reason"),
    }


CUSTOMERS = CsvSpec(
    "customers",
    (
        "customer_id",
        "msisdn",
        "name",
        "birthday",
        "tier",
        "branch",
        "county",
        "plan_id",
        "balance_yuan",
        "points",
        "join_date",
    ),
    ("points_expiry", "account_manager_id", "township"),
    ("customer_id",),
    parse_customer,
)
USAGE = CsvSpec(
    "usage",
    ("customer_id", "month", "voice_minutes", "data_gb", "sms", "bill_yuan"),
    (),
    ("customer_id", "month"),
    parse_usage,
)
STAFF = CsvSpec(
    "staff",
    ("staff_id", "name", "role", "branch", "county", "capacity"),
    (),
    ("staff_id",),
    parse_staff,
)
RISK_FLAGS = CsvSpec("risk flags", ("customer_id", "reason"), (), ("customer_id",), parse_risk_flag)


# ---- files ----


def parse_csv(
    lines: Iterable[str], spec: CsvSpec, *, file: str, batch_size: int
) -> Iterator[Batch]:
    """Batches of parsed rows and row errors, in file order. Within a batch a repeated key
    keeps its last row (so one upsert never touches a row twice); across batches the later
    batch is stored later, so the last row of the file wins either way."""
    reader = csv.DictReader(iter(lines))
    columns = reader.fieldnames or []
    missing = [c for c in spec.required if c not in columns]
    if missing:
        raise HeaderError(f"{file}:1: missing columns: {', '.join(missing)}")
    batch, keyed = Batch(), dict[tuple[Any, ...], Values]()
    for raw in reader:
        batch.lines += 1
        values = {k: (v or "").strip() for k, v in raw.items() if k is not None}
        try:
            row = spec.parse(values)
        except FieldError as exc:
            batch.errors.append(RowError(file, reader.line_num, exc.field, exc.message))
        else:
            keyed[tuple(row[k] for k in spec.key)] = row
        if batch.lines >= batch_size:
            batch.rows = list(keyed.values())
            yield batch
            batch, keyed = Batch(), {}
    if batch.lines:
        batch.rows = list(keyed.values())
        yield batch
