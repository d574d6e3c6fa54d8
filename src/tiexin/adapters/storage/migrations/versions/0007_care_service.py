"""The care service: customers' townships, care-rule versions, planned trips and door-to-door
visits, the VIP privileges ledger, and an index to find a customer's calls by number.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.JSON:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _aware() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("care_customers") as batch:
        batch.add_column(sa.Column("township", sa.String(length=64), nullable=True))
    op.create_index("ix_calls_customer_msisdn", "calls", ["customer_msisdn"])
    # Scoring looks up each call's customer by number (care opportunities).
    op.create_index("ix_care_customers_msisdn", "care_customers", ["msisdn"])
    op.create_table(
        "care_rule_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("yaml", sa.Text(), nullable=False),
        sa.Column("saved_by", sa.String(length=64), nullable=False),
        sa.Column("saved_at", _aware(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_rule_versions")),
    )
    _visit_tables()
    op.create_table(
        "care_redemptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.String(length=32), nullable=False),
        sa.Column("privilege_id", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("redeemed_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", _aware(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_redemptions")),
    )
    op.create_index(
        "ix_care_redemptions_customer_id_year", "care_redemptions", ["customer_id", "year"]
    )


def _visit_tables() -> None:
    op.create_table(
        "care_trips",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("areas", _json(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", _aware(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_trips")),
    )
    op.create_index("ix_care_trips_day", "care_trips", ["day"])
    op.create_table(
        "care_visits",
        sa.Column("task_id", sa.String(length=128), nullable=False),
        sa.Column("customer_id", sa.String(length=32), nullable=False),
        sa.Column("carrier_staff_id", sa.String(length=32), nullable=True),
        sa.Column("trip_id", sa.Integer(), nullable=True),
        sa.Column("asked_by", sa.String(length=64), nullable=True),
        sa.Column("asked_at", _aware(), nullable=True),
        sa.Column("delivered_by", sa.String(length=32), nullable=True),
        sa.Column("delivered_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=True),
        sa.Column("updated_at", _aware(), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["care_tasks.task_id"],
            name=op.f("fk_care_visits_task_id_care_tasks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["trip_id"],
            ["care_trips.id"],
            name=op.f("fk_care_visits_trip_id_care_trips"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("task_id", name=op.f("pk_care_visits")),
    )
    op.create_index("ix_care_visits_customer_id", "care_visits", ["customer_id"])


def downgrade() -> None:
    for table in ("care_redemptions", "care_visits", "care_trips", "care_rule_versions"):
        op.drop_table(table)
    op.drop_index("ix_care_customers_msisdn", table_name="care_customers")
    op.drop_index("ix_calls_customer_msisdn", table_name="calls")
    with op.batch_alter_table("care_customers") as batch:
        batch.drop_column("township")
