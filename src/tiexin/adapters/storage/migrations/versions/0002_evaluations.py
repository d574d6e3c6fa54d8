"""Scorecard evaluations of calls, one row per call and scorecard version.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "evaluations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_pk", sa.Integer(), nullable=False),
        sa.Column("scorecard_id", sa.String(64), nullable=False),
        sa.Column("scorecard_version", sa.String(32), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("band", sa.String(32), nullable=True),
        sa.Column("auto_failed", sa.Boolean(), nullable=False),
        sa.Column(
            "result", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_evaluations"),
        sa.ForeignKeyConstraint(
            ["call_pk"], ["calls.id"], name="fk_evaluations_call_pk_calls", ondelete="CASCADE"
        ),
        sa.UniqueConstraint(
            "call_pk",
            "scorecard_id",
            "scorecard_version",
            name="uq_evaluations_call_pk_scorecard_id_scorecard_version",
        ),
    )
    op.create_index("ix_evaluations_call_pk", "evaluations", ["call_pk"])
    op.create_index("ix_evaluations_total", "evaluations", ["total"])


def downgrade() -> None:
    op.drop_table("evaluations")
