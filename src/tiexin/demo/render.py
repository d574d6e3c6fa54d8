"""Turn a scripted dialogue into a telephone-like WAV recording with exact turn timings.

Speech comes from the espeak-ng program (one subprocess per turn); everything after that is
numpy: trimming, resampling with telephone band-limiting, placing turns on a timeline, adding
noise. Randomness (gaps, noise) comes from an RNG seeded by the call id, so rendering the same
script twice gives the same bytes.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import wave
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tiexin.demo.dialogues import Dialogue, ScriptTurn
from tiexin.domain.calls import Role, Turn

Audio = npt.NDArray[np.float64]

ESPEAK = "espeak-ng"

# Debian's plain "cmn" voice turns characters into tone-numbered pinyin and then reads that
# pinyin with English rules ("nin2" -> "nine two"); the Latin-as-pinyin voice says it properly.
# Agent and customer get different variants and pitch so both ears and speaker separation
# can tell them apart.
VOICES: dict[tuple[str, Role], tuple[str, ...]] = {
    ("zh", Role.AGENT): ("-v", "cmn-latn-pinyin+f2", "-s", "140", "-p", "55"),
    ("zh", Role.CUSTOMER): ("-v", "cmn-latn-pinyin+m3", "-s", "140", "-p", "35"),
    ("en", Role.AGENT): ("-v", "en-us+m7", "-s", "150", "-p", "45"),
    ("en", Role.CUSTOMER): ("-v", "en-us+f2", "-s", "160", "-p", "60"),
}

LEAD_IN_S = 0.4  # silence before the first turn, as a recorder starts before anyone speaks
TAIL_S = 0.6
GAP_RANGE_S = (0.3, 1.0)  # pause between turns when the script does not fix one
SPEECH_DBFS = {Role.AGENT: -20.0, Role.CUSTOMER: -22.0}
SNR_DB = 35.0
# espeak pads clips with silence and lets the last syllable fade out slowly; cutting 10 ms
# frames quieter than this (relative to the loudest frame) makes the timings mark audible speech
# that stands clearly above the line noise.
TRIM_BELOW_LOUDEST_DB = 30.0
TRIM_FRAME_S = 0.01


class EspeakNotFoundError(RuntimeError):
    def __init__(self) -> None:
        super().__init__(
            "espeak-ng not found: install the Debian package espeak-ng (make install does it)"
        )


@dataclass(frozen=True, slots=True)
class Rendering:
    """A rendered call: samples as (frames, channels) int16 plus where each turn really lies."""

    samples: npt.NDArray[np.int16]
    sample_rate: int
    turns: tuple[Turn, ...]

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate


def require_espeak() -> str:
    path = shutil.which(ESPEAK)
    if path is None:
        raise EspeakNotFoundError()
    return path


def render(dialogue: Dialogue) -> Rendering:
    """Synthesise every turn, lay them out and mix them into the dialogue's channel layout."""
    espeak = require_espeak()
    rng = np.random.default_rng(zlib.crc32(dialogue.call_id.encode()))
    sr = dialogue.sample_rate
    with tempfile.TemporaryDirectory(prefix="tiexin-demo-") as tmp:
        clips = [
            _speak(espeak, dialogue.language, t, sr, Path(tmp) / f"{i}.wav")
            for i, t in enumerate(dialogue.turns)
        ]
    starts = _place(dialogue.turns, [len(c) / sr for c in clips], rng)
    n_frames = round(
        (max(s + len(c) / sr for s, c in zip(starts, clips, strict=True)) + TAIL_S) * sr
    )
    tracks = {role: np.zeros(n_frames) for role in (Role.AGENT, Role.CUSTOMER)}
    truth = []
    for turn, clip, start_s in zip(dialogue.turns, clips, starts, strict=True):
        first = round(start_s * sr)
        tracks[turn.role][first : first + len(clip)] += clip
        truth.append(Turn(turn.role, first / sr, (first + len(clip)) / sr, turn.text))
    return Rendering(_mix(tracks, dialogue, rng), sr, tuple(truth))


def _speak(espeak: str, language: str, turn: ScriptTurn, sr: int, path: Path) -> Audio:
    """One turn as a trimmed, telephone-band, level-normalised clip at the target rate."""
    args = [espeak, *VOICES[(language, turn.role)], "-w", str(path), turn.text]
    subprocess.run(args, check=True, capture_output=True)
    audio, source_sr = read_wav(path)
    clip = _trim(resample(audio[:, 0], source_sr, sr), sr)
    return clip * (_db_to_amp(SPEECH_DBFS[turn.role]) / _rms(clip))


