"""Loudness and clipping of one audio channel.

dBFS here is 20*log10(RMS) with full scale = 1.0, so a full-scale square wave is 0 dBFS and a
full-scale sine about -3 dBFS. Digital silence reads as the -120 dBFS floor instead of -inf so
values stay finite and JSON-safe.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from tiexin.domain.calls import ChannelLevel, Role

DBFS_FLOOR = -120.0
DEFAULT_FRAME_S = 0.02
DEFAULT_CLIP_LEVEL = 0.999
# A frame counts as speech when it is this much louder than the channel's noise floor; telephone
# recordings carry noise at about 30 dB below speech, so 10 dB separates the two comfortably.
ACTIVE_MARGIN_DB = 10.0
NOISE_FLOOR_PERCENTILE = 10.0

Samples = npt.NDArray[np.floating[Any]]


def to_dbfs(amplitude: float) -> float:
    """Amplitude (RMS or peak, full scale 1.0) in dBFS, never below `DBFS_FLOOR`."""
    if amplitude <= 0.0:
        return DBFS_FLOOR
    return max(DBFS_FLOOR, 20.0 * float(np.log10(amplitude)))


def frame_energies(samples: npt.NDArray[np.float64], frame_len: int) -> npt.NDArray[np.float64]:
    """Mean square per frame; a channel shorter than one frame is one frame."""
    n_frames = max(1, samples.size // frame_len)
    usable = samples[: n_frames * frame_len] if samples.size >= frame_len else samples
    return np.asarray(np.square(usable).reshape(n_frames, -1).mean(axis=1), dtype=np.float64)


def _active_rms(energies: npt.NDArray[np.float64]) -> float:
    """RMS over speech frames: those well above the noise floor, else the louder half.

    The fallback covers steady signals (a tone, or noise only) where no frame stands out.
    """
    levels = 10.0 * np.log10(np.maximum(energies, 1e-24))
    floor = float(np.percentile(levels, NOISE_FLOOR_PERCENTILE))
    active = energies[levels > floor + ACTIVE_MARGIN_DB]
    if active.size == 0:
        active = energies[energies >= float(np.median(energies))]
    return float(np.sqrt(active.mean()))


def measure_channel_level(
    samples: Samples,
    *,
    sample_rate: int,
    channel: int,
    role: Role,
    frame_s: float = DEFAULT_FRAME_S,
    clip_level: float = DEFAULT_CLIP_LEVEL,
) -> ChannelLevel:
    """Loudness of one channel of float samples in [-1, 1].

    `rms_dbfs` is measured over active frames only, so a quiet speaker is not masked by the long
    silences of a call; `clipping_ratio` is the share of samples with |x| >= `clip_level`.
    """
    if sample_rate <= 0 or frame_s <= 0.0:
        raise ValueError("sample_rate and frame_s must be positive")
    x = np.abs(np.asarray(samples, dtype=np.float64).ravel())
    if x.size == 0:
        return ChannelLevel(channel, role, DBFS_FLOOR, DBFS_FLOOR, 0.0)
    frame_len = max(1, round(sample_rate * frame_s))
    return ChannelLevel(
        channel=channel,
        role=role,
        rms_dbfs=to_dbfs(_active_rms(frame_energies(x, frame_len))),
        peak_dbfs=to_dbfs(float(x.max())),
        clipping_ratio=float(np.count_nonzero(x >= clip_level)) / x.size,
    )
