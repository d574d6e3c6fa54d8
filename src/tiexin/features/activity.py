"""Snapping ASR turn boundaries to where a channel really carries speech (pure numpy).

Whisper's word timestamps drift by a few hundred milliseconds, which is enough to invent
overtalk or shorten a silence. On a stereo recording each party has a channel of their own, so
the channel's energy says precisely when they spoke.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from tiexin.domain.calls import Turn
from tiexin.features.levels import ACTIVE_MARGIN_DB, NOISE_FLOOR_PERCENTILE, frame_energies

FRAME_S = 0.02
SEARCH_MARGIN_S = 0.3  # how far outside the ASR bounds speech energy may be looked for


def active_frames(samples: npt.NDArray[np.floating], *, sample_rate: int) -> npt.NDArray[np.bool_]:
    """One flag per 20 ms frame: louder than the channel's noise floor by a clear margin."""
    frame_len = max(1, int(sample_rate * FRAME_S))
    energies = frame_energies(np.asarray(samples, dtype=np.float64), frame_len)
    levels = 10.0 * np.log10(np.maximum(energies, 1e-24))
    floor = float(np.percentile(levels, NOISE_FLOOR_PERCENTILE))
    return np.asarray(levels > floor + ACTIVE_MARGIN_DB)


def snap_turns(turns: Sequence[Turn], active: npt.NDArray[np.bool_]) -> list[Turn]:
    """Tighten each turn to the first and last active frame near its ASR bounds."""
    return [_snap(turn, active) for turn in turns]


def _snap(turn: Turn, active: npt.NDArray[np.bool_]) -> Turn:
    first = max(0, int((turn.start_s - SEARCH_MARGIN_S) / FRAME_S))
    last = min(len(active), int(np.ceil((turn.end_s + SEARCH_MARGIN_S) / FRAME_S)))
    hits = np.flatnonzero(active[first:last])
    if hits.size == 0:
        return turn
    start = (first + int(hits[0])) * FRAME_S
    end = (first + int(hits[-1]) + 1) * FRAME_S
    return replace(turn, start_s=round(start, 3), end_s=round(end, 3))


def speech_regions(
    active: npt.NDArray[np.bool_], *, min_gap_s: float = 0.4, min_length_s: float = 0.15
) -> list[tuple[float, float]]:
    """Stretches of speech: active frames joined across pauses shorter than `min_gap_s`.

    0.4 s bridges the pauses at commas inside a turn (0.1-0.3 s), so each region is long enough
    for a reliable voice embedding, while most changes of speaker leave a longer gap.
    """
    regions: list[tuple[float, float]] = []
    for start, end in _runs(active):
        start_s, end_s = start * FRAME_S, end * FRAME_S
        if regions and start_s - regions[-1][1] < min_gap_s:
            regions[-1] = (regions[-1][0], end_s)
        else:
            regions.append((start_s, end_s))
    return [(round(s, 3), round(e, 3)) for s, e in regions if e - s >= min_length_s]


def _runs(active: npt.NDArray[np.bool_]) -> list[tuple[int, int]]:
    """[start, end) frame indices of each run of active frames."""
    padded = np.concatenate(([False], active, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]
