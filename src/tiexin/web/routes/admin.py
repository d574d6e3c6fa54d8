"""Administration: the audit log and user accounts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel

from tiexin.domain.access import Permission, UserRole
from tiexin.domain.errors import InputError
from tiexin.services import audit, auth
from tiexin.web.deps import RequestUser, render, require, web_context

router = APIRouter()
AuditViewer = Annotated[RequestUser, Depends(require(Permission.VIEW_AUDIT))]
UserManager = Annotated[RequestUser, Depends(require(Permission.MANAGE_USERS))]
PAGE_SIZE = 50


class AuditEntryOut(BaseModel):
    at: datetime
    username: str | None
    role: str | None
    action: str
    resource_type: str | None
    resource_id: str | None
    detail: dict[str, Any] | None
    client: str | None


class AuditPage(BaseModel):
    total: int
    entries: list[AuditEntryOut]


def _audit_page(
    request: Request, username: str | None, action: str | None, resource_id: str | None, page: int
) -> tuple[AuditPage, list[str]]:
    entries, total, actions = audit.browse(
        web_context(request).uow_factory,
        page=page,
        page_size=PAGE_SIZE,
        username=username,
        action=action,
        resource_id=resource_id,
    )
    out = [AuditEntryOut.model_validate(entry, from_attributes=True) for entry in entries]
    return AuditPage(total=total, entries=out), actions


@router.get("/admin/audit", include_in_schema=False)
def audit_page(
    request: Request,
    user: AuditViewer,
    username: str | None = None,
    action: str | None = None,
    resource_id: str | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    result, actions = _audit_page(request, username, action, resource_id, page)
    filters = {"username": username, "action": action, "resource_id": resource_id}
    values = {
        "result": result,
        "actions": actions,
        "filters": filters,
        "params": {key: value for key, value in filters.items() if value},
        "page": page,
        "pages": max(1, -(-result.total // PAGE_SIZE)),
    }
    return render(request, "admin/audit.html", values, user=user)


@router.get("/api/v1/audit", response_model=AuditPage, tags=["admin"])
def audit_api(
    request: Request,
    user: AuditViewer,
    username: str | None = None,
    action: str | None = None,
    resource_id: str | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> AuditPage:
    return _audit_page(request, username, action, resource_id, page)[0]


@router.get("/admin/users", include_in_schema=False)
def users_page(request: Request, user: UserManager, error: str | None = None) -> Response:
    accounts = auth.list_users(web_context(request).uow_factory)
    values = {"accounts": accounts, "roles": [r.value for r in UserRole], "error": error}
    return render(request, "admin/users.html", values, user=user)


@router.post("/admin/users", include_in_schema=False)
def add_user_form(
    request: Request,
    user: UserManager,
    username: Annotated[str, Form(max_length=64)],
    role: Annotated[str, Form(max_length=32)],
    password: Annotated[str, Form(max_length=1024)],
    agent_id: Annotated[str, Form(max_length=64)] = "",
    team: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    try:
        auth.add_user(
            web_context(request).uow_factory,
            username,
            role=role,
            password=password,
            agent_id=agent_id or None,
            team=team or None,
            actor=user.principal,
        )
    except InputError as exc:
        return users_page(request, user, error=str(exc))
    return RedirectResponse("/admin/users", status_code=303)
