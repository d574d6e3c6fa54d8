"""Speech activity on a channel: frames, regions and snapping ASR turns to them."""

from __future__ import annotations

import numpy as np
import pytest

from tiexin.domain.calls import Role, Turn
from tiexin.features.activity import FRAME_S, active_frames, snap_turns, speech_regions

RATE = 16_000


def _signal(spans: list[tuple[float, float]], seconds: float = 10.0) -> np.ndarray:
    rng = np.random.default_rng(7)
    samples = rng.normal(0, 0.001, int(seconds * RATE)).astype(np.float32)  # line noise
    t = np.arange(samples.size) / RATE
    for start, end in spans:
        inside = (t >= start) & (t < end)
        samples[inside] += 0.3 * np.sin(2 * np.pi * 440 * t[inside]).astype(np.float32)
    return samples


def _flags(pattern: str) -> np.ndarray:
    return np.array([ch == "#" for ch in pattern])


@pytest.mark.parametrize(
    ("pattern", "min_gap_s", "expected"),
    [
        ("", 0.4, []),
        ("....", 0.4, []),
        ("..####..", 0.4, [(0.04, 0.12)]),
        ("##..##", 0.4, [(0.0, 0.12)]),  # a 40 ms pause inside a turn is bridged
        ("##" + "." * 30 + "##", 0.4, [(0.0, 0.04), (0.64, 0.68)]),
        ("#" + "." * 30 + "#", 0.4, []),  # single frames are shorter than the minimum length
    ],
)
def test_speech_regions(
    pattern: str, min_gap_s: float, expected: list[tuple[float, float]]
) -> None:
    assert speech_regions(_flags(pattern), min_gap_s=min_gap_s, min_length_s=0.03) == expected


def test_active_frames_follow_the_speech() -> None:
    flags = active_frames(_signal([(1.0, 2.0), (4.0, 4.5)]), sample_rate=RATE)
    assert flags.size == int(10.0 / FRAME_S)
    assert speech_regions(flags) == [(1.0, 2.0), (4.0, 4.5)]


@pytest.mark.parametrize(
    ("asr", "expected"),
    [
        ((0.8, 2.3), (1.0, 2.0)),  # drifted outwards: tightened to the speech
        ((1.2, 1.9), (1.0, 2.0)),  # drifted inwards: widened within the search margin
        ((6.0, 7.0), (6.0, 7.0)),  # no speech near it: left as the recogniser said
    ],
)
def test_snap_turns(asr: tuple[float, float], expected: tuple[float, float]) -> None:
    flags = active_frames(_signal([(1.0, 2.0)]), sample_rate=RATE)
    turn = Turn(role=Role.AGENT, start_s=asr[0], end_s=asr[1], text="您好")
    snapped = snap_turns([turn], flags)[0]
    assert (snapped.start_s, snapped.end_s) == pytest.approx(expected, abs=0.021)
    assert snapped.text == "您好"
