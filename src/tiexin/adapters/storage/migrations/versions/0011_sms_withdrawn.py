"""sms_outbox.status may be 'withdrawn': a message whose task moved on before it was sent (a
pre-notice of a call already made, a message of a closed task) is kept, never sent.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NAME = "ck_sms_outbox_status"


def _status_check(statuses: str) -> None:
    with op.batch_alter_table("sms_outbox") as batch:
        batch.drop_constraint(op.f(_NAME), type_="check")
        batch.create_check_constraint(op.f(_NAME), f"status IN ({statuses})")


def upgrade() -> None:
    _status_check("'queued', 'sent', 'withdrawn'")


def downgrade() -> None:
    # never sent, and not to be sent after the downgrade either: the reason goes in last_error
    op.execute(
        "UPDATE sms_outbox SET status = 'sent', last_error = 'withdrawn' WHERE status = 'withdrawn'"
    )
    _status_check("'queued', 'sent'")
