"""Write the demo call set: one WAV and one ground-truth JSON per dialogue, plus calls.csv.

The folder looks like a recording system's export, so the ordinary ingest path reads it.
Rendering is skipped for a call whose files were made from the same script and render
settings (the hash is stored in the truth file), which keeps a second `make run` quick.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tiexin.demo.dialogues import DIALOGUES, Channels, Dialogue
from tiexin.demo.render import VOICES, Rendering, render, write_wav
from tiexin.domain.calls import CallMetadata, Role, Turn
from tiexin.services.metadata_csv import METADATA_COLUMNS

RENDER_VERSION = 2  # bump when render.py changes the sound, so old files get re-rendered
CSV_HEADER = METADATA_COLUMNS  # the columns `tiexin ingest --metadata` reads


@dataclass(frozen=True, slots=True)
class DemoCall:
    metadata: CallMetadata
    wav_path: Path
    truth_path: Path
    channels: Channels
    sample_rate: int
    turns: tuple[Turn, ...]  # ground truth: where each scripted turn lies in the audio
    rendered: bool  # False when up-to-date files from an earlier run were kept


@dataclass(frozen=True, slots=True)
class DemoSet:
    directory: Path
    csv_path: Path
    calls: tuple[DemoCall, ...]


def generate_demo(out_dir: Path, dialogues: Sequence[Dialogue] = DIALOGUES) -> DemoSet:
    """Render (or reuse) every dialogue into `out_dir` and write the metadata CSV."""
    out_dir.mkdir(parents=True, exist_ok=True)
    calls = tuple(_generate_call(out_dir, d) for d in dialogues)
    csv_path = out_dir / "calls.csv"
    _write_csv(csv_path, calls)
    return DemoSet(out_dir, csv_path, calls)


def script_hash(dialogue: Dialogue) -> str:
    """Identity of everything that decides a call's audio: its script and the render settings."""
    voices = {f"{lang}/{role}": list(args) for (lang, role), args in VOICES.items()}
    payload = {"render_version": RENDER_VERSION, "voices": voices, "dialogue": asdict(dialogue)}
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _generate_call(out_dir: Path, dialogue: Dialogue) -> DemoCall:
    wav_path = out_dir / f"{dialogue.call_id}.wav"
    truth_path = out_dir / f"{dialogue.call_id}.truth.json"
    digest = script_hash(dialogue)
    truth = _load_truth(truth_path)
    rendered = not (wav_path.exists() and truth is not None and truth["script_hash"] == digest)
    if rendered:
        truth = _render_files(dialogue, digest, wav_path, truth_path)
    assert truth is not None  # either loaded and current, or freshly written
    return DemoCall(
        metadata=_metadata(dialogue, wav_path.name, float(truth["duration_s"])),
        wav_path=wav_path,
        truth_path=truth_path,
        channels=dialogue.channels,
        sample_rate=dialogue.sample_rate,
        turns=tuple(
            Turn(Role(t["role"]), t["start_s"], t["end_s"], t["text"]) for t in truth["turns"]
        ),
        rendered=rendered,
    )


def _render_files(
    dialogue: Dialogue, digest: str, wav_path: Path, truth_path: Path
) -> dict[str, Any]:
    """Write the WAV, then the truth file; the truth file last, as it marks the call complete."""
    rendering = render(dialogue)
    tmp_wav = wav_path.with_suffix(".wav.part")
    write_wav(tmp_wav, rendering.samples, rendering.sample_rate)
    os.replace(tmp_wav, wav_path)
    truth = _truth(dialogue, digest, rendering)
    tmp_truth = truth_path.with_suffix(".part")
    tmp_truth.write_text(json.dumps(truth, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp_truth, truth_path)
    return truth


def _load_truth(path: Path) -> dict[str, Any] | None:
    try:
        loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # missing or half-written: render again
    return loaded


def _truth(dialogue: Dialogue, digest: str, rendering: Rendering) -> dict[str, Any]:
    channels: Any = (
        "mono" if dialogue.channels == "mono" else {"left": "agent", "right": "customer"}
    )
    return {
        "call_id": dialogue.call_id,
        "language": dialogue.language,
        "direction": str(dialogue.direction),
        "line": dialogue.line,
        "agent_id": dialogue.agent_id,
        "customer_msisdn": dialogue.customer_msisdn,
        "start_time": dialogue.start_time.isoformat(),
        "scenario": list(dialogue.scenario),
        "channels": channels,
        "sample_rate": rendering.sample_rate,
        "duration_s": round(rendering.duration_s, 3),
        "script_hash": digest,
        "turns": [
            {"role": str(t.role), "start_s": t.start_s, "end_s": t.end_s, "text": t.text}
            for t in rendering.turns
        ],
    }


def _metadata(dialogue: Dialogue, file: str, duration_s: float) -> CallMetadata:
    return CallMetadata(
        call_id=dialogue.call_id,
        file=file,
        start_time=dialogue.start_time,
        direction=dialogue.direction,
        line=dialogue.line,
        agent_id=dialogue.agent_id,
        customer_msisdn=dialogue.customer_msisdn,
        duration_s=duration_s,
        language=dialogue.language,
    )


def _write_csv(path: Path, calls: Sequence[DemoCall]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(CSV_HEADER)
        for call in calls:
            m = call.metadata
            start = m.start_time.isoformat() if m.start_time else ""
            duration = f"{m.duration_s:.3f}" if m.duration_s is not None else ""
            writer.writerow(
                (
                    m.call_id,
                    m.file,
                    start,
                    m.direction,
                    m.line,
                    m.agent_id,
                    m.customer_msisdn,
                    duration,
                    m.language,
                )
            )
