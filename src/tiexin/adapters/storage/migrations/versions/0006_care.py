"""The care engine: customers, usage, staff, risk flags, account-manager history, care tasks and
their events, the grace-credit ledger and the SMS outbox.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TASK_STATUSES = (
    "open",
    "notified",
    "contacted",
    "accepted",
    "declined",
    "unreachable",
    "callback",
    "closed",
)


def _json() -> sa.JSON:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _aware() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _task_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["task_id"],
        ["care_tasks.task_id"],
        name=op.f(f"fk_{table}_task_id_care_tasks"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    _customer_tables()
    _task_tables()


def _customer_tables() -> None:
    op.create_table(
        "care_customers",
        sa.Column("customer_id", sa.String(length=32), nullable=False),
        sa.Column("msisdn", sa.String(length=32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("birthday", sa.Date(), nullable=False),
        sa.Column("tier", sa.String(length=8), nullable=False),
        sa.Column("branch", sa.String(length=64), nullable=False),
        sa.Column("county", sa.String(length=64), nullable=False),
        sa.Column("plan_id", sa.String(length=64), nullable=False),
        sa.Column("balance_yuan", sa.Float(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("points_expiry", sa.Date(), nullable=True),
        sa.Column("account_manager_id", sa.String(length=32), nullable=True),
        sa.Column("join_date", sa.Date(), nullable=False),
        sa.Column("updated_at", _aware(), nullable=False),
        sa.CheckConstraint(
            "tier IN ('diamond', 'gold', 'silver', 'none')", name=op.f("ck_care_customers_tier")
        ),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_care_customers")),
    )
    op.create_index(
        "ix_care_customers_account_manager_id", "care_customers", ["account_manager_id"]
    )
    op.create_table(
        "care_usage",
        sa.Column("customer_id", sa.String(length=32), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("voice_minutes", sa.Float(), nullable=False),
        sa.Column("data_gb", sa.Float(), nullable=False),
        sa.Column("sms", sa.Integer(), nullable=False),
        sa.Column("bill_yuan", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("customer_id", "month", name=op.f("pk_care_usage")),
    )
    op.create_index("ix_care_usage_month", "care_usage", ["month"])
    op.create_table(
        "care_staff",
        sa.Column("staff_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("branch", sa.String(length=64), nullable=False),
        sa.Column("county", sa.String(length=64), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", _aware(), nullable=False),
        sa.CheckConstraint(
            "role IN ('phone_manager', 'account_manager')", name=op.f("ck_care_staff_role")
        ),
        sa.PrimaryKeyConstraint("staff_id", name=op.f("pk_care_staff")),
    )
    op.create_table(
        "care_risk_flags",
        sa.Column("customer_id", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("imported_at", _aware(), nullable=False),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_care_risk_flags")),
    )
    op.create_table(
        "care_manager_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.String(length=32), nullable=False),
        sa.Column("from_staff_id", sa.String(length=32), nullable=True),
        sa.Column("to_staff_id", sa.String(length=32), nullable=False),
        sa.Column("at", _aware(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_manager_history")),
    )
    op.create_index("ix_care_manager_history_customer_id", "care_manager_history", ["customer_id"])


def _task_tables() -> None:
    statuses = ", ".join(f"'{s}'" for s in TASK_STATUSES)
    op.create_table(
        "care_tasks",
        sa.Column("task_id", sa.String(length=128), nullable=False),
        sa.Column("customer_id", sa.String(length=32), nullable=False),
        sa.Column("rule_id", sa.String(length=64), nullable=False),
        sa.Column("rule_type", sa.String(length=32), nullable=False),
        sa.Column("rules_version", sa.String(length=64), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("open_slot", sa.Integer(), nullable=True),
        sa.Column("assignee", sa.String(length=32), nullable=True),
        sa.Column("assign_reason", sa.String(length=32), nullable=False),
        sa.Column("facts", _json(), nullable=False),
        sa.Column("explanation_zh", sa.Text(), nullable=False),
        sa.Column("explanation_en", sa.Text(), nullable=False),
        sa.Column("script", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", _aware(), nullable=False),
        sa.Column("updated_at", _aware(), nullable=False),
        sa.CheckConstraint(
            "channel IN ('call', 'sms', 'visit')", name=op.f("ck_care_tasks_channel")
        ),
        sa.CheckConstraint(f"status IN ({statuses})", name=op.f("ck_care_tasks_status")),
        sa.PrimaryKeyConstraint("task_id", name=op.f("pk_care_tasks")),
        sa.UniqueConstraint(
            "customer_id",
            "rule_id",
            "open_slot",
            name=op.f("uq_care_tasks_customer_id_rule_id_open_slot"),
        ),
    )
    op.create_index("ix_care_tasks_assignee_status", "care_tasks", ["assignee", "status"])
    op.create_index("ix_care_tasks_created_on", "care_tasks", ["created_on"])
    op.create_table(
        "care_task_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(length=128), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=False),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("at", _aware(), nullable=False),
        _task_fk("care_task_events"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_task_events")),
    )
    op.create_index("ix_care_task_events_task_id", "care_task_events", ["task_id"])
    op.create_table(
        "care_grace_credits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.String(length=32), nullable=False),
        sa.Column("task_id", sa.String(length=128), nullable=False),
        sa.Column("amount_yuan", sa.Float(), nullable=False),
        sa.Column("granted_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("recovery", sa.Text(), nullable=False),
        _task_fk("care_grace_credits"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_grace_credits")),
        sa.UniqueConstraint(
            "customer_id", "granted_on", name=op.f("uq_care_grace_credits_customer_id_granted_on")
        ),
    )
    op.create_table(
        "sms_outbox",
        sa.Column("task_id", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("msisdn", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("send_at", _aware(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", _aware(), nullable=True),
        sa.Column("created_at", _aware(), nullable=False),
        sa.CheckConstraint("kind IN ('pre_notice', 'message')", name=op.f("ck_sms_outbox_kind")),
        sa.CheckConstraint("status IN ('queued', 'sent')", name=op.f("ck_sms_outbox_status")),
        _task_fk("sms_outbox"),
        sa.PrimaryKeyConstraint("task_id", name=op.f("pk_sms_outbox")),
    )
    op.create_index("ix_sms_outbox_status_send_at", "sms_outbox", ["status", "send_at"])


def downgrade() -> None:
    for table in (
        "sms_outbox",
        "care_grace_credits",
        "care_task_events",
        "care_tasks",
        "care_manager_history",
        "care_risk_flags",
        "care_staff",
        "care_usage",
        "care_customers",
    ):
        op.drop_table(table)
