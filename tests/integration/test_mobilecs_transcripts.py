"""Ten real China Mobile 10086 transcripts (MobileCS example) imported and scored.

Greetings and closings must be found exactly where the agent said them, as the dialogues'
own intent labels mark them: 问候 in the opening; 客套/引导/再见 in the agent's last three turns,
or a question (询问) as the agent's very last turn, which is the closing offer of help.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tiexin.cli import app

EXAMPLE = (
    Path(__file__).resolve().parents[2].parent / "shared" / "data" / "mobilecs" / "example.json"
)
AGENT, CUSTOMER = "[SPEAKER 1]", "[SPEAKER 2]"
SCORECARD = """\
id: mobilecs-check
version: "1"
mode: weighted
sections:
  - id: etiquette
    weight: 1
    items:
      - id: greeting
        points: 1
        pass_when: agent says any("您好", "你好") in first 2 turns
      - id: closing
        points: 1
        pass_when: >
          agent says sounds_like("还有什么", "还有其他", "还有其它", "还有别的", "客气",
                                 "再见", "感谢") in last 3 turns
"""


def _transcript(dialogue: dict[str, Any]) -> dict[str, Any]:
    """Agent and customer turns in order, timed at five characters a second."""
    turns, clock = [], 0.0
    for exchange in dialogue["content"]:
        for key, role in ((AGENT, "agent"), (CUSTOMER, "customer")):
            text = exchange.get(key, "").strip()
            if text:
                length = max(1.0, len(text) / 5)
                turns.append({"role": role, "start": clock, "end": clock + length, "text": text})
                clock += length + 0.5
    return {
        "call_id": dialogue["id"],
        "start_time": "2022-06-01T09:00:00+08:00",
        "direction": "inbound",
        "line": "10086",
        "agent_id": "mobilecs",
        "language": "zh",
        "turns": turns,
    }


def _agent_intents(dialogue: dict[str, Any]) -> list[str]:
    return [e.get("客服意图", "") for e in dialogue["content"] if e.get(AGENT, "").strip()]


def _greeted(dialogue: dict[str, Any]) -> str:
    return "pass" if any("问候" in i for i in _agent_intents(dialogue)[:2]) else "fail"


def _closed(dialogue: dict[str, Any]) -> str:
    intents = _agent_intents(dialogue)
    polite = any(tag in i for i in intents[-3:] for tag in ("客套", "引导", "再见"))
    return "pass" if polite or "询问" in intents[-1] else "fail"


def test_greetings_and_closings_found_where_the_agent_said_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not EXAMPLE.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"{EXAMPLE} missing")
        pytest.skip("MobileCS example not available")
    monkeypatch.setenv("TIEXIN_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("TIEXIN_DATABASE_URL", raising=False)
    dialogues = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    transcripts = tmp_path / "mobilecs.json"
    transcripts.write_text(json.dumps([_transcript(d) for d in dialogues], ensure_ascii=False))
    card = tmp_path / "card.yaml"
    card.write_text(SCORECARD, encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(app, ["import", "transcripts", str(transcripts)]).exit_code == 0
    assert runner.invoke(app, ["rescore", "--scorecard", str(card)]).exit_code == 0
    out = tmp_path / "calls.jsonl"
    runner.invoke(app, ["export", "calls", "--format", "jsonl", "--output", str(out)])
    calls = {r["call_id"]: r for r in map(json.loads, out.read_text("utf-8").splitlines())}
    assert len(calls) == len(dialogues) == 10
    for dialogue in dialogues:
        items = {i["id"]: i["result"] for i in calls[dialogue["id"]]["evaluation"]["items"]}
        assert items["greeting"] == _greeted(dialogue), dialogue["id"]
        assert items["closing"] == _closed(dialogue), dialogue["id"]
