"""The call repository: every SQL statement about recorded calls lives here.

`SqlCallRepository` works inside the caller's transaction (a `Session` or a `Connection`) and
never commits; services commit through `SqlUnitOfWork`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.orm import Session

from tiexin.domain.calls import (
    CallAnalysis,
    CallMetadata,
    CallSource,
    CallStatus,
    StoredCall,
    Turn,
)
from tiexin.domain.errors import TiexinError
from tiexin.features.extract import features_to_dict

from .call_list import save_search_words
from .evaluations import latest_evaluations
from .rows import (
    CLEARED_ANALYSIS,
    ExportedCall,
    ExportedTurn,
    IngestConflict,
    analysed_turn_rows,
    exported_call_from_row,
    is_analysed,
    metadata_values,
    plain_turn_rows,
    stored_call_from_row,
    turn_from_row,
)
from .tables import call_turns, calls, ingest_conflicts

Database = Session | Connection

EXPORT_BATCH_SIZE = 500


class CallNotFoundError(TiexinError, LookupError):
    """No call with this call_id is stored."""

    def __init__(self, call_id: str) -> None:
        super().__init__(f"call {call_id!r} is not in the database")
        self.call_id = call_id


class StaleAnalysisError(TiexinError):
    """The analysis was made from content the call no longer has (it was re-queued since)."""

    def __init__(self, call_id: str, *, stored_hash: str | None, analysed_hash: str) -> None:
        super().__init__(
            f"call {call_id!r} changed while it was analysed (stored content "
            f"{(stored_hash or 'none')[:12]}, analysed {analysed_hash[:12]}); analyse it again"
        )
        self.call_id = call_id


class CallRepository(Protocol):
    """Stored calls, their turns and ingest conflicts, inside the caller's transaction."""

    def get(self, call_id: str) -> StoredCall | None: ...

    def add_queued(
        self,
        meta: CallMetadata,
        *,
        source: CallSource,
        content_hash: str,
        file_path: str | None,
        turns: Sequence[Turn] = (),
    ) -> None: ...

    def requeue(
        self,
        call_id: str,
        *,
        content_hash: str,
        file_path: str | None,
        meta: CallMetadata,
        turns: Sequence[Turn] = (),
    ) -> None: ...

    def add_failed(
        self,
        meta: CallMetadata,
        *,
        reason: str,
        file_path: str | None,
        content_hash: str | None = None,
        source: CallSource = CallSource.AUDIO,
    ) -> None: ...

    def mark_failed(self, call_id: str, reason: str) -> None: ...

    def record_conflict(
        self, call_id: str, *, file_path: str | None, existing_hash: str | None, new_hash: str
    ) -> None: ...

    def conflicts(self) -> list[IngestConflict]: ...

    def save_analysis(self, analysis: CallAnalysis) -> None: ...

    def ids_with_status(self, *statuses: CallStatus) -> list[str]: ...

    def pending(self, limit: int | None = None) -> list[StoredCall]: ...

    def counts(self) -> dict[str, int]: ...

    def load_turns(self, call_id: str) -> list[Turn]: ...

    def iter_export(self, *, batch_size: int = EXPORT_BATCH_SIZE) -> Iterator[ExportedCall]: ...


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SqlCallRepository:
    """`CallRepository` on SQLAlchemy Core; works the same on SQLite and PostgreSQL."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, call_id: str) -> StoredCall | None:
        row = self._db.execute(select(calls).where(calls.c.call_id == call_id)).one_or_none()
        return None if row is None else stored_call_from_row(row)

    def add_queued(
        self,
        meta: CallMetadata,
        *,
        source: CallSource,
        content_hash: str,
        file_path: str | None,
        turns: Sequence[Turn] = (),
    ) -> None:
        """Insert a new call waiting for analysis; `turns` for an imported transcript.

        The call_id must be new (check with `get`); a duplicate breaks the unique constraint.
        """
        call_pk = self._insert_call(
            meta,
            source=source,
            status=CallStatus.QUEUED,
            content_hash=content_hash,
            file_path=file_path,
            error=None,
        )
        self._insert_turns(call_pk, plain_turn_rows(turns))

    def requeue(
        self,
        call_id: str,
        *,
        content_hash: str,
        file_path: str | None,
        meta: CallMetadata,
        turns: Sequence[Turn] = (),
    ) -> None:
        """Queue a stored call again with new content, forgetting its earlier outcome."""
        values = {
            **metadata_values(meta),
            **CLEARED_ANALYSIS,
            "content_hash": content_hash,
            "file_path": file_path,
            "status": CallStatus.QUEUED.value,
            "error": None,
            "attempts": 0,
            "updated_at": _utc_now(),
        }
        call_pk = self._update_call(call_id, values)
        self._db.execute(delete(call_turns).where(call_turns.c.call_pk == call_pk))
        self._insert_turns(call_pk, plain_turn_rows(turns))

    def add_failed(
        self,
        meta: CallMetadata,
        *,
        reason: str,
        file_path: str | None,
        content_hash: str | None = None,
        source: CallSource = CallSource.AUDIO,
    ) -> None:
        """Record a call that cannot be used; a stored call keeps its metadata and is marked."""
        if self._call_pk(meta.call_id) is None:
            self._insert_call(
                meta,
                source=source,
                status=CallStatus.FAILED,
                content_hash=content_hash,
                file_path=file_path,
                error=reason,
            )
            return
        values: dict[str, Any] = {
            "status": CallStatus.FAILED.value,
            "error": reason,
            "updated_at": _utc_now(),
        }
        if file_path is not None:
            values["file_path"] = file_path
        if content_hash is not None:
            values["content_hash"] = content_hash
        self._update_call(meta.call_id, values)

    def mark_failed(self, call_id: str, reason: str) -> None:
        """Mark an analysis attempt as failed with a readable reason; counts the attempt."""
        self._update_call(
            call_id,
            {
                "status": CallStatus.FAILED.value,
                "error": reason,
                "attempts": calls.c.attempts + 1,
                "updated_at": _utc_now(),
            },
        )

    def record_conflict(
        self, call_id: str, *, file_path: str | None, existing_hash: str | None, new_hash: str
    ) -> None:
        """Note that `call_id` arrived again with different content; once per new content."""
        seen = self._db.execute(
            select(ingest_conflicts.c.id).where(
                ingest_conflicts.c.call_id == call_id, ingest_conflicts.c.new_hash == new_hash
            )
        ).first()
        if seen is None:
            self._db.execute(
                insert(ingest_conflicts).values(
                    call_id=call_id,
                    file_path=file_path,
                    existing_hash=existing_hash,
                    new_hash=new_hash,
                    detected_at=_utc_now(),
                )
            )

    def conflicts(self) -> list[IngestConflict]:
        rows = self._db.execute(select(ingest_conflicts).order_by(ingest_conflicts.c.id))
        return [
            IngestConflict(
                call_id=row.call_id,
                file_path=row.file_path,
                existing_hash=row.existing_hash,
                new_hash=row.new_hash,
                detected_at=row.detected_at,
            )
            for row in rows
        ]

    def save_analysis(self, analysis: CallAnalysis) -> None:
        """Store the outcome of an analysis, replacing any earlier one (turns included).

        Raises StaleAnalysisError when the call's content changed since it was read.
        """
        call_pk = self._analysable_call_pk(analysis)
        self._db.execute(
            update(calls)
            .where(calls.c.id == call_pk)
            .values(
                language=analysis.language,
                duration_s=analysis.duration_s,
                role_confidence=analysis.role_confidence,
                notes=list(analysis.notes),
                audio=None if analysis.audio is None else dataclasses.asdict(analysis.audio),
                asr_model=analysis.asr_model,
                features=_stored_features(analysis),
                customer_sentiment_end=analysis.features.customer_sentiment_end,
                status=CallStatus.ANALYSED.value,
                error=None,
                analysed_at=_utc_now(),
                updated_at=_utc_now(),
            )
        )
        self._db.execute(delete(call_turns).where(call_turns.c.call_pk == call_pk))
        self._insert_turns(call_pk, analysed_turn_rows(analysis))
        save_search_words(self._db, call_pk, (turn.text for turn in analysis.turns))

    def ids_with_status(self, *statuses: CallStatus) -> list[str]:
        wanted = [status.value for status in statuses]
        query = select(calls.c.call_id).where(calls.c.status.in_(wanted)).order_by(calls.c.id)
        return [str(call_id) for call_id in self._db.execute(query).scalars()]

    def pending(self, limit: int | None = None) -> list[StoredCall]:
        """Queued calls, oldest first."""
        query = (
            select(calls)
            .where(calls.c.status == CallStatus.QUEUED.value)
            .order_by(calls.c.id)
            .limit(limit)
        )
        return [stored_call_from_row(row) for row in self._db.execute(query)]

    def counts(self) -> dict[str, int]:
        """Number of calls per status, every status present (0 when none)."""
        counted = dict.fromkeys((status.value for status in CallStatus), 0)
        query = select(calls.c.status, func.count()).group_by(calls.c.status)
        for status, count in self._db.execute(query):
            counted[status] = int(count)
        return counted

    def load_turns(self, call_id: str) -> list[Turn]:
        """The stored turns of a call in their order; empty when there are none."""
        query = (
            select(call_turns)
            .join(calls, calls.c.id == call_turns.c.call_pk)
            .where(calls.c.call_id == call_id)
            .order_by(call_turns.c.idx)
        )
        return [turn_from_row(row) for row in self._db.execute(query)]

    def iter_export(self, *, batch_size: int = EXPORT_BATCH_SIZE) -> Iterator[ExportedCall]:
        """Every call in insertion order, read `batch_size` calls at a time.

        Turns are given for analysed calls only (their text is masked); consume the iterator
        inside the unit of work that created this repository.
        """
        last_pk = 0
        while True:
            query = select(calls).where(calls.c.id > last_pk).order_by(calls.c.id).limit(batch_size)
            rows = self._db.execute(query).all()
            if not rows:
                return
            analysed = [row.id for row in rows if is_analysed(row)]
            turns = self._export_turns(analysed)
            scored = latest_evaluations(self._db, analysed)
            for row in rows:
                yield exported_call_from_row(row, turns.get(row.id, []), scored.get(row.id))
            last_pk = int(rows[-1].id)

    def _insert_call(
        self,
        meta: CallMetadata,
        *,
        source: CallSource,
        status: CallStatus,
        content_hash: str | None,
        file_path: str | None,
        error: str | None,
    ) -> int:
        now = _utc_now()
        statement = (
            insert(calls)
            .values(
                **metadata_values(meta),
                call_id=meta.call_id,
                source=source.value,
                status=status.value,
                content_hash=content_hash,
                file_path=file_path,
                error=error,
                attempts=0,
                created_at=now,
                updated_at=now,
            )
            .returning(calls.c.id)
        )
        return int(self._db.execute(statement).scalar_one())

    def _update_call(self, call_id: str, values: dict[str, Any]) -> int:
        statement = (
            update(calls).where(calls.c.call_id == call_id).values(values).returning(calls.c.id)
        )
        call_pk = self._db.execute(statement).scalar_one_or_none()
        if call_pk is None:
            raise CallNotFoundError(call_id)
        return int(call_pk)

    def _call_pk(self, call_id: str) -> int | None:
        query = select(calls.c.id).where(calls.c.call_id == call_id)
        call_pk = self._db.execute(query).scalar_one_or_none()
        return None if call_pk is None else int(call_pk)

    def _analysable_call_pk(self, analysis: CallAnalysis) -> int:
        query = select(calls.c.id, calls.c.content_hash).where(calls.c.call_id == analysis.call_id)
        row = self._db.execute(query).one_or_none()
        if row is None:
            raise CallNotFoundError(analysis.call_id)
        if row.content_hash != analysis.content_hash:
            raise StaleAnalysisError(
                analysis.call_id, stored_hash=row.content_hash, analysed_hash=analysis.content_hash
            )
        return int(row.id)

    def _insert_turns(self, call_pk: int, rows: list[dict[str, Any]]) -> None:
        if rows:
            self._db.execute(insert(call_turns), [{**row, "call_pk": call_pk} for row in rows])

    def _export_turns(self, call_pks: list[int]) -> dict[int, list[ExportedTurn]]:
        grouped: dict[int, list[ExportedTurn]] = {}
        if not call_pks:
            return grouped
        query = (
            select(call_turns)
            .where(call_turns.c.call_pk.in_(call_pks))
            .order_by(call_turns.c.call_pk, call_turns.c.start_s, call_turns.c.idx)
        )
        for row in self._db.execute(query):
            grouped.setdefault(row.call_pk, []).append(
                ExportedTurn(role=row.role, start_s=row.start_s, end_s=row.end_s, text=row.text)
            )
        return grouped


def _stored_features(analysis: CallAnalysis) -> dict[str, Any]:
    features = features_to_dict(analysis.features)
    if analysis.perception is not None:
        features["customer_perception"] = dict(analysis.perception)
    return features
