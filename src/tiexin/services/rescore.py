"""Re-scoring stored calls with another scorecard (version) without transcribing them again.

Each scorecard version's evaluation is kept beside the others; the export shows the newest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from tiexin.domain.calls import Role, Turn
from tiexin.domain.catalog import Catalog
from tiexin.features.extract import features_from_dict
from tiexin.rules.care_offers import care_functions
from tiexin.rules.evaluate import BuiltinImpl, CallView
from tiexin.rules.plan_check import plan_functions
from tiexin.rules.scorecard import Scorecard
from tiexin.rules.scoring import score_call
from tiexin.rules.similarity import SentenceEncoder
from tiexin.services.analyze import save_evaluation
from tiexin.services.care_opportunities import Opportunities, open_opportunities
from tiexin.services.ingest import UnitOfWorkFactory

BATCH = 200


def rescore_calls(
    uow_factory: UnitOfWorkFactory,
    scorecard: Scorecard,
    *,
    encoder: SentenceEncoder | None,
    catalog: Catalog | None,
    on_scored: Callable[[str], None] | None = None,
) -> int:
    """Score every analysed call with `scorecard`; returns how many were scored."""
    functions = plan_functions(catalog)
    count = 0
    for batch in _analysed_batches(uow_factory):
        care = _care_of(uow_factory, [str(record["call_id"]) for record in batch])
        scored = [
            (
                record["call_id"],
                _score(
                    scorecard,
                    record,
                    encoder,
                    {**functions, **care_functions(care.get(record["call_id"], ()), catalog)},
                ),
            )
            for record in batch
        ]
        with uow_factory() as uow:
            for call_id, evaluation in scored:
                save_evaluation(uow, call_id, evaluation)
            uow.commit()
        for call_id, _ in scored:
            count += 1
            if on_scored:
                on_scored(call_id)
    return count


def _score(
    scorecard: Scorecard,
    record: Mapping[str, Any],
    encoder: SentenceEncoder | None,
    functions: Mapping[str, BuiltinImpl],
) -> dict[str, Any]:
    return score_call(scorecard, _view(record), encoder=encoder, functions=functions).to_dict()


def _care_of(uow_factory: UnitOfWorkFactory, call_ids: list[str]) -> dict[str, Opportunities]:
    """The calls' care opportunities as at their start, as when they were first scored."""
    with uow_factory() as uow:
        stored = [call for call_id in call_ids if (call := uow.calls.get(call_id))]
        return open_opportunities(uow, [call.metadata for call in stored])


def _analysed_batches(uow_factory: UnitOfWorkFactory) -> Iterator[list[Mapping[str, Any]]]:
    batch: list[Mapping[str, Any]] = []
    with uow_factory() as uow:
        for record in uow.calls.iter_export():
            if record["status"] == "analysed" and record["features"] is not None:
                batch.append(record)
            if len(batch) >= BATCH:
                yield batch
                batch = []
    if batch:
        yield batch


def _view(record: Mapping[str, Any]) -> CallView:
    turns = tuple(
        Turn(Role(t["role"]), float(t["start_s"]), float(t["end_s"]), t["text"])
        for t in record["turns"]
    )
    metadata = {
        key: str(record[key])
        for key in ("line", "direction", "agent_id", "language")
        if record.get(key)
    }
    return CallView(
        turns=turns,
        features=features_from_dict(record["features"]),
        metadata=metadata,
        role_confidence=float(record.get("role_confidence") or 1.0),
    )
