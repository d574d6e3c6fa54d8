"""Conversions between domain values and table rows, and the exported forms of rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import Row

from tiexin.domain.calls import (
    CallAnalysis,
    CallMetadata,
    CallSource,
    CallStatus,
    Direction,
    Role,
    StoredCall,
    Turn,
    TurnMeasure,
)


class IngestConflict(TypedDict):
    call_id: str
    file_path: str | None
    existing_hash: str | None
    new_hash: str
    detected_at: datetime


class ExportedTurn(TypedDict):
    role: str
    start_s: float
    end_s: float
    text: str


class ExportedCall(TypedDict):
    call_id: str
    status: str
    error: str | None
    language: str | None
    duration_s: float | None
    start_time: str | None
    direction: str
    line: str
    agent_id: str | None
    source: str
    role_confidence: float | None
    notes: list[str]
    turns: list[ExportedTurn]
    features: dict[str, Any] | None
    evaluation: dict[str, Any] | None  # the latest scorecard evaluation, None until scored


CLEARED_ANALYSIS: dict[str, Any] = dict.fromkeys(
    (
        "duration_s",
        "role_confidence",
        "asr_model",
        "notes",
        "audio",
        "features",
        "customer_sentiment_end",
        "analysed_at",
    )
)


def metadata_values(meta: CallMetadata) -> dict[str, Any]:
    return {
        "start_time": meta.start_time,
        "direction": meta.direction.value,
        "line": meta.line,
        "agent_id": meta.agent_id,
        "customer_msisdn": meta.customer_msisdn,
        "metadata_duration_s": meta.duration_s,
        "language": meta.language,
    }


def plain_turn_rows(turns: Sequence[Turn]) -> list[dict[str, Any]]:
    return [turn_row(index, turn) for index, turn in enumerate(turns)]


def analysed_turn_rows(analysis: CallAnalysis) -> list[dict[str, Any]]:
    """Turns with their measures; raises ValueError when the per-turn sequences disagree."""
    measures: Sequence[TurnMeasure] = analysis.features.turn_measures
    originals: Sequence[str | None] = analysis.original_texts or [None] * len(analysis.turns)
    return [
        turn_row(index, turn, measure=measure, original=original)
        for index, (turn, measure, original) in enumerate(
            zip(analysis.turns, measures, originals, strict=True)
        )
    ]


def turn_row(
    index: int, turn: Turn, *, measure: TurnMeasure | None = None, original: str | None = None
) -> dict[str, Any]:
    return {
        "idx": index,
        "role": turn.role.value,
        "start_s": turn.start_s,
        "end_s": turn.end_s,
        "text": turn.text,
        "text_original": original,
        "confidence": turn.confidence,
        "sentiment": None if measure is None else measure.sentiment,
        "speech_rate": None if measure is None else measure.speech_rate,
    }


def turn_from_row(row: Row[Any]) -> Turn:
    return Turn(
        role=Role(row.role),
        start_s=row.start_s,
        end_s=row.end_s,
        text=row.text,
        confidence=row.confidence,
    )


def stored_call_from_row(row: Row[Any]) -> StoredCall:
    meta = CallMetadata(
        call_id=row.call_id,
        file=row.file_path or "",
        start_time=row.start_time,
        direction=Direction(row.direction),
        line=row.line,
        agent_id=row.agent_id,
        customer_msisdn=row.customer_msisdn,
        duration_s=row.metadata_duration_s,
        language=row.language,
    )
    return StoredCall(
        metadata=meta,
        source=CallSource(row.source),
        status=CallStatus(row.status),
        content_hash=row.content_hash,
        file_path=row.file_path,
        error=row.error,
        attempts=row.attempts,
    )


def is_analysed(row: Row[Any]) -> bool:
    return bool(row.status == CallStatus.ANALYSED.value)


def exported_call_from_row(
    row: Row[Any], turns: list[ExportedTurn], evaluation: dict[str, Any] | None = None
) -> ExportedCall:
    return ExportedCall(
        call_id=row.call_id,
        status=row.status,
        error=row.error,
        language=row.language,
        duration_s=row.duration_s,
        start_time=None if row.start_time is None else row.start_time.isoformat(),
        direction=row.direction,
        line=row.line,
        agent_id=row.agent_id,
        source=row.source,
        role_confidence=row.role_confidence,
        notes=list(row.notes or []),
        turns=turns,
        features=row.features,
        evaluation=evaluation,
    )
