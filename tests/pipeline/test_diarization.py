"""Speaker separation on the synthetic calls, with the ground-truth turns as speech segments."""

from __future__ import annotations

import json
import time
import wave
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from tiexin.adapters.diarization import (
    SAMPLE_RATE,
    SeparationResult,
    SpeakerSeparator,
    mel_spectrogram,
)
from tiexin.domain.calls import Role

CALLS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "calls"
MONO_CALLS = ("VIP20250303-0127", "VIP20250310-0134", "VIP20250314-0116")
STEREO_CALLS = ("VIP20250304-0117", "VIP20250312-0127")  # mixed down; no overtalk in these
MIN_ACCURACY = 0.9

needs_calls = pytest.mark.skipif(not CALLS.is_dir(), reason=f"call data not found at {CALLS}")


def load_mono_16k(path: Path) -> npt.NDArray[np.float32]:
    """The recording as 16 kHz mono float32; stereo is mixed down, 8 kHz resampled linearly."""
    with wave.open(str(path)) as wav:
        rate, channels = wav.getframerate(), wav.getnchannels()
        pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16)
    mono: npt.NDArray[np.float32] = pcm.reshape(-1, channels).mean(axis=1, dtype=np.float32)
    mono /= 32768
    if rate == SAMPLE_RATE:
        return mono
    times = np.arange(len(mono) * SAMPLE_RATE // rate) / SAMPLE_RATE
    resampled: npt.NDArray[np.float32] = np.interp(times, np.arange(len(mono)) / rate, mono).astype(
        np.float32
    )
    return resampled


def separate_call(separator: SpeakerSeparator, call_id: str) -> tuple[float, float, str]:
    """Accuracy of the roles against the ground truth, seconds taken, and the note."""
    truth: dict[str, Any] = json.loads((CALLS / f"{call_id}.json").read_text(encoding="utf-8"))
    audio = load_mono_16k(CALLS / f"{call_id}.wav")
    turns = truth["turns"]
    started = time.perf_counter()
    result = separator.separate(
        audio, [(t["start_s"], t["end_s"]) for t in turns], [t["text"] for t in turns]
    )
    seconds = time.perf_counter() - started
    right = sum(role == t["role"] for role, t in zip(result.roles(), turns, strict=True))
    print(f"{call_id}: {right}/{len(turns)} turns right in {seconds:.2f} s; {result.note}")
    return right / len(turns), seconds, result.note


@pytest.fixture(scope="module")
def separator() -> SpeakerSeparator:
    loaded = SpeakerSeparator()
    loaded.setup()
    return loaded


@pytest.mark.slow
@needs_calls
@pytest.mark.parametrize("call_id", MONO_CALLS)
def test_mono_call_turns_get_their_speaker_role(separator: SpeakerSeparator, call_id: str) -> None:
    accuracy, _, note = separate_call(separator, call_id)
    assert accuracy >= MIN_ACCURACY
    assert note.startswith("mono recording: speakers separated by voice, confidence")


@pytest.mark.slow
@needs_calls
@pytest.mark.parametrize("call_id", STEREO_CALLS)
def test_stereo_call_mixed_down_to_mono(separator: SpeakerSeparator, call_id: str) -> None:
    accuracy, _, _ = separate_call(separator, call_id)
    assert accuracy >= MIN_ACCURACY


@pytest.mark.slow
@needs_calls
def test_too_few_segments_count_as_one_voice(separator: SpeakerSeparator) -> None:
    audio = load_mono_16k(CALLS / "VIP20250314-0116.wav")
    segments = [(0.303, 4.583), (10.304, 14.984)]
    greeting = separator.separate(audio, segments, ["您好，工号五一六零为您服务", "非常抱歉。"])
    silent = separator.separate(audio, segments, ["嗯", "好的"])
    assert greeting.roles() == (Role.AGENT, Role.AGENT)
    assert silent.roles() == (Role.UNKNOWN, Role.UNKNOWN)
    assert greeting.confidence == 0.0
    assert "only one voice" in silent.note


def test_no_segments_need_no_model() -> None:
    result = SpeakerSeparator().separate(np.zeros(SAMPLE_RATE, np.float32), [], [])
    assert result == SeparationResult((), None, 0.0, "mono recording: no speech to separate")


def test_segments_and_texts_must_pair_up() -> None:
    with pytest.raises(ValueError, match="2 segments but 1 texts"):
        SpeakerSeparator().separate(np.zeros(SAMPLE_RATE, np.float32), [(0, 1), (1, 2)], ["a"])


def test_mel_spectrogram_puts_a_tone_in_its_band() -> None:
    seconds = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    mel = mel_spectrogram(np.sin(2 * np.pi * 1000 * seconds).astype(np.float32))
    assert mel.shape == (101, 40)  # one frame per 10 ms, plus one (centred frames)
    assert int(np.argmax(mel[50])) == 13  # Slaney mel bands: band 13 peaks at 1031 Hz, 12 at 956
