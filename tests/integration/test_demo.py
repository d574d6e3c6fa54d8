"""The demo call set: real espeak-ng rendering into a temporary folder."""

from __future__ import annotations

import csv
import itertools
import json
import shutil
import wave
from pathlib import Path

import numpy as np
import pytest

from tiexin.demo.dialogues import DIALOGUES
from tiexin.demo.generate import CSV_HEADER, DemoSet, generate_demo
from tiexin.demo.render import EspeakNotFoundError, read_wav
from tiexin.domain.calls import Role, Turn

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")

WINDOW_S = 0.05


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoSet:
    return generate_demo(tmp_path_factory.mktemp("demo"))


def test_writes_one_wav_and_truth_per_dialogue(demo: DemoSet) -> None:
    names = {p.name for p in demo.directory.iterdir()}
    for d in DIALOGUES:
        assert {f"{d.call_id}.wav", f"{d.call_id}.truth.json"} <= names
    assert "calls.csv" in names
    assert not [n for n in names if n.endswith(".part")]


def test_csv_has_the_export_header_and_a_row_per_call(demo: DemoSet) -> None:
    with demo.csv_path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == list(CSV_HEADER)
    assert ",".join(rows[0]) == (
        "call_id,file,start_time,direction,line,agent_id,customer_msisdn,duration_s,language"
    )
    by_id = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert set(by_id) == {d.call_id for d in DIALOGUES}
    for d in DIALOGUES:
        row = by_id[d.call_id]
        assert row["file"] == f"{d.call_id}.wav"
        assert row["line"] == "10088"
        assert row["direction"] == d.direction.value
        assert row["language"] == d.language
        assert row["start_time"].endswith("+08:00")


def test_audio_format_and_duration_match_the_script(demo: DemoSet) -> None:
    for call, dialogue in zip(demo.calls, DIALOGUES, strict=True):
        with wave.open(str(call.wav_path), "rb") as w:
            assert w.getsampwidth() == 2
            assert w.getframerate() == dialogue.sample_rate
            assert w.getnchannels() == (2 if dialogue.channels == "stereo" else 1)
            duration = w.getnframes() / w.getframerate()
        assert call.metadata.duration_s == pytest.approx(duration, abs=0.001)
        assert 20 < duration < 120
        assert call.turns[-1].end_s < duration
        assert [t.text for t in call.turns] == [t.text for t in dialogue.turns]


def test_sample_rates_and_layouts_cover_the_variants(demo: DemoSet) -> None:
    assert {c.sample_rate for c in demo.calls} == {8000, 16000}
    assert {c.channels for c in demo.calls} == {"stereo", "mono"}
    assert {c.metadata.language for c in demo.calls} == {"zh", "en"}


def test_truth_file_agrees_with_the_returned_turns(demo: DemoSet) -> None:
    for call in demo.calls:
        truth = json.loads(call.truth_path.read_text(encoding="utf-8"))
        assert truth["sample_rate"] == call.sample_rate
        assert [(t["role"], t["start_s"], t["end_s"], t["text"]) for t in truth["turns"]] == [
            (str(t.role), t.start_s, t.end_s, t.text) for t in call.turns
        ]


def test_speech_energy_lies_inside_the_truth_turns(demo: DemoSet) -> None:
    for call in demo.calls:
        audio, sr = read_wav(call.wav_path)
        for channel in range(audio.shape[1]):
            turns = _turns_on(call.turns, channel, stereo=audio.shape[1] == 2)
            floor = _noise_floor(audio[:, channel], sr, turns)
            for turn in turns:
                # the first and last moments of a turn are speech: clips are trimmed to it
                assert _rms(audio[:, channel], sr, turn.start_s, turn.start_s + 0.2) > 4 * floor
                assert _rms(audio[:, channel], sr, turn.end_s - 0.2, turn.end_s) > 4 * floor
            for gap_start, gap_end in _gaps(turns):
                quiet = _rms(audio[:, channel], sr, gap_start + WINDOW_S, gap_end - WINDOW_S)
                assert quiet < 1.5 * floor, (call.metadata.call_id, channel, gap_start)


def test_hold_and_overtalk_are_where_the_script_puts_them(demo: DemoSet) -> None:
    calls = {c.metadata.call_id: c for c in demo.calls}
    hold = calls["DEMO-0003"].turns
    assert max(b.start_s - a.end_s for a, b in itertools.pairwise(hold)) >= 15.3
    overtalk = calls["DEMO-0004"].turns
    overlaps = [
        round(a.end_s - b.start_s, 3)
        for a, b in itertools.pairwise(overtalk)
        if b.start_s < a.end_s
    ]
    assert overlaps == [2.0, 1.5]


def test_second_run_reuses_files_and_output_is_deterministic(
    demo: DemoSet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    again = generate_demo(tmp_path)
    for first, second in zip(demo.calls, again.calls, strict=True):
        assert first.wav_path.read_bytes() == second.wav_path.read_bytes()
        assert first.truth_path.read_bytes() == second.truth_path.read_bytes()
    assert demo.csv_path.read_bytes() == again.csv_path.read_bytes()

    monkeypatch.setenv("PATH", "")  # up-to-date files need no synthesiser
    reused = generate_demo(tmp_path)
    assert not any(c.rendered for c in reused.calls)


def test_missing_espeak_is_named_in_the_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", "")
    with pytest.raises(EspeakNotFoundError, match="install the Debian package espeak-ng"):
        generate_demo(tmp_path, DIALOGUES[:1])


def _turns_on(turns: tuple[Turn, ...], channel: int, *, stereo: bool) -> list[Turn]:
    if not stereo:
        return list(turns)
    role = Role.AGENT if channel == 0 else Role.CUSTOMER
    return [t for t in turns if t.role == role]


def _gaps(turns: list[Turn]) -> list[tuple[float, float]]:
    """Stretches longer than 0.3 s where no turn on this channel is playing."""
    gaps, latest_end = [], turns[0].end_s
    for turn in turns[1:]:
        if turn.start_s - latest_end > 0.3:
            gaps.append((latest_end, turn.start_s))
        latest_end = max(latest_end, turn.end_s)
    return gaps


def _noise_floor(x: np.ndarray, sr: int, turns: list[Turn]) -> float:
    """RMS of the lead-in before anyone speaks: line noise only."""
    first = min(t.start_s for t in turns)
    return _rms(x, sr, 0.0, first - WINDOW_S)


def _rms(x: np.ndarray, sr: int, start_s: float, end_s: float) -> float:
    segment = x[round(start_s * sr) : round(end_s * sr)]
    return float(np.sqrt(np.mean(segment**2)))
