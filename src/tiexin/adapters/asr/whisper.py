"""faster-whisper transcription: int8 on CPU, forced language, VAD, domain prompt, t2s.

The agent's opening and closing turns can be decoded a second time, each with a prompt of its own
(greeting and job number; thanks and goodbye); the pipeline decides which stretches of audio those
are.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import opencc

from tiexin.domain.calls import Word
from tiexin.pipeline.ports import Samples
from tiexin.pipeline.turns import EdgeTurn

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

# The prompts of the second pass over one of the agent's turns (`transcribe_turn`), by language:
# such a turn as an agent says it. Whisper then expects "agent" and a job number read digit by
# digit (with "1024" it copied the number into greetings), or thanks and goodbye (closings in
# robotic English lost them: "Thank you, goodbye" came out as "And you goodbye"). The opening
# prompt, used for the whole call, cost other items. Mandarin has none: its domain prompt carries
# 工号, and its closings are heard.
TURN_PROMPTS: dict[EdgeTurn, dict[str, str]] = {
    "opening": {"en": "Hello, this is agent one zero two four. How can I help you?"},
    "closing": {"en": "Thank you for calling, have a nice day. Goodbye."},
}


class WhisperTranscriber:
    """Transcribes one channel at a time; `setup()` loads the model once per worker process."""

    def __init__(
        self, model_dir: Path, *, threads: int, beam_size: int, vocabulary: tuple[str, ...]
    ) -> None:
        self.name = f"faster-whisper:{model_dir.name}"
        self._model_dir = model_dir
        self._threads = threads
        self._beam_size = beam_size
        self._vocabulary = vocabulary
        self._model: WhisperModel | None = None
        self._t2s: opencc.OpenCC | None = None

    def setup(self) -> None:
        if self._model is not None:
            return
        from faster_whisper import WhisperModel  # heavy: imported only where a model is loaded

        self._model = WhisperModel(
            str(self._model_dir), device="cpu", compute_type="int8", cpu_threads=self._threads
        )
        self._t2s = opencc.OpenCC("t2s")

    def transcribe(self, samples: Samples, *, language: str) -> list[Word]:
        return self._decode(samples, language, domain_prompt(self._vocabulary, language))

    def transcribe_turn(self, samples: Samples, *, language: str, edge: EdgeTurn) -> list[Word]:
        prompt = TURN_PROMPTS[edge].get(language)
        return self._decode(samples, language, prompt) if prompt else []

    def _decode(self, samples: Samples, language: str, prompt: str | None) -> list[Word]:
        self.setup()
        assert self._model is not None and self._t2s is not None
        segments, _info = self._model.transcribe(
            samples,
            language=language,
            beam_size=self._beam_size,
            # Beam search only, no fallback to sampling at higher temperatures: sampling draws
            # from CTranslate2's per-thread random stream, which `set_random_seed` seeds only at
            # its first use, so a turn's text would depend on what the process decoded before.
            temperature=0.0,
            vad_filter=True,
            condition_on_previous_text=False,
            word_timestamps=True,
            initial_prompt=prompt,
        )
        convert = self._t2s.convert if language == "zh" else str
        return [
            Word(
                start_s=float(word.start),
                end_s=float(word.end),
                text=convert(word.word),
                probability=float(word.probability),
            )
            for segment in segments
            for word in segment.words or ()
        ]


def domain_prompt(vocabulary: tuple[str, ...], language: str) -> str | None:
    """The vocabulary as an initial prompt that reads like a transcript.

    Measured on telephone audio, faster-whisper's `hotwords` make the decoder emit the list
    itself when speech is unclear; a prompt biases spelling without that failure.
    """
    if language != "zh":
        words = [w for w in vocabulary if w.isascii()]
        return ("Customer hotline call about " + ", ".join(words) + ".") if words else None
    return ("客服热线通话：" + "、".join(vocabulary) + "。") if vocabulary else None


def read_vocabulary(path: Path) -> tuple[str, ...]:
    lines = path.read_text(encoding="utf-8").splitlines()
    words = (line.strip() for line in lines)
    return tuple(word for word in words if word and not word.startswith("#"))
