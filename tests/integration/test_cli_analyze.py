"""`tiexin ingest` / `analyze` / `export` end to end, with every kind of bad input in one batch."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.support.audio import (
    SHARED_CALLS,
    clip,
    corrupt_wav,
    encode,
    truncated_wav,
    unknown_codec_wav,
)
from tiexin.cli import app
from tiexin.services.metadata_csv import METADATA_COLUMNS

pytestmark = pytest.mark.slow
HEADER = [c for c in METADATA_COLUMNS if c != "language"]
GOOD = SHARED_CALLS / "VIP20250304-0117.wav"
MONO = SHARED_CALLS / "VIP20250314-0116.wav"


def _row(call_id: str, file: str, **overrides: str) -> dict[str, str]:
    row = {
        "call_id": call_id,
        "file": file,
        "start_time": "2025-03-04T10:59:50+08:00",
        "direction": "inbound",
        "line": "10088",
        "agent_id": "1024",
        "customer_msisdn": "13556367858",
        "duration_s": "12.0",
    }
    return {**row, **overrides}


def _write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> Path:
    if not GOOD.is_file():
        pytest.skip("shared call recordings not available")
    monkeypatch.setenv("TIEXIN_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("TIEXIN_DATABASE_URL", database_url)
    monkeypatch.setenv("TIEXIN_ASR_MODEL_DIR", str(_prepared_model()))
    return tmp_path


def _prepared_model() -> Path:
    from tiexin.adapters.asr.model import prepare_bundled_model

    return prepare_bundled_model(Path(__file__).resolve().parents[2] / "var" / "models")


def _invoke(*args: str) -> Any:
    result = CliRunner().invoke(app, list(args))
    return result


def _export(tmp_path: Path) -> dict[str, dict[str, Any]]:
    out = tmp_path / "calls.jsonl"
    result = _invoke("export", "calls", "--format", "jsonl", "--output", str(out))
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    return {record["call_id"]: record for record in map(json.loads, lines)}


def _bad_batch(folder: Path) -> Path:
    folder.mkdir()
    clip(GOOD, folder / "good.wav", seconds=14)
    (folder / "empty.wav").write_bytes(b"")
    truncated_wav(GOOD, folder / "truncated.wav")
    corrupt_wav(GOOD, folder / "corrupt.wav")
    (folder / "notes.wav").write_text("this is not audio\n", encoding="utf-8")
    unknown_codec_wav(folder / "codec.wav")
    clip(GOOD, folder / "long.wav", seconds=40)
    rows = [
        _row("GOOD", "good.wav"),
        _row("EMPTY", "empty.wav"),
        _row("TRUNC", "truncated.wav"),
        _row("CORRUPT", "corrupt.wav"),
        _row("TEXT", "notes.wav"),
        _row("CODEC", "codec.wav"),
        _row("LONG", "long.wav"),
        _row("ABSENT", "absent.wav"),
        _row("NOTIME", "good.wav", start_time=""),
        _row("BADTIME", "good.wav", start_time="yesterday"),
        _row("BADDIR", "good.wav", direction="sideways"),
        _row("BADDUR", "good.wav", duration_s="long"),
    ]
    return _write_csv(folder / "calls.csv", rows)


EXPECTED_REASONS = {
    "EMPTY": "empty file",
    "TRUNC": "truncated WAV",
    "CORRUPT": "corrupt WAV",
    "TEXT": "looks like a text file",
    "CODEC": "unsupported codec",
    "LONG": "over the 30 s limit",
    "ABSENT": "file listed but not found",
    "NOTIME": "field start_time: missing",
    "BADTIME": "field start_time: 'yesterday'",
    "BADDIR": "field direction: 'sideways'",
    "BADDUR": "field duration_s: 'long'",
}


def test_bad_inputs_fail_with_reasons_and_the_batch_goes_on(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIEXIN_MAX_DURATION_S", "30")
    metadata = _bad_batch(env / "in")
    result = _invoke("analyze", str(env / "in"), "--metadata", str(metadata))
    assert result.exit_code == 0, result.output
    calls = _export(env)
    assert calls["GOOD"]["status"] == "analysed"
    assert calls["GOOD"]["error"] is None
    assert calls["GOOD"]["turns"][0]["role"] == "agent"
    for call_id, reason in EXPECTED_REASONS.items():
        assert calls[call_id]["status"] == "failed", call_id
        assert reason in calls[call_id]["error"], (call_id, calls[call_id]["error"])
    file_errors = {"EMPTY": "empty.wav", "TRUNC": "truncated.wav", "CODEC": "codec.wav"}
    for call_id, name in file_errors.items():
        assert name in calls[call_id]["error"]
    assert "calls.csv:11: field start_time" in calls["BADTIME"]["error"]  # header is line 1

    retry = _invoke("analyze", "--retry-failed")
    assert "Re-queued 5 failed recordings" in retry.output  # the undecodable files, not bad rows
    assert "0 analysed, 5 failed" in retry.output
    assert _export(env)["TRUNC"]["error"] == calls["TRUNC"]["error"]


def test_missing_metadata_file_is_a_clear_error_and_changes_nothing(env: Path) -> None:
    (env / "in").mkdir()
    result = _invoke("ingest", str(env / "in"), "--metadata", str(env / "in" / "nope.csv"))
    assert result.exit_code == 2
    assert "nope.csv: metadata file not found" in result.output
    assert _export(env) == {}


def test_formats_rates_and_mono(env: Path) -> None:
    folder = env / "in"
    folder.mkdir()
    base = clip(GOOD, env / "base.wav", seconds=14)
    encode(base, folder / "alaw.wav", codec="pcm_alaw", container="wav")
    encode(base, folder / "ulaw.wav", codec="pcm_mulaw", container="wav")
    encode(base, folder / "call.mp3", codec="libmp3lame", container="mp3")
    clip(SHARED_CALLS / "VIP20250310-0125.wav", folder / "wide.wav", seconds=14)  # 16 kHz
    shutil.copyfile(MONO, folder / "mono.wav")
    result = _invoke("analyze", str(folder))
    assert result.exit_code == 0, result.output
    calls = _export(env)
    assert {c["status"] for c in calls.values()} == {"analysed"}, calls
    for name in ("alaw", "ulaw", "call"):
        text = "".join(t["text"] for t in calls[name]["turns"])
        assert "工号" in text or "服务" in text, (name, text)
    assert calls["mono"]["role_confidence"] < 1.0
    assert {t["role"] for t in calls["mono"]["turns"]} == {"agent", "customer"}


def test_reingest_is_a_no_op_and_changed_audio_is_a_conflict(env: Path) -> None:
    folder = env / "in"
    folder.mkdir()
    clip(GOOD, folder / "a.wav", seconds=8)
    metadata = _write_csv(folder / "calls.csv", [_row("A", "a.wav")])
    assert _invoke("analyze", str(folder), "--metadata", str(metadata)).exit_code == 0
    before = _export(env)
    again = _invoke("analyze", str(folder), "--metadata", str(metadata))
    assert "0 queued, 1 unchanged" in again.output
    clip(GOOD, folder / "a.wav", seconds=9)
    changed = _invoke("ingest", str(folder), "--metadata", str(metadata))
    assert "1 conflicts" in changed.output
    assert "A: " in changed.output and "differs from the recording already stored" in changed.output
    assert _export(env) == before


def test_transcript_import_skips_asr_and_masks(env: Path) -> None:
    transcript = {
        "call_id": "T-1",
        "start_time": "2025-03-04T10:59:50+08:00",
        "direction": "inbound",
        "line": "10088",
        "agent_id": "1024",
        "turns": [
            {"role": "agent", "start": 0.0, "end": 3.0, "text": "您好，工号一零二四为您服务。"},
            {
                "role": "customer",
                "start": 3.5,
                "end": 7.0,
                "text": "我的手机号是一三八一二三四五六七八。",
            },
            {"role": "agent", "start": 10.0, "end": 12.0, "text": "好的，感谢您的来电，再见。"},
        ],
    }
    bad = {
        **transcript,
        "call_id": "T-2",
        "turns": [{"role": "boss", "start": 0, "end": 1, "text": "x"}],
    }
    path = env / "t.json"
    path.write_text(json.dumps([transcript, bad], ensure_ascii=False), encoding="utf-8")
    result = _invoke("import", "transcripts", str(path))
    assert result.exit_code == 0, result.output
    assert "call 2 (T-2): turn 0: field role: 'boss'" in result.output
    calls = _export(env)
    assert set(calls) == {"T-1"}
    call = calls["T-1"]
    assert call["source"] == "transcript"
    assert call["turns"][1]["text"] == "我的手机号是***********。"
    assert call["turns"][0]["text"] == "您好，工号一零二四为您服务。"
    assert call["features"]["longest_silence_s"] == pytest.approx(3.0)
    again = _invoke("import", "transcripts", str(path))
    assert "1 unchanged" in again.output
