"""What a worker receives and returns: small picklable values, so any runner can carry them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from tiexin.domain.calls import CallAnalysis, CallSource, Turn
from tiexin.domain.catalog import Catalog
from tiexin.rules.care_offers import CareOpportunity
from tiexin.rules.scorecard import Scorecard


@dataclass(frozen=True)
class AnalysisJob:
    call_id: str
    content_hash: str
    source: CallSource
    language: str
    agent_side: Literal["left", "right"] = "left"
    file_path: str | None = None  # recordings only
    turns: tuple[Turn, ...] = ()  # imported transcripts only
    duration_s: float | None = None  # from metadata, for transcripts without audio
    metadata: tuple[tuple[str, str], ...] = ()  # call metadata the scorecard's rules may test
    # the customer's care tasks open when the call started, for care_offer_raised()
    care_opportunities: tuple[CareOpportunity, ...] = ()


@dataclass(frozen=True)
class JobFailure:
    """A call that could not be analysed, with a reason a person can act on."""

    call_id: str
    content_hash: str
    reason: str


Outcome = CallAnalysis | JobFailure


@dataclass(frozen=True)
class PipelineConfig:
    """Everything a worker process needs to build its own pipeline (picklable)."""

    model_dir: Path
    asr_threads: int
    beam_size: int
    vocabulary: tuple[str, ...]  # domain words for the recogniser's prompt
    max_duration_s: float
    silence_threshold_s: float
    keep_original_text: bool
    scorecard: Scorecard | None = None  # compiled rules are picklable, so workers get them as is
    catalog: Catalog | None = None  # for the plan fact-check
    perception_model: Path | None = None  # loaded once per worker
