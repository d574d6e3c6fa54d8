"""Calibration sessions: inspectors label the same calls blind, then see how far they agree.

Blindness: an inspector sees other inspectors' labels and the automatic result of a call only
after submitting their own labels for it (or once the session is closed), and a submission is
final. Results (per item agreement) are shown to an inspector once they have scored every call
of the session, to everyone allowed once it is closed, and always to read-only viewers
(supervisors), who do not rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tiexin.adapters.storage.calibration import CalibrationLabel, CalibrationSessionRecord
from tiexin.adapters.storage.unit_of_work import SqlUnitOfWork
from tiexin.config import Settings
from tiexin.domain.access import Permission, Principal, can
from tiexin.domain.errors import InputError, TiexinError
from tiexin.rules.agreement import ItemAgreement, agreement_by_item
from tiexin.rules.scoring import Outcome
from tiexin.services import audit
from tiexin.services.ingest import UnitOfWorkFactory
from tiexin.services.review import ReviewError, scorecard_for

LABELS = tuple(outcome.value for outcome in Outcome)  # pass, fail, na: as the scorecard
MAX_CALLS = 50
NAME_LENGTH = 200


class CalibrationNotFound(TiexinError, LookupError):
    """No such session, or the call is not part of it."""


class CalibrationConflict(TiexinError):
    """The session is closed, or these labels were already submitted."""


class CalibrationHidden(TiexinError, PermissionError):
    """Results or labels this user may not see yet (blind scoring), or an action not theirs."""


@dataclass(frozen=True)
class SessionCall:
    call_id: str
    submitted_by: list[str]  # who has scored it (names only: their labels stay hidden)
    mine: bool


@dataclass(frozen=True)
class SessionSummary:
    id: int
    name: str
    created_by: str
    created_at: datetime
    closed_at: datetime | None
    calls: list[SessionCall]
    results_visible: bool


@dataclass(frozen=True)
class ScoringItem:
    id: str
    name: str
    mine: str | None
    automatic: str | None  # None until revealed
    others: dict[str, str]  # inspector -> label, empty until revealed


@dataclass(frozen=True)
class ScoringView:
    session: SessionSummary
    call_id: str
    turns: list[dict[str, Any]]
    items: list[ScoringItem]
    revealed: bool


@dataclass(frozen=True)
class Results:
    session: SessionSummary
    inspectors: list[str]
    items: list[ItemAgreement]
    names: dict[str, str]


def _now() -> datetime:
    return datetime.now(UTC)


def _card_items(
    uow: SqlUnitOfWork, settings: Settings, scorecard_id: str, version: str
) -> dict[str, str]:
    """Item id -> name for the scorecard version an evaluation was made with ({} if unknown)."""
    try:
        card = scorecard_for(uow, settings, scorecard_id, version)
    except ReviewError:
        return {}
    return {item.id: item.name for section in card.sections for item in section.items}


def _evaluation(uow: SqlUnitOfWork, call_id: str) -> dict[str, Any]:
    found = uow.evaluations.for_call(call_id)
    if not found:
        raise CalibrationNotFound(f"call {call_id} has no evaluation")
    return found[0]


def _automatic(evaluation: dict[str, Any]) -> dict[str, str]:
    return {str(item["id"]): str(item["result"]) for item in evaluation.get("items") or ()}


def create_session(
    uow_factory: UnitOfWorkFactory,
    principal: Principal,
    name: str,
    call_ids: list[str],
    *,
    client: str | None = None,
) -> int:
    name = name.strip()
    if not 1 <= len(name) <= NAME_LENGTH:
        raise InputError(f"the name must be 1 to {NAME_LENGTH} characters", source="name")
    wanted = list(dict.fromkeys(c.strip() for c in call_ids if c.strip()))
    if not 1 <= len(wanted) <= MAX_CALLS:
        raise InputError(f"choose 1 to {MAX_CALLS} calls", source="call_ids")
    with uow_factory() as uow:
        unknown = [c for c in wanted if c not in uow.calibration.existing_call_ids(wanted)]
        unscored = [c for c in wanted if c not in unknown and not uow.evaluations.for_call(c)]
        if unknown or unscored:
            raise InputError(
                f"unknown or unscored calls: {', '.join(unknown + unscored)}", source="call_ids"
            )
        session_id = uow.calibration.add(
            name, call_ids=wanted, created_by=principal.username, at=_now()
        )
        audit.record(
            uow,
            principal,
            "calibration.create",
            resource_type="calibration",
            resource_id=str(session_id),
            detail={"name": name, "calls": wanted},
            client=client,
        )
        uow.commit()
    return session_id


def _session(uow: SqlUnitOfWork, session_id: int) -> CalibrationSessionRecord:
    found = uow.calibration.get(session_id)
    if found is None:
        raise CalibrationNotFound(f"calibration session {session_id} does not exist")
    return found


def _may_see_results(
    principal: Principal, record: CalibrationSessionRecord, labels: list[CalibrationLabel]
) -> bool:
    if record.closed_at is not None:
        return can(principal, Permission.CALIBRATE) or can(principal, Permission.VIEW_CALIBRATION)
    if can(principal, Permission.CALIBRATE):
        scored = {label.call_id for label in labels if label.inspector == principal.username}
        return scored >= set(record.call_ids)
    return can(principal, Permission.VIEW_CALIBRATION)


def _summary(
    principal: Principal, record: CalibrationSessionRecord, labels: list[CalibrationLabel]
) -> SessionSummary:
    raters: dict[str, set[str]] = {call_id: set() for call_id in record.call_ids}
    for label in labels:
        raters.setdefault(label.call_id, set()).add(label.inspector)
    calls = [
        SessionCall(call_id, sorted(raters[call_id]), principal.username in raters[call_id])
        for call_id in record.call_ids
    ]
    return SessionSummary(
        record.id,
        record.name,
        record.created_by,
        record.created_at,
        record.closed_at,
        calls,
        _may_see_results(principal, record, labels),
    )


def sessions(uow_factory: UnitOfWorkFactory, principal: Principal) -> list[SessionSummary]:
    with uow_factory() as uow:
        return [
            _summary(principal, record, uow.calibration.labels(record.id))
            for record in uow.calibration.all()
        ]


def session(
    uow_factory: UnitOfWorkFactory, principal: Principal, session_id: int
) -> SessionSummary:
    with uow_factory() as uow:
        record = _session(uow, session_id)
        return _summary(principal, record, uow.calibration.labels(session_id))


def scoring_view(
    uow_factory: UnitOfWorkFactory,
    settings: Settings,
    principal: Principal,
    session_id: int,
    call_id: str,
) -> ScoringView:
    """The transcript and the items to label; others' labels only once revealed."""
    with uow_factory() as uow:
        record = _session(uow, session_id)
        if call_id not in record.call_ids:
            raise CalibrationNotFound(f"call {call_id} is not in calibration session {session_id}")
        labels = uow.calibration.labels(session_id)
        evaluation = _evaluation(uow, call_id)
        names = _card_items(uow, settings, evaluation["scorecard"], evaluation["version"])
        turns = [
            {
                "role": turn.role.value,
                "start_s": turn.start_s,
                "end_s": turn.end_s,
                "text": turn.text,
            }
            for turn in uow.calls.load_turns(call_id)
        ]
    mine = {
        label.item_id: label.result
        for label in labels
        if label.call_id == call_id and label.inspector == principal.username
    }
    revealed = bool(mine) or record.closed_at is not None
    automatic = _automatic(evaluation)
    items = [
        ScoringItem(
            id=item_id,
            name=names.get(item_id, item_id),
            mine=mine.get(item_id),
            automatic=result if revealed else None,
            others={
                label.inspector: label.result
                for label in labels
                if revealed
                and label.call_id == call_id
                and label.item_id == item_id
                and label.inspector != principal.username
            },
        )
        for item_id, result in automatic.items()
    ]
    summary = _summary(principal, record, labels)
    return ScoringView(summary, call_id, turns, items, revealed)


