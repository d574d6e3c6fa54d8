"""The `plan_facts_wrong()` built-in: the plan fact-check as a scorecard condition (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from tiexin.domain.calls import Role
from tiexin.domain.catalog import Catalog
from tiexin.rules.evaluate import BuiltinImpl, CallView, Evidence, Result
from tiexin.rules.language import Arg
from tiexin.rules.plan_facts import PlanFactFinding, check_plan_facts


@dataclass(frozen=True)
class PlanFactsWrong:
    """Holds when a figure the agent attributes to a catalogue plan contradicts the catalogue.

    A frozen dataclass rather than a closure, so a pipeline that carries it can be pickled to
    worker processes.
    """

    catalog: Catalog

    def __call__(self, call: CallView, args: tuple[Arg, ...]) -> Result:
        findings = _findings(call, self.catalog)
        wrong = [finding for finding in findings if not finding.correct]
        evidence = tuple(_evidence(finding) for finding in wrong or findings)
        return Result(bool(wrong), evidence, _explain(findings, wrong))


@dataclass(frozen=True)
class PlanFactsStated:
    """Holds when the agent stated any figure of a catalogue plan (the item applies)."""

    catalog: Catalog

    def __call__(self, call: CallView, args: tuple[Arg, ...]) -> Result:
        findings = _findings(call, self.catalog)
        evidence = tuple(_evidence(finding) for finding in findings)
        return Result(bool(findings), evidence, _explain(findings, []))


def _findings(call: CallView, catalog: Catalog) -> list[PlanFactFinding]:
    agent_turns = [
        (index, turn.start_s, turn.end_s, turn.text)
        for index, turn in enumerate(call.turns)
        if turn.role is Role.AGENT
    ]
    return check_plan_facts(agent_turns, catalog)


def _evidence(finding: PlanFactFinding) -> Evidence:
    where = finding.evidence
    return Evidence(
        turn=where.turn_index, start_s=where.start_s, end_s=where.end_s, text=where.sentence
    )


def _explain(findings: list[PlanFactFinding], wrong: list[PlanFactFinding]) -> str:
    if wrong:
        return " ".join(finding.explanation for finding in wrong)
    if findings:
        return f"All {len(findings)} plan figures the agent stated match the catalogue."
    return "The agent stated no figures of a catalogue plan."


def plan_functions(catalog: Catalog | None) -> dict[str, BuiltinImpl]:
    """Built-ins for scoring; without a catalogue, items using them are N/A with that reason."""
    if catalog is None:
        return {}
    return {
        "plan_facts_wrong": PlanFactsWrong(catalog),
        "plan_facts_stated": PlanFactsStated(catalog),
    }
