"""`tiexin user add/list`: the password comes from stdin; bad input changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tiexin.bootstrap import open_storage
from tiexin.cli import app
from tiexin.config import Settings


@pytest.fixture
def env(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TIEXIN_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("TIEXIN_DATABASE_URL", database_url)
    return tmp_path


def _add(*args: str, password: str = "a-long-enough-secret\n") -> object:
    return CliRunner().invoke(app, ["user", "add", *args], input=password)


def test_user_add_hashes_the_password_and_lists_the_account(env: Path) -> None:
    result = _add(
        "wang", "--role", "agent", "--agent-id", "3107", "--team", "VIP-A", "--password-stdin"
    )
    assert result.exit_code == 0, result.output
    listing = CliRunner().invoke(app, ["user", "list"])
    assert "wang" in listing.output and "3107" in listing.output
    with open_storage(Settings())() as uow:
        user = uow.users.by_username("wang")
    assert user is not None and user.password_hash.startswith("$argon2id$")
    assert "a-long-enough-secret" not in user.password_hash


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (("li", "--role", "inspector"), "a-long-enough-secret\n", "--password-stdin"),
        (("li", "--role", "boss", "--password-stdin"), "a-long-enough-secret\n", "role 'boss'"),
        (("li", "--role", "inspector", "--password-stdin"), "short\n", "at least 10"),
        (("l i", "--role", "inspector", "--password-stdin"), "a-long-enough-secret\n", "username"),
        (("li", "--role", "agent", "--password-stdin"), "a-long-enough-secret\n", "--agent-id"),
    ],
)
def test_bad_input_is_refused_with_a_reason_and_creates_nothing(
    env: Path, args: tuple[str, ...], password: str, message: str
) -> None:
    result = _add(*args, password=password)
    assert result.exit_code == 2 and message in result.output
    with open_storage(Settings())() as uow:
        assert uow.users.all() == []


def test_a_taken_username_is_refused(env: Path) -> None:
    assert _add("li", "--role", "inspector", "--password-stdin").exit_code == 0
    again = _add("li", "--role", "admin", "--password-stdin")
    assert again.exit_code == 2 and "already taken" in again.output
