"""Value types for recorded calls, their transcripts and the measurements taken from them.

Pure: standard library only. Everything is a frozen dataclass so values can cross process
boundaries (process pool, Ray) and never get mutated behind a caller's back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    AGENT = "agent"
    CUSTOMER = "customer"
    UNKNOWN = "unknown"


class CallStatus(StrEnum):
    QUEUED = "queued"
    ANALYSED = "analysed"
    FAILED = "failed"


class CallSource(StrEnum):
    """Where a call's transcript comes from."""

    AUDIO = "audio"  # a recording Tiexin transcribes itself
    TRANSCRIPT = "transcript"  # turns imported from a recording platform that transcribes


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


@dataclass(frozen=True, slots=True)
class CallMetadata:
    """One call as the recording system describes it (a row of the metadata CSV)."""

    call_id: str
    file: str  # path relative to the ingested folder, or absolute
    start_time: datetime | None = None
    direction: Direction = Direction.INBOUND
    line: str = ""
    agent_id: str | None = None
    customer_msisdn: str | None = None
    duration_s: float | None = None
    language: str | None = None  # overrides the line's language when given


@dataclass(frozen=True, slots=True)
class Word:
    start_s: float
    end_s: float
    text: str
    probability: float = 1.0


@dataclass(frozen=True, slots=True)
class Turn:
    """A stretch of speech by one party, in call time (seconds from the start of the file)."""

    role: Role
    start_s: float
    end_s: float
    text: str
    words: tuple[Word, ...] = ()
    confidence: float | None = None  # ASR confidence in [0, 1]; None for imported text
    channel: int | None = None  # 0 = left, 1 = right; None for mono or imported

    @property
    def duration_s(self) -> float:
        return max(0.0, self.end_s - self.start_s)


@dataclass(frozen=True, slots=True)
class ChannelLevel:
    """Loudness and clipping of one audio channel."""

    channel: int
    role: Role
    rms_dbfs: float  # loudness over the active (speech) part of the channel
    peak_dbfs: float
    clipping_ratio: float  # share of samples at or near full scale


@dataclass(frozen=True, slots=True)
class OvertalkEvent:
    start_s: float
    end_s: float
    interrupter: Role  # the party who started speaking while the other was talking

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True, slots=True)
class Silence:
    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True, slots=True)
class TurnMeasure:
    """Per-turn measurements, aligned with the call's turns by index."""

    speech_rate: float  # characters per minute (zh) or words per minute (en)
    sentiment: float | None  # customer sentiment in [-1, 1]; None for agent turns


@dataclass(frozen=True, slots=True)
class CallFeatures:
    """Everything measured on one call; `to_dict` is the stored and exported form."""

    duration_s: float
    talk_time_s: dict[str, float]  # per role
    talk_ratio: dict[str, float]  # share of total talk time per role
    silence_total_s: float
    longest_silence_s: float
    silences_over_threshold: tuple[Silence, ...]
    silence_threshold_s: float
    overtalk_events: tuple[OvertalkEvent, ...]
    response_latency_s: dict[str, float | None]  # mean latency per responding role
    speech_rate: dict[str, float]  # per role, unit in speech_rate_unit
    speech_rate_unit: str  # "cpm" or "wpm"
    turn_measures: tuple[TurnMeasure, ...]
    channel_levels: tuple[ChannelLevel, ...]
    customer_sentiment_start: float | None
    customer_sentiment_end: float | None
    customer_sentiment_trajectory: float | None  # end minus start
    extra: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AudioInfo:
    """What the decoder found in a recording."""

    codec: str
    sample_rate: int
    channels: int
    duration_s: float


@dataclass(frozen=True, slots=True)
class CallAnalysis:
    """The outcome of analysing one call: masked transcript, measurements, provenance."""

    call_id: str
    content_hash: str
    language: str
    duration_s: float
    turns: tuple[Turn, ...]  # time-ordered, display text already masked
    features: CallFeatures
    original_texts: tuple[str, ...] | None = None  # unmasked text, kept only when configured
    role_confidence: float = 1.0  # 1.0 for stereo by channel; speaker separation score for mono
    notes: tuple[str, ...] = ()  # readable remarks, e.g. how roles were assigned
    audio: AudioInfo | None = None
    asr_model: str | None = None
    evaluation: dict[str, Any] | None = None  # the scorecard result, as exported
    perception: dict[str, float] | None = None  # satisfaction distribution over "-2".."2"


@dataclass(frozen=True, slots=True)
class StoredCall:
    """A call as the database holds it."""

    metadata: CallMetadata
    source: CallSource
    status: CallStatus
    content_hash: str | None
    file_path: str | None
    error: str | None = None
    attempts: int = 0
