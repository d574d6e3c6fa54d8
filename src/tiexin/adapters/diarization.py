"""Speaker separation for mono recordings: which segments the agent spoke, which the customer.

Each segment is embedded with resemblyzer's GE2E speaker encoder (d-vectors averaged over 1 s
windows; the weights ship inside the `resemblyzer` package). The embeddings are centred on the
call's mean, split into two clusters (agglomerative, Ward on unit vectors, i.e. cosine distance) and
the agent cluster is the one whose texts use service phrases (greeting, job number, "anything
else?", thanks for calling); without such phrases the first speaker is taken as the agent.

Only the weights file of `resemblyzer` is used: importing the package pulls in librosa and
webrtcvad, so the encoder network (three LSTM layers and a linear layer) and its mel spectrogram
are rebuilt here, numerically as resemblyzer computes them with librosa (40 mel bands, 25 ms
window, 10 ms step, 16 kHz). Install with `pip install --no-deps resemblyzer==0.1.4` next to torch.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
import torch
from sklearn.cluster import AgglomerativeClustering
from sklearn.metrics import silhouette_score
from torch import nn

from tiexin.domain.calls import Role

FloatArray = npt.NDArray[np.float32]

SAMPLE_RATE = 16_000
MIN_SEGMENT_S = 0.5  # shorter segments are too short to cluster; they join the nearer voice
SINGLE_VOICE_SILHOUETTE = 0.1  # below this mean silhouette the two clusters are one voice
FULL_CONFIDENCE_SILHOUETTE = 0.4  # a mean silhouette this high counts as cleanly separated
SERVICE_PHRASES = (
    "您好",
    "工号",
    "为您服务",
    "请问",
    "还有其他",
    "感谢您的来电",
    "how can i help",
    "agent",
    "thank you for calling",
)

_N_FFT = 400  # 25 ms at 16 kHz
_HOP = 160  # 10 ms at 16 kHz
_N_MELS = 40
_F_SP = 200.0 / 3  # Slaney mel scale: linear below 1 kHz ...
_LOG_STEP = float(np.log(6.4)) / 27.0  # ... logarithmic above
_MIN_LOG_HZ = 1000.0
_MIN_LOG_MEL = _MIN_LOG_HZ / _F_SP
_WINDOW_FRAMES = 100  # 1 s windows (resemblyzer: 1.6 s); customer turns are often only 1-2 s
_WINDOW_STEP = 40
_LAYERS = ("lstm.", "linear.")
_TARGET_DBFS = -30.0
_INT16_MAX = 2**15 - 1


class SpeakerModelUnavailable(RuntimeError):
    """The speaker-embedding weights cannot be found (the `resemblyzer` package is missing)."""


@dataclass(frozen=True, slots=True)
class SeparationResult:
    """Speaker of each segment (0 or 1), which label is the agent, and how sure the split is."""

    labels: tuple[int, ...]
    agent_label: int | None  # None when the roles could not be told apart
    confidence: float  # in [0, 1]
    note: str  # one sentence a person can read

    def roles(self) -> tuple[Role, ...]:
        """The role of each segment; UNKNOWN when no agent could be identified."""
        if self.agent_label is None:
            return tuple(Role.UNKNOWN for _ in self.labels)
        return tuple(
            Role.AGENT if label == self.agent_label else Role.CUSTOMER for label in self.labels
        )


class _SpeakerEncoder(nn.Module):
    """resemblyzer's VoiceEncoder network: final LSTM state → linear → ReLU → L2 norm."""

    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(_N_MELS, 256, 3, batch_first=True)
        self.linear = nn.Linear(256, 256)
        self.relu = nn.ReLU()

    def forward(self, mels: torch.Tensor) -> torch.Tensor:
        _, (hidden, _) = self.lstm(mels)
        return nn.functional.normalize(self.relu(self.linear(hidden[-1])), dim=1)


