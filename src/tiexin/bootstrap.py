"""Wiring for entry points: storage and runners built from Settings (no import-time state)."""

from __future__ import annotations

from typing import Literal

from tiexin.adapters.care_cache import CareCacheFiles
from tiexin.adapters.storage.engine import make_engine, make_session_factory, migrate
from tiexin.adapters.storage.unit_of_work import SqlUnitOfWork
from tiexin.config import Settings
from tiexin.pipeline.jobs import PipelineConfig
from tiexin.runners.base import Runner
from tiexin.services.ingest import UnitOfWorkFactory

RunnerKind = Literal["local", "pool", "ray"]


def open_storage(settings: Settings) -> UnitOfWorkFactory:
    """Create the database if needed, bring its schema up to date, return a unit-of-work factory."""
    engine = make_engine(settings.resolved_database_url())
    migrate(engine)
    session_factory = make_session_factory(engine)
    return lambda: SqlUnitOfWork(session_factory)


def care_cache(settings: Settings) -> CareCacheFiles:
    """Where the care run keeps the customers and usage it read for the next run."""
    return CareCacheFiles(settings.data_dir / "care-cache")


def make_runner(
    kind: RunnerKind, config: PipelineConfig, *, workers: int, address: str | None
) -> Runner:
    if kind == "ray":
        from tiexin.runners.ray import RayRunner  # optional extra

        return RayRunner(config, workers=workers, address=address)
    if kind == "pool":
        from tiexin.runners.pool import PoolRunner

        return PoolRunner(config, workers=workers)
    from tiexin.runners.local import LocalRunner

    return LocalRunner(config)
