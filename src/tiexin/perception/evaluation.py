"""K-fold cross-validation of the model against the two STC-3 reference predictors."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tiexin.perception.data import LabelledDialogue
from tiexin.perception.metrics import LABELS, nmd, rsnod
from tiexin.perception.model import MIN_TRAINING_DIALOGUES, train_model

PREDICTORS = ("model", "uniform", "popularity")


@dataclass(frozen=True)
class Score:
    """Mean NMD and RSNOD of one predictor over all held-out dialogues."""

    predictor: str
    nmd: float
    rsnod: float


def fold_indices(count: int, folds: int, seed: int) -> list[npt.NDArray[np.int64]]:
    """Test indices of each fold: a seeded shuffle cut into `folds` near-equal parts."""
    if not 2 <= folds <= count:
        raise ValueError(f"folds must be between 2 and {count}, got {folds}")
    return list(np.array_split(np.random.default_rng(seed).permutation(count), folds))


def needed_for_cross_validation(folds: int) -> int:
    """The fewest dialogues whose every training portion (all folds but one) can train a model."""
    count = max(folds, MIN_TRAINING_DIALOGUES)
    while count - math.ceil(count / folds) < MIN_TRAINING_DIALOGUES:  # minus the largest fold
        count += 1
    return count


def cross_validate(
    dialogues: Sequence[LabelledDialogue],
    *,
    folds: int = 5,
    seed: int = 0,
    on_fold: Callable[[int], None] | None = None,
) -> list[Score]:
    """Score the model, `uniform` (0.2 each) and `popularity` (the training folds' mean label
    distribution) on every dialogue while it is held out; returns one Score per PREDICTORS."""
    gold = np.stack([d.satisfaction for d in dialogues])
    predicted = {name: np.zeros_like(gold) for name in PREDICTORS}
    for number, test in enumerate(fold_indices(len(dialogues), folds, seed), start=1):
        train = np.setdiff1d(np.arange(len(dialogues)), test)
        model = train_model([dialogues[i] for i in train], seed=seed)
        predicted["model"][test] = model.predict([dialogues[i].turns for i in test])
        predicted["uniform"][test] = 1 / len(LABELS)
        predicted["popularity"][test] = gold[train].mean(axis=0)
        if on_fold is not None:
            on_fold(number)
    return [Score(name, nmd(p, gold), rsnod(p, gold)) for name, p in predicted.items()]
