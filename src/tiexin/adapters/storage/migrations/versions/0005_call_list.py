"""The call list: a summary of each call's latest evaluation on `calls`, failed items, list
indexes, the transcript search index, and triggers that keep the summary current when a review
changes a total or an item.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SUMMARY_COLUMNS: tuple[tuple[str, sa.types.TypeEngine[Any]], ...] = (
    ("evaluation_id", sa.Integer()),
    ("score", sa.Float()),
    ("band", sa.String(length=32)),
    ("auto_failed", sa.Boolean()),
    ("review_status", sa.String(length=16)),
    ("customer_sentiment_end", sa.Float()),
)
# name, equality columns, sort column (see tables._list_index)
LIST_INDEXES = (
    ("ix_calls_list_start_time", (), "start_time"),
    ("ix_calls_list_agent_id", ("agent_id",), "start_time"),
    ("ix_calls_list_line", ("line",), "start_time"),
    ("ix_calls_list_score", (), "score"),
    ("ix_calls_list_duration", (), "duration_s"),
)

SQLITE_SEARCH = (
    # External-content FTS5 over call_search; the triggers keep it in step with its rows.
    "CREATE VIRTUAL TABLE call_search_fts USING fts5("
    "tokens, content='call_search', content_rowid='call_pk')",
    "CREATE TRIGGER call_search_fts_insert AFTER INSERT ON call_search BEGIN "
    "INSERT INTO call_search_fts (rowid, tokens) VALUES (new.call_pk, new.tokens); END",
    "CREATE TRIGGER call_search_fts_delete AFTER DELETE ON call_search BEGIN "
    "INSERT INTO call_search_fts (call_search_fts, rowid, tokens) "
    "VALUES ('delete', old.call_pk, old.tokens); END",
    "CREATE TRIGGER call_search_fts_update AFTER UPDATE ON call_search BEGIN "
    "INSERT INTO call_search_fts (call_search_fts, rowid, tokens) "
    "VALUES ('delete', old.call_pk, old.tokens); "
    "INSERT INTO call_search_fts (rowid, tokens) VALUES (new.call_pk, new.tokens); END",
)
POSTGRES_SEARCH = (
    "CREATE INDEX call_search_fts_tokens ON call_search USING gin (to_tsvector('simple', tokens))",
)

# A review's total and band replace the evaluation's in the list while the review exists.
SQLITE_SUMMARY_TRIGGERS = (
    "CREATE TRIGGER call_list_review_insert AFTER INSERT ON evaluation_reviews BEGIN "
    "UPDATE calls SET score = new.total, band = new.band, review_status = new.status "
    "WHERE evaluation_id = new.evaluation_id; END",
    "CREATE TRIGGER call_list_review_update AFTER UPDATE ON evaluation_reviews BEGIN "
    "UPDATE calls SET score = new.total, band = new.band, review_status = new.status "
    "WHERE evaluation_id = new.evaluation_id; END",
    "CREATE TRIGGER call_list_review_delete AFTER DELETE ON evaluation_reviews BEGIN "
    "UPDATE calls SET score = (SELECT total FROM evaluations WHERE id = old.evaluation_id), "
    "band = (SELECT band FROM evaluations WHERE id = old.evaluation_id), review_status = NULL "
    "WHERE evaluation_id = old.evaluation_id; END",
    "CREATE TRIGGER call_list_item_change AFTER INSERT ON item_changes "
    "WHEN new.new_result IS NOT NULL BEGIN "
    "DELETE FROM call_failed_items WHERE item_id = new.item_id "
    "AND call_pk IN (SELECT id FROM calls WHERE evaluation_id = new.evaluation_id); "
    "INSERT INTO call_failed_items (call_pk, item_id) SELECT id, new.item_id FROM calls "
    "WHERE evaluation_id = new.evaluation_id AND new.new_result = 'fail'; END",
)
POSTGRES_SUMMARY_TRIGGERS = (
    """CREATE FUNCTION call_list_review_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE calls SET score = e.total, band = e.band, review_status = NULL
        FROM evaluations e
        WHERE calls.evaluation_id = OLD.evaluation_id AND e.id = OLD.evaluation_id;
        RETURN OLD;
    END IF;
    UPDATE calls SET score = NEW.total, band = NEW.band, review_status = NEW.status
    WHERE evaluation_id = NEW.evaluation_id;
    RETURN NEW;
