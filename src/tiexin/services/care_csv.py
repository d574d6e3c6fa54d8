"""Rows of the care engine's CSV files (customers, usage, staff, risk flags), parsed and checked.

Pure: it reads lines given by the caller and yields batches of column values ready for storage,
plus the bad rows, each with its file, line and field. A bad row never stops the file: the good
rows are still imported. Parsing is streaming (one batch in memory at a time), because a billing
export holds millions of rows.

Each file kind declares its fields (`Field`); this module parses one row at a time and words
every error, and `care_csv_columns` checks whole columns at once against the same declarations,
handing the rows it cannot vouch for back to `CsvSpec.parse` here.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from tiexin.care.model import TIERS, Role

Values = dict[str, Any]
ID_MAX = 32  # care_customers.customer_id, care_staff.staff_id
INT32_MAX = 2**31 - 1  # an INTEGER column
INT64_MAX = 2**63 - 1  # a BIGINT column
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


def day(values: Mapping[str, str], name: str) -> date:
    value = text(values, name)
    try:
        if len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise FieldError(name, f"{value!r} is not a date YYYY-MM-DD") from None


def month(values: Mapping[str, str], name: str) -> date:
    """A month YYYY-MM, as its first day."""
    value = text(values, name)
    match = re.fullmatch(r"(\d{4})-(\d{2})", value)
    if match is None or not 1 <= int(match[2]) <= 12 or int(match[1]) == 0:
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


def whole(
    values: Mapping[str, str], name: str, *, minimum: int = 0, maximum: int = INT64_MAX
) -> int:
    value = text(values, name)
    try:
        result = int(value)
    except ValueError:
        raise FieldError(name, f"{value!r} is not a whole number") from None
    if result < minimum:
        raise FieldError(name, f"{value} is below {minimum}")
    if result > maximum:  # the database column could not hold it
        raise FieldError(name, f"{value} is above {maximum}")
    return result


def choice(values: Mapping[str, str], name: str, allowed: Iterable[str]) -> str:
    value = text(values, name)
    options = tuple(allowed)
    if value not in options:
        raise FieldError(name, f"{value!r} is not one of {', '.join(options)}")
    return value


def phone(values: Mapping[str, str], name: str) -> str:
    value = text(values, name)
    if not _MSISDN.match(value):
        raise FieldError(name, f"{value!r} is not a phone number (5 to 20 digits)")
    return value


# ---- rows ----

FieldKind = Literal["text", "phone", "day", "month", "number", "whole", "choice"]


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a row: its column, what its text must be and what value it becomes."""

    name: str
    kind: FieldKind = "text"
    optional: bool = False  # may be empty (the value is then None)
    max_length: int | None = None  # text
    minimum: float | None = None  # number, whole (default 0)
    maximum: int = INT64_MAX  # whole
    options: tuple[str, ...] = ()  # choice

    def parse(self, values: Mapping[str, str]) -> Any:
        if self.optional and not values.get(self.name):
            return None
        name = self.name
        match self.kind:
            case "text":
                return text(values, name, max_length=self.max_length)
            case "phone":
                return phone(values, name)
            case "day":
                return day(values, name)
            case "month":
                return month(values, name)
            case "number":
                return number(values, name, minimum=self.minimum)
            case "whole":
                least = 0 if self.minimum is None else int(self.minimum)
                return whole(values, name, minimum=least, maximum=self.maximum)
            case "choice":
                return choice(values, name, self.options)


