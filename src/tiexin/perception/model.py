"""Satisfaction model: character n-grams of each side of a dialogue, soft-label softmax regression.

Features: character 1-3-gram TF-IDF of the customer's text, the agent's text and the customer's
last turn (how a customer signs off says most about how they feel), plus a few shape features
(turn counts, lengths, question and exclamation marks). A multinomial logistic regression is
trained on the annotators' distributions directly (cross-entropy against soft labels), so its
output is already a distribution over -2..2. The L2 strength is chosen on a held-out share of the
training dialogues, never on data the caller evaluates on.

The model file is an `.npz` archive of plain arrays (vocabularies, idf weights, coefficients)
and a JSON header; it is loaded with `allow_pickle=False`, so a model file cannot run code.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.optimize import minimize
from sklearn.feature_extraction.text import TfidfVectorizer

from tiexin.domain.errors import TiexinError
from tiexin.perception.data import LabelledDialogue, Turn
from tiexin.perception.metrics import LABELS, nmd

FloatArray = npt.NDArray[np.float64]

FORMAT = "tiexin-perception"
FORMAT_VERSION = 1
TEXT_FIELDS = ("customer", "agent", "last_customer")
SHAPE_FEATURES = (
    "turns",
    "ends_with_customer",
    "customer_length",
    "agent_length",
    "last_customer_length",
    "customer_questions",
    "customer_exclamations",
    "last_customer_questions",
    "last_customer_exclamations",
)
C_GRID = (3.0, 10.0, 30.0)
MIN_TRAINING_DIALOGUES = 10
HELD_OUT_SHARE = 0.2
# Newton-CG stops on the mean absolute step; the cap bounds training time on large vocabularies.
STEP_TOLERANCE = 1e-5
MAX_NEWTON_STEPS = 10


class PerceptionModelError(TiexinError):
    """A perception model file that is missing, unreadable or of another format version."""


def _field_texts(turns: Sequence[Turn]) -> tuple[str, str, str]:
    customer = [text for role, text in turns if role == "customer"]
    agent = [text for role, text in turns if role == "agent"]
    return "\n".join(customer), "\n".join(agent), customer[-1] if customer else ""


def _marks(text: str, ascii_mark: str, wide_mark: str) -> float:
    return float(np.log1p(text.count(ascii_mark) + text.count(wide_mark)) / 3)


def _shape_features(turns: Sequence[Turn]) -> list[float]:
    """Scaled by fixed constants to about 0..1, so no fitted scaler has to be stored."""
    customer, agent, last = _field_texts(turns)
    return [
        len(turns) / 7,
        float(turns[-1][0] == "customer"),
        *(float(np.log1p(len(text)) / 6) for text in (customer, agent, last)),
        *(_marks(text, mark, wide) for text in (customer, last) for mark, wide in ("?？", "!！")),
    ]


def _vectorizer(vocabulary: dict[str, int] | None = None) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="char",
        ngram_range=(1, 3),
        min_df=2,
        sublinear_tf=True,
        vocabulary=vocabulary,
    )


@dataclass(frozen=True)
class _Features:
    """Fitted TF-IDF vectorizers, one per text field, in TEXT_FIELDS order."""

    vectorizers: tuple[TfidfVectorizer, ...]

    @classmethod
    def fit(cls, dialogues: Sequence[Sequence[Turn]]) -> _Features:
        columns = list(zip(*(_field_texts(turns) for turns in dialogues), strict=True))
        return cls(tuple(_vectorizer().fit(column) for column in columns))

    def transform(self, dialogues: Sequence[Sequence[Turn]]) -> sparse.csr_matrix:
        columns = list(zip(*(_field_texts(turns) for turns in dialogues), strict=True))
        blocks = [v.transform(c) for v, c in zip(self.vectorizers, columns, strict=True)]
        shapes = sparse.csr_matrix(np.array([_shape_features(t) for t in dialogues]))
        return sparse.hstack([*blocks, shapes], format="csr")

    @property
    def size(self) -> int:
        return sum(len(v.vocabulary_) for v in self.vectorizers) + len(SHAPE_FEATURES)


def _softmax(scores: FloatArray) -> FloatArray:
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    probabilities: FloatArray = shifted / shifted.sum(axis=1, keepdims=True)
    return probabilities


def _fit_softmax(
    x: sparse.csr_matrix, y: FloatArray, c: float, start: FloatArray | None = None
) -> FloatArray:
    """Minimise sum_i cross-entropy(y_i, softmax(x_i W + b)) + |W|^2 / (2c); returns [W; b] flat.

    Newton-CG with exact Hessian-vector products: a handful of steps on ~10^5 features, where
    L-BFGS needs hundreds.
    """
    n_features, n_labels = x.shape[1], y.shape[1]
    penalty = 1.0 / c
    xt = x.T.tocsr()

    def unpack(theta: FloatArray) -> tuple[FloatArray, FloatArray]:
        return theta[: n_features * n_labels].reshape(n_features, n_labels), theta[-n_labels:]

    def loss_and_gradient(theta: FloatArray) -> tuple[float, FloatArray]:
        weights, bias = unpack(theta)
        scores = x @ weights + bias
        log_p = scores - scores.max(axis=1, keepdims=True)
        log_p -= np.log(np.exp(log_p).sum(axis=1, keepdims=True))
        residual = np.exp(log_p) - y
        loss = -(y * log_p).sum() + 0.5 * penalty * (weights * weights).sum()
        return float(loss), np.concatenate(
            [(xt @ residual + penalty * weights).ravel(), residual.sum(axis=0)]
        )

    def hessian_times(theta: FloatArray, vector: FloatArray) -> FloatArray:
        weights, bias = unpack(theta)
        p = _softmax(x @ weights + bias)
        v_weights, v_bias = unpack(vector)
        r = p * (x @ v_weights + v_bias)
        r -= p * r.sum(axis=1, keepdims=True)
        return np.concatenate([(xt @ r + penalty * v_weights).ravel(), r.sum(axis=0)])

    result = minimize(
        loss_and_gradient,
        np.zeros(n_features * n_labels + n_labels) if start is None else start,
        jac=True,
        hessp=hessian_times,
        method="Newton-CG",
        options={"xtol": STEP_TOLERANCE, "maxiter": MAX_NEWTON_STEPS},
    )
    return np.asarray(result.x, dtype=np.float64)


def _predict(x: sparse.csr_matrix, theta: FloatArray) -> FloatArray:
    n_labels = len(LABELS)
    weights = theta[:-n_labels].reshape(-1, n_labels)
    return _softmax(np.asarray(x @ weights) + theta[-n_labels:])


def _choose_c(x: sparse.csr_matrix, y: FloatArray, seed: int) -> float:
    """The C of C_GRID with the lowest NMD on a held-out share of the training rows.

    Each C starts from the previous (smaller C) solution: the regularisation path is smooth, so
    the warm start saves most Newton steps.
    """
    order = np.random.default_rng(seed).permutation(x.shape[0])
    cut = int(len(order) * HELD_OUT_SHARE)
    held_out, kept = order[:cut], order[cut:]
    theta: FloatArray | None = None
    scores: dict[float, float] = {}
    for c in C_GRID:
        theta = _fit_softmax(x[kept], y[kept], c, theta)
        scores[c] = nmd(_predict(x[held_out], theta), y[held_out])
    return min(scores, key=scores.__getitem__)


@dataclass(frozen=True)
class PerceptionModel:
    """A trained model: predicts the satisfaction distribution over LABELS for each dialogue."""

    features: _Features
    theta: FloatArray
    c: float
    trained_on: int

    def predict(self, dialogues: Sequence[Sequence[Turn]]) -> FloatArray:
        """Distributions of shape (len(dialogues), 5); each dialogue is its (role, text) turns."""
        if not dialogues:
            return np.zeros((0, len(LABELS)))
        return _predict(self.features.transform(dialogues), self.theta)

    def save(self, path: Path) -> None:
        """Write the model atomically (a crash never leaves half a file at `path`)."""
        arrays: dict[str, Any] = {
            "header": np.array(json.dumps(self._header())),
            "theta": self.theta,
        }
        for name, vectorizer in zip(TEXT_FIELDS, self.features.vectorizers, strict=True):
            arrays[f"vocabulary_{name}"] = np.array(vectorizer.get_feature_names_out(), dtype=str)
            arrays[f"idf_{name}"] = vectorizer.idf_
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(handle, "wb") as out:
                np.savez_compressed(out, **arrays)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def _header(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "labels": list(LABELS),
            "text_fields": list(TEXT_FIELDS),
            "shape_features": list(SHAPE_FEATURES),
            "c": self.c,
            "trained_on": self.trained_on,
        }

    @classmethod
    def load(cls, path: Path) -> PerceptionModel:
        try:
            with np.load(path, allow_pickle=False) as archive:
                header = json.loads(str(archive["header"]))
                _check_header(header, path)
                features = _Features(tuple(_load_vectorizer(archive, name) for name in TEXT_FIELDS))
                theta = np.asarray(archive["theta"], dtype=np.float64)
        except (OSError, ValueError, KeyError) as exc:
            raise PerceptionModelError(f"{path}: not a readable perception model ({exc})") from None
        if theta.size != (features.size + 1) * len(LABELS):
            raise PerceptionModelError(f"{path}: coefficients do not match the vocabularies")
        return cls(features, theta, float(header["c"]), int(header["trained_on"]))


def _check_header(header: Any, path: Path) -> None:
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise PerceptionModelError(f"{path}: not a {FORMAT} model file")
    if header.get("version") != FORMAT_VERSION:
        raise PerceptionModelError(
            f"{path}: model format version {header.get('version')}, this Tiexin reads "
            f"{FORMAT_VERSION}; train the model again"
        )


def _load_vectorizer(archive: Any, name: str) -> TfidfVectorizer:
    terms = archive[f"vocabulary_{name}"].tolist()
    vectorizer = _vectorizer({term: index for index, term in enumerate(terms)})
    vectorizer.idf_ = np.asarray(archive[f"idf_{name}"], dtype=np.float64)
    return vectorizer


def train_model(dialogues: Sequence[LabelledDialogue], *, seed: int = 0) -> PerceptionModel:
    """Fit the features and the regression on labelled dialogues (deterministic for a seed)."""
    if len(dialogues) < MIN_TRAINING_DIALOGUES:
        raise TiexinError(
            f"need at least {MIN_TRAINING_DIALOGUES} labelled dialogues to train, "
            f"got {len(dialogues)}"
        )
    turn_lists = [d.turns for d in dialogues]
    features = _Features.fit(turn_lists)
    x = features.transform(turn_lists)
    y = np.stack([d.satisfaction for d in dialogues])
    c = _choose_c(x, y, seed)
    return PerceptionModel(features, _fit_softmax(x, y, c), c, len(dialogues))
