"""The audit log: who listened to, exported or changed what, and when."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tiexin.adapters.storage.people import AuditEntry
from tiexin.adapters.storage.unit_of_work import SqlUnitOfWork
from tiexin.domain.access import Principal
from tiexin.services.ingest import UnitOfWorkFactory


def record(
    uow: SqlUnitOfWork,
    principal: Principal | None,
    action: str,
    *,
    resource_type: str | None = None,
    resource_id: str | None = None,
    detail: dict[str, Any] | None = None,
    client: str | None = None,
) -> None:
    """Add an entry inside the caller's transaction, so it lands exactly when the change does."""
    uow.audit.record(
        at=datetime.now(UTC),
        username=principal.username if principal else None,
        role=principal.role.value if principal else None,
        action=action,
        resource_type=resource_type,
        resource_id=resource_id,
        detail=detail,
        client=client,
    )


def browse(
    uow_factory: UnitOfWorkFactory,
    *,
    page: int,
    page_size: int,
    username: str | None = None,
    action: str | None = None,
    resource_id: str | None = None,
) -> tuple[list[AuditEntry], int, list[str]]:
    """One page of entries (newest first), how many match, and every action recorded."""
    with uow_factory() as uow:
        entries, total = uow.audit.page(
            limit=page_size,
            offset=(page - 1) * page_size,
            username=username,
            action=action,
            resource_id=resource_id,
        )
        return entries, total, list(uow.audit.actions())
