"""Distances between predicted and gold distributions over the ordered labels -2..2.

Both measures come from NTCIR-14 STC-3 (dialogue quality subtask; Sakai's order-aware measures)
and are lower-is-better, 0 for a perfect prediction. Inputs are one distribution of shape (5,) or
a batch of shape (n, 5); a batch returns the mean over its rows, as the task reports them.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

LABELS: tuple[int, ...] = (-2, -1, 0, 1, 2)

FloatArray = npt.NDArray[np.float64]


def _as_distributions(values: npt.ArrayLike, name: str) -> FloatArray:
    """Rows as float distributions; rows are rescaled to sum to 1 (the official script does too)."""
    array = np.atleast_2d(np.asarray(values, dtype=np.float64))
    if array.ndim != 2 or array.shape[1] != len(LABELS):
        raise ValueError(f"{name} must have shape (5,) or (n, 5), got {array.shape}")
    if (array < 0).any():
        raise ValueError(f"{name} has negative probabilities")
    totals = array.sum(axis=1, keepdims=True)
    if (totals <= 0).any():
        raise ValueError(f"{name} has a row with no probability mass")
    normalised: FloatArray = array / totals
    return normalised


def _pair(predicted: npt.ArrayLike, gold: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    p = _as_distributions(predicted, "predicted")
    g = _as_distributions(gold, "gold")
    if p.shape != g.shape:
        raise ValueError(f"predicted {p.shape} and gold {g.shape} differ in shape")
    return p, g


def nmd(predicted: npt.ArrayLike, gold: npt.ArrayLike) -> float:
    """Normalised match distance: L1 between the cumulative distributions, divided by L - 1."""
    p, g = _pair(predicted, gold)
    distance = np.abs(np.cumsum(p, axis=1) - np.cumsum(g, axis=1)).sum(axis=1)
    return float(np.mean(distance / (len(LABELS) - 1)))


def _order_aware_divergence(dw: FloatArray, support: npt.NDArray[np.bool_]) -> FloatArray:
    """OD(p || q): mean of the distance-weighted errors DW_i over the bins where q_i > 0."""
    divergence: FloatArray = (dw * support).sum(axis=1) / support.sum(axis=1)
    return divergence


def rsnod(predicted: npt.ArrayLike, gold: npt.ArrayLike) -> float:
    """Root symmetric normalised order-aware divergence (Sakai; STC-3 overview).

    DW_i = sum_j |i - j| (p_j - g_j)^2; OD(p||g) averages DW_i over the bins where g_i > 0;
    SOD = (OD(p||g) + OD(g||p)) / 2; RSNOD = sqrt(SOD / (L - 1)).
    """
    p, g = _pair(predicted, gold)
    positions = np.arange(len(LABELS))
    weights = np.abs(positions[:, None] - positions[None, :]).astype(np.float64)
    dw = ((p - g) ** 2) @ weights
    symmetric = (_order_aware_divergence(dw, g > 0) + _order_aware_divergence(dw, p > 0)) / 2
    return float(np.mean(np.sqrt(symmetric / (len(LABELS) - 1))))
