"""NMD and RSNOD against hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest

from tiexin.perception.metrics import nmd, rsnod

POINT_NEUTRAL = [0.0, 0.0, 1.0, 0.0, 0.0]
POINT_PLUS_ONE = [0.0, 0.0, 0.0, 1.0, 0.0]
UNIFORM = [0.2] * 5


@pytest.mark.parametrize("measure", [nmd, rsnod])
def test_identical_distributions_score_zero(measure: object) -> None:
    assert callable(measure)
    assert measure([0.1, 0.2, 0.4, 0.2, 0.1], [0.1, 0.2, 0.4, 0.2, 0.1]) == pytest.approx(0.0)


@pytest.mark.parametrize("measure", [nmd, rsnod])
def test_opposite_extremes_score_one(measure: object) -> None:
    assert callable(measure)
    assert measure([1, 0, 0, 0, 0], [0, 0, 0, 0, 1]) == pytest.approx(1.0)


def test_nmd_of_one_step_is_a_quarter() -> None:
    # cumulative distributions differ by 1 at one of the five positions; divided by L - 1 = 4
    assert nmd(POINT_NEUTRAL, POINT_PLUS_ONE) == pytest.approx(0.25)


def test_nmd_of_uniform_against_neutral() -> None:
    # |cum diff| = .2 + .4 + .4 + .2 + 0 = 1.2
    assert nmd(UNIFORM, POINT_NEUTRAL) == pytest.approx(0.3)


def test_rsnod_of_one_step() -> None:
    # DW_2 = DW_3 = 1 on both supports, SOD = 1, sqrt(1 / 4)
    assert rsnod(POINT_NEUTRAL, POINT_PLUS_ONE) == pytest.approx(0.5)


def test_rsnod_averages_each_direction_over_its_own_support() -> None:
    # OD(p||g) over g's support {0}: DW_2 = 0.24; OD(g||p) over all five bins: 5.2 / 5 = 1.04
    # SOD = 0.64, RSNOD = sqrt(0.64 / 4) = 0.4
    assert rsnod(UNIFORM, POINT_NEUTRAL) == pytest.approx(0.4)


def test_measures_are_symmetric() -> None:
    p, g = [0.5, 0.3, 0.2, 0.0, 0.0], [0.0, 0.1, 0.3, 0.4, 0.2]
    assert nmd(p, g) == pytest.approx(nmd(g, p))
    assert rsnod(p, g) == pytest.approx(rsnod(g, p))


def test_batch_returns_the_mean_of_rows() -> None:
    predicted = np.array([POINT_NEUTRAL, UNIFORM])
    gold = np.array([POINT_PLUS_ONE, POINT_NEUTRAL])
    assert nmd(predicted, gold) == pytest.approx((0.25 + 0.3) / 2)
    assert rsnod(predicted, gold) == pytest.approx((0.5 + 0.4) / 2)


def test_counts_are_normalised_like_the_official_script() -> None:
    assert nmd([0, 0, 19, 0, 0], [0, 0, 0, 19, 0]) == pytest.approx(0.25)


@pytest.mark.parametrize(
    ("predicted", "gold", "message"),
    [
        ([0.5, 0.5], [0.5, 0.5], "shape"),
        ([-0.1, 0.1, 1, 0, 0], UNIFORM, "negative"),
        ([0, 0, 0, 0, 0], UNIFORM, "no probability mass"),
        ([UNIFORM, UNIFORM], [UNIFORM], "differ in shape"),
    ],
)
def test_invalid_input_is_refused(predicted: object, gold: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        nmd(predicted, gold)  # type: ignore[arg-type]
