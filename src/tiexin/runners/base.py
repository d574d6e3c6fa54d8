"""Runners carry jobs to pipelines (in-process, worker processes or Ray) and bring outcomes back."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

from tiexin.pipeline.jobs import AnalysisJob, Outcome


class Runner(Protocol):
    def run(self, jobs: Iterable[AnalysisJob]) -> Iterator[Outcome]:
        """Yield one outcome per job, in completion order."""

    def close(self) -> None: ...
