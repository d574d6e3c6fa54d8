"""Dialogue readers: STC-3 labelled dialogues, Tiexin's reviewed calls and Tiexin's prediction
input (JSON Lines).

All map to the same neutral shape, a sequence of (role, text) turns with roles `customer` and
`agent`, so one model serves the STC-3 helpdesk dialogues and Tiexin's own transcribed calls.
A dialogue's gold distribution is the share of its annotators (STC-3) or inspectors (Tiexin)
who chose each label.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from tiexin.domain.errors import InputError
from tiexin.perception.metrics import LABELS

Role = Literal["customer", "agent"]
Turn = tuple[Role, str]

ROLES: tuple[Role, ...] = ("customer", "agent")
STC3_ROLES: dict[str, Role] = {"customer": "customer", "helpdesk": "agent"}
CALL_ROLES: dict[str, Role] = {role: role for role in ROLES}  # a stored call's turn roles


@dataclass(frozen=True)
class Dialogue:
    """A dialogue to score: its id and its turns in order."""

    id: str
    turns: tuple[Turn, ...]


@dataclass(frozen=True)
class LabelledDialogue:
    """A dialogue with its gold satisfaction distribution over -2..2 (shape (5,), sums to 1)."""

    id: str
    turns: tuple[Turn, ...]
    satisfaction: npt.NDArray[np.float64]


def read_stc3(path: Path) -> list[LabelledDialogue]:
    """Read an STC-3 dialogue-quality JSON file; the gold S is the share of annotators per label."""
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", source=str(path)) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"not valid JSON: {exc}", source=str(path)) from None
    if not isinstance(records, list) or not records:
        raise InputError("expected a non-empty JSON list of dialogues", source=str(path))
    return [_stc3_dialogue(record, index, path) for index, record in enumerate(records)]


def _stc3_dialogue(record: Any, index: int, path: Path) -> LabelledDialogue:
    where = f"dialogues[{index}]"
    record = _expect(record, dict, where, path)
    dialogue_id = str(_field(record, "id", where, path))
    turns = tuple(
        _stc3_turn(turn, f"{where}.turns[{t}]", path)
        for t, turn in enumerate(_expect(_field(record, "turns", where, path), list, where, path))
    )
    annotations = _expect(_field(record, "annotations", where, path), list, where, path)
    scores = [
        _stc3_satisfaction(annotation, f"{where}.annotations[{a}]", path)
        for a, annotation in enumerate(annotations)
    ]
    if not turns or not scores:
        raise InputError(
            f"{where} (id {dialogue_id}) has no turns or no annotations", source=str(path)
        )
    return LabelledDialogue(dialogue_id, turns, label_distribution(scores))


def label_distribution(labels: Sequence[int]) -> npt.NDArray[np.float64]:
    """The share of annotators who chose each of LABELS (labels must be non-empty, in LABELS)."""
    counts = np.zeros(len(LABELS))
    for label in labels:
        counts[LABELS.index(label)] += 1
    distribution: npt.NDArray[np.float64] = counts / counts.sum()
    return distribution


def reviewed_call(
    call_id: str, turns: Sequence[tuple[str, str]], labels: Sequence[int]
) -> LabelledDialogue | None:
    """A reviewed call as a labelled dialogue: its agent and customer turns (turns whose speaker
    is unknown are left out, as when the model scores a call) and its inspectors' labels.
    None when the call has no agent or customer turn to learn from."""
    kept = tuple((CALL_ROLES[role], text) for role, text in turns if role in CALL_ROLES)
    if not kept or not labels:
        return None
    return LabelledDialogue(call_id, kept, label_distribution(labels))


def _stc3_turn(turn: Any, where: str, path: Path) -> Turn:
    turn = _expect(turn, dict, where, path)
    sender = _field(turn, "sender", where, path)
    if sender not in STC3_ROLES:
        raise InputError(
            f"{where}.sender must be customer or helpdesk, got {sender!r}", source=str(path)
        )
    utterances = _expect(_field(turn, "utterances", where, path), list, f"{where}.utterances", path)
    return STC3_ROLES[sender], "\n".join(str(u) for u in utterances)


def _stc3_satisfaction(annotation: Any, where: str, path: Path) -> int:
    """The annotator's label, one of LABELS."""
    quality = _expect(
        _field(_expect(annotation, dict, where, path), "quality", where, path),
        dict,
        f"{where}.quality",
        path,
    )
    score = _field(quality, "S", f"{where}.quality", path)
    if isinstance(score, bool) or score not in LABELS:
        raise InputError(
            f"{where}.quality.S must be an integer -2..2, got {score!r}", source=str(path)
        )
    return int(score)


def read_dialogues_jsonl(path: Path) -> list[Dialogue]:
    """Read `{"id", "turns": [{"role": "customer"|"agent", "text"}]}` lines (blank ones skipped)."""
    try:
        with path.open(encoding="utf-8") as lines:
            dialogues = [_jsonl_dialogue(text, number, path) for number, text in _numbered(lines)]
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", source=str(path)) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text: {exc.reason}", source=str(path)) from None
    if not dialogues:
        raise InputError("no dialogues in the file", source=str(path))
    return dialogues


def _numbered(lines: Iterator[str]) -> Iterator[tuple[int, str]]:
    return ((number, text) for number, text in enumerate(lines, start=1) if text.strip())


def _jsonl_dialogue(text: str, number: int, path: Path) -> Dialogue:
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", source=str(path), line=number) from None
    if not isinstance(record, dict):
        raise InputError("expected a JSON object", source=str(path), line=number)
    dialogue_id = record.get("id")
    if not isinstance(dialogue_id, str | int) or isinstance(dialogue_id, bool):
        raise InputError("field 'id' must be a string or an integer", source=str(path), line=number)
    turns = record.get("turns")
    if not isinstance(turns, list) or not turns:
        raise InputError("field 'turns' must be a non-empty list", source=str(path), line=number)
    return Dialogue(
        str(dialogue_id), tuple(_jsonl_turn(t, i, path, number) for i, t in enumerate(turns))
    )


def _jsonl_turn(turn: Any, index: int, path: Path, number: int) -> Turn:
    where = f"field 'turns[{index}]"
    if not isinstance(turn, dict):
        raise InputError(f"{where}' must be an object", source=str(path), line=number)
    role, text = turn.get("role"), turn.get("text")
    if role not in ROLES:
        raise InputError(
            f"{where}.role' must be customer or agent, got {role!r}", source=str(path), line=number
        )
    if not isinstance(text, str):
        raise InputError(f"{where}.text' must be a string", source=str(path), line=number)
    return role, text


def prediction_record(dialogue_id: str, distribution: npt.NDArray[np.float64]) -> dict[str, Any]:
    """One output line: `{"id", "satisfaction": {"-2": p, ..., "2": p}}`."""
    return {
        "id": dialogue_id,
        "satisfaction": {
            str(label): float(p) for label, p in zip(LABELS, distribution, strict=True)
        },
    }


def _field(record: dict[str, Any], name: str, where: str, path: Path) -> Any:
    if name not in record:
        raise InputError(f"{where} has no field '{name}'", source=str(path))
    return record[name]


def _expect(value: Any, kind: type, where: str, path: Path) -> Any:
    if not isinstance(value, kind):
        raise InputError(f"{where} must be a JSON {_JSON_NAMES[kind]}", source=str(path))
    return value


_JSON_NAMES: dict[type, str] = {dict: "object", list: "list"}
