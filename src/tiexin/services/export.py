"""Exports: one JSON object per line, written to a temporary file and renamed into place."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from tiexin.services.ingest import UnitOfWorkFactory

EXPORT_FORMATS = ("jsonl",)


def export_calls(uow_factory: UnitOfWorkFactory, output: Path) -> int:
    with uow_factory() as uow:
        return write_jsonl(uow.calls.iter_export(), output)


def write_jsonl(records: Iterable[Mapping[str, Any]], output: Path) -> int:
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(f".{output.name}.partial-{os.getpid()}")
    count = 0
    try:
        with partial.open("w", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
                count += 1
        partial.replace(output)
    finally:
        partial.unlink(missing_ok=True)
    return count
