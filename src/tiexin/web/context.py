"""What every request handler needs, built once when the app is created."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from fastapi.templating import Jinja2Templates

from tiexin.config import Settings
from tiexin.domain.operator_time import local_minute
from tiexin.services.auth import LoginPolicy
from tiexin.services.ingest import UnitOfWorkFactory

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"


@dataclass(frozen=True)
class WebContext:
    settings: Settings
    uow_factory: UnitOfWorkFactory
    templates: Jinja2Templates

    @property
    def login_policy(self) -> LoginPolicy:
        return LoginPolicy(
            max_failures=self.settings.login_max_failures,
            lockout=timedelta(minutes=self.settings.login_lockout_minutes),
            session_lifetime=timedelta(hours=self.settings.session_hours),
        )


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    # `{{ moment | localtime }}`: every time on a page is the operator's wall clock.
    templates.env.filters["localtime"] = local_minute
    return templates
