"""care_data_versions and care_customers.changed_seq: what the care run's cache checks to know
whether its copy of the usage and of the customers is current. Usage and customers stored
before this migration get a version here (and the customers change 0).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    versions = op.create_table(
        "care_data_versions",
        sa.Column("name", sa.String(length=32), primary_key=True),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        versions,
        [
            {"name": name, "version": uuid.uuid4().hex, "seq": 0, "changed_at": now}
            for name in ("usage", "customers")
        ],
    )
    with op.batch_alter_table("care_customers") as batch:
        batch.add_column(
            sa.Column("changed_seq", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch.create_index("ix_care_customers_changed_seq", ["changed_seq"])


def downgrade() -> None:
    with op.batch_alter_table("care_customers") as batch:
        batch.drop_index("ix_care_customers_changed_seq")
        batch.drop_column("changed_seq")
    op.drop_table("care_data_versions")
