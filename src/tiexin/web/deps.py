"""Request-level building blocks: who is signed in, what they may do, and page rendering.

Every route gets its user through `signed_in` or `require(...)`, which also enforce CSRF on
state-changing requests made with the session cookie (API tokens are not sent automatically by
browsers, so they need no CSRF token).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from tiexin.domain.access import Permission, Principal, can
from tiexin.services.auth import authenticate
from tiexin.web.context import WebContext
from tiexin.web.i18n import DEFAULT_LANGUAGE, LANGUAGES, Translator

SESSION_COOKIE = "tiexin_session"
LANGUAGE_COOKIE = "tiexin_lang"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_ROW_ID = 2**31 - 1  # integer keys fit both databases; a larger id is refused, not overflowed
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


class NotSignedIn(Exception):
    """No valid session or token: pages redirect to the login page, the API answers 401."""


class AccessDenied(Exception):
    """Signed in, but not allowed (wrong role, another agent's call, bad CSRF token): 403."""

    def __init__(self, reason: str = "forbidden") -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class RequestUser:
    principal: Principal
    csrf_token: str
    token: str
    via_cookie: bool

    def can(self, permission: Permission) -> bool:
        return can(self.principal, permission)


def web_context(request: Request) -> WebContext:
    context: WebContext = request.app.state.context
    return context


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def _credentials(request: Request) -> tuple[str, bool] | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip(), False
    cookie = request.cookies.get(SESSION_COOKIE)
    return (cookie, True) if cookie else None


async def _check_csrf(request: Request, expected: str) -> None:
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and "form" in request.headers.get("content-type", ""):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if sent is None or not secrets.compare_digest(sent, expected):
        raise AccessDenied("csrf")


async def signed_in(request: Request) -> RequestUser:
    credentials = _credentials(request)
    if credentials is None:
        raise NotSignedIn()
    token, via_cookie = credentials
    # The lookup is blocking database work: keep it off the event loop.
    found = await run_in_threadpool(authenticate, web_context(request).uow_factory, token)
    if found is None:
        raise NotSignedIn()
    if via_cookie and request.method not in SAFE_METHODS:
        await _check_csrf(request, found.csrf_token)
    return RequestUser(found.principal, found.csrf_token, token, via_cookie)


CurrentUser = Annotated[RequestUser, Depends(signed_in)]


def require(
    *permissions: Permission,
) -> Callable[[RequestUser], Coroutine[Any, Any, RequestUser]]:
    """A dependency that lets the request through only with every one of these permissions."""

    async def dependency(user: CurrentUser) -> RequestUser:
        if not all(user.can(permission) for permission in permissions):
            raise AccessDenied()
        return user

    return dependency


def require_any(
    *permissions: Permission,
) -> Callable[[RequestUser], Coroutine[Any, Any, RequestUser]]:
    """A dependency that lets the request through with at least one of these permissions."""

    async def dependency(user: CurrentUser) -> RequestUser:
        if not any(user.can(permission) for permission in permissions):
            raise AccessDenied()
        return user

    return dependency


def language_of(request: Request) -> str:
    chosen = request.query_params.get("lang") or request.cookies.get(LANGUAGE_COOKIE)
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def translator(request: Request) -> Translator:
    return Translator(language_of(request))


def render(
    request: Request,
    template: str,
    values: dict[str, Any] | None = None,
    *,
    user: RequestUser | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """Render a page with the translator `t`, the user, their CSRF token and `can`."""
    t = translator(request)
    context = {
        "t": t,
        "lang": t.language,
        "user": user,
        "csrf_token": user.csrf_token if user else "",
        "Permission": Permission,
        "can": (lambda permission: user is not None and user.can(permission)),
        **(values or {}),
    }
    templates = web_context(request).templates
    return templates.TemplateResponse(request, template, context, status_code=status_code)


def safe_next(target: str | None, default: str = "/") -> str:
    """Only local paths are followed after login or a language switch (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default
