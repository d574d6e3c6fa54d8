"""Login, logout and language for pages; token login for the API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from tiexin.domain.access import Permission, Principal, UserRole, can
from tiexin.services import auth
from tiexin.web.deps import (
    LANGUAGE_COOKIE,
    SESSION_COOKIE,
    CurrentUser,
    client_address,
    render,
    safe_next,
    translator,
    web_context,
)
from tiexin.web.i18n import LANGUAGES

router = APIRouter()

# Where each role starts its day.
HOME_BY_ROLE = {
    UserRole.INSPECTOR: "/queue",
    UserRole.AGENT: "/calls",
    UserRole.SUPERVISOR: "/appeals",
    UserRole.ADMIN: "/admin/audit",
    UserRole.ACCOUNT_MANAGER: "/care/customers",
}


class LoginRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class UserInfo(BaseModel):
    username: str
    role: str
    agent_id: str | None
    team: str | None
    permissions: list[str]


class TokenResponse(BaseModel):
    token: str
    token_type: str = "bearer"
    expires_at: datetime
    user: UserInfo


def _user_info(user: Principal) -> UserInfo:
    return UserInfo(
        username=user.username,
        role=user.role.value,
        agent_id=user.agent_id,
        team=user.team,
        permissions=[p.value for p in Permission if can(user, p)],
    )


@router.get("/", include_in_schema=False)
def home(user: CurrentUser) -> RedirectResponse:
    return RedirectResponse(HOME_BY_ROLE[user.principal.role], status_code=303)


@router.get("/login", include_in_schema=False)
def login_page(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", {"next": safe_next(next), "error": None})


@router.post("/login", include_in_schema=False)
def login_form(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form()] = "/",
) -> Response:
    context = web_context(request)
    try:
        session = auth.login(
            context.uow_factory,
            username,
            password,
            kind="browser",
            policy=context.login_policy,
            client=client_address(request),
        )
    except auth.LoginError as exc:
        t = translator(request)
        message = t("login.locked") if exc.reason == "locked" else t("login.invalid")
        values = {"next": safe_next(next), "error": message, "username": username}
        return render(request, "login.html", values, status_code=401)
    home = HOME_BY_ROLE[session.principal.role]
    response = RedirectResponse(safe_next(next if next != "/" else None, home), 303)
    response.set_cookie(
        SESSION_COOKIE,
        session.token,
        max_age=int(context.login_policy.session_lifetime.total_seconds()),
        httponly=True,
        secure=context.settings.cookie_secure,
        samesite="lax",
    )
    return response


@router.post("/logout", include_in_schema=False)
def logout(request: Request, user: CurrentUser) -> Response:
    auth.logout(web_context(request).uow_factory, user.token, user.principal)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/lang/{code}", include_in_schema=False)
def switch_language(code: str, next: str | None = None) -> Response:
    response = RedirectResponse(safe_next(next), status_code=303)
    if code in LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, code, max_age=365 * 86400, samesite="lax")
    return response


@router.post(
    "/api/v1/auth/login",
    response_model=TokenResponse,
    responses={401: {"description": "Wrong username or password"}, 423: {"description": "Locked"}},
    tags=["auth"],
)
def api_login(request: Request, body: LoginRequest) -> Response:
    context = web_context(request)
    try:
        session = auth.login(
            context.uow_factory,
            body.username,
            body.password,
            kind="api",
            policy=context.login_policy,
            client=client_address(request),
        )
    except auth.LoginError as exc:
        if exc.reason == "locked":
            return JSONResponse({"detail": "account locked, try again later"}, status_code=423)
        return JSONResponse({"detail": "wrong username or password"}, status_code=401)
    payload = TokenResponse(
        token=session.token, expires_at=session.expires_at, user=_user_info(session.principal)
    )
    return JSONResponse(payload.model_dump(mode="json"))


@router.post("/api/v1/auth/logout", status_code=204, tags=["auth"])
def api_logout(request: Request, user: CurrentUser) -> Response:
    auth.logout(web_context(request).uow_factory, user.token, user.principal)
    return Response(status_code=204)


class CsrfToken(BaseModel):
    csrf_token: str


@router.get("/api/v1/auth/csrf", response_model=CsrfToken, tags=["auth"])
def csrf_token(user: CurrentUser) -> CsrfToken:
    """The token state-changing requests made with the session cookie send as X-CSRF-Token."""
    return CsrfToken(csrf_token=user.csrf_token)


@router.get("/api/v1/me", response_model=UserInfo, tags=["auth"])
def me(user: CurrentUser) -> UserInfo:
    return _user_info(user.principal)
