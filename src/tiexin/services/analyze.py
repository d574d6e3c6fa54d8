"""Analysis use cases: queued calls through a runner, and imported transcripts in-process.

Each outcome is stored in its own transaction as it arrives, so a crash loses at most the calls
in flight, which are still `queued` and are picked up by the next run without duplicates.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tiexin.adapters.storage.unit_of_work import SqlUnitOfWork
from tiexin.config import Settings
from tiexin.domain.calls import CallAnalysis, CallMetadata, CallSource, StoredCall
from tiexin.pipeline.analyzer import CallPipeline
from tiexin.pipeline.jobs import AnalysisJob, JobFailure, Outcome
from tiexin.rules.care_offers import CareOpportunity
from tiexin.runners.base import Runner
from tiexin.services.care_opportunities import open_opportunities
from tiexin.services.ingest import UnitOfWorkFactory
from tiexin.services.transcripts import ImportedCall, read_transcripts

OutcomeListener = Callable[[Outcome], None]


@dataclass
class AnalyzeReport:
    analysed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # "call_id: reason"
    stale: list[str] = field(default_factory=list)  # the recording changed while in flight
    unchanged: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)


def pending_jobs(uow_factory: UnitOfWorkFactory, settings: Settings) -> list[AnalysisJob]:
    with uow_factory() as uow:
        calls = uow.calls.pending()
        care = open_opportunities(uow, [call.metadata for call in calls])
    return [job_for(call, settings, care.get(call.metadata.call_id, ())) for call in calls]


def job_for(
    call: StoredCall, settings: Settings, care: tuple[CareOpportunity, ...] = ()
) -> AnalysisJob:
    meta = call.metadata
    language = meta.language or settings.language_for_line(meta.line)
    return AnalysisJob(
        call_id=meta.call_id,
        content_hash=call.content_hash or "",
        source=call.source,
        language=language,
        agent_side=settings.agent_side_for(meta.line, meta.direction),
        file_path=call.file_path,
        duration_s=meta.duration_s,
        metadata=metadata_for_rules(meta, language),
        care_opportunities=care,
    )


def metadata_for_rules(meta: CallMetadata, language: str) -> tuple[tuple[str, str], ...]:
    values = {
        "line": meta.line,
        "direction": meta.direction,
        "agent_id": meta.agent_id,
        "language": language,
    }
    return tuple((key, str(value)) for key, value in values.items() if value)


def analyze_jobs(
    uow_factory: UnitOfWorkFactory,
    runner: Runner,
    jobs: Sequence[AnalysisJob],
    *,
    on_outcome: OutcomeListener | None = None,
) -> AnalyzeReport:
    report = AnalyzeReport()
    for outcome in runner.run(jobs):
        store_outcome(uow_factory, outcome, report)
        if on_outcome:
            on_outcome(outcome)
    return report


def store_outcome(uow_factory: UnitOfWorkFactory, outcome: Outcome, report: AnalyzeReport) -> None:
    with uow_factory() as uow:
        stored = uow.calls.get(outcome.call_id)
        if stored is None or stored.content_hash != outcome.content_hash:
            report.stale.append(outcome.call_id)
            return
        if isinstance(outcome, CallAnalysis):
            save_outcome(uow, outcome)
            report.analysed.append(outcome.call_id)
        else:
            uow.calls.mark_failed(outcome.call_id, outcome.reason)
            report.failed.append(f"{outcome.call_id}: {outcome.reason}")
        uow.commit()


def import_transcript_file(
    uow_factory: UnitOfWorkFactory, pipeline: CallPipeline, path: Path, settings: Settings
) -> tuple[AnalyzeReport, list[str]]:
    """Import, mask, measure and store the calls of one transcript file; bad calls are listed."""
    calls, problems = read_transcripts(path)
    report = AnalyzeReport()
    for call in calls:
        _import_one(uow_factory, pipeline, call, str(path), settings, report)
    return report, [str(problem) for problem in problems]


def _import_one(
    uow_factory: UnitOfWorkFactory,
    pipeline: CallPipeline,
    call: ImportedCall,
    source_file: str,
    settings: Settings,
    report: AnalyzeReport,
) -> None:
    meta = call.metadata
    with uow_factory() as uow:
        stored = uow.calls.get(meta.call_id)
        if stored is not None and stored.content_hash == call.content_hash:
            report.unchanged.append(meta.call_id)
            return
        if stored is not None:
            uow.calls.record_conflict(
                meta.call_id,
                file_path=source_file,
                existing_hash=stored.content_hash or "",
                new_hash=call.content_hash,
            )
            uow.commit()
            report.conflicts.append(f"{meta.call_id}: differs from the transcript already stored")
            return
        uow.calls.add_queued(
            meta,
            source=CallSource.TRANSCRIPT,
            content_hash=call.content_hash,
            file_path=source_file,
        )
        care = open_opportunities(uow, [meta]).get(meta.call_id, ())
        outcome = pipeline.process(_transcript_job(call, settings, care))
        if isinstance(outcome, JobFailure):
            uow.calls.mark_failed(meta.call_id, outcome.reason)
            report.failed.append(f"{meta.call_id}: {outcome.reason}")
        else:
            save_outcome(uow, outcome)
            report.analysed.append(meta.call_id)
        uow.commit()


def _transcript_job(
    call: ImportedCall, settings: Settings, care: tuple[CareOpportunity, ...]
) -> AnalysisJob:
    meta = call.metadata
    language = meta.language or settings.language_for_line(meta.line)
    return AnalysisJob(
        call_id=meta.call_id,
        content_hash=call.content_hash,
        source=CallSource.TRANSCRIPT,
        language=language,
        turns=call.turns,
        duration_s=meta.duration_s,
        metadata=metadata_for_rules(meta, language),
        care_opportunities=care,
    )


def save_outcome(uow: SqlUnitOfWork, analysis: CallAnalysis) -> None:
    """The analysis and its evaluation, in the caller's transaction."""
    uow.calls.save_analysis(analysis)
    if analysis.evaluation is not None:
        save_evaluation(uow, analysis.call_id, analysis.evaluation)


def save_evaluation(uow: SqlUnitOfWork, call_id: str, evaluation: dict[str, Any]) -> None:
    uow.evaluations.save(
        call_id,
        scorecard_id=str(evaluation["scorecard"]),
        version=str(evaluation["version"]),
        total=float(evaluation["total"]),
        band=evaluation.get("band"),
        auto_failed=bool(evaluation.get("auto_failed")),
        result=evaluation,
    )
