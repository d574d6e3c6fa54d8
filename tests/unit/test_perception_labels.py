"""Reviewed calls as training dialogues: inspectors' labels become the target distribution, as
STC-3's annotators' do; how many labelled calls cross-validation needs."""

from __future__ import annotations

import pytest

from tiexin.perception.data import label_distribution, reviewed_call
from tiexin.perception.evaluation import fold_indices, needed_for_cross_validation
from tiexin.perception.model import MIN_TRAINING_DIALOGUES


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        ([2], [0, 0, 0, 0, 1]),
        ([-2, 0], [0.5, 0, 0.5, 0, 0]),
        ([1, 1, 2, -1], [0, 0.25, 0, 0.5, 0.25]),
    ],
)
def test_labels_become_the_share_per_label(labels: list[int], expected: list[float]) -> None:
    assert label_distribution(labels).tolist() == expected


def test_a_reviewed_call_keeps_agent_and_customer_turns_in_order() -> None:
    turns = [("agent", "您好"), ("unknown", "（噪声）"), ("customer", "谢谢")]
    dialogue = reviewed_call("C-1", turns, [1, 2])
    assert dialogue is not None
    assert dialogue.turns == (("agent", "您好"), ("customer", "谢谢"))
    assert dialogue.satisfaction.tolist() == [0, 0, 0, 0.5, 0.5]


@pytest.mark.parametrize(
    ("turns", "labels"), [([], [1]), ([("unknown", "嗯")], [1]), ([("agent", "您好")], [])]
)
def test_a_call_with_nothing_to_learn_from_is_left_out(
    turns: list[tuple[str, str]], labels: list[int]
) -> None:
    assert reviewed_call("C-1", turns, labels) is None


@pytest.mark.parametrize(("folds", "needed"), [(2, 20), (3, 15), (5, 13), (10, 12), (12, 12)])
def test_cross_validation_needs_enough_dialogues_for_every_training_portion(
    folds: int, needed: int
) -> None:
    assert needed_for_cross_validation(folds) == needed

    def smallest_training_portion(count: int) -> int:
        return count - max(len(fold) for fold in fold_indices(count, folds, seed=0))

    assert smallest_training_portion(needed) >= MIN_TRAINING_DIALOGUES
    if needed > folds:
        assert smallest_training_portion(needed - 1) < MIN_TRAINING_DIALOGUES
