"""Fixtures for end-to-end tests on the shared synthetic call recordings (real Whisper model)."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import pytest

from tiexin.adapters.catalog_yaml import load_catalog
from tiexin.config import Settings
from tiexin.domain.calls import CallAnalysis, CallSource
from tiexin.pipeline.factory import pipeline_config
from tiexin.pipeline.jobs import AnalysisJob, PipelineConfig
from tiexin.runners.local import LocalRunner

REPO = Path(__file__).resolve().parents[2]
SHARED_CALLS = REPO.parent / "shared" / "data" / "calls"


@pytest.fixture(scope="session")
def calls_dir() -> Path:
    if not (SHARED_CALLS / "calls.csv").is_file():
        if os.environ.get("CI"):
            pytest.fail(f"shared call recordings missing at {SHARED_CALLS}")
        pytest.skip("shared call recordings not available")
    return SHARED_CALLS


@pytest.fixture(scope="session")
def ground_truth(calls_dir: Path) -> dict[str, dict[str, Any]]:
    truths = (json.loads(p.read_text(encoding="utf-8")) for p in sorted(calls_dir.glob("*.json")))
    return {truth["call_id"]: truth for truth in truths}


@pytest.fixture(scope="session")
def config() -> PipelineConfig:
    catalog = load_catalog(SHARED_CALLS / "catalog.yaml")
    config = pipeline_config(Settings(data_dir=REPO / "var"), catalog=catalog)
    return dataclasses.replace(config, keep_original_text=True)


def job_for_truth(truth: dict[str, Any], calls_dir: Path) -> AnalysisJob:
    return AnalysisJob(
        call_id=truth["call_id"],
        content_hash=truth["call_id"],
        source=CallSource.AUDIO,
        language=truth["language"],
        file_path=str(calls_dir / f"{truth['call_id']}.wav"),
        metadata=(
            ("line", truth["line"]),
            ("direction", truth["direction"]),
            ("agent_id", truth["agent_id"]),
            ("language", truth["language"]),
        ),
    )


@pytest.fixture(scope="session")
def analysed(
    ground_truth: dict[str, dict[str, Any]], calls_dir: Path, config: PipelineConfig
) -> dict[str, CallAnalysis]:
    """Every shared call through the real pipeline, once per test session."""
    runner = LocalRunner(config)
    jobs = [job_for_truth(truth, calls_dir) for truth in ground_truth.values()]
    results = {}
    for outcome in runner.run(jobs):
        assert isinstance(outcome, CallAnalysis), outcome
        results[outcome.call_id] = outcome
    return results