class SpeakerSeparator:
    """Splits the segments of a mono call between two voices; `setup()` loads the model once."""

    def __init__(self, weights_path: Path | None = None) -> None:
        self._weights_path = weights_path
        self._encoder: _SpeakerEncoder | None = None

    def setup(self) -> None:
        if self._encoder is not None:
            return
        path = self._weights_path or default_weights_path()
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
        # The checkpoint also holds the training loss's similarity scale and bias: not needed.
        state = {k: v for k, v in checkpoint["model_state"].items() if k.startswith(_LAYERS)}
        encoder = _SpeakerEncoder()
        encoder.load_state_dict(state)
        self._encoder = encoder.eval()

    def separate(
        self,
        audio_16k: FloatArray,
        segments: Sequence[tuple[float, float]],
        texts: Sequence[str],
    ) -> SeparationResult:
        """Label each (start_s, end_s) segment of 16 kHz mono audio with its speaker."""
        if len(segments) != len(texts):
            raise ValueError(f"{len(segments)} segments but {len(texts)} texts")
        if not segments:
            return SeparationResult((), None, 0.0, "mono recording: no speech to separate")
        embeddings = self.embed_segments(audio_16k, segments)
        long_ones = [i for i, (start, end) in enumerate(segments) if end - start >= MIN_SEGMENT_S]
        labels, silhouette = _cluster(embeddings, long_ones)
        if silhouette < SINGLE_VOICE_SILHOUETTE:
            return _single_voice(len(segments), texts, silhouette)
        return _two_voices(labels, texts, silhouette)

    def embed_segments(
        self, audio_16k: FloatArray, segments: Sequence[tuple[float, float]]
    ) -> FloatArray:
        """One L2-normed d-vector (256 values) per segment."""
        rows = [self._embed(_cut(audio_16k, start, end)) for start, end in segments]
        return np.stack(rows).astype(np.float32)

    def _embed(self, wav: FloatArray) -> FloatArray:
        if self._encoder is None:
            raise RuntimeError("SpeakerSeparator.setup() must run before separate()")
        mels = _windows(mel_spectrogram(_normalize_volume(wav)))
        with torch.no_grad():
            partial_embeds: FloatArray = self._encoder(torch.from_numpy(mels)).numpy()
        mean = partial_embeds.mean(axis=0)
        embedding: FloatArray = mean / max(float(np.linalg.norm(mean)), 1e-9)
        return embedding


def default_weights_path() -> Path:
    """The GE2E weights inside the installed `resemblyzer` package, found without importing it."""
    spec = importlib.util.find_spec("resemblyzer")
    locations = list(spec.submodule_search_locations or []) if spec else []
    path = Path(locations[0]) / "pretrained.pt" if locations else None
    if path is None or not path.is_file():
        raise SpeakerModelUnavailable(
            "speaker separation needs the resemblyzer weights: "
            "pip install --no-deps resemblyzer==0.1.4"
        )
    return path


def mel_spectrogram(wav: FloatArray) -> FloatArray:
    """Power mel spectrogram (frames × 40), as resemblyzer's `wav_to_mel_spectrogram`."""
    padded = np.pad(wav.astype(np.float64), _N_FFT // 2)
    n_frames = 1 + (len(padded) - _N_FFT) // _HOP
    frames = np.lib.stride_tricks.sliding_window_view(padded, _N_FFT)[::_HOP][:n_frames]
    power = np.abs(np.fft.rfft(frames * _hann_window(), axis=1)) ** 2
    return (power @ _mel_filterbank().T).astype(np.float32)


@cache
def _hann_window() -> npt.NDArray[np.float64]:
    """Periodic Hann window, as librosa's STFT uses."""
    return 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(_N_FFT) / _N_FFT)


@cache
def _mel_filterbank() -> npt.NDArray[np.float64]:
    """librosa's default mel filters: Slaney mel scale, Slaney area normalisation, 0-8 kHz."""
    fft_freqs = np.fft.rfftfreq(_N_FFT, d=1.0 / SAMPLE_RATE)
    mel_edges = _mel_to_hz(np.linspace(0.0, _hz_to_mel(SAMPLE_RATE / 2), _N_MELS + 2))
    widths = np.diff(mel_edges)
    ramps = mel_edges[:, None] - fft_freqs[None, :]
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    return weights * (2.0 / (mel_edges[2:] - mel_edges[:-2]))[:, None]


def _hz_to_mel(hz: float) -> float:
    if hz < _MIN_LOG_HZ:
        return hz / _F_SP
    return float(_MIN_LOG_MEL + np.log(hz / _MIN_LOG_HZ) / _LOG_STEP)


