"""Care opportunities travel inside the picklable AnalysisJob: in-process, in a process pool and
on local Ray, the same transcript jobs get the same proactive_offer verdicts."""

from __future__ import annotations

from typing import Any

import pytest

from tiexin.care.world import demo_catalog
from tiexin.config import Settings
from tiexin.domain.calls import CallAnalysis, CallSource, Role, Turn
from tiexin.pipeline.factory import pipeline_config
from tiexin.pipeline.jobs import AnalysisJob, PipelineConfig
from tiexin.rules.care_offers import CareOpportunity
from tiexin.runners.base import Runner
from tiexin.runners.local import LocalRunner
from tiexin.runners.pool import PoolRunner

pytestmark = pytest.mark.slow
PLAN_FIT = CareOpportunity(
    "20250310-plan_fit-C1",
    "plan_fit",
    "plan_fit",
    (("recommended_plan", "p58"), ("recommended_plan_name", "畅享58元套餐")),
)


def _job(call_id: str, offer: str, care: tuple[CareOpportunity, ...]) -> AnalysisJob:
    turns = (
        Turn(Role.AGENT, 0.0, 3.0, "您好，工号一零二四为您服务，请问有什么可以帮您？"),
        Turn(Role.CUSTOMER, 3.5, 6.0, "我想查一下话费。"),
        Turn(Role.AGENT, 6.5, 10.0, offer),
    )
    return AnalysisJob(
        call_id, call_id, CallSource.TRANSCRIPT, "zh", turns=turns, care_opportunities=care
    )


JOBS = [
    _job("raised", "建议您改用畅享58元套餐。", (PLAN_FIT,)),
    _job("missed", "另外您还可以办理流量包。", (PLAN_FIT,)),
    _job("no-care", "另外您还可以办理流量包。", ()),
]
EXPECTED = {"raised": "pass", "missed": "fail", "no-care": "pass"}


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> PipelineConfig:
    settings = Settings(data_dir=tmp_path_factory.mktemp("var"))
    return pipeline_config(settings, workers=2, catalog=demo_catalog())


def _verdicts(runner: Runner) -> dict[str, tuple[str, Any]]:
    found: dict[str, tuple[str, Any]] = {}
    try:
        for outcome in runner.run(JOBS):
            assert isinstance(outcome, CallAnalysis) and outcome.evaluation is not None
            item = next(i for i in outcome.evaluation["items"] if i["id"] == "proactive_offer")
            found[outcome.call_id] = (item["result"], item["evidence"])
    finally:
        runner.close()
    return found


@pytest.fixture(scope="module")
def local(config: PipelineConfig) -> dict[str, tuple[str, Any]]:
    verdicts = _verdicts(LocalRunner(config))
    assert {call_id: result for call_id, (result, _) in verdicts.items()} == EXPECTED
    return verdicts


def test_a_process_pool_scores_care_like_the_local_runner(
    config: PipelineConfig, local: dict[str, tuple[str, Any]]
) -> None:
    assert _verdicts(PoolRunner(config, workers=2)) == local


def test_ray_scores_care_like_the_local_runner(
    config: PipelineConfig, local: dict[str, tuple[str, Any]]
) -> None:
    pytest.importorskip("ray")
    from tiexin.runners.ray import RayRunner

    assert _verdicts(RayRunner(config, workers=2, address=None)) == local
