"""Docs stay true: every setting and every command is documented."""

from __future__ import annotations

from pathlib import Path

import click
import typer

from tiexin.cli import app
from tiexin.config import Settings

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _command_paths(command: click.Command, prefix: str = "tiexin") -> list[str]:
    if isinstance(command, click.Group):
        return [
            path
            for name, sub in command.commands.items()
            for path in _command_paths(sub, f"{prefix} {name}")
        ]
    return [prefix]


def test_every_setting_is_documented() -> None:
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    missing = [
        f"TIEXIN_{name.upper()}"
        for name in Settings.model_fields
        if f"`TIEXIN_{name.upper()}`" not in text
    ]
    assert not missing, f"undocumented settings in docs/settings.md: {missing}"


def test_every_setting_has_a_description() -> None:
    assert all(field.description for field in Settings.model_fields.values())


def test_every_command_is_documented() -> None:
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    commands = _command_paths(typer.main.get_command(app))
    missing = [path for path in commands if f"`{path}" not in text]
    assert not missing, f"undocumented commands in docs/cli.md: {missing}"


def test_the_permission_table_in_the_workbench_guide_matches_the_access_module() -> None:
    from tiexin.domain.access import ROLE_PERMISSIONS, Permission, UserRole

    lines = (DOCS / "workbench.md").read_text(encoding="utf-8").splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("| permission |"))
    roles = [cell.strip(" `") for cell in lines[header].strip("|").split("|")[2:]]
    assert roles == [role.value for role in UserRole]
    documented: dict[str, set[str]] = {}
    for line in lines[header + 2 :]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        marks = cells[2:]
        documented[cells[0].strip("`")] = {r for r, m in zip(roles, marks, strict=True) if m}
    actual = {
        permission.value: {role.value for role in UserRole if permission in ROLE_PERMISSIONS[role]}
        for permission in Permission
    }
    assert documented == actual