def _mel_to_hz(mels: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    linear = _F_SP * mels
    logarithmic = _MIN_LOG_HZ * np.exp(_LOG_STEP * (mels - _MIN_LOG_MEL))
    return np.where(mels >= _MIN_LOG_MEL, logarithmic, linear)


def _cut(audio: FloatArray, start_s: float, end_s: float) -> FloatArray:
    first = min(max(0, round(start_s * SAMPLE_RATE)), max(0, len(audio) - _N_FFT))
    last = max(first + _N_FFT, round(end_s * SAMPLE_RATE))
    return audio[first:last]


def _normalize_volume(wav: FloatArray) -> FloatArray:
    """Raise (never lower) the level to -30 dBFS, as resemblyzer's preprocessing does."""
    rms = float(np.sqrt(np.mean((wav.astype(np.float64) * _INT16_MAX) ** 2)))
    if rms == 0.0:
        return wav
    change_db = _TARGET_DBFS - 20 * np.log10(rms / _INT16_MAX)
    return wav if change_db < 0 else (wav * 10 ** (change_db / 20)).astype(np.float32)


def _windows(mel: FloatArray) -> FloatArray:
    """1 s windows every 0.4 s, the last one ending with the segment; one shorter if it is short."""
    if len(mel) <= _WINDOW_FRAMES:
        return mel[None]
    last = len(mel) - _WINDOW_FRAMES
    starts = sorted({*range(0, last + 1, _WINDOW_STEP), last})
    return np.stack([mel[s : s + _WINDOW_FRAMES] for s in starts])


def _cluster(embeddings: FloatArray, long_ones: list[int]) -> tuple[list[int], float]:
    """Two clusters over the long segments; the short ones join the nearer centroid.

    Returns the labels (the first segment's cluster is 0) and the mean silhouette (cosine) of the
    long segments, -1.0 when there are too few of them to form two clusters.
    """
    if len(long_ones) < 3:
        return [0] * len(embeddings), -1.0
    centred = _centre(embeddings, long_ones)
    # Ward on unit vectors: squared Euclidean distance is twice the cosine distance.
    long_labels = AgglomerativeClustering(n_clusters=2, linkage="ward").fit_predict(
        centred[long_ones]
    )
    silhouette = float(silhouette_score(centred[long_ones], long_labels, metric="cosine"))
    centroids = np.stack([centred[long_ones][long_labels == k].mean(axis=0) for k in (0, 1)])
    labels = np.argmax(centred @ centroids.T, axis=1)
    labels[long_ones] = long_labels
    if labels[0] == 1:
        labels = 1 - labels
    return [int(label) for label in labels], silhouette


def _centre(embeddings: FloatArray, long_ones: list[int]) -> FloatArray:
    """Subtract what all segments of the call share (line, codec, noise), then L2-normalise.

    Raw d-vectors of one call are all close (cosine similarity 0.8-0.95); centring spreads them so
    that the two voices separate.
    """
    centred: FloatArray = embeddings - embeddings[long_ones].mean(axis=0)
    unit: FloatArray = centred / np.maximum(np.linalg.norm(centred, axis=1, keepdims=True), 1e-9)
    return unit


def _phrase_hits(texts: Sequence[str], labels: Sequence[int]) -> list[int]:
    """How many segments of each label contain a service phrase."""
    hits = [0, 0]
    for text, label in zip(texts, labels, strict=True):
        if any(phrase in text.lower() for phrase in SERVICE_PHRASES):
            hits[label] += 1
    return hits


def _two_voices(labels: list[int], texts: Sequence[str], silhouette: float) -> SeparationResult:
    hits = _phrase_hits(texts, labels)
    agent = 1 if hits[1] > hits[0] else 0  # ties, none included: the first speaker (label 0)
    evidence = hits[agent] / sum(hits) if sum(hits) else 0.0
    separation = min(1.0, silhouette / FULL_CONFIDENCE_SILHOUETTE)
    confidence = round(separation * (0.6 + 0.4 * evidence), 2)
    why = (
        f"the agent uses service phrases in {hits[agent]} of {sum(hits)} such turns"
        if sum(hits)
        else "no service phrases, so the first speaker is taken as the agent"
    )
    note = f"mono recording: speakers separated by voice, confidence {confidence:.2f}; {why}"
    return SeparationResult(tuple(labels), agent, confidence, note)


def _single_voice(count: int, texts: Sequence[str], silhouette: float) -> SeparationResult:
    agent = 0 if sum(_phrase_hits(texts, [0] * count)) else None
    confidence = round(max(0.0, silhouette), 2)
    who = "all turns attributed to the agent" if agent == 0 else "roles unknown"
    note = f"mono recording: only one voice found, {who}, confidence {confidence:.2f}"
    return SeparationResult((0,) * count, agent, confidence, note)
