from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tiexin.domain.calls import Direction, Role, Turn
from tiexin.domain.errors import InputError
from tiexin.services.transcripts import TranscriptProblem, parse_call, read_transcripts


def call(call_id: str = "T-1", **changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "call_id": call_id,
        "start_time": "2025-03-04T10:59:50+08:00",
        "direction": "inbound",
        "line": "10088",
        "agent_id": "E01",
        "customer_msisdn": "13800138000",
        "language": "zh",
        "turns": [
            {"role": "agent", "start": 0.0, "end": 2.5, "text": " 您好，请问有什么可以帮您？ "},
            {"role": "customer", "start": 3, "end": 6, "text": "我想查一下积分"},
        ],
    }
    item.update(changes)
    return item


def write(tmp_path: Path, document: Any, name: str = "calls.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def test_single_object(tmp_path: Path) -> None:
    calls, problems = read_transcripts(write(tmp_path, call()))
    assert problems == []
    (imported,) = calls
    assert imported.metadata.call_id == "T-1"
    assert imported.metadata.file == "T-1.json"
    assert imported.metadata.direction is Direction.INBOUND
    assert imported.metadata.line == "10088"
    assert imported.metadata.agent_id == "E01"
    assert imported.metadata.customer_msisdn == "13800138000"
    assert imported.metadata.language == "zh"
    assert imported.turns == (
        Turn(role=Role.AGENT, start_s=0.0, end_s=2.5, text="您好，请问有什么可以帮您？"),
        Turn(role=Role.CUSTOMER, start_s=3.0, end_s=6.0, text="我想查一下积分"),
    )
    assert all(t.confidence is None and t.channel is None for t in imported.turns)
    assert len(imported.content_hash) == 64


def test_list_of_calls(tmp_path: Path) -> None:
    calls, problems = read_transcripts(write(tmp_path, [call("T-1"), call("T-2")]))
    assert problems == []
    assert [c.metadata.call_id for c in calls] == ["T-1", "T-2"]


def test_empty_list(tmp_path: Path) -> None:
    assert read_transcripts(write(tmp_path, [])) == ([], [])


def test_optional_fields_may_be_absent(tmp_path: Path) -> None:
    item = call()
    del item["customer_msisdn"], item["language"]
    (imported,), problems = read_transcripts(write(tmp_path, item))
    assert problems == []
    assert imported.metadata.customer_msisdn is None
    assert imported.metadata.language is None


def test_start_s_and_end_s_aliases(tmp_path: Path) -> None:
    turns = [{"role": "customer", "start_s": 1.5, "end_s": 2, "text": "hello"}]
    (imported,), problems = read_transcripts(write(tmp_path, call(turns=turns)))
    assert problems == []
    assert imported.turns == (Turn(role=Role.CUSTOMER, start_s=1.5, end_s=2.0, text="hello"),)


def test_invalid_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('[\n  {"call_id": "T-1",\n  oops\n]\n', encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_transcripts(path)
    assert str(caught.value).startswith(f"{path}:3: not valid JSON: ")
    assert caught.value.line == 3


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.json"
    with pytest.raises(InputError) as caught:
        read_transcripts(path)
    assert str(caught.value) == f"{path}: transcript file not found"


BAD_TURN = {"role": "agent", "start": 0, "end": 1, "text": "x"}


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ("not a call", "each call must be a JSON object"),
        (["nested"], "each call must be a JSON object"),
        (call(turns=None), "field turns: a non-empty list is required"),
        (call(turns=[]), "field turns: a non-empty list is required"),
        (call(turns={"role": "agent"}), "field turns: a non-empty list is required"),
        (call(turns=[BAD_TURN, "hello"]), "turn 1: must be a JSON object"),
        (
            call(turns=[BAD_TURN, {**BAD_TURN, "role": "caller"}]),
            "turn 1: field role: 'caller' is not one of agent, customer",
        ),
        (
            call(turns=[{**BAD_TURN, "role": "unknown"}]),
            "turn 0: field role: 'unknown' is not one of agent, customer",
        ),
        (
            call(turns=[{k: v for k, v in BAD_TURN.items() if k != "role"}]),
            "turn 0: field role: None is not one of agent, customer",
        ),
        (
            call(turns=[{**BAD_TURN, "start": -0.5}]),
            "turn 0: field start: -0.5 is not a time in seconds",
        ),
        (
            call(turns=[{**BAD_TURN, "start": None}]),
            "turn 0: field start: None is not a time in seconds",
        ),
        (
            call(turns=[{k: v for k, v in BAD_TURN.items() if k != "end"}]),
            "turn 0: field end: None is not a time in seconds",
        ),
        (
            call(turns=[BAD_TURN, BAD_TURN, {**BAD_TURN, "end": True}]),
            "turn 2: field end: True is not a time in seconds",
        ),
        (
            call(turns=[{**BAD_TURN, "start": False}]),
            "turn 0: field start: False is not a time in seconds",
        ),
        (
            call(turns=[{**BAD_TURN, "start": "1.5"}]),
            "turn 0: field start: '1.5' is not a time in seconds",
        ),
        (
            call(turns=[{**BAD_TURN, "start": 5, "end": 4.5}]),
            "turn 0: field end: 4.5 is before start 5.0",
        ),
        (call(turns=[{**BAD_TURN, "text": 3}]), "turn 0: field text: a string is required"),
        (call(turns=[{**BAD_TURN, "text": None}]), "turn 0: field text: a string is required"),
        (call(direction="sideways"), "field direction: 'sideways' is not one of inbound, outbound"),
        (call(start_time="yesterday"), "field start_time: 'yesterday' is not an ISO 8601 time"),
        (call(agent_id=None), "field agent_id: missing"),
        (call(language="fr"), "field language: 'fr' is not one of zh, en"),
    ],
)
def test_bad_call_is_reported_and_others_kept(tmp_path: Path, item: Any, reason: str) -> None:
    path = write(tmp_path, [call("T-1"), item, call("T-3")])
    calls, problems = read_transcripts(path)
    assert [c.metadata.call_id for c in calls] == ["T-1", "T-3"]
    (problem,) = problems
    label = item.get("call_id") if isinstance(item, dict) else None
    where = f"{path}: call 2 ({label})" if label else f"{path}: call 2"
    assert problem.where == where
    assert problem.reason.startswith(reason)
    assert str(problem) == f"{problem.where}: {problem.reason}"


