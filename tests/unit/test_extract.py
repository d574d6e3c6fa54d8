from __future__ import annotations

import json

import pytest

from tiexin.domain.calls import ChannelLevel, OvertalkEvent, Role, Silence, Turn
from tiexin.features.extract import features_from_dict, features_to_dict, measure_call

A, C = Role.AGENT, Role.CUSTOMER

CALL = [
    Turn(A, 0.5, 2.5, "您好，请问有什么可以帮您？"),  # 11 chars over 2 s
    Turn(C, 3.0, 6.0, "我想查一下话费。"),  # 7 chars over 3 s, overlapped by the agent
    Turn(A, 5.5, 7.5, "好的，请稍等。"),
    Turn(C, 12.0, 13.0, "好的谢谢"),
]
LEVELS = [ChannelLevel(0, A, -20.0, -3.0, 0.0), ChannelLevel(1, C, -24.5, -6.0, 0.0004)]


def measured() -> dict[str, object]:
    features = measure_call(
        CALL,
        language="zh",
        duration_s=14.0,
        customer_sentiments=[0.9, -0.5, 0.9, 0.25],
        channel_levels=LEVELS,
        silence_threshold_s=3.0,
    )
    return features_to_dict(features)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("duration_s", 14.0),
        ("talk_time_s", {"agent": 4.0, "customer": 4.0}),
        ("talk_ratio_agent", 0.5),
        ("silence_total_s", 5.0),
        ("longest_silence_s", 4.5),
        ("silences_over_threshold", [{"start_s": 7.5, "end_s": 12.0}]),
        ("overtalk_events", 1),
        ("overtalk", [{"start_s": 5.5, "end_s": 6.0, "interrupter": "agent"}]),
        ("response_latency_s", {"agent": None, "customer": 2.5}),
        ("speech_rate_cpm", {"agent": 240.0, "customer": 165.0}),
        ("speech_rate_unit", "cpm"),
        # the agents' 0.9 are ignored: with two customer turns, both ends average them
        ("customer_sentiment_start", -0.125),
        ("customer_sentiment_end", -0.125),
        ("customer_sentiment_trajectory", 0.0),
        ("turn_measures", [
            {"speech_rate": 330.0, "sentiment": None},
            {"speech_rate": 140.0, "sentiment": -0.5},
            {"speech_rate": 150.0, "sentiment": None},
            {"speech_rate": 240.0, "sentiment": 0.25},
        ]),
        ("channel_levels", [
            {"channel": 0, "role": "agent", "rms_dbfs": -20.0, "peak_dbfs": -3.0,
             "clipping_ratio": 0.0},
            {"channel": 1, "role": "customer", "rms_dbfs": -24.5, "peak_dbfs": -6.0,
             "clipping_ratio": 0.0004},
        ]),
        ("extra", {"overtalk_total_s": 0.5}),
    ],
)  # fmt: skip
def test_measure_call(key: str, expected: object) -> None:
    assert measured()[key] == expected


def test_dict_is_json_and_round_trips() -> None:
    data = measured()
    assert json.loads(json.dumps(data)) == data
    assert features_to_dict(features_from_dict(data)) == data


def test_floats_are_rounded() -> None:
    turns = [Turn(A, 0.0, 1.0 / 3.0, "好"), Turn(C, 1.0, 2.0, "嗯")]
    data = features_to_dict(measure_call(turns, language="zh", duration_s=2.0))
    assert data["talk_time_s"] == {"agent": 0.333, "customer": 1.0}
    assert data["longest_silence_s"] == 0.667


def test_english_rates_are_words_per_minute() -> None:
    turns = [Turn(A, 0.0, 3.0, "one two three four five six"), Turn(C, 4.0, 5.0, "no thanks")]
    data = features_to_dict(measure_call(turns, language="en", duration_s=5.0))
    assert data["speech_rate_unit"] == "wpm"
    assert data["speech_rate"] == data["speech_rate_cpm"] == {"agent": 120.0, "customer": 120.0}


def test_defaults_without_sentiment_or_duration() -> None:
    features = measure_call(CALL, language="zh")
    assert features.duration_s == 13.0
    assert features.customer_sentiment_start is None
    assert features.customer_sentiment_trajectory is None
    assert features.silences_over_threshold == (Silence(7.5, 12.0),)
    assert features.overtalk_events == (OvertalkEvent(5.5, 6.0, A),)


def test_empty_call() -> None:
    data = features_to_dict(measure_call([], language="zh"))
    assert data["longest_silence_s"] == 0.0
    assert data["overtalk_events"] == 0
    assert data["talk_ratio_agent"] == 0.0
    assert data["customer_sentiment_end"] is None


def test_sentiments_must_align_with_turns() -> None:
    with pytest.raises(ValueError, match="4 turns"):
        measure_call(CALL, language="zh", customer_sentiments=[0.1])
