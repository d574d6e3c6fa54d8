"""Sampling plans and the weekly review queue: which calls inspectors hear, and why."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tiexin.adapters.storage.sampling import QueueEntry, WeekCall
from tiexin.domain.access import Principal
from tiexin.domain.errors import InputError
from tiexin.rules.sampling import (
    DEFAULT_CALLS_PER_AGENT,
    DEFAULT_RANDOM_SHARE,
    NEW_AGENT_DAYS,
    CallSignals,
    random_quota,
    select_for_agent,
    week_bounds,
)
from tiexin.services import audit
from tiexin.services.ingest import UnitOfWorkFactory

MAX_CALLS_PER_AGENT = 500
LINE_LENGTH = 64


@dataclass(frozen=True)
class SamplingPlan:
    line: str
    calls_per_agent_per_week: int
    random_share: float
    is_default: bool  # no plan stored for the line: the defaults apply
    updated_by: str | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class BuildReport:
    week: str
    added: int
    risk_picks: int
    random_picks: int
    candidates: int  # unreviewed, not yet queued analysed calls of the week


def check_week(week: str) -> tuple[datetime, datetime]:
    try:
        return week_bounds(week)
    except ValueError as exc:
        raise InputError(str(exc), source="week") from None


def _check_plan(line: str, calls_per_agent: int, random_share: float) -> None:
    if not line.strip() or len(line) > LINE_LENGTH:
        raise InputError(f"line must be 1 to {LINE_LENGTH} characters", source="line")
    if not 0 <= calls_per_agent <= MAX_CALLS_PER_AGENT:
        raise InputError(
            f"calls per agent per week must be 0 to {MAX_CALLS_PER_AGENT}",
            source="calls_per_agent_per_week",
        )
    if not 0.0 <= random_share <= 1.0:
        raise InputError("the random share must be between 0 and 1", source="random_share")


def plan_for(uow_factory: UnitOfWorkFactory, line: str) -> SamplingPlan:
    with uow_factory() as uow:
        stored = uow.sampling.plan(line)
    if stored is None:
        return SamplingPlan(line, DEFAULT_CALLS_PER_AGENT, DEFAULT_RANDOM_SHARE, is_default=True)
    return SamplingPlan(
        stored.line,
        stored.calls_per_agent_per_week,
        stored.random_share,
        is_default=False,
        updated_by=stored.updated_by,
        updated_at=stored.updated_at,
    )


def all_plans(uow_factory: UnitOfWorkFactory) -> list[SamplingPlan]:
    """A plan (stored or default) for every line that has calls or a stored plan."""
    with uow_factory() as uow:
        lines = uow.sampling.lines()
    return [plan_for(uow_factory, line) for line in lines]


def save_plan(
    uow_factory: UnitOfWorkFactory,
    principal: Principal | None,
    line: str,
    *,
    calls_per_agent: int,
    random_share: float,
    client: str | None = None,
) -> SamplingPlan:
    _check_plan(line, calls_per_agent, random_share)
    by = principal.username if principal else "cli"
    with uow_factory() as uow:
        uow.sampling.save_plan(
            line,
            calls_per_agent=calls_per_agent,
            random_share=random_share,
            by=by,
            at=datetime.now(UTC),
        )
        audit.record(
            uow,
            principal,
            "sampling_plan.update",
            resource_type="sampling_plan",
            resource_id=line,
            detail={"calls_per_agent_per_week": calls_per_agent, "random_share": random_share},
            client=client,
        )
        uow.commit()
    return plan_for(uow_factory, line)


def signals_of(call: WeekCall, *, new_agent: bool) -> CallSignals:
    """What the ranking needs, read from the stored evaluation, features and turns."""
    evaluation = call.evaluation or {}
    features = call.features or {}
    dimensions: dict[str, Any] = evaluation.get("dimensions") or {}
    total = evaluation.get("total")
    return CallSignals(
        call_pk=call.call_pk,
        call_id=call.call_id,
        line=call.line,
        agent_id=call.agent_id,
        total=None if total is None else float(total),
        band=evaluation.get("band"),
        auto_failed=bool(evaluation.get("auto_failed")),
        failed_sections=tuple(key for key, score in dimensions.items() if score == 0),
        critical_failures=tuple(evaluation.get("critical_failures") or ()),
        customer_sentiment_end=features.get("customer_sentiment_end"),
        customer_texts=call.customer_texts,
        turn_confidences=call.turn_confidences,
        item_confidences=tuple(
            (str(item["id"]), float(item["confidence"]))
            for item in evaluation.get("items") or ()
            if item.get("confidence") is not None and item.get("result") != "na"
        ),
        new_agent=new_agent,
    )


def build_queue(
    uow_factory: UnitOfWorkFactory,
    week: str,
    principal: Principal | None,
    *,
    client: str | None = None,
) -> BuildReport:
    """Queue the week's riskiest calls per line and agent, plus the plan's random share.

    Calls already queued (any week) or reviewed are left out, and what an agent already has in
    this week's queue counts against the plan, so building a week again adds nothing new
    unless new calls arrived.
    """
    start, end = check_week(week)
    plans = {plan.line: plan for plan in all_plans(uow_factory)}
    with uow_factory() as uow:
        candidates = uow.sampling.week_calls(start, end)
        first_seen = uow.sampling.first_seen(sorted({c.agent_id for c in candidates}))
        queued = uow.sampling.queued_counts(week)
        groups: dict[tuple[str, str], list[CallSignals]] = defaultdict(list)
        for call in candidates:
            seen = first_seen.get(call.agent_id)
            new_agent = seen is not None and seen >= end - timedelta(days=NEW_AGENT_DAYS)
            groups[(call.line, call.agent_id)].append(signals_of(call, new_agent=new_agent))
        now = datetime.now(UTC)
        risk_picks = random_picks = 0
        for (line, agent_id), calls in sorted(groups.items()):
            plan = plans[line]
            n = plan.calls_per_agent_per_week
            random_slots = random_quota(n, plan.random_share)
            picks = select_for_agent(
                calls,
                risk_slots=n - random_slots - queued.get((line, agent_id, False), 0),
                random_slots=random_slots - queued.get((line, agent_id, True), 0),
                seed=f"{week}|{line}|{agent_id}",
            )
            for pick in picks:
                uow.sampling.enqueue(
                    pick.ranked.signals.call_pk,
                    week=week,
                    risk=pick.ranked.risk,
                    reasons=[reason.to_dict() for reason in pick.ranked.reasons],
                    random_pick=pick.random_pick,
                    at=now,
                )
                random_picks += pick.random_pick
                risk_picks += not pick.random_pick
        report = BuildReport(
            week, risk_picks + random_picks, risk_picks, random_picks, len(candidates)
        )
        audit.record(
            uow,
            principal,
            "queue.build",
            resource_type="review_queue",
            resource_id=week,
            detail={"added": report.added, "random_picks": random_picks},
            client=client,
        )
        uow.commit()
    return report


def week_queue(
    uow_factory: UnitOfWorkFactory,
    week: str,
    *,
    line: str | None = None,
    agent_id: str | None = None,
) -> list[QueueEntry]:
    check_week(week)
    with uow_factory() as uow:
        return uow.sampling.week_queue(week, line=line, agent_id=agent_id)


def queued_weeks(uow_factory: UnitOfWorkFactory) -> list[str]:
    with uow_factory() as uow:
        return uow.sampling.weeks()
