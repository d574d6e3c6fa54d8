"""The call-analysis stages: decode → channels/roles → ASR → features → redact.

`CallPipeline.process` never raises for a bad call: it returns a `JobFailure` with the reason, so
the batch goes on. Only a broken installation (the model) stops a run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tiexin.adapters.audio import TARGET_RATE, DecodedAudio, decode_recording
from tiexin.domain.calls import (
    AudioInfo,
    CallAnalysis,
    CallFeatures,
    CallSource,
    ChannelLevel,
    Role,
    Turn,
)
from tiexin.domain.errors import InputError, ModelError
from tiexin.features.activity import active_frames, snap_turns, speech_regions
from tiexin.features.extract import measure_call
from tiexin.features.levels import measure_channel_level
from tiexin.features.pii import mask_turn_texts
from tiexin.perception import LABELS, PerceptionModel
from tiexin.perception.data import Role as PerceptionRole
from tiexin.perception.data import Turn as PerceptionTurn
from tiexin.pipeline.jobs import AnalysisJob, JobFailure, Outcome, PipelineConfig
from tiexin.pipeline.ports import Samples, SentimentScorer, SpeakerSeparator, Transcriber
from tiexin.pipeline.turns import (
    channel_turns,
    edge_turn_clips,
    join_words,
    merge_in_time,
    region_of_each_word,
    turns_from_regions,
    with_turn_redecoded,
)
from tiexin.rules.care_offers import care_functions
from tiexin.rules.evaluate import CallView
from tiexin.rules.plan_check import plan_functions
from tiexin.rules.scoring import score_call
from tiexin.rules.similarity import SentenceEncoder

log = logging.getLogger(__name__)
_PERCEPTION_ROLES: dict[Role, PerceptionRole] = {Role.AGENT: "agent", Role.CUSTOMER: "customer"}


@dataclass(frozen=True)
class _Transcript:
    turns: list[Turn]
    levels: list[ChannelLevel]
    duration_s: float
    role_confidence: float
    notes: tuple[str, ...]
    audio: AudioInfo | None = None


class CallPipeline:
    def __init__(
        self,
        config: PipelineConfig,
        *,
        transcriber: Transcriber,
        sentiment: SentimentScorer,
        separator: SpeakerSeparator,
        encoder: SentenceEncoder | None = None,
    ) -> None:
        self.config = config
        self._transcriber = transcriber
        self._sentiment = sentiment
        self._separator = separator
        self._encoder = encoder
        self._perception: PerceptionModel | None = None

    def setup(self) -> None:
        self._transcriber.setup()
        self._sentiment.setup()

    def process(self, job: AnalysisJob) -> Outcome:
        try:
            return self._analyse(job)
        except InputError as exc:
            return JobFailure(job.call_id, job.content_hash, str(exc))
        except ModelError:
            raise
        except Exception as exc:  # a bug must not sink the batch; the reason is kept
            log.exception("analysis of %s failed", job.call_id)
            where = job.file_path or job.call_id
            return JobFailure(
                job.call_id,
                job.content_hash,
                f"{where}: analysis failed: {type(exc).__name__}: {exc}",
            )

    def _analyse(self, job: AnalysisJob) -> CallAnalysis:
        transcript = (
            self._from_recording(job) if job.source is CallSource.AUDIO else _from_import(job)
        )
        turns = transcript.turns
        sentiments = [
            self._sentiment.score(t.text, language=job.language)
            if t.role is Role.CUSTOMER
            else None
            for t in turns
        ]
        features = measure_call(
            turns,
            language=job.language,
            duration_s=transcript.duration_s,
            customer_sentiments=sentiments,
            channel_levels=transcript.levels,
            silence_threshold_s=self.config.silence_threshold_s,
        )
        masked = mask_turn_texts([t.text for t in turns], [t.role for t in turns])
        masked_turns = tuple(
            replace(turn, text=result.text, words=())
            for turn, result in zip(turns, masked, strict=True)
        )
        return CallAnalysis(
            call_id=job.call_id,
            content_hash=job.content_hash,
            language=job.language,
            duration_s=round(transcript.duration_s, 3),
            turns=masked_turns,
            features=features,
            original_texts=tuple(t.text for t in turns) if self.config.keep_original_text else None,
            role_confidence=transcript.role_confidence,
            notes=transcript.notes,
            audio=transcript.audio,
            asr_model=self._transcriber.name if job.source is CallSource.AUDIO else None,
            evaluation=self._score(job, masked_turns, features, transcript.role_confidence),
            perception=self._perceive(masked_turns),
        )

    def _perceive(self, turns: tuple[Turn, ...]) -> dict[str, float] | None:
        """The customer's satisfaction distribution, when a perception model is configured."""
        if self.config.perception_model is None:
            return None
        if self._perception is None:
            self._perception = PerceptionModel.load(self.config.perception_model)
        dialogue: list[PerceptionTurn] = [
            (_PERCEPTION_ROLES[t.role], t.text) for t in turns if t.role in _PERCEPTION_ROLES
        ]
        distribution = self._perception.predict([dialogue])[0]
        pairs = zip(LABELS, distribution, strict=True)
        return {str(label): round(float(p), 4) for label, p in pairs}

    def _score(
        self,
        job: AnalysisJob,
        turns: tuple[Turn, ...],
        features: CallFeatures,
        role_confidence: float,
    ) -> dict[str, Any] | None:
        """Score the masked transcript, so no evidence can carry a personal number."""
        if self.config.scorecard is None:
            return None
        view = CallView(
            turns=turns,
            features=features,
            metadata=dict(job.metadata),
            role_confidence=role_confidence,
        )
        catalog = self.config.catalog
        functions = {
            **plan_functions(catalog),
            **care_functions(job.care_opportunities, catalog),
        }
        card = self.config.scorecard
        return score_call(card, view, encoder=self._encoder, functions=functions).to_dict()

    def _from_recording(self, job: AnalysisJob) -> _Transcript:
        assert job.file_path is not None
        decoded = decode_recording(Path(job.file_path), max_duration_s=self.config.max_duration_s)
        if decoded.info.channels == 2:
            transcript = self._stereo(decoded, job)
        else:
            transcript = self._mono(decoded, job)
        return replace(transcript, audio=decoded.info)

    def _stereo(self, decoded: DecodedAudio, job: AnalysisJob) -> _Transcript:
        agent_channel = 0 if job.agent_side == "left" else 1
        per_channel: list[list[Turn]] = []
        levels: list[ChannelLevel] = []
        for channel in (0, 1):
            role = Role.AGENT if channel == agent_channel else Role.CUSTOMER
            samples = decoded.samples[channel]
            words = self._transcriber.transcribe(samples, language=job.language)
            turns = channel_turns(words, role=role, language=job.language, channel=channel)
            if role is Role.AGENT:
                turns = self._redecode_edges(turns, samples, job.language)
            per_channel.append(snap_turns(turns, active_frames(samples, sample_rate=TARGET_RATE)))
            levels.append(
                measure_channel_level(samples, sample_rate=TARGET_RATE, channel=channel, role=role)
            )
        side = "left" if agent_channel == 0 else "right"
        return _Transcript(
            turns=merge_in_time(*per_channel),
            levels=levels,
            duration_s=decoded.info.duration_s,
            role_confidence=1.0,
            notes=(f"stereo recording: agent on the {side} channel",),
        )

    def _mono(self, decoded: DecodedAudio, job: AnalysisJob) -> _Transcript:
        """One channel, two voices: speech regions by energy, a speaker per region, words to it."""
        samples = decoded.samples[0]
        level = measure_channel_level(
            samples, sample_rate=TARGET_RATE, channel=0, role=Role.UNKNOWN
        )
        words = self._transcriber.transcribe(samples, language=job.language)
        regions = speech_regions(active_frames(samples, sample_rate=TARGET_RATE))
        if not words or not regions:
            note = "mono recording: no speech found"
            return _Transcript([], [level], decoded.info.duration_s, 0.0, (note,))
        word_regions = region_of_each_word(words, regions)
        texts = [
            join_words(
                [w for w, r in zip(words, word_regions, strict=True) if r == i], job.language
            )
            for i in range(len(regions))
        ]
        self._separator.setup()
        assignment = self._separator.separate(samples, regions, texts)
        turns = turns_from_regions(
            words, word_regions, regions, assignment.roles(), language=job.language
        )
        turns = self._redecode_edges(turns, samples, job.language)
        return _Transcript(
            turns=turns,
            levels=[level],
            duration_s=decoded.info.duration_s,
            role_confidence=round(assignment.confidence, 3),
            notes=(assignment.note,),
        )

    def _redecode_edges(self, turns: list[Turn], samples: Samples, language: str) -> list[Turn]:
        """The agent's first and last turns decoded again alone, each with a prompt of its own.

        Decoded with the whole channel, a robotic or noisy "agent two zero nine one" or "thank
        you, goodbye" can come out as unrelated words.
        """
        for edge, index, start_s, end_s in edge_turn_clips(turns):
            audio = samples[int(start_s * TARGET_RATE) : int(end_s * TARGET_RATE)]
            words = self._transcriber.transcribe_turn(audio, language=language, edge=edge)
            turns = with_turn_redecoded(turns, index, words, offset_s=start_s, language=language)
        return turns


def _from_import(job: AnalysisJob) -> _Transcript:
    turns = sorted(job.turns, key=lambda t: (t.start_s, t.end_s))
    end = max((t.end_s for t in turns), default=0.0)
    return _Transcript(
        turns=turns,
        levels=[],
        duration_s=max(job.duration_s or 0.0, end),
        role_confidence=1.0,
        notes=("imported transcript: roles as given by the recording platform",),
    )
