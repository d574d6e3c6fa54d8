"""care_data_versions: the version of the stored usage, changed with every usage import, so the
care run's usage cache knows whether it is current. Usage stored before this migration gets a
version of its own here.

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
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.bulk_insert(
        versions,
        [{"name": "usage", "version": uuid.uuid4().hex, "changed_at": datetime.now(UTC)}],
    )


def downgrade() -> None:
    op.drop_table("care_data_versions")
