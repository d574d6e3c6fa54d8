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
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True)
class InspectorAgreement:
    """One inspector against the automatic result on one item."""

    inspector: str
    calls: int
    agreement: float | None
    kappa: float | None


@dataclass(frozen=True)
class ItemAgreement:
    item_id: str
    calls: int  # calls where at least two inspectors labelled the item
    pairwise: float | None
    alpha: float | None
    automatic: float | None  # every inspector label against the automatic one, pooled
    inspectors: tuple[InspectorAgreement, ...]

    @property
    def lowest(self) -> float | None:
        """The weakest of the agreement figures: what the item is sorted by."""
        known = [v for v in (self.pairwise, self.alpha, self.automatic) if v is not None]
        return min(known, default=None)


def agreement_by_item(
    labels: Mapping[tuple[str, str, str], Label],
    automatic: Mapping[tuple[str, str], Label],
) -> list[ItemAgreement]:
    """Per item: inspectors among themselves and against the machine, lowest agreement first.

    `labels` maps (call, item, inspector) to a label; `automatic` maps (call, item) to the
    automatic result. Items nobody could be compared on come last.
    """
    units: dict[str, dict[str, list[Label]]] = defaultdict(lambda: defaultdict(list))
    pairs: dict[str, dict[str, list[tuple[Label, Label]]]] = defaultdict(lambda: defaultdict(list))
    for (call, item, inspector), label in sorted(labels.items(), key=lambda kv: kv[0]):
        units[item][call].append(label)
        if (call, item) in automatic:
            pairs[item][inspector].append((label, automatic[(call, item)]))
    found = []
    for item in sorted(units):
        by_call = list(units[item].values())
        pooled = [pair for inspector_pairs in pairs[item].values() for pair in inspector_pairs]
        found.append(
            ItemAgreement(
                item_id=item,
                calls=sum(len(call_labels) >= 2 for call_labels in by_call),
                pairwise=pairwise_agreement(by_call),
                alpha=krippendorff_alpha(by_call),
                automatic=percent_agreement(pooled),
                inspectors=tuple(
                    InspectorAgreement(
                        inspector, len(own), percent_agreement(own), cohens_kappa(own)
                    )
                    for inspector, own in sorted(pairs[item].items())
                ),
            )
        )
    return sorted(found, key=lambda a: (a.lowest is None, a.lowest or 0.0, a.item_id))
