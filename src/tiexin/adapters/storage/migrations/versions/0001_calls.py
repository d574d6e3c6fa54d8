"""Recorded calls, their turns and ingest conflicts.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.JSON:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    _create_calls()
    _create_call_turns()
    _create_ingest_conflicts()


def _create_calls() -> None:
    op.create_table(
        "calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.String(128), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("file_path", sa.Text(), nullable=True),
        sa.Column("content_hash", sa.String(64), nullable=True),
        sa.Column("start_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("direction", sa.String(16), nullable=False),
        sa.Column("line", sa.String(64), nullable=False),
        sa.Column("agent_id", sa.String(64), nullable=True),
        sa.Column("customer_msisdn", sa.String(32), nullable=True),
        sa.Column("metadata_duration_s", sa.Float(), nullable=True),
        sa.Column("language", sa.String(16), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("role_confidence", sa.Float(), nullable=True),
        sa.Column("asr_model", sa.String(128), nullable=True),
        sa.Column("notes", _json(), nullable=True),
        sa.Column("audio", _json(), nullable=True),
        sa.Column("features", _json(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("analysed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_calls"),
        sa.UniqueConstraint("call_id", name="uq_calls_call_id"),
        sa.CheckConstraint("source IN ('audio', 'transcript')", name="ck_calls_source"),
        sa.CheckConstraint("status IN ('queued', 'analysed', 'failed')", name="ck_calls_status"),
    )
    op.create_index("ix_calls_content_hash", "calls", ["content_hash"])
    op.create_index("ix_calls_status", "calls", ["status"])


def _create_call_turns() -> None:
    op.create_table(
        "call_turns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_pk", sa.Integer(), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("start_s", sa.Float(), nullable=False),
        sa.Column("end_s", sa.Float(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_original", sa.Text(), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("sentiment", sa.Float(), nullable=True),
        sa.Column("speech_rate", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_call_turns"),
        sa.ForeignKeyConstraint(
            ["call_pk"], ["calls.id"], name="fk_call_turns_call_pk_calls", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("call_pk", "idx", name="uq_call_turns_call_pk_idx"),
    )
    op.create_index("ix_call_turns_call_pk", "call_turns", ["call_pk"])


def _create_ingest_conflicts() -> None:
    op.create_table(
        "ingest_conflicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.String(128), nullable=False),
        sa.Column("file_path", sa.Text(), nullable=True),
        sa.Column("existing_hash", sa.String(64), nullable=True),
        sa.Column("new_hash", sa.String(64), nullable=False),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ingest_conflicts"),
        sa.UniqueConstraint("call_id", "new_hash", name="uq_ingest_conflicts_call_id_new_hash"),
    )


def downgrade() -> None:
    op.drop_table("ingest_conflicts")
    op.drop_table("call_turns")
    op.drop_table("calls")
