from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from pydantic import ValidationError
from pydantic_settings import SettingsError

from tiexin.config import Settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No TIEXIN_* variable from the caller's shell and no `.env` in the working folder."""
    for name in list(os.environ):
        if name.startswith("TIEXIN_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_defaults() -> None:
    settings = Settings()
    assert settings.data_dir == Path("var")
    assert settings.database_url is None
    assert settings.asr_model_dir is None
    assert settings.asr_threads == 0
    assert settings.asr_beam_size == 5
    assert settings.default_language == "zh"
    assert settings.line_languages == {}
    assert settings.agent_channel == {"*": "left"}
    assert settings.max_duration_s == 4 * 3600.0
    assert settings.silence_threshold_s == 3.0
    assert settings.pii_keep_original == "none"
    assert settings.workers == 1
    assert settings.ray_address is None
    assert settings.model_cache_dir == Path("var") / "models"


@pytest.mark.parametrize(
    ("variable", "value", "field", "expected"),
    [
        ("TIEXIN_DATA_DIR", "/srv/tiexin", "data_dir", Path("/srv/tiexin")),
        (
            "TIEXIN_DATABASE_URL",
            "postgresql+psycopg://u@h/db",
            "database_url",
            "postgresql+psycopg://u@h/db",
        ),
        ("TIEXIN_ASR_MODEL_DIR", "/models/large", "asr_model_dir", Path("/models/large")),
        ("TIEXIN_ASR_THREADS", "4", "asr_threads", 4),
        ("TIEXIN_ASR_BEAM_SIZE", "1", "asr_beam_size", 1),
        ("TIEXIN_ASR_BEAM_SIZE", "10", "asr_beam_size", 10),
        ("TIEXIN_ASR_VOCABULARY_FILE", "words.txt", "asr_vocabulary_file", Path("words.txt")),
        ("TIEXIN_DEFAULT_LANGUAGE", "en", "default_language", "en"),
        ("TIEXIN_MAX_DURATION_S", "600", "max_duration_s", 600.0),
        ("TIEXIN_SILENCE_THRESHOLD_S", "1.5", "silence_threshold_s", 1.5),
        ("TIEXIN_PII_KEEP_ORIGINAL", "database", "pii_keep_original", "database"),
        ("TIEXIN_WORKERS", "8", "workers", 8),
        ("TIEXIN_RAY_ADDRESS", "ray://head:10001", "ray_address", "ray://head:10001"),
        ("tiexin_workers", "3", "workers", 3),  # names are case-insensitive
    ],
)
def test_reads_environment(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, field: str, expected: object
) -> None:
    monkeypatch.setenv(variable, value)
    assert getattr(Settings(), field) == expected


def test_reads_dot_env_in_working_folder(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("TIEXIN_WORKERS=6\nOTHER=1\n", encoding="utf-8")
    assert Settings().workers == 6


def test_environment_wins_over_dot_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("TIEXIN_WORKERS=6\n", encoding="utf-8")
    monkeypatch.setenv("TIEXIN_WORKERS", "2")
    assert Settings().workers == 2


def test_unknown_variables_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIEXIN_NO_SUCH_SETTING", "x")
    assert Settings().workers == 1


def test_settings_are_frozen() -> None:
    settings = Settings()
    with pytest.raises(ValidationError, match="frozen"):
        settings.workers = 3  # type: ignore[misc]


def test_line_languages_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIEXIN_LINE_LANGUAGES", '{"10088": "zh", "4008": "en"}')
    settings = Settings()
    assert settings.line_languages == {"10088": "zh", "4008": "en"}
    assert settings.language_for_line("4008") == "en"
    assert settings.language_for_line("10088") == "zh"
    assert settings.language_for_line("999") == "zh"


def test_language_for_line_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIEXIN_DEFAULT_LANGUAGE", "en")
    monkeypatch.setenv("TIEXIN_LINE_LANGUAGES", '{"10088": "zh"}')
    settings = Settings()
    assert settings.language_for_line("10088") == "zh"
    assert settings.language_for_line("4008") == "en"
    assert settings.language_for_line("") == "en"


@pytest.mark.parametrize(
    ("channels", "line", "direction", "expected"),
    [
        ({}, "10088", "inbound", "left"),
        ({"*": "right"}, "10088", "inbound", "right"),
        ({"4008": "right"}, "4008", "inbound", "right"),
        ({"4008": "right"}, "10088", "inbound", "left"),
        ({"*": "right", "4008": "left"}, "4008", "outbound", "left"),
        ({"*": "left", "4008/outbound": "right"}, "4008", "outbound", "right"),
        ({"*": "left", "4008/outbound": "right"}, "4008", "inbound", "left"),
        ({"4008": "left", "4008/outbound": "right"}, "4008", "outbound", "right"),
        ({"4008": "right", "4008/outbound": "left"}, "4008", "inbound", "right"),
        ({"*": "right", "4008/inbound": "left"}, "10088", "inbound", "right"),
    ],
)
def test_agent_side_for_precedence(
    monkeypatch: pytest.MonkeyPatch,
    channels: dict[str, str],
    line: str,
    direction: str,
    expected: str,
) -> None:
    monkeypatch.setenv("TIEXIN_AGENT_CHANNEL", json.dumps(channels))
    assert Settings().agent_side_for(line, direction) == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("{}", {"*": "left"}),
        ('{"4008": "right"}', {"*": "left", "4008": "right"}),
        ('{"*": "right"}', {"*": "right"}),
    ],
)
def test_fallback_is_always_present(
    monkeypatch: pytest.MonkeyPatch, given: str, expected: dict[str, str]
) -> None:
    monkeypatch.setenv("TIEXIN_AGENT_CHANNEL", given)
    assert Settings().agent_channel == expected


