from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tiexin.domain.calls import OvertalkEvent, Role, Silence, Turn
from tiexin.features.timing import (
    find_overtalk,
    find_silences,
    response_latency_by_role,
    summarize_silences,
    talk_ratio_by_role,
    talk_time_by_role,
)

A, C, U = Role.AGENT, Role.CUSTOMER, Role.UNKNOWN


def turns(*spec: tuple[Role, float, float]) -> list[Turn]:
    return [Turn(role, start, end, "") for role, start, end in spec]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ([], {"agent": 0.0, "customer": 0.0}),
        ([(A, 0, 2), (C, 3, 4)], {"agent": 2.0, "customer": 1.0}),
        ([(A, 0, 2), (A, 3, 4.5)], {"agent": 3.5, "customer": 0.0}),
        ([(A, 0, 2), (U, 2, 3)], {"agent": 2.0, "customer": 0.0, "unknown": 1.0}),
        ([(C, 5, 4)], {"agent": 0.0, "customer": 0.0}),  # reversed bounds count as nothing
    ],
)
def test_talk_time(spec: list[tuple[Role, float, float]], expected: dict[str, float]) -> None:
    assert talk_time_by_role(turns(*spec)) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("talk", "expected"),
    [
        ({"agent": 3.0, "customer": 1.0}, {"agent": 0.75, "customer": 0.25}),
        ({"agent": 0.0, "customer": 0.0}, {"agent": 0.0, "customer": 0.0}),
        ({"agent": 2.0, "customer": 0.0}, {"agent": 1.0, "customer": 0.0}),
    ],
)
def test_talk_ratio(talk: dict[str, float], expected: dict[str, float]) -> None:
    assert talk_ratio_by_role(talk) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ([], []),
        ([(A, 1, 2)], []),
        ([(A, 1, 2), (C, 3, 4)], [(2, 3)]),
        # the customer overlaps the agent: no gap inside the merged speech
        ([(A, 0, 5), (C, 4, 6), (A, 8, 9)], [(6, 8)]),
        # a short turn nested inside a long one does not end the speech early
        ([(A, 0, 10), (C, 2, 3), (C, 12, 13)], [(10, 12)]),
        # order of the input does not matter
        ([(C, 3, 4), (A, 1, 2)], [(2, 3)]),
        # touching turns leave no silence
        ([(A, 0, 1), (C, 1, 2)], []),
    ],
)
def test_find_silences(
    spec: list[tuple[Role, float, float]], expected: list[tuple[float, float]]
) -> None:
    assert find_silences(turns(*spec)) == [Silence(a, b) for a, b in expected]


def test_summarize_silences_threshold_is_inclusive() -> None:
    stats = summarize_silences(turns((A, 0, 1), (C, 4, 5), (A, 5.5, 6)), threshold_s=3.0)
    assert stats.total_s == pytest.approx(3.5)
    assert stats.longest_s == pytest.approx(3.0)
    assert stats.over_threshold == (Silence(1, 4),)


def test_summarize_silences_without_gaps() -> None:
    stats = summarize_silences(turns((A, 0, 1)), threshold_s=3.0)
    assert (stats.total_s, stats.longest_s, stats.over_threshold) == (0.0, 0.0, ())


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ([(C, 0, 5), (A, 4, 7)], [OvertalkEvent(4, 5, A)]),
        ([(A, 0, 5), (C, 3, 6)], [OvertalkEvent(3, 5, C)]),
        # below the 0.2 s minimum: fuzzy ASR boundaries, not an interruption
        ([(C, 0, 5), (A, 4.9, 7)], []),
        # same-role overlaps are not overtalk
        ([(A, 0, 5), (A, 4, 7)], []),
        # an unknown speaker cannot interrupt
        ([(A, 0, 5), (U, 4, 7)], []),
        # a backchannel inside an agent turn is one pair
        ([(A, 0, 10), (C, 2, 3)], [OvertalkEvent(2, 3, C)]),
        # one customer turn overlapping two agent turns counts twice (pair definition)
        ([(A, 0, 3), (C, 2, 8), (A, 7, 9)], [OvertalkEvent(2, 3, C), OvertalkEvent(7, 8, A)]),
    ],
)
def test_find_overtalk(
    spec: list[tuple[Role, float, float]], expected: list[OvertalkEvent]
) -> None:
    assert find_overtalk(turns(*spec)) == expected


def test_overtalk_minimum_is_configurable() -> None:
    spec = turns((C, 0, 5), (A, 4.9, 7))
    assert len(find_overtalk(spec, min_overlap_s=0.05)) == 1


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ([], {"agent": None, "customer": None}),
        ([(A, 0, 2), (C, 2.5, 4), (A, 5, 6)], {"agent": 1.0, "customer": 0.5}),
        # overtalk (negative gap) and a hold (over 10 s) are not replies
        ([(A, 0, 2), (C, 1, 4), (A, 15, 16)], {"agent": None, "customer": None}),
        # consecutive turns of one party are not a hand-over
        ([(A, 0, 2), (A, 3, 4), (C, 4.5, 5)], {"agent": None, "customer": 0.5}),
        ([(A, 0, 2), (C, 3, 4), (A, 4.5, 5), (C, 7, 8)], {"agent": 0.5, "customer": 1.5}),
    ],
)
def test_response_latency(
    spec: list[tuple[Role, float, float]], expected: dict[str, float | None]
) -> None:
    assert response_latency_by_role(turns(*spec)) == pytest.approx(expected)


_turn = st.builds(
    lambda role, start, length: Turn(role, start, start + length, ""),
    st.sampled_from([A, C, U]),
    st.floats(min_value=0, max_value=600, allow_nan=False),
    st.floats(min_value=0, max_value=60, allow_nan=False),
)


@given(st.lists(_turn, max_size=30))
def test_talk_ratio_sums_to_one_when_anyone_talks(call: list[Turn]) -> None:
    ratio = talk_ratio_by_role(talk_time_by_role(call))
    if sum(t.duration_s for t in call) > 0:
        assert sum(ratio.values()) == pytest.approx(1.0)
    else:
        assert set(ratio.values()) <= {0.0}


@given(st.lists(_turn, max_size=30))
def test_silences_are_positive_and_outside_speech(call: list[Turn]) -> None:
    for silence in find_silences(call):
        assert silence.duration_s > 0
        assert not any(t.start_s < silence.end_s and silence.start_s < t.end_s for t in call)
