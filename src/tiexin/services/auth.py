"""Accounts, logins with lockout, and the sessions behind browser cookies and API tokens.

Tokens are random and stored only as their sha256, so a copy of the database cannot be used to
sign in. There are no built-in accounts: the first admin is created with `tiexin user add`.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from tiexin.adapters.passwords import Argon2Passwords
from tiexin.adapters.storage.people import UserRecord
from tiexin.domain.access import Principal, UserRole
from tiexin.domain.errors import InputError
from tiexin.services import audit
from tiexin.services.ingest import UnitOfWorkFactory

MIN_PASSWORD_LENGTH = 10
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")
SessionKind = Literal["browser", "api"]


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int = 5
    lockout: timedelta = timedelta(minutes=15)
    session_lifetime: timedelta = timedelta(hours=12)


@dataclass(frozen=True)
class LoginSession:
    token: str
    csrf_token: str
    principal: Principal
    expires_at: datetime


@dataclass(frozen=True)
class Authenticated:
    principal: Principal
    csrf_token: str
    kind: str


class LoginError(Exception):
    """Wrong username or password, or a locked or disabled account (the message says which)."""

    def __init__(self, reason: Literal["invalid", "locked"]) -> None:
        super().__init__(reason)
        self.reason = reason


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def validate_new_user(username: str, role: str, password: str) -> UserRole:
    if not USERNAME_PATTERN.match(username):
        raise InputError(
            f"username {username!r}: use 2-64 letters, digits or the characters _ . @ -"
        )
    try:
        user_role = UserRole(role)
    except ValueError:
        choices = ", ".join(r.value for r in UserRole)
        raise InputError(f"role {role!r} is not one of: {choices}") from None
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(f"password: at least {MIN_PASSWORD_LENGTH} characters are required")
    return user_role


def add_user(
    uow_factory: UnitOfWorkFactory,
    username: str,
    *,
    role: str,
    password: str,
    agent_id: str | None = None,
    team: str | None = None,
    display_name: str | None = None,
    actor: Principal | None = None,
) -> None:
    user_role = validate_new_user(username, role, password)
    if user_role is UserRole.AGENT and not agent_id:
        raise InputError("--agent-id: an agent account needs the agent id used in call metadata")
    with uow_factory() as uow:
        if uow.users.by_username(username) is not None:
            raise InputError(f"username {username!r} is already taken")
        uow.users.add(
            username=username,
            password_hash=Argon2Passwords().hash(password),
            role=user_role.value,
            agent_id=agent_id,
            team=team,
            display_name=display_name,
            active=True,
            failed_logins=0,
            created_at=datetime.now(UTC),
        )
        audit.record(
            uow,
            actor,
            "user.add",
            resource_type="user",
            resource_id=username,
            detail={"role": user_role.value, "agent_id": agent_id, "team": team},
        )
        uow.commit()


def list_users(uow_factory: UnitOfWorkFactory) -> list[UserRecord]:
    with uow_factory() as uow:
        return uow.users.all()


def login(
    uow_factory: UnitOfWorkFactory,
    username: str,
    password: str,
    *,
    kind: SessionKind,
    policy: LoginPolicy,
    client: str | None = None,
) -> LoginSession:
    """Check the password and open a session; repeated failures lock the account for a while."""
    now = datetime.now(UTC)
    with uow_factory() as uow:
        user = uow.users.by_username(username)
        if user is None or not user.active:
            Argon2Passwords().hash(password)  # same work as a real check: no username probing
            audit.record(uow, None, "login.failed", resource_id=username[:64], client=client)
            uow.commit()
            raise LoginError("invalid")
        principal = Principal(user.username, UserRole(user.role), user.agent_id, user.team)
        if user.locked_until is not None and user.locked_until > now:
            audit.record(uow, principal, "login.locked", client=client)
            uow.commit()
            raise LoginError("locked")
        if not Argon2Passwords().verify(user.password_hash, password):
            failures = user.failed_logins + 1
            locked = now + policy.lockout if failures >= policy.max_failures else None
            uow.users.update(user.id, failed_logins=0 if locked else failures, locked_until=locked)
            audit.record(
                uow, principal, "login.failed", client=client, detail={"locked": bool(locked)}
            )
            uow.commit()
            raise LoginError("locked" if locked else "invalid")
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        expires = now + policy.session_lifetime
        uow.users.update(user.id, failed_logins=0, locked_until=None, last_login_at=now)
        uow.sessions.remove_expired(now)
        uow.sessions.add(
            token_hash=token_hash(token),
            user_id=user.id,
            kind=kind,
            csrf_token=csrf,
            created_at=now,
            expires_at=expires,
        )
        audit.record(uow, principal, "login", client=client, detail={"kind": kind})
        uow.commit()
    return LoginSession(token, csrf, principal, expires)


def authenticate(uow_factory: UnitOfWorkFactory, token: str) -> Authenticated | None:
    with uow_factory() as uow:
        found = uow.sessions.by_token_hash(token_hash(token), datetime.now(UTC))
    if found is None:
        return None
    user = found.user
    principal = Principal(user.username, UserRole(user.role), user.agent_id, user.team)
    return Authenticated(principal, found.csrf_token, found.kind)


def logout(uow_factory: UnitOfWorkFactory, token: str, principal: Principal) -> None:
    with uow_factory() as uow:
        uow.sessions.remove(token_hash(token))
        audit.record(uow, principal, "logout")
        uow.commit()
