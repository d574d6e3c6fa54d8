"""Demo accounts: one per role, random passwords in an owner-only file, created once."""

from __future__ import annotations

import stat
from pathlib import Path

from tiexin.adapters.storage import make_engine, migrate
from tiexin.adapters.storage.engine import make_session_factory
from tiexin.adapters.storage.unit_of_work import SqlUnitOfWork
from tiexin.domain.access import UserRole
from tiexin.services.auth import LoginPolicy, login
from tiexin.services.demo_accounts import create_demo_accounts


def test_demo_accounts_cover_every_role_and_their_passwords_work(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'tiexin.db'}")
    migrate(engine)
    factory = make_session_factory(engine)

    def uow_factory() -> SqlUnitOfWork:
        return SqlUnitOfWork(factory)

    credentials = tmp_path / "demo-accounts.tsv"
    created = create_demo_accounts(uow_factory, credentials)
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    rows = [line.split("\t") for line in credentials.read_text(encoding="utf-8").splitlines()]
    assert [row[0] for row in rows] == created
    assert {row[1] for row in rows} == {role.value for role in UserRole}
    passwords = [row[2] for row in rows]
    assert len(set(passwords)) == len(passwords) and all(len(p) >= 16 for p in passwords)
    for username, _, password in rows:
        session = login(uow_factory, username, password, kind="api", policy=LoginPolicy())
        assert session.principal.username == username
    assert create_demo_accounts(uow_factory, credentials) == []
    assert len(credentials.read_text(encoding="utf-8").splitlines()) == len(rows)
    engine.dispose()
