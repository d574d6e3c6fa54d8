"""The pipeline's ports: what it needs from speech, voice and sentiment models.

Adapters in `tiexin.adapters` implement them; tests may pass simpler objects with the same shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

from tiexin.domain.calls import Role, Word
from tiexin.pipeline.turns import EdgeTurn

Samples = npt.NDArray[np.float32]


class Transcriber(Protocol):
    name: str

    def setup(self) -> None:
        """Load the model; called once per worker before the first call."""

    def transcribe(self, samples: Samples, *, language: str) -> list[Word]:
        """Words with call-time stamps, text already in Simplified Chinese for zh."""

    def transcribe_turn(self, samples: Samples, *, language: str, edge: EdgeTurn) -> list[Word]:
        """The agent's opening or closing turn alone, decoded again with a prompt for that turn.

        Times are from the start of `samples`; no words where the language has no such pass.
        """


class SentimentScorer(Protocol):
    def setup(self) -> None: ...

    def score(self, text: str, *, language: str) -> float:
        """Sentiment of one utterance in [-1, 1] (negative to positive)."""


class SpeakerAssignment(Protocol):
    @property
    def confidence(self) -> float: ...

    @property
    def note(self) -> str: ...

    def roles(self) -> Sequence[Role]:
        """The role of each segment; UNKNOWN when the agent could not be identified."""


class SpeakerSeparator(Protocol):
    def setup(self) -> None: ...

    def separate(
        self, audio_16k: Samples, segments: Sequence[tuple[float, float]], texts: Sequence[str]
    ) -> SpeakerAssignment: ...
