"""Training the perception model on Tiexin's own labelled calls, on both databases: invented
calls are imported as transcripts, inspectors label them through the service, and
`tiexin perception train --format tiexin` learns to tell the satisfied customers from the
dissatisfied ones."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner, Result

from tiexin.bootstrap import open_storage
from tiexin.config import Settings
from tiexin.domain.access import Principal, UserRole
from tiexin.perception.cli import perception_app
from tiexin.perception.data import Turn
from tiexin.perception.model import PerceptionModel
from tiexin.pipeline.factory import build_pipeline, pipeline_config
from tiexin.services.analyze import import_transcript_file
from tiexin.services.ingest import UnitOfWorkFactory
from tiexin.services.perception_labels import label_satisfaction, labelled_dialogues
from tiexin.services.review import Actor

TOPICS = ("流量包", "话费账单", "宽带报修", "国际漫游", "积分兑换", "套餐变更", "携号转网")
TOPICS += ("副卡办理", "停机保号", "发票开具", "来电显示", "家庭网")
HAPPY = ("太好了，问题解决了，谢谢你，非常满意！", "好的好的，办好了，服务真周到，谢谢！")
ANGRY = ("还是没解决，太差劲了，我要投诉！", "又让我等？已经第三次了，我很不满意！")
INSPECTOR = Actor(Principal("inspector", UserRole.INSPECTOR))
INSPECTOR2 = Actor(Principal("inspector2", UserRole.INSPECTOR))


def _script(topic: str, ending: str) -> list[Turn]:
    return [
        ("agent", "您好，中国移动VIP专席，请问有什么可以帮您？"),
        ("customer", f"我想问一下{topic}的事情。"),
        ("agent", f"好的，我来帮您查询{topic}。"),
        ("customer", ending),
    ]


def _calls() -> dict[str, list[Turn]]:
    """Twelve satisfied and twelve dissatisfied customers: P-xx and N-xx."""
    calls = {}
    for number, topic in enumerate(TOPICS):
        calls[f"P-{number:02d}"] = _script(topic, HAPPY[number % 2])
        calls[f"N-{number:02d}"] = _script(topic, ANGRY[number % 2])
    return calls


def _import(uow_factory: UnitOfWorkFactory, settings: Settings, folder: Path) -> None:
    records = [
        {
            "call_id": call_id,
            "start_time": "2026-11-20T09:00:00+08:00",
            "direction": "inbound",
            "line": "10088",
            "agent_id": "3107",
            "customer_msisdn": "13900001234",
            "language": "zh",
            "turns": [
                {"role": role, "start": 4.0 * i, "end": 4.0 * i + 3.5, "text": text}
                for i, (role, text) in enumerate(turns)
            ],
        }
        for call_id, turns in _calls().items()
    ]
    path = folder / "labelled-calls.json"
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    pipeline = build_pipeline(pipeline_config(settings))
    report, problems = import_transcript_file(uow_factory, pipeline, path, settings)
    assert not problems and not report.failed, (problems, report.failed)


def _perception(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(perception_app, list(args), env=env)


def _positive_mass(model: PerceptionModel, dialogues: list[list[Turn]]) -> np.ndarray:
    predicted = model.predict(dialogues)
    assert predicted.sum(axis=1) == pytest.approx(np.ones(len(dialogues)), abs=1e-6)
    positive: np.ndarray = predicted[:, 3:].sum(axis=1)  # labels 1 and 2
    return positive


def test_train_and_evaluate_on_the_calls_inspectors_labelled(
    database_url: str, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path / "var", database_url=database_url)
    env = {"TIEXIN_DATABASE_URL": database_url, "TIEXIN_DATA_DIR": str(tmp_path / "var")}
    uow_factory = open_storage(settings)
    _import(uow_factory, settings, tmp_path)
    calls = _calls()
    model_file = tmp_path / "perception.npz"

    for call_id in ("P-00", "N-00", "N-01"):
        label_satisfaction(uow_factory, INSPECTOR, call_id, 2 if call_id[0] == "P" else -2)
    too_few = _perception(env, "train", "--format", "tiexin", "--model", str(model_file))
    assert too_few.exit_code == 2
    assert "at least 10" in too_few.output and "found 3" in too_few.output
    assert not model_file.exists()
    too_few_folds = _perception(env, "evaluate", "--format", "tiexin", "--folds", "5")
    assert too_few_folds.exit_code == 2
    assert "5-fold cross-validation needs at least 13" in too_few_folds.output
    assert "found 3" in too_few_folds.output
    with_data = _perception(env, "train", "--format", "tiexin", "--data", "x.json", "--model", "m")
    assert with_data.exit_code == 2
    assert "--data is for --format stc3" in with_data.output

    # Every call but the last of each kind; inspector2 disagrees mildly on a few.
    for number in range(len(TOPICS) - 1):
        label_satisfaction(uow_factory, INSPECTOR, f"P-{number:02d}", 2 - number % 2)
        label_satisfaction(uow_factory, INSPECTOR, f"N-{number:02d}", -2 + number % 2)
        if number % 3 == 0:
            label_satisfaction(uow_factory, INSPECTOR2, f"P-{number:02d}", 1)
            label_satisfaction(uow_factory, INSPECTOR2, f"N-{number:02d}", 0)

    dialogues = {d.id: d for d in labelled_dialogues(uow_factory)}
    assert len(dialogues) == 2 * (len(TOPICS) - 1)
    assert dialogues["P-00"].satisfaction.tolist() == [0, 0, 0, 0.5, 0.5]  # labels 2 and 1
    assert dialogues["N-00"].satisfaction.tolist() == [0.5, 0, 0.5, 0, 0]  # labels -2 and 0
    assert dialogues["N-01"].satisfaction.tolist() == [0, 1, 0, 0, 0]  # relabelled -2 -> -1
    assert list(dialogues["P-01"].turns) == calls["P-01"]

    trained = _perception(env, "train", "--format", "tiexin", "--model", str(model_file))
    assert trained.exit_code == 0, trained.output
    assert f"Trained on {len(dialogues)} dialogues" in trained.output
    model = PerceptionModel.load(model_file)

    labelled = _positive_mass(model, [list(d.turns) for d in dialogues.values()])
    is_positive = np.array([call_id.startswith("P") for call_id in dialogues])
    assert labelled[is_positive].min() > labelled[~is_positive].max()
    last = f"{len(TOPICS) - 1:02d}"  # never labelled: unseen by the model
    unseen = _positive_mass(model, [calls[f"P-{last}"], calls[f"N-{last}"]])
    assert unseen[0] > unseen[1]

    evaluated = _perception(env, "evaluate", "--format", "tiexin", "--folds", "2")
    assert evaluated.exit_code == 0, evaluated.output
    assert f"on {len(dialogues)} dialogues" in evaluated.output
    assert "popularity" in evaluated.output
