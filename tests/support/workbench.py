"""Seed data for web tests: scored calls from the demo scripts (no ASR), one user per role.

The calls come from Tiexin's own demo dialogues imported as transcripts, so they are scored by
the real bundled scorecard. Two of them are given a short stereo WAV so the audio endpoint has a
recording to serve.
"""

from __future__ import annotations

import json
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, update

from tiexin.adapters.storage.tables import calls
from tiexin.config import Settings
from tiexin.demo.dialogues import DIALOGUES, ScriptTurn
from tiexin.pipeline.factory import build_pipeline, pipeline_config
from tiexin.services.analyze import import_transcript_file
from tiexin.services.auth import add_user
from tiexin.services.ingest import UnitOfWorkFactory

PASSWORD = "correct-horse-battery"
AGENT_ID = "3107"  # the agent of DEMO-0001 (and only that call among the demo scripts)
OTHER_AGENT_ID = "3215"

# username, role, agent id, team
USERS = (
    ("inspector", "inspector", None, None),
    ("inspector2", "inspector", None, None),
    ("agent", "agent", AGENT_ID, "VIP-A"),
    ("agent2", "agent", OTHER_AGENT_ID, "VIP-A"),
    ("manager", "account_manager", None, None),
    ("supervisor", "supervisor", None, None),
    ("admin", "admin", None, None),
)
ROLES = ("inspector", "agent", "account_manager", "supervisor", "admin")


@dataclass(frozen=True)
class Seeded:
    call_ids: tuple[str, ...]
    audio_call_ids: tuple[str, ...]
    agent_call_id: str  # a call of AGENT_ID
    other_call_id: str  # a call of another agent


def _timed_turns(script: tuple[ScriptTurn, ...]) -> list[dict[str, object]]:
    turns: list[dict[str, object]] = []
    clock = 0.4
    for turn in script:
        gap = turn.gap_before_s if turn.gap_before_s is not None else 0.6
        start = max(0.0, clock + gap + turn.hold_s - turn.overlap_s)
        end = start + max(1.0, 0.22 * len(turn.text))
        turns.append(
            {
                "role": turn.role.value,
                "start": round(start, 2),
                "end": round(end, 2),
                "text": turn.text,
            }
        )
        clock = end
    return turns


def transcript_file(folder: Path) -> Path:
    items = [
        {
            "call_id": d.call_id,
            "start_time": d.start_time.isoformat(),
            "direction": d.direction.value,
            "line": d.line,
            "agent_id": d.agent_id,
            "customer_msisdn": d.customer_msisdn,
            "language": d.language,
            "turns": _timed_turns(d.turns),
        }
        for d in DIALOGUES
    ]
    path = folder / "seed-calls.json"
    path.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    return path


def write_stereo_wav(path: Path, seconds: float = 20.0, rate: int = 8000) -> None:
    """Two channels of quiet tone bursts: enough for a waveform and seeking."""
    t = np.arange(int(seconds * rate)) / rate
    left = 0.3 * np.sin(2 * np.pi * 220 * t) * (np.sin(2 * np.pi * 0.2 * t) > 0)
    right = 0.3 * np.sin(2 * np.pi * 330 * t) * (np.sin(2 * np.pi * 0.2 * t) <= 0)
    frames = (np.stack([left, right], axis=1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames.tobytes())


def seed_calls(
    uow_factory: UnitOfWorkFactory, engine: Engine, settings: Settings, folder: Path
) -> Seeded:
    pipeline = build_pipeline(pipeline_config(settings))
    report, problems = import_transcript_file(
        uow_factory, pipeline, transcript_file(folder), settings
    )
    assert not problems and not report.failed, (problems, report.failed)
    call_ids = tuple(d.call_id for d in DIALOGUES)
    audio_ids = call_ids[:2]
    with engine.begin() as connection:
        for call_id in audio_ids:
            wav = folder / f"{call_id}.wav"
            write_stereo_wav(wav)
            connection.execute(
                update(calls)
                .where(calls.c.call_id == call_id)
                .values(source="audio", file_path=str(wav))
            )
    agent_call = next(d.call_id for d in DIALOGUES if d.agent_id == AGENT_ID)
    other_call = next(d.call_id for d in DIALOGUES if d.agent_id == OTHER_AGENT_ID)
    return Seeded(call_ids, audio_ids, agent_call, other_call)


def seed_users(uow_factory: UnitOfWorkFactory) -> None:
    for username, role, agent_id, team in USERS:
        add_user(uow_factory, username, role=role, password=PASSWORD, agent_id=agent_id, team=team)
