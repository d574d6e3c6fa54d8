"""Measure the ground-truth turns of the synthetic calls and compare with their labels."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tiexin.domain.calls import Role, Turn
from tiexin.features.extract import features_to_dict, measure_call
from tiexin.features.pii import mask_turn_texts, spoken_digits_to_ascii

CALLS_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "calls"
CALL_FILES = sorted(CALLS_DIR.glob("*.json")) if CALLS_DIR.is_dir() else []
MASKED_PII = {"phone_number", "id_card_full", "id_card_partial"}
# Numbers that must stay readable: job numbers and prices/quantities (spoken with 十百千 or units)
KEPT_NUMBER = re.compile(
    r"工号[零一二三四五六七八九]{4}|[零一二三四五六七八九十百千]+(?:元|块|个?G)"
    r"|agent(?: (?:zero|one|two|three|four|five|six|seven|eight|nine)){4}"
)

pytestmark = pytest.mark.skipif(not CALL_FILES, reason=f"no ground-truth calls in {CALLS_DIR}")


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def turns_of(call: dict[str, Any]) -> list[Turn]:
    return [Turn(Role(t["role"]), t["start_s"], t["end_s"], t["text"]) for t in call["turns"]]


def measured(call: dict[str, Any]) -> dict[str, Any]:
    features = measure_call(
        turns_of(call), language=call["language"], duration_s=call["duration_s"]
    )
    return features_to_dict(features)


@pytest.mark.parametrize("path", CALL_FILES, ids=lambda p: p.stem)
def test_silence_and_overtalk_match_labels(path: Path) -> None:
    call = load(path)
    data = measured(call)
    assert data["longest_silence_s"] == pytest.approx(call["labels"]["longest_silence_s"], abs=0.05)
    assert data["overtalk_events"] == call["labels"]["overtalk_events"]


@pytest.mark.parametrize("path", CALL_FILES, ids=lambda p: p.stem)
def test_agent_speech_rate_matches_measured_rate(path: Path) -> None:
    call = load(path)
    rate = call["extra"]["agent_speech_rate"]
    per_minute = rate["value"] * 60 if rate["unit"] == "chars_per_s" else rate["value"]
    assert measured(call)["speech_rate_cpm"]["agent"] == pytest.approx(per_minute, rel=0.03)


@pytest.mark.parametrize("path", CALL_FILES, ids=lambda p: p.stem)
def test_masking_removes_spoken_numbers_and_keeps_job_numbers_and_prices(path: Path) -> None:
    call = load(path)
    texts = [t["text"] for t in call["turns"]]
    results = mask_turn_texts(texts, [Role(t["role"]) for t in call["turns"]])
    for item in call["extra"].get("pii_items", []):
        if item["type"] in MASKED_PII:
            masked = results[item["turn"]]
            assert item["value"] not in re.sub(r"\D", "", spoken_digits_to_ascii(masked.text))
            assert item["type"] in {span.kind.value for span in masked.spans}
    for text, result in zip(texts, results, strict=True):
        for kept in KEPT_NUMBER.findall(text):
            assert kept in result.text
