"""The database schema as SQLAlchemy Core tables; the migrations must build exactly this.

`tests/integration/test_storage.py` compares these tables with a migrated database (Alembic
autogenerate) so a column added here without a migration fails the suite.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

CALL_ID_LENGTH = 128
HASH_LENGTH = 64  # sha256, hex


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime, stored in UTC and always read back aware (UTC).

    SQLite keeps no offset, PostgreSQL answers in the session's zone; normalising to UTC makes
    both databases return the same value. A naive datetime is taken to be UTC already.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else _as_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else _as_utc(value)


def _as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _json() -> JSON:
    return JSON().with_variant(JSONB(), "postgresql")


calls = Table(
    "calls",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("call_id", String(CALL_ID_LENGTH), nullable=False),
    Column("source", String(16), nullable=False),
    Column("file_path", Text),
    Column("content_hash", String(HASH_LENGTH), index=True),
    Column("start_time", UtcDateTime),
    Column("direction", String(16), nullable=False),
    Column("line", String(64), nullable=False),
    Column("agent_id", String(64)),
    Column("customer_msisdn", String(32)),
    Column("metadata_duration_s", Float),
    Column("language", String(16)),
    Column("status", String(16), nullable=False, index=True),
    Column("error", Text),
    Column("attempts", Integer, nullable=False),
    Column("duration_s", Float),
    Column("role_confidence", Float),
    Column("asr_model", String(128)),
    Column("notes", _json()),
    Column("audio", _json()),
    Column("features", _json()),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("analysed_at", UtcDateTime),
    # The call list's summary of the latest evaluation and of the features (migration 0005), so
    # every filter and sort of the list reads this one table through an index. Kept current by
    # the repositories when an analysis or evaluation is saved, and by database triggers when a
    # review changes the total (evaluation_reviews) or an item (item_changes).
    Column("evaluation_id", Integer),  # the latest evaluation (no FK: it is replaced in place)
    Column("score", Float),  # the latest evaluation's total, the reviewed total once reviewed
    Column("band", String(32)),
    Column("auto_failed", Boolean),
    Column("review_status", String(16)),
    Column("customer_sentiment_end", Float),
    UniqueConstraint("call_id"),
    CheckConstraint("source IN ('audio', 'transcript')", name="source"),
    CheckConstraint("status IN ('queued', 'analysed', 'failed')", name="status"),
    Index("ix_calls_evaluation_id", "evaluation_id"),
)

# Indexes built on one database only (see `include_object_for`).
DIALECT_OF_INDEX: dict[str, str] = {}


def _list_index(name: str, *columns: Column[Any]) -> None:
    """An index serving the call list's order, which puts NULL lowest on both databases.

    SQLite already orders NULL lowest and refuses NULLS FIRST/LAST in an index; PostgreSQL
    orders NULL highest unless the index says otherwise. The last column is the sort column and
    any before it are equality filters.
    """
    *equal, sort = columns
    Index(f"{name}_sqlite", *equal, sort, calls.c.id).ddl_if(dialect="sqlite")
    pg_sort = (sort.desc().nulls_last(), calls.c.id.desc())
    Index(f"{name}_pg", *equal, *pg_sort).ddl_if(dialect="postgresql")
    DIALECT_OF_INDEX.update({f"{name}_sqlite": "sqlite", f"{name}_pg": "postgresql"})


_list_index("ix_calls_list_start_time", calls.c.start_time)
_list_index("ix_calls_list_agent_id", calls.c.agent_id, calls.c.start_time)
_list_index("ix_calls_list_line", calls.c.line, calls.c.start_time)
_list_index("ix_calls_list_score", calls.c.score)
_list_index("ix_calls_list_duration", calls.c.duration_s)

# The items that failed in each call's latest evaluation (human edits applied), for the call
# list's "failed item" filter.
call_failed_items = Table(
    "call_failed_items",
    metadata,
    Column("call_pk", Integer, ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
    Column("item_id", String(64), primary_key=True),
    Index("ix_call_failed_items_item_id", "item_id", "call_pk"),
)

call_turns = Table(
    "call_turns",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("call_pk", Integer, ForeignKey("calls.id", ondelete="CASCADE"), nullable=False),
    Column("idx", Integer, nullable=False),
    Column("role", String(16), nullable=False),
    Column("start_s", Float, nullable=False),
    Column("end_s", Float, nullable=False),
    Column("text", Text, nullable=False),
    Column("text_original", Text),
    Column("confidence", Float),
    Column("sentiment", Float),
    Column("speech_rate", Float),
    UniqueConstraint("call_pk", "idx"),
    Index("ix_call_turns_call_pk", "call_pk"),
)

ingest_conflicts = Table(
    "ingest_conflicts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("call_id", String(CALL_ID_LENGTH), nullable=False),
    Column("file_path", Text),
    Column("existing_hash", String(HASH_LENGTH)),
    Column("new_hash", String(HASH_LENGTH), nullable=False),
    Column("detected_at", UtcDateTime, nullable=False),
    UniqueConstraint("call_id", "new_hash"),
)

evaluations = Table(
    "evaluations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("call_pk", Integer, ForeignKey("calls.id", ondelete="CASCADE"), nullable=False),
    Column("scorecard_id", String(64), nullable=False),
    Column("scorecard_version", String(32), nullable=False),
    Column("total", Float, nullable=False),
    Column("band", String(32)),
    Column("auto_failed", Boolean, nullable=False),
    Column("result", _json(), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("call_pk", "scorecard_id", "scorecard_version"),
    Index("ix_evaluations_call_pk", "call_pk"),
    Index("ix_evaluations_total", "total"),
)

scorecards = Table(
    "scorecards",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("scorecard_id", String(64), nullable=False),
    Column("version", String(32), nullable=False),
    Column("name", Text, nullable=False),
    Column("source", Text, nullable=False),  # the YAML as written, re-validated when loaded
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("scorecard_id", "version"),
)

plans = Table(
    "plans",
    metadata,
    Column("plan_id", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("name_en", Text, nullable=False),
    Column("monthly_fee_yuan", Float, nullable=False),
    Column("minutes", Integer, nullable=False),
    Column("data_gb", Float, nullable=False),
    Column("sms", Integer, nullable=False),
    Column("overage_per_minute_yuan", Float, nullable=False),
    Column("overage_per_gb_yuan", Float, nullable=False),
    Column("tiers", _json(), nullable=False),
    Column("aliases", _json(), nullable=False),
    Column("catalog_version", String(64), nullable=False),
    Column("currency", String(8), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# --- The inspector's workbench: people, sessions, audit, human review, sampling, calibration,
# coaching playlists. Usernames are stored (not user ids) in history tables so the history stays
# readable after an account is removed.

USERNAME_LENGTH = 64

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(USERNAME_LENGTH), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("role", String(32), nullable=False),
    Column("agent_id", String(64)),
    Column("team", String(64)),
    Column("display_name", Text),
    Column("active", Boolean, nullable=False),
    Column("failed_logins", Integer, nullable=False),
    Column("locked_until", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_login_at", UtcDateTime),
    UniqueConstraint("username"),
    CheckConstraint(
        "role IN ('inspector', 'agent', 'account_manager', 'supervisor', 'admin')", name="role"
    ),
)

auth_sessions = Table(
    "auth_sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(HASH_LENGTH), nullable=False),  # sha256 of the bearer/cookie token
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    UniqueConstraint("token_hash"),
    CheckConstraint("kind IN ('browser', 'api')", name="kind"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UtcDateTime, nullable=False, index=True),
    Column("username", String(USERNAME_LENGTH)),
    Column("role", String(32)),
    Column("action", String(64), nullable=False, index=True),
    Column("resource_type", String(32)),
    Column("resource_id", String(CALL_ID_LENGTH)),
    Column("detail", _json()),
    Column("client", String(64)),
)

evaluation_reviews = Table(
    "evaluation_reviews",
    metadata,
    Column(
        "evaluation_id",
        Integer,
        ForeignKey("evaluations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("status", String(16), nullable=False),
    Column("total", Float, nullable=False),  # the score with human edits applied
    Column("band", String(32)),
    Column("human_edited", Boolean, nullable=False),
    Column("reviewed_by", String(USERNAME_LENGTH)),
    Column("released_at", UtcDateTime),
    Column("released_by", String(USERNAME_LENGTH)),
    Column("acknowledged_at", UtcDateTime),
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint(
        "status IN ('reviewing', 'released', 'acknowledged', 'appealed', 'closed')", name="status"
    ),
)

item_changes = Table(
    "item_changes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "evaluation_id", Integer, ForeignKey("evaluations.id", ondelete="CASCADE"), nullable=False
    ),
    Column("item_id", String(64), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("old_result", String(16)),
    Column("new_result", String(16)),
    Column("old_points", Float),
    Column("new_points", Float),
    Column("reason", Text, nullable=False),
    Column("username", String(USERNAME_LENGTH), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Index("ix_item_changes_evaluation_id", "evaluation_id"),
)

appeals = Table(
    "appeals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "evaluation_id", Integer, ForeignKey("evaluations.id", ondelete="CASCADE"), nullable=False
    ),
    Column("item_id", String(64), nullable=False),
    Column("comment", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_by", String(USERNAME_LENGTH), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("decided_by", String(USERNAME_LENGTH)),
    Column("decided_at", UtcDateTime),
    Column("decision_reason", Text),
    Index("ix_appeals_evaluation_id", "evaluation_id"),
    Index("ix_appeals_status", "status"),
    CheckConstraint("status IN ('open', 'accepted', 'rejected')", name="status"),
)

sampling_plans = Table(
    "sampling_plans",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("line", String(64), nullable=False),
    Column("calls_per_agent_per_week", Integer, nullable=False),
    Column("random_share", Float, nullable=False),
    Column("updated_by", String(USERNAME_LENGTH)),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("line"),
)

review_queue = Table(
    "review_queue",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("call_pk", Integer, ForeignKey("calls.id", ondelete="CASCADE"), nullable=False),
    Column("week", String(8), nullable=False),  # ISO week, e.g. 2026-W48
    Column("risk", Float, nullable=False),
    Column("reasons", _json(), nullable=False),
    Column("random_pick", Boolean, nullable=False),
    Column("queued_at", UtcDateTime, nullable=False),
    UniqueConstraint("call_pk"),
    Index("ix_review_queue_week", "week"),
)

calibration_sessions = Table(
    "calibration_sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("created_by", String(USERNAME_LENGTH), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("closed_at", UtcDateTime),
    Column("call_ids", _json(), nullable=False),
)

calibration_scores = Table(
    "calibration_scores",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "session_id",
        Integer,
        ForeignKey("calibration_sessions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("call_id", String(CALL_ID_LENGTH), nullable=False),
    Column("inspector", String(USERNAME_LENGTH), nullable=False),
    Column("item_id", String(64), nullable=False),
    Column("result", String(16), nullable=False),
    Column("points", Float),
    Column("at", UtcDateTime, nullable=False),
    UniqueConstraint("session_id", "call_id", "inspector", "item_id"),
)

playlists = Table(
    "playlists",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("title", Text, nullable=False),
    Column("week", String(8)),
    Column("notes", Text),
    Column("created_by", String(USERNAME_LENGTH), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

playlist_clips = Table(
    "playlist_clips",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("playlist_id", Integer, ForeignKey("playlists.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("call_id", String(CALL_ID_LENGTH), nullable=False),
    Column("start_s", Float, nullable=False),
    Column("end_s", Float, nullable=False),
    Column("note", Text),
    Column("example", String(8), nullable=False),
    Index("ix_playlist_clips_playlist_id", "playlist_id"),
    CheckConstraint("example IN ('good', 'bad')", name="example"),
)

# Transcript text segmented into words (jieba) for full-text search: FTS5 on SQLite, a GIN
# tsvector index on PostgreSQL (both created by migration, outside this metadata).
call_search = Table(
    "call_search",
    metadata,
    Column("call_pk", Integer, ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
    Column("tokens", Text, nullable=False),
)

# The search index over `call_search` (migration 0005): an FTS5 virtual table on SQLite, whose
# shadow tables share its name as a prefix, and an expression GIN index on PostgreSQL.
SEARCH_INDEX = "call_search_fts"


IncludeObject = Callable[[object, str | None, str, bool, object], bool]


def include_object_for(dialect: str) -> IncludeObject:
    """Alembic's filter of what the metadata describes on this database.

    Left out: the search index (built by migration SQL: FTS5 and its shadow tables, or a GIN
    expression index) and the indexes meant for the other database.
    """

    def include_object(
        object: object, name: str | None, type_: str, reflected: bool, compare_to: object
    ) -> bool:
        if (name or "").startswith(SEARCH_INDEX):
            return False
        return DIALECT_OF_INDEX.get(name or "", dialect) == dialect

    return include_object


# --- The care engine (migration 0006): the customer base and usage imported from billing/CRM,
# staff, risk flags, care tasks with their history, the grace-credit ledger and the SMS outbox.
# Ids from other systems are kept as text keys; the care run reads these tables as columns.

CUSTOMER_ID_LENGTH = 32
STAFF_ID_LENGTH = 32
RULE_ID_LENGTH = 64
TASK_ID_LENGTH = 128  # YYYYMMDD-rule-customer, see services/care_run.task_key
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

care_customers = Table(
    "care_customers",
    metadata,
    Column("customer_id", String(CUSTOMER_ID_LENGTH), primary_key=True),
    Column("msisdn", String(32), nullable=False),
    Column("name", Text, nullable=False),
    Column("birthday", Date, nullable=False),
    Column("tier", String(8), nullable=False),
    Column("branch", String(64), nullable=False),
    Column("county", String(64), nullable=False),
    Column("township", String(64)),  # optional in the CRM export; migration 0007
    Column("plan_id", String(64), nullable=False),
    Column("balance_yuan", Float, nullable=False),
    Column("points", BigInteger, nullable=False),
    Column("points_expiry", Date),
    Column("account_manager_id", String(STAFF_ID_LENGTH)),
    Column("join_date", Date, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # care_data_versions' "customers" seq of the change that wrote the row last (migration 0010)
    Column("changed_seq", BigInteger, nullable=False, server_default="0"),
    CheckConstraint("tier IN ('diamond', 'gold', 'silver', 'none')", name="tier"),
    Index("ix_care_customers_account_manager_id", "account_manager_id"),
    Index("ix_care_customers_changed_seq", "changed_seq"),
    Index("ix_care_customers_msisdn", "msisdn"),
)

# One row per customer and month (the first day of the month). No foreign key: the billing
# export may arrive before the CRM's, and the care run ignores usage of unknown customers.
care_usage = Table(
    "care_usage",
    metadata,
    Column("customer_id", String(CUSTOMER_ID_LENGTH), primary_key=True),
    Column("month", Date, primary_key=True),
    Column("voice_minutes", Float, nullable=False),
    Column("data_gb", Float, nullable=False),
    Column("sms", Integer, nullable=False),
    Column("bill_yuan", Float, nullable=False),
    Index("ix_care_usage_month", "month"),
)

# One row per kind of data the care run keeps a copy of ("usage", "customers"): `seq` counts
# its changes, `version` is random to the database (the usage's is new with every import), so
# a copy kept outside the database (the care run's cache) knows whether it is current.
care_data_versions = Table(
    "care_data_versions",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("version", String(32), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("changed_at", UtcDateTime, nullable=False),
)

care_staff = Table(
    "care_staff",
    metadata,
    Column("staff_id", String(STAFF_ID_LENGTH), primary_key=True),
    Column("name", Text, nullable=False),
    Column("role", String(16), nullable=False),
    Column("branch", String(64), nullable=False),
    Column("county", String(64), nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("active", Boolean, nullable=False),  # false: no longer on the imported staff list
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint("role IN ('phone_manager', 'account_manager')", name="role"),
)

care_risk_flags = Table(
    "care_risk_flags",
    metadata,
    Column("customer_id", String(CUSTOMER_ID_LENGTH), primary_key=True),
    Column("reason", Text, nullable=False),
    Column("imported_at", UtcDateTime, nullable=False),
)

care_manager_history = Table(
    "care_manager_history",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("customer_id", String(CUSTOMER_ID_LENGTH), nullable=False),
    Column("from_staff_id", String(STAFF_ID_LENGTH)),
    Column("to_staff_id", String(STAFF_ID_LENGTH), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("reason", String(32), nullable=False),
    Index("ix_care_manager_history_customer_id", "customer_id"),
)

care_tasks = Table(
    "care_tasks",
    metadata,
    Column("task_id", String(TASK_ID_LENGTH), primary_key=True),
    Column("customer_id", String(CUSTOMER_ID_LENGTH), nullable=False),
    Column("rule_id", String(RULE_ID_LENGTH), nullable=False),
    Column("rule_type", String(32), nullable=False),
    Column("rules_version", String(64), nullable=False),
    Column("created_on", Date, nullable=False),  # the as-of date of the run that planned it
    Column("channel", String(8), nullable=False),
    Column("priority", Integer, nullable=False),
    Column("due", Date, nullable=False),
    Column("status", String(16), nullable=False),
    # 1 while the task is not closed, NULL once closed: NULLs never collide in a unique
    # constraint, so this allows one open task per customer and rule on both databases
    Column("open_slot", Integer),
    Column("assignee", String(STAFF_ID_LENGTH)),
    Column("assign_reason", String(32), nullable=False),
    Column("facts", _json(), nullable=False),
    Column("explanation_zh", Text, nullable=False),
    Column("explanation_en", Text, nullable=False),
    Column("script", Text, nullable=False),
    Column("note", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("customer_id", "rule_id", "open_slot"),
    CheckConstraint("channel IN ('call', 'sms', 'visit')", name="channel"),
    CheckConstraint(
        "status IN (" + ", ".join(f"'{s}'" for s in TASK_STATUSES) + ")", name="status"
    ),
    Index("ix_care_tasks_assignee_status", "assignee", "status"),
    Index("ix_care_tasks_created_on", "created_on"),
)

care_task_events = Table(
    "care_task_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "task_id",
        String(TASK_ID_LENGTH),
        ForeignKey("care_tasks.task_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("from_status", String(16), nullable=False),
    Column("to_status", String(16), nullable=False),
    Column("actor", String(USERNAME_LENGTH), nullable=False),
    Column("note", Text),
    Column("at", UtcDateTime, nullable=False),
    Index("ix_care_task_events_task_id", "task_id"),
)

care_grace_credits = Table(
    "care_grace_credits",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("customer_id", String(CUSTOMER_ID_LENGTH), nullable=False),
    Column(
        "task_id",
        String(TASK_ID_LENGTH),
        ForeignKey("care_tasks.task_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("amount_yuan", Float, nullable=False),
    Column("granted_on", Date, nullable=False),
    Column("expires_on", Date, nullable=False),
    Column("recovery", Text, nullable=False),
    UniqueConstraint("customer_id", "granted_on"),
)

sms_outbox = Table(
    "sms_outbox",
    metadata,
    Column(
        "task_id",
        String(TASK_ID_LENGTH),
        ForeignKey("care_tasks.task_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("kind", String(16), nullable=False),  # pre_notice (before a call) or message
    Column("msisdn", String(32), nullable=False),
    Column("text", Text, nullable=False),
    Column("send_at", UtcDateTime, nullable=False),  # the next attempt, outside quiet hours
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text),
    Column("sent_at", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
    CheckConstraint("kind IN ('pre_notice', 'message')", name="kind"),
    CheckConstraint("status IN ('queued', 'sent', 'withdrawn')", name="status"),
    Index("ix_sms_outbox_status_send_at", "status", "send_at"),
)

# --- The care service (migration 0007): care-rule versions edited in the web app, colleagues'
# planned trips and door-to-door visits, and the VIP privileges ledger.

# A customer's page lists their recent calls, found by number.
Index("ix_calls_customer_msisdn", calls.c.customer_msisdn)

care_rule_versions = Table(
    "care_rule_versions",
    metadata,
    Column("id", Integer, primary_key=True),  # the newest id is the rules `care run` uses
    Column("version", String(64), nullable=False),  # the YAML's own `version`
    Column("yaml", Text, nullable=False),
    Column("saved_by", String(USERNAME_LENGTH), nullable=False),
    Column("saved_at", UtcDateTime, nullable=False),
)

care_trips = Table(
    "care_trips",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("staff_id", String(STAFF_ID_LENGTH), nullable=False),
    Column("day", Date, nullable=False),
    Column("areas", _json(), nullable=False),  # ["county", "county/township", ...]
    Column("note", Text),
    Column("created_by", String(USERNAME_LENGTH), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_care_trips_day", "day"),
)

# One row per visit task once someone acts on it: the colleague asked to carry it, then who
# delivered and when.
care_visits = Table(
    "care_visits",
    metadata,
    Column(
        "task_id",
        String(TASK_ID_LENGTH),
        ForeignKey("care_tasks.task_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("customer_id", String(CUSTOMER_ID_LENGTH), nullable=False),
    Column("carrier_staff_id", String(STAFF_ID_LENGTH)),
    Column("trip_id", Integer, ForeignKey("care_trips.id", ondelete="SET NULL")),
    Column("asked_by", String(USERNAME_LENGTH)),
    Column("asked_at", UtcDateTime),
    Column("delivered_by", String(STAFF_ID_LENGTH)),
    Column("delivered_on", Date),
    Column("note", Text),
    Column("recorded_by", String(USERNAME_LENGTH)),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_care_visits_customer_id", "customer_id"),
)

care_redemptions = Table(
    "care_redemptions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("customer_id", String(CUSTOMER_ID_LENGTH), nullable=False),
    Column("privilege_id", String(32), nullable=False),
    Column("year", Integer, nullable=False),  # of redeemed_on: balances are per calendar year
    Column("redeemed_on", Date, nullable=False),
    Column("recorded_by", String(USERNAME_LENGTH), nullable=False),
    Column("note", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_care_redemptions_customer_id_year", "customer_id", "year"),
)

# --- Customer-satisfaction labels (migration 0008): each inspector's judgement of how satisfied
# the customer was at the end of a call, -2..2; the perception model trains on them.
perception_labels = Table(
    "perception_labels",
    metadata,
    Column("call_pk", Integer, ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
    Column("username", String(USERNAME_LENGTH), primary_key=True),  # one label per inspector
    Column("satisfaction", Integer, nullable=False),
    Column("labelled_at", UtcDateTime, nullable=False),
    CheckConstraint("satisfaction BETWEEN -2 AND 2", name="satisfaction"),
)
