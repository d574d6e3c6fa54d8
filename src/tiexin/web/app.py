"""The FastAPI application, built by `create_app(settings)` (no import-time state)."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from tiexin.bootstrap import open_storage
from tiexin.config import Settings
from tiexin.services.ingest import UnitOfWorkFactory
from tiexin.web import routes
from tiexin.web.context import STATIC_DIR, WebContext, make_templates
from tiexin.web.deps import AccessDenied, NotSignedIn, render, translator

# Inline scripts are refused; pages pass data to their scripts as JSON in <script
# type="application/json"> blocks. ECharts and wavesurfer set inline styles, hence style-src.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def feature_routers() -> list[APIRouter]:
    """Every module in `tiexin.web.routes` contributes its `router`, in module-name order."""
    found = []
    for module in sorted(pkgutil.iter_modules(routes.__path__), key=lambda m: m.name):
        loaded = importlib.import_module(f"{routes.__name__}.{module.name}")
        found.append(loaded.router)
    return found


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "text/html" not in request.headers.get(
        "accept", ""
    )


def _error_page(request: Request, status: int, message_key: str) -> Response:
    if _wants_json(request):
        return JSONResponse({"detail": translator(request)(message_key)}, status_code=status)
    values = {"status": status, "message": translator(request)(message_key)}
    return render(request, "error.html", values, status_code=status)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, exc: NotSignedIn) -> Response:
        if _wants_json(request):
            return JSONResponse(
                {"detail": "not signed in"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    @app.exception_handler(AccessDenied)
    async def access_denied(request: Request, exc: AccessDenied) -> Response:
        key = "error.csrf" if exc.reason == "csrf" else "error.forbidden"
        return _error_page(request, 403, key)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if _wants_json(request) or exc.status_code not in (404, 405):
            return JSONResponse(
                {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
            )
        return _error_page(request, exc.status_code, f"error.{exc.status_code}")

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {"field": ".".join(str(part) for part in error["loc"]), "message": error["msg"]}
            for error in exc.errors()
        ]
        return JSONResponse({"detail": errors}, status_code=422)


def _install_security_headers(app: FastAPI) -> None:
    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def create_app(settings: Settings, uow_factory: UnitOfWorkFactory | None = None) -> FastAPI:
    """The app over `settings`' database (migrated on start) or over the given storage."""
    app = FastAPI(
        title="Tiexin API",
        version="1",
        description="Calls, evaluations, reviews and appeals of the Tiexin VIP-care platform.",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.context = WebContext(
        settings=settings,
        uow_factory=uow_factory or open_storage(settings),
        templates=make_templates(),
    )
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in feature_routers():
        app.include_router(router)
    _install_error_handlers(app)
    _install_security_headers(app)
    return app


def app_from_environment() -> FastAPI:
    """The app over the `TIEXIN_` settings; what each `tiexin serve` worker process builds."""
    return create_app(Settings())
