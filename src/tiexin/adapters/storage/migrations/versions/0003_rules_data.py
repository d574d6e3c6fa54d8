"""Scorecard versions and the tariff catalogue's plans, stored as data.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.JSON:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "scorecards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scorecard_id", sa.String(64), nullable=False),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_scorecards"),
        sa.UniqueConstraint("scorecard_id", "version", name="uq_scorecards_scorecard_id_version"),
    )
    op.create_table(
        "plans",
        sa.Column("plan_id", sa.String(64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("monthly_fee_yuan", sa.Float(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("data_gb", sa.Float(), nullable=False),
        sa.Column("sms", sa.Integer(), nullable=False),
        sa.Column("overage_per_minute_yuan", sa.Float(), nullable=False),
        sa.Column("overage_per_gb_yuan", sa.Float(), nullable=False),
        sa.Column("tiers", _json(), nullable=False),
        sa.Column("aliases", _json(), nullable=False),
        sa.Column("catalog_version", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(8), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("plan_id", name="pk_plans"),
    )


def downgrade() -> None:
    op.drop_table("plans")
    op.drop_table("scorecards")