def submit_labels(
    uow_factory: UnitOfWorkFactory,
    principal: Principal,
    session_id: int,
    call_id: str,
    labels: dict[str, str],
    *,
    client: str | None = None,
) -> None:
    """Store one inspector's label for every item of one call; final once submitted."""
    with uow_factory() as uow:
        record = _session(uow, session_id)
        if call_id not in record.call_ids:
            raise CalibrationNotFound(f"call {call_id} is not in calibration session {session_id}")
        if record.closed_at is not None:
            raise CalibrationConflict(f"calibration session {session_id} is closed")
        existing = uow.calibration.labels(session_id)
        if any(s.call_id == call_id and s.inspector == principal.username for s in existing):
            raise CalibrationConflict(f"you already scored {call_id} in this session")
        items = set(_automatic(_evaluation(uow, call_id)))
        _check_labels(labels, items)
        uow.calibration.add_labels(session_id, call_id, principal.username, labels, _now())
        audit.record(
            uow,
            principal,
            "calibration.score",
            resource_type="call",
            resource_id=call_id,
            detail={"session": session_id, "labels": labels},
            client=client,
        )
        uow.commit()


def _check_labels(labels: dict[str, str], items: set[str]) -> None:
    missing = sorted(items - labels.keys())
    unknown = sorted(labels.keys() - items)
    if missing or unknown:
        parts = ([f"missing items: {', '.join(missing)}"] if missing else []) + (
            [f"unknown items: {', '.join(unknown)}"] if unknown else []
        )
        raise InputError("; ".join(parts), source="labels")
    bad = sorted(item for item, label in labels.items() if label not in LABELS)
    if bad:
        raise InputError(
            f"labels must be {', '.join(LABELS)} (items {', '.join(bad)})", source="labels"
        )


def close_session(
    uow_factory: UnitOfWorkFactory,
    principal: Principal,
    session_id: int,
    *,
    client: str | None = None,
) -> None:
    """Only the inspector who created the session closes it; scoring ends, labels are shown."""
    with uow_factory() as uow:
        record = _session(uow, session_id)
        if record.created_by != principal.username:
            raise CalibrationHidden("only the creator of the session can close it")
        if record.closed_at is not None:
            raise CalibrationConflict(f"calibration session {session_id} is already closed")
        uow.calibration.close(session_id, _now())
        audit.record(
            uow,
            principal,
            "calibration.close",
            resource_type="calibration",
            resource_id=str(session_id),
            client=client,
        )
        uow.commit()


def results(
    uow_factory: UnitOfWorkFactory, settings: Settings, principal: Principal, session_id: int
) -> Results:
    with uow_factory() as uow:
        record = _session(uow, session_id)
        labels = uow.calibration.labels(session_id)
        if not _may_see_results(principal, record, labels):
            raise CalibrationHidden(
                "score every call of the session first, or wait until it closes"
            )
        automatic: dict[tuple[str, str], str] = {}
        names: dict[str, str] = {}
        for call_id in record.call_ids:
            evaluation = _evaluation(uow, call_id)
            names |= _card_items(uow, settings, evaluation["scorecard"], evaluation["version"])
            automatic |= {
                (call_id, item): result for item, result in _automatic(evaluation).items()
            }
    table = {(s.call_id, s.item_id, s.inspector): s.result for s in labels}
    return Results(
        _summary(principal, record, labels),
        sorted({label.inspector for label in labels}),
        agreement_by_item(table, automatic),
        names,
    )