@dataclass(frozen=True, slots=True)
class CsvSpec:
    """A CSV file kind: its header's required and optional columns, its key (a repeated key:
    the last row wins) and its fields, in the order a row is checked (the first bad one is
    reported)."""

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    key: tuple[str, ...]
    fields: tuple[Field, ...]

    def __post_init__(self) -> None:
        if {f.name for f in self.fields} != {*self.required, *self.optional}:
            raise ValueError(f"{self.name}: the fields are not the columns")

    def parse(self, values: Mapping[str, str]) -> Values:
        """The row's values by field; FieldError names the first bad field."""
        return {f.name: f.parse(values) for f in self.fields}


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
    (
        Field("msisdn", "phone"),
        Field("customer_id", max_length=ID_MAX),
        Field("name"),
        Field("birthday", "day"),
        Field("tier", "choice", options=TIERS),
        Field("branch", max_length=64),
        Field("county", max_length=64),
        Field("township", optional=True, max_length=64),  # for door-to-door visits
        Field("plan_id", max_length=64),
        Field("balance_yuan", "number"),
        Field("points", "whole"),
        Field("points_expiry", "day", optional=True),
        # empty: the CRM names no manager, so the one Tiexin assigned is kept
        Field("account_manager_id", optional=True, max_length=ID_MAX),
        Field("join_date", "day"),
    ),
)
USAGE = CsvSpec(
    "usage",
    ("customer_id", "month", "voice_minutes", "data_gb", "sms", "bill_yuan"),
    (),
    ("customer_id", "month"),
    (
        Field("customer_id", max_length=ID_MAX),
        Field("month", "month"),
        Field("voice_minutes", "number", minimum=0),
        Field("data_gb", "number", minimum=0),
        Field("sms", "whole", maximum=INT32_MAX),
        # a bill may be negative (a refund), so it has no minimum
        Field("bill_yuan", "number"),
    ),
)
STAFF = CsvSpec(
    "staff",
    ("staff_id", "name", "role", "branch", "county", "capacity"),
    (),
    ("staff_id",),
    (
        Field("staff_id", max_length=ID_MAX),
        Field("name"),
        Field("role", "choice", options=tuple(r.value for r in Role)),
        Field("branch", max_length=64),
        Field("county", max_length=64),
        Field("capacity", "whole", maximum=INT32_MAX),
    ),
)
RISK_FLAGS = CsvSpec(
    "risk flags",
    ("customer_id", "reason"),
    (),
    ("customer_id",),
    (Field("customer_id", max_length=ID_MAX), Field("reason")),
)


# ---- files ----


def check_header(columns: Iterable[str], spec: CsvSpec, *, file: str) -> None:
    present = set(columns)
    missing = [c for c in spec.required if c not in present]
    if missing:
        raise HeaderError(f"{file}:1: missing columns: {', '.join(missing)}")


def parse_records(
    reader: csv.DictReader[str], spec: CsvSpec, *, file: str, line_offset: int = 0
) -> Iterator[tuple[int, Values | RowError]]:
    """(line, row or error) of each record `reader` reads; the line is the record's last
    physical line, `line_offset` plus the reader's own count."""
    for raw in reader:
        line = line_offset + reader.line_num
        values = {k: (v or "").strip() for k, v in raw.items() if k is not None}
        yield line, parse_row(values, spec, file, line)


def parse_row(values: Mapping[str, str], spec: CsvSpec, file: str, line: int) -> Values | RowError:
    """The row of stripped `values` (by column), or the error of its first bad field."""
    try:
        return spec.parse(values)
    except FieldError as exc:
        return RowError(file, line, exc.field, exc.message)


def parse_csv(
    lines: Iterable[str], spec: CsvSpec, *, file: str, batch_size: int
) -> Iterator[Batch]:
    """Batches of parsed rows and row errors, in file order. Within a batch a repeated key
    keeps its last row (so one upsert never touches a row twice); across batches the later
    batch is stored later, so the last row of the file wins either way."""
    reader = csv.DictReader(iter(lines))
    check_header(reader.fieldnames or [], spec, file=file)
    batch, keyed = Batch(), dict[tuple[Any, ...], Values]()
    for _, parsed in parse_records(reader, spec, file=file):
        batch.lines += 1
        if isinstance(parsed, RowError):
            batch.errors.append(parsed)
        else:
            keyed[tuple(parsed[k] for k in spec.key)] = parsed
        if batch.lines >= batch_size:
            batch.rows = list(keyed.values())
            yield batch
            batch, keyed = Batch(), {}
    if batch.lines:
        batch.rows = list(keyed.values())
        yield batch