def read_wav(path: Path) -> tuple[Audio, int]:
    """16-bit PCM WAV as floats in [-1, 1], shaped (frames, channels)."""
    with wave.open(str(path), "rb") as w:
        raw = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
        return raw.reshape(-1, w.getnchannels()) / 32768.0, w.getframerate()


def write_wav(path: Path, samples: npt.NDArray[np.int16], sample_rate: int) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(samples.shape[1])
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(samples.astype("<i2").tobytes())


def resample(x: Audio, source_sr: int, target_sr: int) -> Audio:
    """Resample by truncating the spectrum, which also applies the telephone band-pass.

    Keeping only bins inside the band before the inverse FFT is exact band-limited
    interpolation, so one step does both jobs without a filter-design dependency.
    """
    n_out = round(len(x) * target_sr / source_sr)
    spectrum = np.fft.rfft(x)
    freqs = np.fft.rfftfreq(len(x), 1.0 / source_sr)
    low, high = _band(target_sr)
    spectrum[(freqs < low) | (freqs > high)] = 0.0
    kept = spectrum[: n_out // 2 + 1]
    return np.fft.irfft(kept, n_out) * (n_out / len(x))


def _band(sr: int) -> tuple[float, float]:
    # Narrowband telephony carries 300-3400 Hz; wideband (16 kHz) codecs about 80-7000 Hz.
    return (300.0, 3400.0) if sr <= 8000 else (80.0, 7000.0)


def _trim(clip: Audio, sr: int) -> Audio:
    frame = round(TRIM_FRAME_S * sr)
    n_frames = len(clip) // frame
    levels = np.sqrt(np.mean(clip[: n_frames * frame].reshape(n_frames, frame) ** 2, axis=1))
    loud = np.flatnonzero(levels > levels.max() * _db_to_amp(-TRIM_BELOW_LOUDEST_DB))
    return clip[loud[0] * frame : (loud[-1] + 1) * frame]


def _place(
    turns: tuple[ScriptTurn, ...], durations: list[float], rng: np.random.Generator
) -> list[float]:
    """Start time of each turn: after the latest end so far, or before it for an overlap."""
    starts: list[float] = []
    latest_end = LEAD_IN_S
    for i, (turn, duration) in enumerate(zip(turns, durations, strict=True)):
        if i == 0:
            start = LEAD_IN_S
        elif turn.overlap_s > 0:
            if turn.overlap_s >= durations[i - 1]:
                raise ValueError(
                    f"turn {i}: overlap {turn.overlap_s}s is longer than the turn before"
                )
            start = starts[-1] + durations[i - 1] - turn.overlap_s
        else:
            gap = turn.gap_before_s if turn.gap_before_s is not None else rng.uniform(*GAP_RANGE_S)
            start = latest_end + turn.hold_s + gap
        starts.append(start)
        latest_end = max(latest_end, start + duration)
    return starts


def _mix(
    tracks: dict[Role, Audio], dialogue: Dialogue, rng: np.random.Generator
) -> npt.NDArray[np.int16]:
    """Stereo (left agent, right customer) or mono, with independent line noise per channel."""
    if dialogue.channels == "stereo":
        channels = [tracks[Role.AGENT], tracks[Role.CUSTOMER]]
    else:
        channels = [tracks[Role.AGENT] + tracks[Role.CUSTOMER]]
    noisy = [ch + _line_noise(len(ch), dialogue.sample_rate, rng) for ch in channels]
    stacked = np.clip(np.stack(noisy, axis=1), -1.0, 32767 / 32768)
    return np.round(stacked * 32768).astype(np.int16)


def _line_noise(n: int, sr: int, rng: np.random.Generator) -> Audio:
    """Band-limited hiss SNR_DB below the agent's speech level, present in silences too."""
    noise = resample(rng.standard_normal(n), sr, sr)
    return noise * (_db_to_amp(SPEECH_DBFS[Role.AGENT] - SNR_DB) / _rms(noise))


def _rms(x: Audio) -> float:
    return float(np.sqrt(np.mean(x**2)))


def _db_to_amp(db: float) -> float:
    return float(10.0 ** (db / 20.0))