def test_fallback_when_built_in_code() -> None:
    settings = Settings(agent_channel={"4008/outbound": "right"})
    assert settings.agent_channel == {"*": "left", "4008/outbound": "right"}


@pytest.mark.parametrize(
    ("data_dir", "expected"),
    [
        ("var", "sqlite:///var/tiexin.db"),
        ("/srv/tiexin/data", "sqlite:////srv/tiexin/data/tiexin.db"),
    ],
)
def test_resolved_database_url_default(
    monkeypatch: pytest.MonkeyPatch, data_dir: str, expected: str
) -> None:
    monkeypatch.setenv("TIEXIN_DATA_DIR", data_dir)
    assert Settings().resolved_database_url() == expected


def test_resolved_database_url_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIEXIN_DATA_DIR", "/ignored")
    monkeypatch.setenv("TIEXIN_DATABASE_URL", "postgresql+psycopg://tiexin@db:5432/tiexin")
    assert Settings().resolved_database_url() == "postgresql+psycopg://tiexin@db:5432/tiexin"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("TIEXIN_ASR_BEAM_SIZE", "0", "asr_beam_size"),
        ("TIEXIN_ASR_BEAM_SIZE", "11", "asr_beam_size"),
        ("TIEXIN_ASR_BEAM_SIZE", "five", "asr_beam_size"),
        ("TIEXIN_ASR_THREADS", "-1", "asr_threads"),
        ("TIEXIN_WORKERS", "0", "workers"),
        ("TIEXIN_MAX_DURATION_S", "0", "max_duration_s"),
        ("TIEXIN_MAX_DURATION_S", "-5", "max_duration_s"),
        ("TIEXIN_SILENCE_THRESHOLD_S", "0", "silence_threshold_s"),
        ("TIEXIN_DEFAULT_LANGUAGE", "fr", "default_language"),
        ("TIEXIN_PII_KEEP_ORIGINAL", "logs", "pii_keep_original"),
        ("TIEXIN_AGENT_CHANNEL", '{"*": "middle"}', "agent_channel"),
        ("TIEXIN_LINE_LANGUAGES", '{"4008": "fr"}', "line_languages"),
    ],
)
def test_invalid_values_rejected(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError, match=message):
        Settings()


@pytest.mark.parametrize("variable", ["TIEXIN_AGENT_CHANNEL", "TIEXIN_LINE_LANGUAGES"])
def test_malformed_json_rejected(monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    monkeypatch.setenv(variable, "{not json")
    field = variable.removeprefix("TIEXIN_").lower()
    with pytest.raises(SettingsError, match=f'error parsing value for field "{field}"'):
        Settings()