def test_missing_call_id_is_reported_without_label(tmp_path: Path) -> None:
    item = call()
    del item["call_id"]
    path = write(tmp_path, item)
    calls, problems = read_transcripts(path)
    assert calls == []
    assert problems == [TranscriptProblem(f"{path}: call 1", "field call_id: missing")]


def test_problem_str() -> None:
    problem = TranscriptProblem(
        "calls.json: call 3 (A-17)", "turn 2: field text: a string is required"
    )
    assert str(problem) == "calls.json: call 3 (A-17): turn 2: field text: a string is required"


def test_content_hash_ignores_key_order() -> None:
    item = call()
    reordered = dict(reversed(list(item.items())))
    reordered["turns"] = [dict(reversed(list(t.items()))) for t in item["turns"]]
    assert list(reordered) != list(item)
    assert parse_call(item).content_hash == parse_call(reordered).content_hash


@pytest.mark.parametrize(
    "changed",
    [
        call(agent_id="E02"),
        call(turns=[{"role": "agent", "start": 0.0, "end": 2.5, "text": "您好"}]),
        call(extra="kept in the hash"),
    ],
)
def test_content_hash_changes_with_content(changed: dict[str, Any]) -> None:
    assert parse_call(changed).content_hash != parse_call(call()).content_hash


def test_content_hash_is_stable_across_reads(tmp_path: Path) -> None:
    first = read_transcripts(write(tmp_path, call(), "a.json"))[0][0].content_hash
    second = read_transcripts(write(tmp_path, call(), "b.json"))[0][0].content_hash
    assert first == second


def test_nan_time_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "nan.json"
    path.write_text(
        json.dumps(call(turns=[{"role": "agent", "start": float("nan"), "end": 1, "text": "x"}])),
        encoding="utf-8",
    )
    assert "NaN" in path.read_text(encoding="utf-8")
    calls, problems = read_transcripts(path)
    assert calls == []
    assert len(problems) == 1 and "field start" in problems[0].reason
