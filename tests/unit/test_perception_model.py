"""The model on tiny synthetic dialogues: it learns, stays a distribution, and round-trips."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tiexin.domain.errors import InputError
from tiexin.perception.data import Dialogue, LabelledDialogue, read_dialogues_jsonl, read_stc3
from tiexin.perception.model import PerceptionModel, PerceptionModelError, train_model

HAPPY = [0.0, 0.0, 0.1, 0.3, 0.6]
ANGRY = [0.7, 0.2, 0.1, 0.0, 0.0]


def _synthetic(count: int = 40) -> list[LabelledDialogue]:
    dialogues = []
    for i in range(count):
        happy = i % 2 == 0
        closing = "谢谢，问题解决了，非常满意" if happy else "还是不行！太差了！投诉你们！"
        turns = (("customer", f"我的流量套餐有问题 {i}"), ("agent", "您好，请稍等"))
        dialogues.append(
            LabelledDialogue(
                f"d{i}",
                (*turns, ("customer", closing)),
                np.array(HAPPY if happy else ANGRY),
            )
        )
    return dialogues


@pytest.fixture(scope="module")
def model() -> PerceptionModel:
    return train_model(_synthetic())


def test_predictions_are_distributions(model: PerceptionModel) -> None:
    predicted = model.predict([d.turns for d in _synthetic(6)])
    assert predicted.shape == (6, 5)
    assert np.all(predicted >= 0)
    np.testing.assert_allclose(predicted.sum(axis=1), 1.0, atol=1e-9)


def test_model_separates_satisfied_from_angry_customers(model: PerceptionModel) -> None:
    happy, angry = model.predict(
        [
            (("customer", "流量不够用"), ("agent", "已为您办理"), ("customer", "谢谢，非常满意")),
            (("customer", "流量不够用"), ("agent", "请稍等"), ("customer", "太差了！投诉！")),
        ]
    )
    assert happy[3:].sum() > happy[:2].sum()
    assert angry[:2].sum() > angry[3:].sum()


def test_training_is_deterministic() -> None:
    first, second = train_model(_synthetic()), train_model(_synthetic())
    np.testing.assert_array_equal(first.theta, second.theta)


def test_save_and_load_round_trip(model: PerceptionModel, tmp_path: Path) -> None:
    path = tmp_path / "models" / "perception.npz"
    model.save(path)
    loaded = PerceptionModel.load(path)
    turns = [d.turns for d in _synthetic(4)]
    np.testing.assert_allclose(loaded.predict(turns), model.predict(turns))
    assert (loaded.c, loaded.trained_on) == (model.c, model.trained_on)
    assert [p.name for p in path.parent.iterdir()] == ["perception.npz"]


def test_loading_something_else_is_a_readable_error(tmp_path: Path) -> None:
    path = tmp_path / "model.npz"
    path.write_text("not a model", encoding="utf-8")
    with pytest.raises(PerceptionModelError, match="not a readable perception model"):
        PerceptionModel.load(path)


def test_loading_another_format_version_asks_to_retrain(tmp_path: Path) -> None:
    path = tmp_path / "model.npz"
    header = {"format": "tiexin-perception", "version": 99}
    np.savez(path, header=np.array(json.dumps(header)))
    with pytest.raises(PerceptionModelError, match="train the model again"):
        PerceptionModel.load(path)


def test_too_few_dialogues_to_train() -> None:
    with pytest.raises(Exception, match="at least 10"):
        train_model(_synthetic(4))


def test_read_stc3_maps_roles_and_annotator_shares(tmp_path: Path) -> None:
    annotations = [{"quality": {"A": 0, "S": s, "E": 0}, "nugget": []} for s in (2, 2, 0, -1)]
    record = {
        "id": "1",
        "turns": [
            {"sender": "customer", "utterances": ["a", "b"]},
            {"sender": "helpdesk", "utterances": ["c"]},
        ],
        "annotations": annotations,
    }
    path = tmp_path / "stc3.json"
    path.write_text(json.dumps([record]), encoding="utf-8")
    (dialogue,) = read_stc3(path)
    assert dialogue.turns == (("customer", "a\nb"), ("agent", "c"))
    np.testing.assert_allclose(dialogue.satisfaction, [0, 0.25, 0.25, 0, 0.5])


def test_read_stc3_names_the_bad_field(tmp_path: Path) -> None:
    record = {"id": "1", "turns": [{"sender": "bot", "utterances": []}], "annotations": []}
    path = tmp_path / "stc3.json"
    path.write_text(json.dumps([record]), encoding="utf-8")
    with pytest.raises(InputError, match=r"stc3\.json: dialogues\[0\]\.turns\[0\]\.sender"):
        read_stc3(path)


def test_read_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    line = {
        "id": 7,
        "turns": [{"role": "agent", "text": "您好"}, {"role": "customer", "text": "嗯"}],
    }
    path.write_text(json.dumps(line) + "\n\n", encoding="utf-8")
    assert read_dialogues_jsonl(path) == [Dialogue("7", (("agent", "您好"), ("customer", "嗯")))]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", r"in\.jsonl:2: not valid JSON"),
        ('{"turns": [{"role": "agent", "text": "x"}]}', r"in\.jsonl:2: field 'id'"),
        ('{"id": "a", "turns": []}', r"in\.jsonl:2: field 'turns' must be a non-empty"),
        ('{"id": "a", "turns": [{"role": "bot", "text": "x"}]}', r":2: field 'turns\[0\]\.role'"),
        ('{"id": "a", "turns": [{"role": "agent"}]}', r":2: field 'turns\[0\]\.text'"),
    ],
)
def test_read_jsonl_errors_name_file_line_and_field(
    tmp_path: Path, line: str, message: str
) -> None:
    path = tmp_path / "in.jsonl"
    good = {"id": "ok", "turns": [{"role": "customer", "text": "好"}]}
    path.write_text(json.dumps(good) + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read_dialogues_jsonl(path)
