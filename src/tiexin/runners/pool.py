"""Process-pool runner: each worker process builds its pipeline once, then takes jobs."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait

from tiexin.pipeline.analyzer import CallPipeline
from tiexin.pipeline.factory import build_pipeline
from tiexin.pipeline.jobs import AnalysisJob, Outcome, PipelineConfig

_worker_pipeline: CallPipeline | None = None  # one per worker process, set by the initializer


def _init_worker(config: PipelineConfig) -> None:
    global _worker_pipeline
    _worker_pipeline = build_pipeline(config)
    _worker_pipeline.setup()


def _process(job: AnalysisJob) -> Outcome:
    assert _worker_pipeline is not None
    return _worker_pipeline.process(job)


class PoolRunner:
    def __init__(self, config: PipelineConfig, *, workers: int) -> None:
        # spawn: the model runtimes keep threads that a forked child must not inherit
        self._executor = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(config,),
        )
        self._window = workers * 2  # bounded in-flight jobs: a huge batch never floods memory

    def run(self, jobs: Iterable[AnalysisJob]) -> Iterator[Outcome]:
        pending: set[Future[Outcome]] = set()
        for job in jobs:
            pending.add(self._executor.submit(_process, job))
            if len(pending) >= self._window:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                yield from (future.result() for future in done)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            yield from (future.result() for future in done)

    def close(self) -> None:
        self._executor.shutdown(cancel_futures=True)
