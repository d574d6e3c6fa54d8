"""`tiexin perception` end to end on real STC-3 dialogues (read at run time, never copied here)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tiexin.perception.cli import perception_app
from tiexin.perception.data import read_stc3
from tiexin.perception.evaluation import cross_validate

STC3 = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "stc3"
DEV_CN = STC3 / "dev_cn.json"
SUBSET = 300


@pytest.fixture(scope="module")
def dev_cn() -> Path:
    if not DEV_CN.is_file():
        message = f"STC-3 data not found at {DEV_CN}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return DEV_CN


@pytest.fixture
def subset(dev_cn: Path, tmp_path: Path) -> Path:
    path = tmp_path / "subset.json"
    records = json.loads(dev_cn.read_text(encoding="utf-8"))[:SUBSET]
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return path


def _as_jsonl(stc3: Path, target: Path, count: int) -> Path:
    lines = []
    for record in json.loads(stc3.read_text(encoding="utf-8"))[:count]:
        turns = [
            {
                "role": "agent" if t["sender"] == "helpdesk" else "customer",
                "text": "".join(t["utterances"]),
            }
            for t in record["turns"]
        ]
        lines.append(json.dumps({"id": record["id"], "turns": turns}, ensure_ascii=False))
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def test_train_then_predict(subset: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    model = tmp_path / "perception.npz"
    trained = runner.invoke(
        perception_app, ["train", "--format", "stc3", "--data", str(subset), "--model", str(model)]
    )
    assert trained.exit_code == 0, trained.output
    source = _as_jsonl(subset, tmp_path / "in.jsonl", 25)
    output = tmp_path / "out.jsonl"
    predicted = runner.invoke(
        perception_app,
        ["predict", "--model", str(model), "--input", str(source), "--output", str(output)],
    )
    assert predicted.exit_code == 0, predicted.output
    rows = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    expected_ids = [
        json.loads(line)["id"] for line in source.read_text(encoding="utf-8").splitlines()
    ]
    assert [row["id"] for row in rows] == expected_ids
    for row in rows:
        assert list(row["satisfaction"]) == ["-2", "-1", "0", "1", "2"]
        assert sum(row["satisfaction"].values()) == pytest.approx(1.0, abs=1e-6)
        assert min(row["satisfaction"].values()) >= 0


def test_evaluate_prints_model_and_baselines(subset: Path) -> None:
    result = CliRunner().invoke(
        perception_app, ["evaluate", "--format", "stc3", "--data", str(subset), "--folds", "2"]
    )
    assert result.exit_code == 0, result.output
    for name in ("model", "uniform", "popularity", "NMD", "RSNOD"):
        assert name in result.output


def test_bad_input_line_is_one_readable_error(subset: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    model = tmp_path / "perception.npz"
    runner.invoke(
        perception_app, ["train", "--format", "stc3", "--data", str(subset), "--model", str(model)]
    )
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": "a", "turns": [{"role": "boss", "text": "x"}]}\n', encoding="utf-8")
    result = runner.invoke(
        perception_app,
        ["predict", "--model", str(model), "--input", str(source), "--output", str(tmp_path / "o")],
    )
    assert result.exit_code == 2
    assert "in.jsonl:1: field 'turns[0].role' must be customer or agent" in result.output
    assert "Traceback" not in result.output


def test_missing_model_file_exits_2(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": "a", "turns": [{"role": "agent", "text": "x"}]}\n', encoding="utf-8")
    result = CliRunner().invoke(
        perception_app,
        ["predict", "--model", str(tmp_path / "none.npz"), "--input", str(source), "--output", "o"],
    )
    assert result.exit_code == 2
    assert "none.npz" in result.output


@pytest.mark.slow
def test_five_fold_nmd_is_well_below_popularity(dev_cn: Path) -> None:
    scores = {s.predictor: s for s in cross_validate(read_stc3(dev_cn), folds=5, seed=0)}
    assert scores["model"].nmd <= 0.70 * scores["popularity"].nmd
    assert scores["model"].rsnod < scores["popularity"].rsnod < scores["uniform"].rsnod
