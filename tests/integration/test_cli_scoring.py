"""`tiexin scorecard check`, scoring on import and `tiexin rescore`, on both databases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tiexin.cli import app
from tiexin.pipeline.factory import bundled_scorecard

CALL = {
    "call_id": "S-1",
    "start_time": "2025-03-04T10:59:50+08:00",
    "direction": "inbound",
    "line": "10088",
    "agent_id": "1024",
    "language": "zh",
    "turns": [
        {
            "role": "agent",
            "start": 0.0,
            "end": 3.0,
            "text": "您好，工号一零二四为您服务，请问有什么可以帮您？",
        },
        {"role": "customer", "start": 3.5, "end": 6.0, "text": "我想查一下这个月的话费。"},
        {"role": "agent", "start": 6.5, "end": 9.0, "text": "好的，请问还有其他可以帮您的吗？"},
        {"role": "customer", "start": 9.5, "end": 10.5, "text": "没有了，谢谢。"},
        {"role": "agent", "start": 11.0, "end": 13.0, "text": "感谢您的来电，祝您生活愉快，再见！"},
    ],
}


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> Path:
    monkeypatch.setenv("TIEXIN_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("TIEXIN_DATABASE_URL", database_url)
    return tmp_path


def _invoke(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def _export(tmp_path: Path) -> dict[str, dict[str, Any]]:
    out = tmp_path / "calls.jsonl"
    assert _invoke("export", "calls", "--format", "jsonl", "--output", str(out)).exit_code == 0
    records = map(json.loads, out.read_text(encoding="utf-8").splitlines())
    return {record["call_id"]: record for record in records}


def test_the_bundled_scorecard_checks(env: Path) -> None:
    result = _invoke("scorecard", "check", str(bundled_scorecard()))
    assert result.exit_code == 0, result.output
    assert "scorecard 10088-vip" in result.output and "is valid" in result.output


def test_a_misspelt_feature_is_reported_with_line_and_suggestion(env: Path) -> None:
    text = bundled_scorecard().read_text(encoding="utf-8")
    broken = env / "broken.yaml"
    broken.write_text(text.replace("longest_silence_s > 10", "longest_silense_s > 10"), "utf-8")
    line = (
        text.splitlines().index(
            next(ln for ln in text.splitlines() if "longest_silence_s > 10" in ln)
        )
        + 1
    )
    result = _invoke("scorecard", "check", str(broken))
    assert result.exit_code == 2
    assert f"broken.yaml:{line}" in result.output.replace("\n", "")
    assert "longest_silence_s" in result.output


def test_imported_calls_are_scored_and_rescoring_keeps_both_versions(env: Path) -> None:
    path = env / "t.json"
    path.write_text(json.dumps([CALL], ensure_ascii=False), encoding="utf-8")
    assert _invoke("import", "transcripts", str(path)).exit_code == 0
    evaluation = _export(env)["S-1"]["evaluation"]
    assert evaluation["scorecard"] == "10088-vip"
    items = {item["id"]: item for item in evaluation["items"]}
    assert items["greeting_job_number"]["result"] == "pass"
    assert items["ask_anything_else"]["result"] == "pass"
    assert items["polite_closing"]["result"] == "pass"
    assert items["plan_facts"]["result"] == "na"  # no catalogue configured and no plan named
    assert all(item["explanation"] for item in evaluation["items"])
    assert 0 <= evaluation["total"] <= 100

    text = bundled_scorecard().read_text(encoding="utf-8")
    version = next(ln for ln in text.splitlines() if ln.startswith("version:"))
    newer = env / "v2.yaml"
    newer.write_text(text.replace(version, 'version: "2.0"'), encoding="utf-8")
    result = _invoke("rescore", "--scorecard", str(newer))
    assert result.exit_code == 0, result.output
    assert "Scored 1 calls with 10088-vip version 2.0" in result.output
    assert _export(env)["S-1"]["evaluation"]["version"] == "2.0"

    from tiexin.bootstrap import open_storage
    from tiexin.config import Settings

    with open_storage(Settings())() as uow:
        versions = [e["version"] for e in uow.evaluations.for_call("S-1")]
    assert sorted(versions) == sorted(["2.0", evaluation["version"]])


SHARED_CATALOG = Path(__file__).resolve().parents[2].parent / "shared/data/calls/catalog.yaml"


def test_scorecard_versions_are_stored_immutable_and_usable_for_rescoring(env: Path) -> None:
    text = bundled_scorecard().read_text(encoding="utf-8")
    card = env / "card.yaml"
    card.write_text(text, encoding="utf-8")
    assert "stored" in _invoke("scorecard", "add", str(card)).output
    assert "already stored" in _invoke("scorecard", "add", str(card)).output
    card.write_text(text.replace("name: 10088 贵宾热线服务质检", "name: 改过的"), "utf-8")
    refused = _invoke("scorecard", "add", str(card))
    assert refused.exit_code == 2 and "new version" in refused.output
    listed = _invoke("scorecard", "list")
    assert "10088-vip" in listed.output
    path = env / "t.json"
    path.write_text(json.dumps([CALL], ensure_ascii=False), encoding="utf-8")
    assert _invoke("import", "transcripts", str(path)).exit_code == 0
    version = _export(env)["S-1"]["evaluation"]["version"]
    result = _invoke("rescore", "--scorecard", f"10088-vip@{version}")
    assert result.exit_code == 0, result.output
    unknown = _invoke("rescore", "--scorecard", "nope@9")
    assert unknown.exit_code == 2 and "neither a scorecard file nor a stored scorecard" in (
        unknown.output
    )


def test_an_imported_catalogue_drives_the_plan_fact_check(env: Path) -> None:
    if not SHARED_CATALOG.is_file():
        pytest.skip("shared catalogue not available")
    result = _invoke("import", "catalog", str(SHARED_CATALOG))
    assert result.exit_code == 0 and "Imported" in result.output, result.output
    wrong = {
        **CALL,
        "call_id": "S-2",
        "turns": [
            *CALL["turns"][:2],
            {
                "role": "agent",
                "start": 6.5,
                "end": 9.0,
                "text": "尊享八十八元套餐每月含五十G流量。",
            },
        ],
    }
    path = env / "t.json"
    path.write_text(json.dumps([wrong], ensure_ascii=False), encoding="utf-8")
    assert _invoke("import", "transcripts", str(path)).exit_code == 0
    items = {i["id"]: i for i in _export(env)["S-2"]["evaluation"]["items"]}
    assert items["plan_facts"]["result"] == "fail", items["plan_facts"]
    assert "50" in items["plan_facts"]["explanation"]
    assert items["plan_facts"]["evidence"][0]["text"].startswith("尊享八十八元套餐")
    bad = env / "bad.yaml"
    bad.write_text("plans:\n  - id: X\n    nme: x\n", encoding="utf-8")
    rejected = _invoke("import", "catalog", str(bad))
    assert rejected.exit_code == 2 and "bad.yaml:3" in rejected.output


def test_a_configured_perception_model_estimates_every_call(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import numpy as np

    from tiexin.perception import train_model
    from tiexin.perception.data import LabelledDialogue

    happy, angry = np.array([0, 0, 0.1, 0.3, 0.6]), np.array([0.6, 0.3, 0.1, 0, 0])
    dialogues = [
        LabelledDialogue(
            f"d{i}",
            (("customer", text), ("agent", "好的，马上为您处理。")),
            happy if i % 2 else angry,
        )
        for i, text in enumerate(["太差了，我要投诉！", "谢谢，非常满意。"] * 10)
    ]
    model = env / "perception.npz"
    train_model(dialogues).save(model)
    monkeypatch.setenv("TIEXIN_PERCEPTION_MODEL", str(model))
    path = env / "t.json"
    path.write_text(json.dumps([CALL], ensure_ascii=False), encoding="utf-8")
    assert _invoke("import", "transcripts", str(path)).exit_code == 0
    perception = _export(env)["S-1"]["features"]["customer_perception"]
    assert set(perception) == {"-2", "-1", "0", "1", "2"}
    assert sum(perception.values()) == pytest.approx(1.0, abs=1e-3)


def test_a_long_path_does_not_break_the_result_line(env: Path) -> None:
    """Regression: rich wrapped the message at the terminal width, splitting it mid-sentence."""
    deep = env.joinpath(*["a-rather-long-folder-name"] * 6)
    deep.mkdir(parents=True)
    card = deep / "10088-vip.yaml"
    card.write_text(bundled_scorecard().read_text(encoding="utf-8"), encoding="utf-8")
    result = _invoke("scorecard", "check", str(card))
    assert result.exit_code == 0, result.output
    assert f"{card}: scorecard 10088-vip version" in result.output.splitlines()[0]
