"""Customer-satisfaction labels: inspectors judge how satisfied the customer was at the end of a
call (-2..2), and the customer-perception model trains on the labelled calls.

One label per inspector per call, changeable; every change is audited. A call labelled by
several inspectors becomes one training dialogue whose target is the share of inspectors per
label, as STC-3's annotator distributions are used.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from tiexin.adapters.storage.unit_of_work import SqlUnitOfWork
from tiexin.domain.access import Permission, Principal, can, may_view_call
from tiexin.domain.errors import TiexinError
from tiexin.perception.data import LabelledDialogue, reviewed_call
from tiexin.perception.metrics import LABELS
from tiexin.services import audit
from tiexin.services.ingest import UnitOfWorkFactory
from tiexin.services.review import Actor, Forbidden, Invalid, NotFound

# Locale key suffixes of the labels, -2..2 (call_page.satisfaction.<name>).
LABEL_NAMES: dict[int, str] = {
    -2: "very_dissatisfied",
    -1: "dissatisfied",
    0: "neutral",
    1: "satisfied",
    2: "very_satisfied",
}


class TooFewLabelledCalls(TiexinError):
    """Not enough labelled calls to train or cross-validate the model."""


def may_see_labels(principal: Principal) -> bool:
    """Labels are the inspectors' training data: shown to those who see every call."""
    return can(principal, Permission.VIEW_ALL_CALLS)


def call_satisfaction(
    uow_factory: UnitOfWorkFactory, principal: Principal, call_id: str
) -> dict[str, Any]:
    """The call's labels (who, what, when) and the signed-in user's own, if any."""
    with uow_factory() as uow:
        call = _visible_call(uow, principal, call_id)
        if not may_see_labels(principal):
            raise Forbidden("you may not see satisfaction labels")
        return _view(call_id, uow.perception_labels.of_call(call["id"]), principal)


def label_satisfaction(
    uow_factory: UnitOfWorkFactory, actor: Actor, call_id: str, satisfaction: int
) -> dict[str, Any]:
    """Set the user's label of the call (replacing their earlier one); audited."""
    principal = actor.principal
    if not can(principal, Permission.REVIEW):
        raise Forbidden("only inspectors label calls")
    if isinstance(satisfaction, bool) or satisfaction not in LABELS:
        raise Invalid("satisfaction", f"must be an integer -2..2, got {satisfaction!r}")
    with uow_factory() as uow:
        call = _visible_call(uow, principal, call_id)
        previous = uow.perception_labels.save(
            call["id"], principal.username, satisfaction, datetime.now(UTC)
        )
        audit.record(
            uow,
            principal,
            "call.satisfaction",
            resource_type="call",
            resource_id=call_id,
            detail={"satisfaction": satisfaction, "previous": previous},
            client=actor.client,
        )
        view = _view(call_id, uow.perception_labels.of_call(call["id"]), principal)
        uow.commit()
    return view


def _visible_call(uow: SqlUnitOfWork, principal: Principal, call_id: str) -> dict[str, Any]:
    call = uow.reviews.call(call_id)
    if call is None or not may_view_call(principal, call["agent_id"]):
        raise NotFound(f"call {call_id} not found")
    return call


def _view(call_id: str, labels: list[dict[str, Any]], principal: Principal) -> dict[str, Any]:
    mine = next((r["satisfaction"] for r in labels if r["username"] == principal.username), None)
    return {"call_id": call_id, "labels": labels, "mine": mine}


def labelled_dialogues(uow_factory: UnitOfWorkFactory) -> list[LabelledDialogue]:
    """Every labelled call with a transcript, as a training dialogue, in call id order."""
    with uow_factory() as uow:
        labels = uow.perception_labels.labels_by_call()
        turns = uow.perception_labels.turns_of_labelled_calls()
    return _dialogues(labels, turns)


def _dialogues(
    labels: Mapping[str, list[int]], turns: Mapping[str, list[dict[str, Any]]]
) -> list[LabelledDialogue]:
    found = (
        reviewed_call(call_id, [(t["role"], t["text"]) for t in turns.get(call_id, [])], scores)
        for call_id, scores in labels.items()
    )
    return [dialogue for dialogue in found if dialogue is not None]


def enough_labelled_dialogues(
    uow_factory: UnitOfWorkFactory, needed: int, purpose: str
) -> list[LabelledDialogue]:
    """The labelled calls, or a refusal naming how many `purpose` needs and how many there are."""
    dialogues = labelled_dialogues(uow_factory)
    if len(dialogues) < needed:
        raise TooFewLabelledCalls(
            f"{purpose} needs at least {needed} calls labelled with the customer's satisfaction "
            f"(and a transcript), found {len(dialogues)}: label more calls on the call page"
        )
    return dialogues