END $$""",
    "CREATE TRIGGER call_list_review AFTER INSERT OR UPDATE OR DELETE ON evaluation_reviews "
    "FOR EACH ROW EXECUTE FUNCTION call_list_review_changed()",
    """CREATE FUNCTION call_list_item_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.new_result IS NOT NULL THEN
        DELETE FROM call_failed_items f USING calls c
        WHERE c.evaluation_id = NEW.evaluation_id AND f.call_pk = c.id AND f.item_id = NEW.item_id;
        IF NEW.new_result = 'fail' THEN
            INSERT INTO call_failed_items (call_pk, item_id)
            SELECT id, NEW.item_id FROM calls WHERE evaluation_id = NEW.evaluation_id;
        END IF;
    END IF;
    RETURN NEW;
END $$""",
    "CREATE TRIGGER call_list_item_change AFTER INSERT ON item_changes "
    "FOR EACH ROW EXECUTE FUNCTION call_list_item_changed()",
)


def _create_list_indexes(dialect: str) -> None:
    for name, equal, sort in LIST_INDEXES:
        if dialect == "postgresql":
            columns = [*equal, sa.text(f"{sort} DESC NULLS LAST"), sa.text("id DESC")]
            op.create_index(f"{name}_pg", "calls", columns)
        else:
            op.create_index(f"{name}_sqlite", "calls", [*equal, sort, "id"])


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name, type_ in SUMMARY_COLUMNS:
        op.add_column("calls", sa.Column(name, type_, nullable=True))
    op.create_index("ix_calls_evaluation_id", "calls", ["evaluation_id"])
    _create_list_indexes(dialect)
    op.create_table(
        "call_failed_items",
        sa.Column("call_pk", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_pk"],
            ["calls.id"],
            name=op.f("fk_call_failed_items_call_pk_calls"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("call_pk", "item_id", name=op.f("pk_call_failed_items")),
    )
    op.create_index("ix_call_failed_items_item_id", "call_failed_items", ["item_id", "call_pk"])
    postgres = dialect == "postgresql"
    for statement in (
        *(POSTGRES_SEARCH if postgres else SQLITE_SEARCH),
        *(POSTGRES_SUMMARY_TRIGGERS if postgres else SQLITE_SUMMARY_TRIGGERS),
    ):
        op.execute(statement)
    # Calls stored before this revision: their summary and search words.
    from tiexin.adapters.storage.call_list import backfill

    backfill(op.get_bind())


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER call_list_item_change ON item_changes")
        op.execute("DROP TRIGGER call_list_review ON evaluation_reviews")
        op.execute("DROP FUNCTION call_list_item_changed()")
        op.execute("DROP FUNCTION call_list_review_changed()")
        op.execute("DROP INDEX call_search_fts_tokens")
        suffix = "_pg"
    else:
        for trigger in (
            "call_list_item_change",
            "call_list_review_delete",
            "call_list_review_update",
            "call_list_review_insert",
            "call_search_fts_update",
            "call_search_fts_delete",
            "call_search_fts_insert",
        ):
            op.execute(f"DROP TRIGGER {trigger}")
        op.execute("DROP TABLE call_search_fts")
        suffix = "_sqlite"
    op.drop_index("ix_call_failed_items_item_id", table_name="call_failed_items")
    op.drop_table("call_failed_items")
    for name, _, _ in LIST_INDEXES:
        op.drop_index(f"{name}{suffix}", table_name="calls")
    op.drop_index("ix_calls_evaluation_id", table_name="calls")
    with op.batch_alter_table("calls") as batch:
        for name, _ in reversed(SUMMARY_COLUMNS):
            batch.drop_column(name)
