"""What the call page and the appeals page show: a call with its transcript, features and
evaluations, each with its review state, item history and appeals, as this user may see them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from tiexin.adapters.storage.unit_of_work import SqlUnitOfWork
from tiexin.config import Settings
from tiexin.domain.access import Permission, Principal, can, mask_msisdn, may_view_call
from tiexin.rules.review_scoring import rescore
from tiexin.rules.scorecard import Scorecard
from tiexin.services import audit
from tiexin.services.appeals import appeal_deadline
from tiexin.services.ingest import UnitOfWorkFactory
from tiexin.services.review import (
    APPEALED,
    RELEASED,
    SHOWN_TO_AGENTS,
    Actor,
    Conflict,
    NotFound,
    current_states,
    scorecard_for,
)

AUTOMATIC, HUMAN_EDITED = "automatic", "includes human edits"


def call_detail(
    uow_factory: UnitOfWorkFactory, settings: Settings, actor: Actor, call_id: str
) -> dict[str, Any]:
    """The call as this user may see it; opening it is audited."""
    principal = actor.principal
    with uow_factory() as uow:
        call = uow.reviews.call(call_id)
        if call is None or not may_view_call(principal, call["agent_id"]):
            raise NotFound(f"call {call_id} not found")
        rows = uow.reviews.evaluations_of_call(call["id"])
        reviews = uow.reviews.reviews([r["id"] for r in rows])
        if not can(principal, Permission.VIEW_ALL_CALLS):  # agents: released evaluations only
            rows = [
                r for r in rows if (reviews.get(r["id"]) or {}).get("status") in SHOWN_TO_AGENTS
            ]
        detail = {
            "call_id": call["call_id"],
            "source": call["source"],
            "status": call["status"],
            "start_time": call["start_time"],
            "direction": call["direction"],
            "line": call["line"],
            "agent_id": call["agent_id"],
            "customer_msisdn": mask_msisdn(call["customer_msisdn"], principal),
            "language": call["language"],
            "duration_s": call["duration_s"] or call["metadata_duration_s"],
            "role_confidence": call["role_confidence"],
            "asr_model": call["asr_model"],
            "audio": _audio(call, principal),
            "features": call["features"],
            "turns": [_turn(t, principal) for t in uow.reviews.turns(call["id"])],
            "evaluations": evaluation_views(uow, settings, rows),
        }
        audit.record(
            uow,
            principal,
            "call.view",
            resource_type="call",
            resource_id=call_id,
            client=actor.client,
        )
        uow.commit()
    return detail


def _audio(call: Mapping[str, Any], principal: Principal) -> dict[str, Any]:
    playable = call["source"] == "audio" and bool(call["file_path"])
    return {
        "available": playable and Path(call["file_path"]).is_file(),
        "may_play": can(principal, Permission.PLAY_AUDIO),
        "url": f"/api/v1/calls/{call['call_id']}/audio" if playable else None,
        "info": call["audio"],
    }


def _turn(row: Mapping[str, Any], principal: Principal) -> dict[str, Any]:
    show_original = can(principal, Permission.SEE_PERSONAL_NUMBERS) and row["text_original"]
    return {
        "index": row["idx"],
        "role": row["role"],
        "start": row["start_s"],
        "end": row["end_s"],
        "text": row["text"],
        "text_original": row["text_original"] if show_original else None,
        "sentiment": row["sentiment"],
        "confidence": row["confidence"],
    }


def evaluation_views(
    uow: SqlUnitOfWork, settings: Settings, rows: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Evaluations with their items as they count now, review state, history and appeals."""
    ids = [int(r["id"]) for r in rows]
    reviews = uow.reviews.reviews(ids)
    changes = uow.reviews.changes(ids)
    appeals = uow.reviews.appeals_of(ids)
    return [
        _evaluation_view(
            uow, settings, row, reviews.get(row["id"]), changes.get(row["id"], []), appeals
        )
        for row in rows
    ]


def _card(uow: SqlUnitOfWork, settings: Settings, row: Mapping[str, Any]) -> Scorecard | None:
    try:
        return scorecard_for(uow, settings, row["scorecard_id"], row["scorecard_version"])
    except Conflict:
        return None  # shown as scored; a review would say which scorecard is missing


