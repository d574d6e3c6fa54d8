"""Ray runner: the same pipeline in Ray actors, on a local instance or a cluster (`--address`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from tiexin.domain.errors import TiexinError
from tiexin.pipeline.factory import build_pipeline
from tiexin.pipeline.jobs import AnalysisJob, Outcome, PipelineConfig


class _PipelineActor:
    def __init__(self, config: PipelineConfig) -> None:
        self._pipeline = build_pipeline(config)
        self._pipeline.setup()

    def process(self, job: AnalysisJob) -> Outcome:
        return self._pipeline.process(job)


class RayRunner:
    def __init__(self, config: PipelineConfig, *, workers: int, address: str | None) -> None:
        try:
            import ray
        except ImportError as exc:
            raise TiexinError("the Ray runner needs the `ray` extra: run make install") from exc
        self._ray: Any = ray
        self._started_here = not ray.is_initialized()
        if self._started_here:
            if address:
                ray.init(address=address, log_to_driver=False)
            else:
                ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
        actor = ray.remote(num_cpus=1)(_PipelineActor)
        self._pool: Any = ray.util.ActorPool([actor.remote(config) for _ in range(workers)])

    def run(self, jobs: Iterable[AnalysisJob]) -> Iterator[Outcome]:
        for job in jobs:
            self._pool.submit(lambda actor, item: actor.process.remote(item), job)
            if not self._pool.has_free():
                yield self._pool.get_next_unordered()
        while self._pool.has_next():
            yield self._pool.get_next_unordered()

    def close(self) -> None:
        if self._started_here:
            self._ray.shutdown()
