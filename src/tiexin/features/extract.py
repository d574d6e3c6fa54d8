"""Assemble every measurement of one call into `CallFeatures`, and its JSON form."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tiexin.domain.calls import (
    CallFeatures,
    ChannelLevel,
    OvertalkEvent,
    Role,
    Silence,
    Turn,
    TurnMeasure,
)
from tiexin.features.sentiment import customer_sentiment_arc
from tiexin.features.speech import speech_rate_by_role, speech_rate_unit, turn_speech_rate
from tiexin.features.timing import (
    DEFAULT_MIN_OVERTALK_S,
    find_overtalk,
    response_latency_by_role,
    summarize_silences,
    talk_ratio_by_role,
    talk_time_by_role,
)

DEFAULT_SILENCE_THRESHOLD_S = 3.0
_DECIMALS = 3
# A clipping ratio of 0.0004 (0.04% of samples) is already audible distortion; three decimals
# would print it as 0.0.
_RATIO_DECIMALS = 6


def measure_call(
    turns: Sequence[Turn],
    *,
    language: str,
    duration_s: float | None = None,
    customer_sentiments: Sequence[float | None] | None = None,
    channel_levels: Sequence[ChannelLevel] = (),
    silence_threshold_s: float = DEFAULT_SILENCE_THRESHOLD_S,
    min_overtalk_s: float = DEFAULT_MIN_OVERTALK_S,
) -> CallFeatures:
    """Measure one call from its turns (any order; `turn_measures` keep the given order).

    `customer_sentiments` is aligned with `turns`; scores on non-customer turns are ignored.
    `duration_s` defaults to the last turn's end when the audio length is unknown.
    """
    sentiments = _aligned_sentiments(turns, customer_sentiments)
    talk_time = talk_time_by_role(turns)
    silences = summarize_silences(turns, threshold_s=silence_threshold_s)
    arc = customer_sentiment_arc([s for s in sentiments if s is not None])
    overtalk = find_overtalk(turns, min_overlap_s=min_overtalk_s)
    return CallFeatures(
        duration_s=duration_s
        if duration_s is not None
        else max((t.end_s for t in turns), default=0.0),
        talk_time_s=talk_time,
        talk_ratio=talk_ratio_by_role(talk_time),
        silence_total_s=silences.total_s,
        longest_silence_s=silences.longest_s,
        silences_over_threshold=silences.over_threshold,
        silence_threshold_s=silence_threshold_s,
        overtalk_events=tuple(overtalk),
        response_latency_s=response_latency_by_role(turns),
        speech_rate=speech_rate_by_role(turns, language),
        speech_rate_unit=speech_rate_unit(language),
        turn_measures=tuple(
            TurnMeasure(speech_rate=turn_speech_rate(t, language), sentiment=s)
            for t, s in zip(turns, sentiments, strict=True)
        ),
        channel_levels=tuple(channel_levels),
        customer_sentiment_start=arc.start,
        customer_sentiment_end=arc.end,
        customer_sentiment_trajectory=arc.trajectory,
        extra={"overtalk_total_s": sum(e.duration_s for e in overtalk)},
    )


def _aligned_sentiments(
    turns: Sequence[Turn], scores: Sequence[float | None] | None
) -> list[float | None]:
    """Scores per turn, None wherever the turn is not the customer's."""
    if scores is None:
        return [None] * len(turns)
    if len(scores) != len(turns):
        raise ValueError(f"{len(scores)} sentiment scores for {len(turns)} turns")
    return [s if t.role is Role.CUSTOMER else None for t, s in zip(turns, scores, strict=True)]


def _r(value: float, decimals: int = _DECIMALS) -> float:
    return round(value, decimals)


def _r_opt(value: float | None) -> float | None:
    return None if value is None else _r(value)


def _r_map(values: Mapping[str, float]) -> dict[str, float]:
    return {key: _r(value) for key, value in values.items()}


def _by_party(values: Mapping[str, float]) -> dict[str, float]:
    return {role.value: _r(values.get(role.value, 0.0)) for role in (Role.AGENT, Role.CUSTOMER)}