def _evaluation_view(
    uow: SqlUnitOfWork,
    settings: Settings,
    row: Mapping[str, Any],
    review: Mapping[str, Any] | None,
    changes: list[dict[str, Any]],
    appeals: Mapping[int, list[dict[str, Any]]],
) -> dict[str, Any]:
    result = row["result"]
    card = _card(uow, settings, row)
    names = {i.id: (i.name, s.id, i.points) for s in card.sections for i in s.items} if card else {}
    states = current_states(result, changes)
    edited = bool(review and review["human_edited"])
    dimensions = result.get("dimensions", {})
    if edited and card is not None:
        rescored = rescore(card, states)
        dimensions = {
            k: None if d.score is None else round(d.score, 2)
            for k, d in rescored.dimensions.items()
        }
    items = []
    for item in result["items"]:
        name, section, possible = names.get(item["id"], (item["id"], None, None))
        state = states[item["id"]]
        items.append(
            {
                **item,
                "name": name,
                "section": section,
                "max_points": possible,
                "current_result": state.result.value,
                "current_points": state.points,
                "changed": any(c["item_id"] == item["id"] for c in changes),
            }
        )
    status = review["status"] if review else None
    released_at: datetime | None = review["released_at"] if review else None
    return {
        "id": row["id"],
        "call_id": row["call_id"],
        "agent_id": row["agent_id"],
        "scorecard": row["scorecard_id"],
        "version": row["scorecard_version"],
        "scored_at": row["created_at"],
        "automatic_total": row["total"],
        "automatic_band": row["band"],
        "auto_failed": row["auto_failed"],
        "total": review["total"] if review else row["total"],
        "band": review["band"] if review else row["band"],
        "score_source": HUMAN_EDITED if edited else AUTOMATIC,
        "dimensions": dimensions,
        "dimension_names": {section.id: section.name for section in card.sections} if card else {},
        "status": status,
        "reviewed_by": review["reviewed_by"] if review else None,
        "released_at": released_at,
        "released_by": review["released_by"] if review else None,
        "acknowledged_at": review["acknowledged_at"] if review else None,
        "appeal_deadline": appeal_deadline(released_at, settings)
        if status in (RELEASED, APPEALED)
        else None,
        "items": items,
        "changes": changes,
        "appeals": appeals.get(row["id"], []),
    }


def recording(
    uow_factory: UnitOfWorkFactory, actor: Actor, call_id: str, *, playback_starts: bool
) -> Path:
    """The recording file of a call this user may hear; the start of a playback is audited."""
    with uow_factory() as uow:
        call = uow.reviews.call(call_id)
        if call is None or not may_view_call(actor.principal, call["agent_id"]):
            raise NotFound(f"call {call_id} not found")
        if call["source"] != "audio" or not call["file_path"]:
            raise NotFound(f"call {call_id} was imported as a transcript: it has no recording")
        path = Path(call["file_path"])
        if not path.is_file():
            raise NotFound(f"the recording of call {call_id} is missing from its storage")
        if playback_starts:
            audit.record(
                uow,
                actor.principal,
                "audio.play",
                resource_type="call",
                resource_id=call_id,
                client=actor.client,
            )
            uow.commit()
    return path


def agent_evaluations(
    uow_factory: UnitOfWorkFactory, settings: Settings, actor: Actor
) -> list[dict[str, Any]]:
    """The signed-in agent's own released evaluations, newest release first."""
    agent_id = actor.principal.agent_id
    if not agent_id:
        return []
    with uow_factory() as uow:
        rows = uow.reviews.evaluations_with_status(SHOWN_TO_AGENTS, agent_id=agent_id)
        return evaluation_views(uow, settings, rows)


def appealed_evaluations(
    uow_factory: UnitOfWorkFactory, settings: Settings
) -> list[dict[str, Any]]:
    """Evaluations with an open appeal, for the supervisor who decides them."""
    with uow_factory() as uow:
        rows = uow.reviews.evaluations_with_status((APPEALED,))
        return evaluation_views(uow, settings, rows)
