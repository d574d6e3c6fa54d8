"""`tiexin care rules check`: the bundled rules pass with a summary; a broken file fails with
exit status 2 and an error naming the file and line, without touching the database."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from tiexin.care.rules import default_care_rules
from tiexin.cli import app
from tiexin.services.care_rules_admin import bundled_rules_text


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where a database would be created: the check must leave it alone."""
    monkeypatch.setenv("TIEXIN_DATA_DIR", str(tmp_path / "var"))
    return tmp_path / "var"


def _check(path: Path) -> Result:
    return CliRunner().invoke(app, ["care", "rules", "check", str(path)])


def test_the_bundled_rules_pass_with_a_summary(tmp_path: Path, data_dir: Path) -> None:
    path = tmp_path / "care.yaml"
    path.write_text(bundled_rules_text(), encoding="utf-8")
    result = _check(path)
    assert result.exit_code == 0, result.output
    bundled = default_care_rules()
    assert f"{path}: valid care rules, version {bundled.version}" in result.output
    for rule in bundled.rules:
        assert f"  {rule.id}: type {rule.type}, channel {rule.channel}, tiers " in result.output
    assert not data_dir.exists()


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("type: birthday", "type: birthdays", "unknown type 'birthdays'"),
        (
            "cooldown_days: 60",
            "cooldown_days: -60",
            "'cooldown_days' of rule 'points_expiry' must be at least 1",
        ),
        ("{birthday} 是", "{birthdy} 是", "unknown placeholder {birthdy}"),
    ],
)
def test_a_broken_file_fails_naming_the_file_and_line(
    tmp_path: Path, data_dir: Path, old: str, new: str, message: str
) -> None:
    text = bundled_rules_text()
    assert text.count(old) == 1
    broken = text.replace(old, new)
    line = next(n for n, ln in enumerate(broken.splitlines(), 1) if new in ln)
    path = tmp_path / "care.yaml"
    path.write_text(broken, encoding="utf-8")
    result = _check(path)
    assert result.exit_code == 2
    assert f"error: {path}:{line}: " in result.output and message in result.output
    assert not data_dir.exists()


def test_a_file_that_is_not_utf8_fails_naming_the_file(tmp_path: Path, data_dir: Path) -> None:
    path = tmp_path / "care.yaml"
    path.write_bytes(bundled_rules_text().encode("gb18030"))  # a Chinese editor's default
    result = _check(path)
    assert result.exit_code == 2
    assert f"error: {path}: not UTF-8 text (byte " in result.output
    assert "Traceback" not in result.output


def test_the_bundled_rules_print_as_a_file_that_passes_the_check(
    tmp_path: Path, data_dir: Path
) -> None:
    printed = CliRunner().invoke(app, ["care", "rules", "bundled"])
    assert printed.exit_code == 0 and printed.output == bundled_rules_text()
    path = tmp_path / "my-rules.yaml"
    path.write_text(printed.output, encoding="utf-8")
    assert _check(path).exit_code == 0
    assert not data_dir.exists()
