"""The database schema as SQLAlchemy Core tables; the migrations must build exactly this.

`tests/integration/test_storage.py` compares these tables with a migrated database (Alembic
autogenerate) so a column added here without a migration fails the suite.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

CALL_ID_LENGTH = 128
HASH_LENGTH = 64  # sha256, hex


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime, stored in UTC and always read back aware (UTC).

    SQLite keeps no offset, PostgreSQL answers in the session's zone; normalising to UTC makes
    both databases return the same value. A naive datetime is taken to be UTC already.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else _as_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else _as_utc(value)


def _as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _json() -> JSON:
    return JSON().with_variant(JSONB(), "postgresql")


calls = Table(
    "calls",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("call_id", String(CALL_ID_LENGTH), nullable=False),
    Column("source", String(16), nullable=False),
    Column("file_path", Text),
    Column("content_hash", String(HASH_LENGTH), index=True),
    Column("start_time", UtcDateTime),
    Column("direction", String(16), nullable=False),
    Column("line", String(64), nullable=False),
    Column("agent_id", String(64)),
    Column("customer_msisdn", String(32)),
    Column("metadata_duration_s", Float),
    Column("language", String(16)),
    Column("status", String(16), nullable=False, index=True),
    Column("error", Text),
    Column("attempts", Integer, nullable=False),
    Column("duration_s", Float),
    Column("role_confidence", Float),
    Column("asr_model", String(128)),
    Column("notes", _json()),
    Column("audio", _json()),
    Column("features", _json()),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("analysed_at", UtcDateTime),
    UniqueConstraint("call_id"),
    CheckConstraint("source IN ('audio', 'transcript')", name="source"),
    CheckConstraint("status IN ('queued', 'analysed', 'failed')", name="status"),
)

call_turns = Table(
    "call_turns",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("call_pk", Integer, ForeignKey("calls.id", ondelete="CASCADE"), nullable=False),
    Column("idx", Integer, nullable=False),
    Column("role", String(16), nullable=False),
    Column("start_s", Float, nullable=False),
    Column("end_s", Float, nullable=False),
    Column("text", Text, nullable=False),
    Column("text_original", Text),
    Column("confidence", Float),
    Column("sentiment", Float),
    Column("speech_rate", Float),
    UniqueConstraint("call_pk", "idx"),
    Index("ix_call_turns_call_pk", "call_pk"),
)

ingest_conflicts = Table(
    "ingest_conflicts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("call_id", String(CALL_ID_LENGTH), nullable=False),
    Column("file_path", Text),
    Column("existing_hash", String(HASH_LENGTH)),
    Column("new_hash", String(HASH_LENGTH), nullable=False),
    Column("detected_at", UtcDateTime, nullable=False),
    UniqueConstraint("call_id", "new_hash"),
)

evaluations = Table(
    "evaluations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("call_pk", Integer, ForeignKey("calls.id", ondelete="CASCADE"), nullable=False),
    Column("scorecard_id", String(64), nullable=False),
    Column("scorecard_version", String(32), nullable=False),
    Column("total", Float, nullable=False),
    Column("band", String(32)),
    Column("auto_failed", Boolean, nullable=False),
    Column("result", _json(), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("call_pk", "scorecard_id", "scorecard_version"),
    Index("ix_evaluations_call_pk", "call_pk"),
    Index("ix_evaluations_total", "total"),
)

scorecards = Table(
    "scorecards",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("scorecard_id", String(64), nullable=False),
    Column("version", String(32), nullable=False),
    Column("name", Text, nullable=False),
    Column("source", Text, nullable=False),  # the YAML as written, re-validated when loaded
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("scorecard_id", "version"),
)

plans = Table(
    "plans",
    metadata,
    Column("plan_id", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("name_en", Text, nullable=False),
    Column("monthly_fee_yuan", Float, nullable=False),
    Column("minutes", Integer, nullable=False),
    Column("data_gb", Float, nullable=False),
    Column("sms", Integer, nullable=False),
    Column("overage_per_minute_yuan", Float, nullable=False),
    Column("overage_per_gb_yuan", Float, nullable=False),
    Column("tiers", _json(), nullable=False),
    Column("aliases", _json(), nullable=False),
    Column("catalog_version", String(64), nullable=False),
    Column("currency", String(8), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)
