"""What every request handler needs, built once when the app is created."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from fastapi.templating import Jinja2Templates

from tiexin.config import Settings
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
    return Jinja2Templates(directory=str(TEMPLATES_DIR))
