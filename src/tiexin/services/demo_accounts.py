"""Sign-in accounts for the demo: one per role, each with a fresh random password.

There are no built-in passwords anywhere; the demo writes the ones it made to a file only the
owner can read and prints where it is.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from tiexin.services.auth import add_user
from tiexin.services.ingest import UnitOfWorkFactory

# (username, role, agent id, team); the agent answered demo call DEMO-0001.
DEMO_ACCOUNTS = (
    ("inspector", "inspector", None, None),
    ("inspector2", "inspector", None, None),
    ("agent3107", "agent", "3107", "VIP-A"),
    ("supervisor", "supervisor", None, None),
    ("admin", "admin", None, None),
)


def demo_accounts(
    phone_manager_id: str | None, account_manager_id: str | None
) -> list[tuple[str, str, str | None, str | None]]:
    """The fixed accounts plus, when the demo has care data, its busiest phone and account
    managers (linked by staff id, as real staff accounts are)."""
    accounts = list(DEMO_ACCOUNTS)
    if phone_manager_id:
        accounts.append(("phone", "agent", phone_manager_id, "VIP-care"))
    accounts.append(("manager", "account_manager", account_manager_id, None))
    return accounts


def create_demo_accounts(
    uow_factory: UnitOfWorkFactory,
    credentials_file: Path,
    *,
    phone_manager_id: str | None = None,
    account_manager_id: str | None = None,
) -> list[str]:
    """Create the demo accounts that do not exist yet; returns the usernames created."""
    with uow_factory() as uow:
        existing = {user.username for user in uow.users.all()}
    created: list[tuple[str, str, str]] = []
    for username, role, agent_id, team in demo_accounts(phone_manager_id, account_manager_id):
        if username in existing:
            continue
        password = secrets.token_urlsafe(12)
        add_user(uow_factory, username, role=role, password=password, agent_id=agent_id, team=team)
        created.append((username, role, password))
    if created:
        credentials_file.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(credentials_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(descriptor, "a", encoding="utf-8") as out:
            out.writelines(f"{name}\t{role}\t{password}\n" for name, role, password in created)
    return [name for name, _, _ in created]
