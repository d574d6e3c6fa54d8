"""Exports of the filtered call list and of its evaluations' items, as CSV or XLSX.

Every export is written to the audit log with its filters and row count, in the same
transaction that read the rows. Customer numbers are masked as the user would see them.
"""

from __future__ import annotations

import csv
import enum
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from openpyxl import Workbook

from tiexin.adapters.storage.call_list import CallListRow
from tiexin.adapters.storage.unit_of_work import SqlUnitOfWork
from tiexin.domain.access import Principal, call_scope, mask_msisdn
from tiexin.domain.call_list import CallListQuery
from tiexin.domain.errors import InputError
from tiexin.domain.operator_time import local_minute
from tiexin.services import audit
from tiexin.services.ingest import UnitOfWorkFactory

# One export holds at most this many calls; more must be narrowed down with the filters.
EXPORT_MAX_CALLS = 50_000

CALL_COLUMNS = (
    "call_id",
    "start_time",
    "line",
    "direction",
    "agent_id",
    "customer",
    "duration_s",
    "status",
    "score",
    "band",
    "auto_failed",
    "failed_items",
    "customer_sentiment_end",
    "review_status",
)
ITEM_COLUMNS = (
    "call_id",
    "start_time",
    "agent_id",
    "customer",
    "scorecard",
    "version",
    "item_id",
    "result",
    "points",
    "human_edited",
)

Cell = str | float | int | bool | None


class ExportFormat(enum.StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


MEDIA_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Export:
    filename: str
    media_type: str
    content: bytes
    rows: int


def export_calls(
    uow_factory: UnitOfWorkFactory,
    principal: Principal,
    query: CallListQuery,
    fmt: ExportFormat,
    *,
    client: str | None = None,
) -> Export:
    scope = call_scope(principal)
    with uow_factory() as uow:
        _check_size(uow.call_list.count(query.filters, scope, cap=EXPORT_MAX_CALLS + 1))
        rows = [
            _call_cells(row, principal)
            for row in uow.call_list.iter_rows(query, scope, limit=EXPORT_MAX_CALLS)
        ]
        _audit(uow, principal, "calls", query, fmt, len(rows), client)
        uow.commit()
    return _export("calls", CALL_COLUMNS, rows, fmt)


def export_evaluations(
    uow_factory: UnitOfWorkFactory,
    principal: Principal,
    query: CallListQuery,
    fmt: ExportFormat,
    *,
    client: str | None = None,
) -> Export:
    """One row per item of the latest evaluation of each matching call."""
    scope = call_scope(principal)
    with uow_factory() as uow:
        _check_size(uow.call_list.count(query.filters, scope, cap=EXPORT_MAX_CALLS + 1))
        items = uow.call_list.iter_evaluation_items(query, scope, limit=EXPORT_MAX_CALLS)
        rows = [
            [
                item.call_id,
                local_minute(item.start_time),
                item.agent_id,
                mask_msisdn(item.customer_msisdn, principal),
                item.scorecard_id,
                item.scorecard_version,
                item.item_id,
                item.result,
                item.points,
                item.human_edited,
            ]
            for item in items
        ]
        _audit(uow, principal, "evaluations", query, fmt, len(rows), client)
        uow.commit()
    return _export("evaluations", ITEM_COLUMNS, rows, fmt)


def _check_size(matching: int) -> None:
    if matching > EXPORT_MAX_CALLS:
        raise InputError(
            f"more than {EXPORT_MAX_CALLS} calls match; narrow the filters to export them"
        )


def _call_cells(row: CallListRow, principal: Principal) -> list[Cell]:
    return [
        row.call_id,
        local_minute(row.start_time),
        row.line,
        row.direction,
        row.agent_id,
        mask_msisdn(row.customer_msisdn, principal),
        row.duration_s,
        row.status,
        row.score,
        row.band,
        row.auto_failed,
        " ".join(row.failed_items),
        row.customer_sentiment_end,
        row.review_status,
    ]


def _audit(
    uow: SqlUnitOfWork,
    principal: Principal,
    what: str,
    query: CallListQuery,
    fmt: ExportFormat,
    rows: int,
    client: str | None,
) -> None:
    detail = {
        "what": what,
        "format": fmt.value,
        "filters": query.filters.as_dict(),
        "sort": f"{query.sort.value} {query.order.value}",
        "rows": rows,
    }
    audit.record(uow, principal, "export", resource_type=what, detail=detail, client=client)


def _export(what: str, header: Sequence[str], rows: list[list[Cell]], fmt: ExportFormat) -> Export:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    content = write_csv(header, rows) if fmt is ExportFormat.CSV else write_xlsx(header, rows)
    return Export(f"tiexin-{what}-{stamp}.{fmt.value}", MEDIA_TYPES[fmt], content, len(rows))


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheet programs read the Chinese text right."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def write_xlsx(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("export")
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
