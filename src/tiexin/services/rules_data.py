"""Scorecards and the tariff catalogue kept in the database, beside their YAML files."""

from __future__ import annotations

from pathlib import Path

from tiexin.adapters.catalog_yaml import load_catalog
from tiexin.config import Settings
from tiexin.domain.catalog import Catalog
from tiexin.domain.errors import TiexinError
from tiexin.rules.scorecard import Scorecard, ScorecardError, load_scorecard, parse_scorecard
from tiexin.services.ingest import UnitOfWorkFactory


def read_scorecard_file(path: Path) -> Scorecard:
    """A validated scorecard file; every problem becomes one readable TiexinError."""
    try:
        return load_scorecard(path)
    except FileNotFoundError:
        raise TiexinError(f"{path}: scorecard file not found") from None
    except ScorecardError as exc:
        raise TiexinError(str(exc)) from None


def store_scorecard(uow_factory: UnitOfWorkFactory, path: Path) -> tuple[Scorecard, bool]:
    """Validate and store a scorecard version; the flag says whether it was new."""
    card = read_scorecard_file(path)
    with uow_factory() as uow:
        added = uow.scorecards.add(
            card.id, card.version, name=card.name, source=path.read_text(encoding="utf-8")
        )
        uow.commit()
    return card, added


def resolve_scorecard(uow_factory: UnitOfWorkFactory, reference: str) -> Scorecard:
    """A scorecard file path, or a stored `ID` (newest version) or `ID@VERSION`."""
    path = Path(reference)
    if path.is_file():
        return read_scorecard_file(path)
    card_id, _, version = reference.partition("@")
    with uow_factory() as uow:
        source = uow.scorecards.source(card_id, version or None)
    if source is None:
        raise TiexinError(
            f"{reference}: neither a scorecard file nor a stored scorecard "
            "(see `tiexin scorecard list`)"
        )
    return parse_scorecard(source, file=f"database:{reference}")


def import_catalog(uow_factory: UnitOfWorkFactory, path: Path) -> Catalog:
    if not path.is_file():
        raise TiexinError(f"{path}: catalogue file not found")
    catalog = load_catalog(path)
    with uow_factory() as uow:
        uow.plans.replace_catalog(catalog)
        uow.commit()
    return catalog


def configured_catalog(settings: Settings, uow_factory: UnitOfWorkFactory) -> Catalog | None:
    """TIEXIN_CATALOG_FILE when set, else the catalogue imported into the database, if any."""
    if settings.catalog_file:
        return load_catalog(settings.catalog_file)
    with uow_factory() as uow:
        return uow.plans.catalog()
