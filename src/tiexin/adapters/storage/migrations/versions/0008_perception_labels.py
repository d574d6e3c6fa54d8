"""Inspectors' customer-satisfaction labels of calls (-2..2), the training data of the
customer-perception model.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "perception_labels",
        sa.Column("call_pk", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("satisfaction", sa.Integer(), nullable=False),
        sa.Column("labelled_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "satisfaction BETWEEN -2 AND 2", name=op.f("ck_perception_labels_satisfaction")
        ),
        sa.ForeignKeyConstraint(
            ["call_pk"],
            ["calls.id"],
            name=op.f("fk_perception_labels_call_pk_calls"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("call_pk", "username", name=op.f("pk_perception_labels")),
    )


def downgrade() -> None:
    op.drop_table("perception_labels")
