"""Rules as data in the database: scorecard versions (their YAML) and the catalogue's plans."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.orm import Session

from tiexin.domain.catalog import Catalog, Plan, plan_from_values
from tiexin.domain.errors import TiexinError

from .tables import plans, scorecards

Database = Session | Connection


class SqlScorecardRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, scorecard_id: str, version: str, *, name: str, source: str) -> bool:
        """Store a validated scorecard version; False when that exact version is already there.

        A version is immutable: the same id and version with other content is refused, so an
        evaluation always names the rules it was scored with.
        """
        stored = self.source(scorecard_id, version)
        if stored is not None:
            if stored != source:
                raise TiexinError(
                    f"scorecard {scorecard_id} version {version} is already stored with other "
                    "content: give the changed scorecard a new version"
                )
            return False
        self._db.execute(
            insert(scorecards).values(
                scorecard_id=scorecard_id,
                version=version,
                name=name,
                source=source,
                created_at=datetime.now(UTC),
            )
        )
        return True

    def source(self, scorecard_id: str, version: str | None = None) -> str | None:
        """The YAML of a version, or of the newest stored version when none is given."""
        query = select(scorecards.c.source).where(scorecards.c.scorecard_id == scorecard_id)
        if version is not None:
            query = query.where(scorecards.c.version == version)
        query = query.order_by(scorecards.c.created_at.desc(), scorecards.c.id.desc()).limit(1)
        return self._db.execute(query).scalar()

    def list(self) -> list[dict[str, Any]]:
        query = select(
            scorecards.c.scorecard_id,
            scorecards.c.version,
            scorecards.c.name,
            scorecards.c.created_at,
        ).order_by(scorecards.c.scorecard_id, scorecards.c.created_at)
        return [dict(row._mapping) for row in self._db.execute(query)]


class SqlPlanRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def replace_catalog(self, catalog: Catalog) -> None:
        """The imported catalogue becomes the catalogue: plans are updated, added and removed."""
        now = datetime.now(UTC)
        self._db.execute(delete(plans))
        rows = [_plan_row(plan, catalog, now) for plan in catalog.plans]
        if rows:
            self._db.execute(insert(plans), rows)

    def catalog(self) -> Catalog | None:
        rows = self._db.execute(select(plans).order_by(plans.c.plan_id)).all()
        if not rows:
            return None
        return Catalog(
            plans=tuple(_plan(row._mapping) for row in rows),
            currency=rows[0].currency,
            version=rows[0].catalog_version,
        )


def _plan_row(plan: Plan, catalog: Catalog, now: datetime) -> dict[str, Any]:
    values = asdict(plan)
    values["plan_id"] = values.pop("id")
    values["tiers"], values["aliases"] = list(plan.tiers), list(plan.aliases)
    return {
        **values,
        "catalog_version": catalog.version,
        "currency": catalog.currency,
        "updated_at": now,
    }


def _plan(row: Any) -> Plan:
    return plan_from_values({**row, "id": row["plan_id"]})
