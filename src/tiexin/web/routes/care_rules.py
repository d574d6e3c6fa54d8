"""Editing the care rules (`/care/rules`, EDIT_CARE_RULES: administrators and supervisors):
the active rules, an editor that checks the YAML (the error and its line beside it, nothing
saved when invalid), saving a new version, and the version history."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from tiexin.domain.access import Permission
from tiexin.domain.errors import TiexinError
from tiexin.services import care_rules_admin as admin
from tiexin.web.deps import (
    MAX_ROW_ID,
    RequestUser,
    RowId,
    client_address,
    render,
    require,
    web_context,
)
from tiexin.web.routes.care import care_http_error

router = APIRouter()
RulesEditor = Annotated[RequestUser, Depends(require(Permission.EDIT_CARE_RULES))]
RulesText = Annotated[str, Field(min_length=1, max_length=admin.MAX_RULES_CHARS)]


class RulesIn(BaseModel):
    yaml: RulesText


class RulesCheckOut(BaseModel):
    valid: bool
    version: str | None
    rules: int
    line: int | None  # of the first problem
    message: str | None


class ActiveRulesOut(BaseModel):
    source: str  # setting, stored or bundled
    version: str
    version_id: int | None
    yaml: str


class RuleVersionOut(BaseModel):
    id: int
    version: str
    saved_by: str
    saved_at: datetime


class RuleVersionTextOut(BaseModel):
    id: int
    yaml: str


def _check(text: str) -> RulesCheckOut:
    try:
        rules = admin.check_rules(text)
    except admin.RulesInvalid as exc:
        return RulesCheckOut(valid=False, version=None, rules=0, line=exc.line, message=exc.message)
    return RulesCheckOut(
        valid=True, version=rules.version, rules=len(rules.rules), line=None, message=None
    )


def _active(request: Request) -> admin.ActiveRules:
    context = web_context(request)
    try:
        return admin.active_rules(context.uow_factory, context.settings.care_rules_file)
    except TiexinError as exc:
        raise care_http_error(exc) from None


def _page(
    request: Request,
    user: RequestUser,
    *,
    text: str | None = None,
    check: RulesCheckOut | None = None,
    saved: int | None = None,
) -> Response:
    active = _active(request)
    values = {
        "active": active,
        "text": active.text if text is None else text,
        "check": check,
        "saved": saved,
        "history": admin.rule_history(web_context(request).uow_factory),
    }
    status = 422 if check is not None and not check.valid else 200
    return render(request, "care/rules.html", values, user=user, status_code=status)


@router.get("/care/rules", include_in_schema=False)
def rules_page(
    request: Request,
    user: RulesEditor,
    saved: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
    version: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
) -> Response:
    """The active rules in the editor, or the stored `version` to start from."""
    text = _stored_text(request, version) if version is not None else None
    return _page(request, user, text=text, saved=saved)


def _stored_text(request: Request, version_id: int) -> str:
    try:
        return admin.stored_rules_text(web_context(request).uow_factory, version_id)
    except TiexinError as exc:
        raise care_http_error(exc) from None


@router.post("/care/rules", include_in_schema=False)
def rules_form(
    request: Request,
    user: RulesEditor,
    yaml: Annotated[str, Form(min_length=1, max_length=admin.MAX_RULES_CHARS)],
    action: Annotated[str, Form(pattern=r"^(check|save)$")] = "check",
) -> Response:
    check = _check(yaml)
    if action == "check" or not check.valid:
        return _page(request, user, text=yaml, check=check)
    saved = _save(request, user, yaml)
    return RedirectResponse(f"/care/rules?saved={saved.id}", status_code=303)


def _save(request: Request, user: RequestUser, text: str) -> admin.RuleVersion:
    try:
        return admin.save_rules(
            web_context(request).uow_factory, user.principal, text, client=client_address(request)
        )
    except admin.RulesInvalid as exc:
        detail = [{"field": "yaml", "line": exc.line, "message": str(exc)}]
        raise HTTPException(422, detail=detail) from None


@router.get("/api/v1/care/rules", response_model=ActiveRulesOut, tags=["care"])
def active_rules_api(request: Request, user: RulesEditor) -> ActiveRulesOut:
    active = _active(request)
    return ActiveRulesOut(
        source=active.source, version=active.version, version_id=active.version_id, yaml=active.text
    )


@router.post("/api/v1/care/rules/check", response_model=RulesCheckOut, tags=["care"])
def check_rules_api(user: RulesEditor, body: RulesIn) -> RulesCheckOut:
    return _check(body.yaml)


@router.post("/api/v1/care/rules", response_model=RuleVersionOut, tags=["care"])
def save_rules_api(request: Request, user: RulesEditor, body: RulesIn) -> RuleVersionOut:
    """Save as the newest version; invalid rules are 422 with the line and nothing is saved."""
    saved = _save(request, user, body.yaml)
    return RuleVersionOut.model_validate(saved, from_attributes=True)


@router.get("/api/v1/care/rules/versions", response_model=list[RuleVersionOut], tags=["care"])
def versions_api(request: Request, user: RulesEditor) -> list[RuleVersionOut]:
    history = admin.rule_history(web_context(request).uow_factory)
    return [RuleVersionOut.model_validate(v, from_attributes=True) for v in history]


@router.get(
    "/api/v1/care/rules/versions/{version_id}", response_model=RuleVersionTextOut, tags=["care"]
)
def version_api(request: Request, user: RulesEditor, version_id: RowId) -> RuleVersionTextOut:
    return RuleVersionTextOut(id=version_id, yaml=_stored_text(request, version_id))
