"""Ingest: register the recordings of a folder as queued calls, keyed by their content hash.

Re-ingesting the same file is a no-op; the same call_id with different audio is recorded as a
conflict and never overwrites; a bad row or a missing file becomes a failed call with its reason.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tiexin.adapters.storage.unit_of_work import SqlUnitOfWork
from tiexin.domain.calls import CallMetadata, CallSource, CallStatus, StoredCall
from tiexin.services.metadata_csv import MetadataRow, read_metadata

AUDIO_SUFFIXES = frozenset(
    {".wav", ".mp3", ".m4a", ".aac", ".ogg", ".opus", ".flac", ".amr", ".wma", ".webm"}
)

UnitOfWorkFactory = Callable[[], SqlUnitOfWork]


@dataclass
class IngestReport:
    queued: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    requeued: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # "call_id: reason"
    conflicts: list[str] = field(default_factory=list)
    skipped_rows: list[str] = field(default_factory=list)  # rows without a call_id


def ingest_folder(
    uow_factory: UnitOfWorkFactory, folder: Path, *, metadata_csv: Path | None = None
) -> IngestReport:
    rows = read_metadata(metadata_csv) if metadata_csv else _rows_from_folder(folder)
    report = IngestReport()
    for row in rows:
        _ingest_row(uow_factory, folder, row, report)
    return report


def _rows_from_folder(folder: Path) -> Iterable[MetadataRow]:
    """Without a metadata file every audio file is a call named after the file."""
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in AUDIO_SUFFIXES)
    for number, path in enumerate(files, start=1):
        meta = CallMetadata(call_id=path.stem, file=path.name)
        yield MetadataRow(number, meta, meta.call_id, meta.file, None)


def _ingest_row(
    uow_factory: UnitOfWorkFactory, folder: Path, row: MetadataRow, report: IngestReport
) -> None:
    if row.call_id is None:
        report.skipped_rows.append(row.error or f"line {row.line}: no call_id")
        return
    meta = row.metadata or CallMetadata(call_id=row.call_id, file=row.file or "")
    path = (folder / meta.file).resolve() if meta.file else None
    reason = row.error or _file_problem(path)
    with uow_factory() as uow:
        existing = uow.calls.get(meta.call_id)
        if reason is not None:
            if existing is None or existing.status is not CallStatus.ANALYSED:
                uow.calls.add_failed(meta, reason=reason, file_path=str(path) if path else None)
            report.failed.append(f"{meta.call_id}: {reason}")
        else:
            assert path is not None
            _register(uow, meta, path, existing, report)
        uow.commit()


def _register(
    uow: SqlUnitOfWork,
    meta: CallMetadata,
    path: Path,
    stored: StoredCall | None,
    report: IngestReport,
) -> None:
    digest = content_hash(path)
    if stored is None:
        uow.calls.add_queued(
            meta, source=CallSource.AUDIO, content_hash=digest, file_path=str(path)
        )
        report.queued.append(meta.call_id)
    elif stored.content_hash == digest:
        report.unchanged.append(meta.call_id)
    elif stored.status is CallStatus.FAILED:
        uow.calls.requeue(meta.call_id, content_hash=digest, file_path=str(path), meta=meta)
        report.requeued.append(meta.call_id)
    else:
        uow.calls.record_conflict(
            meta.call_id,
            file_path=str(path),
            existing_hash=stored.content_hash or "",
            new_hash=digest,
        )
        report.conflicts.append(
            f"{meta.call_id}: {path} differs from the recording already stored "
            f"(sha256 {(stored.content_hash or '')[:12]}… vs {digest[:12]}…); kept the stored one"
        )


def _file_problem(path: Path | None) -> str | None:
    if path is None:
        return "no file named in the metadata"
    if not path.is_file():
        return f"{path}: file listed but not found"
    if path.stat().st_size == 0:
        return f"{path}: empty file (0 bytes)"
    return None


def content_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def requeue_failed_recordings(uow_factory: UnitOfWorkFactory) -> list[str]:
    """Queue failed recordings again (e.g. after a transient error); bad rows stay failed."""
    requeued: list[str] = []
    with uow_factory() as uow:
        for call_id in uow.calls.ids_with_status(CallStatus.FAILED):
            call = uow.calls.get(call_id)
            if call is None or call.source is not CallSource.AUDIO or not call.content_hash:
                continue
            uow.calls.requeue(
                call_id,
                content_hash=call.content_hash,
                file_path=call.file_path,
                meta=call.metadata,
            )
            requeued.append(call_id)
        uow.commit()
    return requeued