def features_to_dict(features: CallFeatures) -> dict[str, Any]:
    """JSON-ready form with stable keys; floats rounded to 3 decimals (clipping ratios to 6).

    `overtalk_events` is the count and `overtalk` the events; `speech_rate_cpm` always holds the
    agent/customer rates in the call's unit (words per minute for English, see
    `speech_rate_unit`), the key name being kept for the Chinese-first consumers.
    """
    return {
        "duration_s": _r(features.duration_s),
        "talk_time_s": _r_map(features.talk_time_s),
        "talk_ratio": _r_map(features.talk_ratio),
        "talk_ratio_agent": _r(features.talk_ratio.get(Role.AGENT.value, 0.0)),
        "talk_ratio_customer": _r(features.talk_ratio.get(Role.CUSTOMER.value, 0.0)),
        "silence_total_s": _r(features.silence_total_s),
        "longest_silence_s": _r(features.longest_silence_s),
        "silence_threshold_s": _r(features.silence_threshold_s),
        "silences_over_threshold": [
            {"start_s": _r(s.start_s), "end_s": _r(s.end_s)}
            for s in features.silences_over_threshold
        ],
        "overtalk_events": len(features.overtalk_events),
        "overtalk": [
            {"start_s": _r(e.start_s), "end_s": _r(e.end_s), "interrupter": e.interrupter.value}
            for e in features.overtalk_events
        ],
        "response_latency_s": {k: _r_opt(v) for k, v in features.response_latency_s.items()},
        "speech_rate": _r_map(features.speech_rate),
        "speech_rate_unit": features.speech_rate_unit,
        "speech_rate_cpm": _by_party(features.speech_rate),
        "turn_measures": [
            {"speech_rate": _r(m.speech_rate), "sentiment": _r_opt(m.sentiment)}
            for m in features.turn_measures
        ],
        "channel_levels": [_level_to_dict(level) for level in features.channel_levels],
        "customer_sentiment_start": _r_opt(features.customer_sentiment_start),
        "customer_sentiment_end": _r_opt(features.customer_sentiment_end),
        "customer_sentiment_trajectory": _r_opt(features.customer_sentiment_trajectory),
        "extra": _r_map(features.extra),
    }


def _level_to_dict(level: ChannelLevel) -> dict[str, Any]:
    return {
        "channel": level.channel,
        "role": level.role.value,
        "rms_dbfs": _r(level.rms_dbfs),
        "peak_dbfs": _r(level.peak_dbfs),
        "clipping_ratio": _r(level.clipping_ratio, _RATIO_DECIMALS),
    }


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


def features_from_dict(data: Mapping[str, Any]) -> CallFeatures:
    """Inverse of `features_to_dict` (up to its rounding); derived keys are ignored."""
    return CallFeatures(
        duration_s=float(data["duration_s"]),
        talk_time_s={k: float(v) for k, v in data["talk_time_s"].items()},
        talk_ratio={k: float(v) for k, v in data["talk_ratio"].items()},
        silence_total_s=float(data["silence_total_s"]),
        longest_silence_s=float(data["longest_silence_s"]),
        silences_over_threshold=tuple(
            Silence(float(s["start_s"]), float(s["end_s"])) for s in data["silences_over_threshold"]
        ),
        silence_threshold_s=float(data["silence_threshold_s"]),
        overtalk_events=tuple(
            OvertalkEvent(float(e["start_s"]), float(e["end_s"]), Role(e["interrupter"]))
            for e in data["overtalk"]
        ),
        response_latency_s={k: _opt_float(v) for k, v in data["response_latency_s"].items()},
        speech_rate={k: float(v) for k, v in data["speech_rate"].items()},
        speech_rate_unit=str(data["speech_rate_unit"]),
        turn_measures=tuple(
            TurnMeasure(float(m["speech_rate"]), _opt_float(m["sentiment"]))
            for m in data["turn_measures"]
        ),
        channel_levels=tuple(
            ChannelLevel(
                channel=int(c["channel"]),
                role=Role(c["role"]),
                rms_dbfs=float(c["rms_dbfs"]),
                peak_dbfs=float(c["peak_dbfs"]),
                clipping_ratio=float(c["clipping_ratio"]),
            )
            for c in data["channel_levels"]
        ),
        customer_sentiment_start=_opt_float(data["customer_sentiment_start"]),
        customer_sentiment_end=_opt_float(data["customer_sentiment_end"]),
        customer_sentiment_trajectory=_opt_float(data["customer_sentiment_trajectory"]),
        extra={k: float(v) for k, v in data.get("extra", {}).items()},
    )
