"""The same stages give the same results in-process, in a process pool and on local Ray."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tests.support.audio import SHARED_CALLS, clip
from tiexin.config import Settings
from tiexin.domain.calls import CallAnalysis, CallSource
from tiexin.pipeline.factory import pipeline_config
from tiexin.pipeline.jobs import AnalysisJob, JobFailure, Outcome, PipelineConfig
from tiexin.runners.local import LocalRunner
from tiexin.runners.pool import PoolRunner

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
CALLS = ("VIP20250304-0117", "VIP20250314-0116", "VIP20250313-0123")


@pytest.fixture(scope="module")
def jobs(tmp_path_factory: pytest.TempPathFactory) -> list[AnalysisJob]:
    if not (SHARED_CALLS / f"{CALLS[0]}.wav").is_file():
        pytest.skip("shared call recordings not available")
    folder = tmp_path_factory.mktemp("runners")
    made = [
        AnalysisJob(
            call_id=call_id,
            content_hash=call_id,
            source=CallSource.AUDIO,
            language="en" if call_id.endswith("0123") else "zh",
            file_path=str(
                clip(SHARED_CALLS / f"{call_id}.wav", folder / f"{call_id}.wav", seconds=15)
            ),
        )
        for call_id in CALLS
    ]
    broken = folder / "broken.wav"
    broken.write_text("not audio", encoding="utf-8")
    made.append(dataclasses.replace(made[0], call_id="BROKEN", file_path=str(broken)))
    return made


@pytest.fixture(scope="module")
def config() -> PipelineConfig:
    return dataclasses.replace(pipeline_config(Settings(data_dir=REPO / "var"), workers=2))


def _by_id(outcomes: list[Outcome]) -> dict[str, Outcome]:
    return {outcome.call_id: outcome for outcome in outcomes}


@pytest.fixture(scope="module")
def local_results(jobs: list[AnalysisJob], config: PipelineConfig) -> dict[str, Outcome]:
    return _by_id(list(LocalRunner(config).run(jobs)))


def _assert_same(expected: dict[str, Outcome], actual: dict[str, Outcome]) -> None:
    assert expected.keys() == actual.keys()
    for call_id, outcome in expected.items():
        other = actual[call_id]
        if isinstance(outcome, JobFailure):
            assert isinstance(other, JobFailure)
            assert other.reason == outcome.reason
            continue
        assert isinstance(outcome, CallAnalysis) and isinstance(other, CallAnalysis)
        assert [t.text for t in other.turns] == [t.text for t in outcome.turns]
        assert [t.role for t in other.turns] == [t.role for t in outcome.turns]
        assert other.features.longest_silence_s == outcome.features.longest_silence_s


def test_local_runner_reports_the_bad_file_and_analyses_the_rest(
    local_results: dict[str, Outcome],
) -> None:
    assert isinstance(local_results["BROKEN"], JobFailure)
    assert "not a WAV file" in local_results["BROKEN"].reason
    assert all(isinstance(local_results[c], CallAnalysis) for c in CALLS)


def test_process_pool_gives_the_same_results(
    jobs: list[AnalysisJob], config: PipelineConfig, local_results: dict[str, Outcome]
) -> None:
    runner = PoolRunner(config, workers=2)
    try:
        _assert_same(local_results, _by_id(list(runner.run(jobs))))
    finally:
        runner.close()


def test_ray_runner_on_a_local_instance_gives_the_same_results(
    jobs: list[AnalysisJob], config: PipelineConfig, local_results: dict[str, Outcome]
) -> None:
    pytest.importorskip("ray")
    from tiexin.runners.ray import RayRunner

    runner = RayRunner(config, workers=2, address=None)
    try:
        _assert_same(local_results, _by_id(list(runner.run(jobs))))
    finally:
        runner.close()
