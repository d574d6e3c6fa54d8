from __future__ import annotations

import warnings

import numpy as np
import pytest

from tiexin.domain.calls import Role
from tiexin.features.levels import DBFS_FLOOR, measure_channel_level, to_dbfs

SR = 8000


def tone(amplitude: float, seconds: float) -> np.ndarray:
    t = np.arange(int(SR * seconds)) / SR
    return (amplitude * np.sin(2 * np.pi * 440 * t)).astype(np.float32)


def measure(samples: np.ndarray) -> tuple[float, float, float]:
    level = measure_channel_level(samples, sample_rate=SR, channel=0, role=Role.AGENT)
    return level.rms_dbfs, level.peak_dbfs, level.clipping_ratio


@pytest.mark.parametrize(
    ("amplitude", "expected"),
    [(1.0, 0.0), (0.5, -6.0206), (0.0, DBFS_FLOOR), (1e-9, -120.0), (-0.1, DBFS_FLOOR)],
)
def test_to_dbfs(amplitude: float, expected: float) -> None:
    assert to_dbfs(amplitude) == pytest.approx(expected, abs=1e-3)


@pytest.mark.parametrize(
    "samples",
    [
        np.zeros(0, dtype=np.float32),
        np.zeros(SR, dtype=np.float32),
        np.zeros(3, dtype=np.float32),  # shorter than one frame
    ],
)
def test_silence_reads_floor_without_warnings(samples: np.ndarray) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert measure(samples) == (DBFS_FLOOR, DBFS_FLOOR, 0.0)


@pytest.mark.parametrize(("amplitude", "rms_db"), [(0.5, -9.031), (0.1, -23.010)])
def test_steady_tone(amplitude: float, rms_db: float) -> None:
    rms, peak, clipping = measure(tone(amplitude, 1.0))
    assert rms == pytest.approx(rms_db, abs=0.05)  # sine RMS = A / sqrt(2)
    assert peak == pytest.approx(20 * np.log10(amplitude), abs=0.05)
    assert clipping == 0.0


def test_rms_ignores_long_silences_around_speech() -> None:
    rng = np.random.default_rng(7)
    quiet = (rng.standard_normal(SR * 9) * 0.001).astype(np.float32)  # -60 dBFS line noise
    call = np.concatenate([quiet, tone(0.5, 1.0), quiet])
    rms, _, _ = measure(call)
    assert rms == pytest.approx(-9.03, abs=0.3)


@pytest.mark.parametrize(
    ("samples", "ratio"),
    [
        (np.array([1.0, -1.0, 0.5, 0.0], dtype=np.float32), 0.5),
        (np.array([0.9995, 0.2, 0.2, 0.2], dtype=np.float32), 0.25),
        (np.array([0.998, 0.2], dtype=np.float32), 0.0),
    ],
)
def test_clipping_ratio(samples: np.ndarray, ratio: float) -> None:
    assert measure(samples)[2] == pytest.approx(ratio)


def test_clip_level_is_configurable() -> None:
    samples = np.array([0.95, 0.2], dtype=np.float32)
    level = measure_channel_level(
        samples, sample_rate=SR, channel=1, role=Role.CUSTOMER, clip_level=0.9
    )
    assert (level.channel, level.role, level.clipping_ratio) == (1, Role.CUSTOMER, 0.5)


def test_rejects_bad_sample_rate() -> None:
    with pytest.raises(ValueError, match="sample_rate"):
        measure_channel_level(tone(0.1, 0.1), sample_rate=0, channel=0, role=Role.AGENT)
