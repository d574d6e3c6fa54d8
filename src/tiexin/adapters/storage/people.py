"""Users, login sessions and the audit log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.orm import Session

from .tables import audit_log, auth_sessions, users

Database = Session | Connection


@dataclass(frozen=True)
class UserRecord:
    id: int
    username: str
    password_hash: str
    role: str
    agent_id: str | None
    team: str | None
    display_name: str | None
    active: bool
    failed_logins: int
    locked_until: datetime | None
    created_at: datetime
    last_login_at: datetime | None


@dataclass(frozen=True)
class SessionRecord:
    user: UserRecord
    kind: str
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    username: str | None
    role: str | None
    action: str
    resource_type: str | None
    resource_id: str | None
    detail: dict[str, Any] | None
    client: str | None


def _user(row: Any) -> UserRecord:
    return UserRecord(**{column.name: getattr(row, column.name) for column in users.columns})


class SqlUserRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, **values: Any) -> int:
        result = self._db.execute(insert(users).values(**values).returning(users.c.id))
        return int(result.scalar_one())

    def by_username(self, username: str) -> UserRecord | None:
        row = self._db.execute(select(users).where(users.c.username == username)).first()
        return None if row is None else _user(row)

    def all(self) -> list[UserRecord]:
        return [_user(row) for row in self._db.execute(select(users).order_by(users.c.username))]

    def update(self, user_id: int, **values: Any) -> None:
        self._db.execute(update(users).where(users.c.id == user_id).values(**values))


class SqlSessionRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, **values: Any) -> None:
        self._db.execute(insert(auth_sessions).values(**values))

    def by_token_hash(self, token_hash: str, now: datetime) -> SessionRecord | None:
        query = (
            select(auth_sessions, users)
            .join(users, users.c.id == auth_sessions.c.user_id)
            .where(auth_sessions.c.token_hash == token_hash)
            .where(auth_sessions.c.expires_at > now)
            .where(users.c.active.is_(True))
        )
        row = self._db.execute(query).first()
        if row is None:
            return None
        return SessionRecord(
            user=_user(row), kind=row.kind, csrf_token=row.csrf_token, expires_at=row.expires_at
        )

    def remove(self, token_hash: str) -> None:
        self._db.execute(delete(auth_sessions).where(auth_sessions.c.token_hash == token_hash))

    def remove_expired(self, now: datetime) -> None:
        self._db.execute(delete(auth_sessions).where(auth_sessions.c.expires_at <= now))

    def remove_for_user(self, user_id: int) -> None:
        self._db.execute(delete(auth_sessions).where(auth_sessions.c.user_id == user_id))


class SqlAuditRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def record(self, **values: Any) -> None:
        self._db.execute(insert(audit_log).values(**values))

    def page(
        self,
        *,
        limit: int,
        offset: int = 0,
        username: str | None = None,
        action: str | None = None,
        resource_id: str | None = None,
    ) -> tuple[list[AuditEntry], int]:
        """Newest first, with the number of matching entries."""
        conditions = [
            column == value
            for column, value in (
                (audit_log.c.username, username),
                (audit_log.c.action, action),
                (audit_log.c.resource_id, resource_id),
            )
            if value
        ]
        total = self._db.execute(
            select(func.count()).select_from(audit_log).where(*conditions)
        ).scalar_one()
        query = (
            select(audit_log)
            .where(*conditions)
            .order_by(audit_log.c.at.desc(), audit_log.c.id.desc())
            .limit(limit)
            .offset(offset)
        )
        entries = [
            AuditEntry(**{c.name: getattr(row, c.name) for c in audit_log.columns})
            for row in self._db.execute(query)
        ]
        return entries, int(total)

    def actions(self) -> Sequence[str]:
        query = select(audit_log.c.action).distinct().order_by(audit_log.c.action)
        return list(self._db.execute(query).scalars())
