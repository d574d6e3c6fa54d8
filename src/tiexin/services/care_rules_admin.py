"""Care rules edited in the web app: checked like a rules file (the first error with its
line), saved as a new version in the database, the newest one used by `tiexin care run` when
neither `--rules` nor TIEXIN_CARE_RULES_FILE names a file.

Which rules are active, in order: the file given on the command line, the file of the
setting, the newest stored version, the rules bundled with Tiexin.
"""

from __future__ import annotations

import importlib.resources
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tiexin.care.rules import CareRules, CareRulesError, parse_care_rules
from tiexin.domain.access import Principal
from tiexin.domain.errors import TiexinError
from tiexin.services import audit
from tiexin.services.care_data import read_rules
from tiexin.services.care_scope import CareNotFound
from tiexin.services.ingest import UnitOfWorkFactory

MAX_RULES_CHARS = 200_000
EDITOR_FILE = "care-rules.yaml"  # the name errors of the web editor carry
HISTORY_LIMIT = 50


class RulesInvalid(CareRulesError):
    """The edited rules do not load: nothing was saved."""


@dataclass(frozen=True, slots=True)
class ActiveRules:
    source: str  # "setting" (a file), "stored" (a saved version) or "bundled"
    text: str
    version: str
    version_id: int | None = None
    path: Path | None = None


@dataclass(frozen=True, slots=True)
class RuleVersion:
    id: int
    version: str
    saved_by: str
    saved_at: datetime


def bundled_rules_text() -> str:
    resource = importlib.resources.files("tiexin").joinpath(
        "resources", "care", "default-rules.yaml"
    )
    return resource.read_text(encoding="utf-8")


def check_rules(text: str) -> CareRules:
    """The rules of the editor's text, or RulesInvalid naming the line of the first problem."""
    if len(text) > MAX_RULES_CHARS:
        raise RulesInvalid(f"longer than {MAX_RULES_CHARS} characters", file=EDITOR_FILE, line=1)
    try:
        return parse_care_rules(text, file=EDITOR_FILE)
    except CareRulesError as exc:
        raise RulesInvalid(exc.message, file=exc.file, line=exc.line) from None


def save_rules(
    uow_factory: UnitOfWorkFactory, principal: Principal, text: str, *, client: str | None = None
) -> RuleVersion:
    """Store valid rules as the newest version (audited); invalid rules raise RulesInvalid."""
    rules = check_rules(text)
    now = datetime.now(UTC)
    with uow_factory() as uow:
        version_id = uow.care_service.add_rule_version(
            version=rules.version[:64], yaml=text, saved_by=principal.username, now=now
        )
        audit.record(
            uow,
            principal,
            "care_rules.saved",
            resource_type="care_rules",
            resource_id=str(version_id),
            detail={"version": rules.version, "rules": len(rules.rules)},
            client=client,
        )
        uow.commit()
    return RuleVersion(version_id, rules.version[:64], principal.username, now)


def active_rules(uow_factory: UnitOfWorkFactory, configured: Path | None) -> ActiveRules:
    """The rules `tiexin care run` would use without `--rules`, with where they come from."""
    if configured is not None:
        rules = read_rules(configured)
        return ActiveRules(
            "setting", configured.read_text(encoding="utf-8"), rules.version, None, configured
        )
    with uow_factory() as uow:
        newest = uow.care_service.newest_rule_version()
    if newest is not None:
        return ActiveRules("stored", newest.yaml, newest.version, newest.id)
    return ActiveRules("bundled", bundled_rules_text(), read_rules(None).version)


def resolve_care_rules(uow_factory: UnitOfWorkFactory, path: Path | None) -> CareRules:
    """The rules of `path`, else the newest stored version, else the bundled rules."""
    if path is not None:
        return read_rules(path)
    with uow_factory() as uow:
        newest = uow.care_service.newest_rule_version()
    if newest is None:
        return read_rules(None)
    try:
        return parse_care_rules(newest.yaml, file=f"stored care rules #{newest.id}")
    except CareRulesError as exc:  # saved valid; a later Tiexin may read the language stricter
        raise TiexinError(str(exc)) from None


def rule_history(uow_factory: UnitOfWorkFactory) -> list[RuleVersion]:
    with uow_factory() as uow:
        rows = uow.care_service.rule_versions(HISTORY_LIMIT)
    return [RuleVersion(r.id, r.version, r.saved_by, r.saved_at) for r in rows]


def stored_rules_text(uow_factory: UnitOfWorkFactory, version_id: int) -> str:
    with uow_factory() as uow:
        row = uow.care_service.rule_version(version_id)
    if row is None:
        raise CareNotFound(f"no stored care rules #{version_id}")
    return str(row.yaml)
