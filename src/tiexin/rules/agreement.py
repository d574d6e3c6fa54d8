"""Agreement statistics for calibration: how often inspectors (and the machine) give an item the
same label.

Labels are nominal (passed / failed / na). Among inspectors: percent agreement over all pairs of
inspectors who labelled the same call, and Krippendorff's alpha, which tolerates inspectors who
skipped a call. Between one inspector and the automatic result: percent agreement and Cohen's
kappa. A chance-corrected statistic is None when it is undefined (everyone used one label, so
there is no disagreement to expect).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence
from itertools import combinations, permutations

Label = Hashable
Unit = Sequence[Label]  # the labels different raters gave one unit (one call's item)


def pairwise_agreement(units: Sequence[Unit]) -> float | None:
    """Share of agreeing pairs among all pairs of labels given to the same unit."""
    agreeing = total = 0
    for labels in units:
        for a, b in combinations(labels, 2):
            total += 1
            agreeing += a == b
    return agreeing / total if total else None


def krippendorff_alpha(units: Sequence[Unit]) -> float | None:
    """Krippendorff's alpha for nominal labels; units with fewer than two labels are ignored.

    alpha = 1 - D_o / D_e from the coincidence matrix: every ordered pair of labels within a
    unit of m labels adds 1 / (m - 1).
    """
    coincidences: defaultdict[tuple[Label, Label], float] = defaultdict(float)
    for labels in units:
        if len(labels) < 2:
            continue
        weight = 1.0 / (len(labels) - 1)
        for a, b in permutations(labels, 2):
            coincidences[(a, b)] += weight
    totals: defaultdict[Label, float] = defaultdict(float)
    for (a, _), count in coincidences.items():
        totals[a] += count
    n = sum(totals.values())
    if n <= 1:
        return None
    observed = sum(count for (a, b), count in coincidences.items() if a != b) / n
    expected = sum(totals[a] * totals[b] for a in totals for b in totals if a != b) / (n * (n - 1))
    if expected == 0:
        return None
    return 1.0 - observed / expected


def percent_agreement(pairs: Sequence[tuple[Label, Label]]) -> float | None:
    """Share of pairs with the same label in both places."""
    if not pairs:
        return None
    return sum(a == b for a, b in pairs) / len(pairs)


def cohens_kappa(pairs: Sequence[tuple[Label, Label]]) -> float | None:
    """Cohen's kappa of two raters over the same units: (p_o - p_e) / (1 - p_e)."""
    if not pairs:
        return None
    n = len(pairs)
    observed = sum(a == b for a, b in pairs) / n
    first = Counter(a for a, _ in pairs)
    second = Counter(b for _, b in pairs)
    expected = sum(first[label] * second[label] for label in first) / (n * n)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)
