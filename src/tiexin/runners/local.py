"""In-process runner: one pipeline, jobs one after another."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from tiexin.pipeline.analyzer import CallPipeline
from tiexin.pipeline.factory import build_pipeline
from tiexin.pipeline.jobs import AnalysisJob, Outcome, PipelineConfig


class LocalRunner:
    def __init__(self, config: PipelineConfig) -> None:
        self._config = config
        self._pipeline: CallPipeline | None = None

    def run(self, jobs: Iterable[AnalysisJob]) -> Iterator[Outcome]:
        for job in jobs:
            if self._pipeline is None:
                self._pipeline = build_pipeline(self._config)
                self._pipeline.setup()
            yield self._pipeline.process(job)

    def close(self) -> None:
        self._pipeline = None
