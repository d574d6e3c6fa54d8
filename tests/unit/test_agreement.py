"""Agreement statistics against values computed by hand."""

from __future__ import annotations

import pytest

from tiexin.rules.agreement import (
    agreement_by_item,
    cohens_kappa,
    krippendorff_alpha,
    pairwise_agreement,
    percent_agreement,
)

P, F, N = "passed", "failed", "na"
# Two raters, four units: pp, pf, ff, pp.
TWO_RATERS = [(P, P), (P, F), (F, F), (P, P)]


@pytest.mark.parametrize(
    ("units", "expected"),
    [
        (TWO_RATERS, 3 / 4),
        ([(P, P, F)], 1 / 3),  # pairs: PP agree, PF, PF
        ([(P, P, P), (F, F)], 1.0),
        ([(P,), (F,)], None),  # no unit has two labels
        ([], None),
    ],
)
def test_pairwise_agreement(units: list[tuple[str, ...]], expected: float | None) -> None:
    assert pairwise_agreement(units) == (None if expected is None else pytest.approx(expected))


@pytest.mark.parametrize(
    ("units", "expected"),
    [
        # o_PP=4, o_FF=2, o_PF=o_FP=1; n_P=5, n_F=3, n=8: D_o=2/8, D_e=30/56 -> 8/15
        (TWO_RATERS, 8 / 15),
        # a lone label is ignored: same as above
        ([*TWO_RATERS, (N,)], 8 / 15),
        # unit (P,P,F) weights 1/2: o_PP=1, o_PF=o_FP=1; plus (F,F): o_FF=2. n_P=2, n_F=3, n=5
        # D_o = 2/5, D_e = 2*2*3/20 = 3/5 -> alpha = 1 - (2/5)/(3/5) = 1/3
        ([(P, P, F), (F, F)], 1 / 3),
        # perfect disagreement on two units: o_PF=o_FP=2, n_P=n_F=2: D_o=1, D_e=8/12 -> -1/2
        ([(P, F), (F, P)], -0.5),
        ([(P, P), (P, P)], None),  # one label only: undefined
        ([(P,)], None),
    ],
)
def test_krippendorff_alpha(units: list[tuple[str, ...]], expected: float | None) -> None:
    assert krippendorff_alpha(units) == (None if expected is None else pytest.approx(expected))


@pytest.mark.parametrize(
    ("pairs", "agreement", "kappa"),
    [
        # p_o = 3/4; first 3P 1F, second 2P 2F: p_e = (3*2 + 1*2)/16 = 1/2 -> kappa 1/2
        (TWO_RATERS, 3 / 4, 0.5),
        ([(P, P), (F, F), (N, N)], 1.0, 1.0),
        # p_o = 0, p_e = (1*1 + 1*1)/4 = 1/2 -> -1
        ([(P, F), (F, P)], 0.0, -1.0),
        # p_o = 1/2; first 2P, second 1P 1F: p_e = 2*1/4 = 1/2 -> 0
        ([(P, P), (P, F)], 0.5, 0.0),
        ([(P, P), (P, P)], 1.0, None),  # both always P: kappa undefined
        ([], None, None),
    ],
)
def test_inspector_against_automatic(
    pairs: list[tuple[str, str]], agreement: float | None, kappa: float | None
) -> None:
    assert percent_agreement(pairs) == (None if agreement is None else pytest.approx(agreement))
    assert cohens_kappa(pairs) == (None if kappa is None else pytest.approx(kappa))


def test_agreement_by_item_puts_the_most_disputed_item_first() -> None:
    labels = {
        # greeting: both inspectors agree with each other and with the machine on both calls
        ("c1", "greeting", "wang"): P,
        ("c1", "greeting", "li"): P,
        ("c2", "greeting", "wang"): F,
        ("c2", "greeting", "li"): F,
        # closing: the inspectors split on c1; li alone scored c2
        ("c1", "closing", "wang"): P,
        ("c1", "closing", "li"): F,
        ("c2", "closing", "li"): F,
    }
    automatic = {("c1", "greeting"): P, ("c2", "greeting"): F, ("c1", "closing"): P}
    closing, greeting = agreement_by_item(labels, automatic)
    assert closing.item_id == "closing" and greeting.item_id == "greeting"
    assert closing.calls == 1 and closing.pairwise == 0.0
    assert closing.automatic == pytest.approx(1 / 2)  # wang P=P, li F!=P (c2 has no machine label)
    assert {(a.inspector, a.calls, a.agreement) for a in closing.inspectors} == {
        ("li", 1, 0.0),
        ("wang", 1, 1.0),
    }
    assert greeting.pairwise == 1.0 and greeting.alpha == pytest.approx(1.0)
    assert greeting.automatic == 1.0
    assert [a.kappa for a in greeting.inspectors] == [pytest.approx(1.0), pytest.approx(1.0)]
