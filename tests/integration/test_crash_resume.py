"""kill -9 in the middle of a batch, run again: every call analysed once, nothing duplicated."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.support.audio import SHARED_CALLS, clip
from tiexin.adapters.storage import make_engine
from tiexin.adapters.storage.tables import call_turns, calls

pytestmark = pytest.mark.slow
SOURCES = sorted(p for p in SHARED_CALLS.glob("VIP*.wav"))[:6]


def _analysed(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            query = select(func.count()).select_from(calls).where(calls.c.status == "analysed")
            return int(connection.execute(query).scalar_one())
    finally:
        engine.dispose()


def _analyze(folder: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tiexin", "analyze", str(folder)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def test_killed_batch_resumes_without_loss_or_duplicates(tmp_path: Path, database_url: str) -> None:
    if len(SOURCES) < 6:
        pytest.skip("shared call recordings not available")
    folder = tmp_path / "in"
    folder.mkdir()
    for source in SOURCES:
        clip(source, folder / source.name, seconds=12)
    from tiexin.adapters.asr.model import prepare_bundled_model

    model = prepare_bundled_model(Path(__file__).resolve().parents[2] / "var" / "models")
    env = {
        **os.environ,
        "TIEXIN_DATA_DIR": str(tmp_path / "var"),
        "TIEXIN_DATABASE_URL": database_url,
        "TIEXIN_ASR_MODEL_DIR": str(model),
    }
    first = _analyze(folder, env)
    deadline = time.monotonic() + 300
    while _safe_count(database_url) < 2 and time.monotonic() < deadline:
        assert first.poll() is None, first.stderr.read() if first.stderr else ""
        time.sleep(0.2)
    first.send_signal(signal.SIGKILL)
    first.wait()
    interrupted = _analysed(database_url)
    assert 2 <= interrupted < len(SOURCES)

    second = _analyze(folder, env)
    assert second.wait(timeout=600) == 0, second.stderr.read() if second.stderr else ""
    assert _analysed(database_url) == len(SOURCES)
    _assert_no_duplicates(database_url)
    out = tmp_path / "calls.jsonl"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "tiexin",
            "export",
            "calls",
            "--format",
            "jsonl",
            "--output",
            str(out),
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    exported = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert sorted(r["call_id"] for r in exported) == sorted(p.stem for p in SOURCES)


def _safe_count(url: str) -> int:
    try:
        return _analysed(url)
    except Exception:  # the first process may still be creating the schema
        return 0


def _assert_no_duplicates(url: str) -> None:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(call_turns.c.call_pk, call_turns.c.start_s, call_turns.c.text)
            ).all()
            call_rows = connection.execute(select(func.count()).select_from(calls)).scalar_one()
    finally:
        engine.dispose()
    assert len(rows) == len(set(rows))
    assert call_rows == len(SOURCES)
