"""The VIP privileges ledger: a customer's yearly balances (entitlement of their tier minus the
year's redemptions) and redemptions, refused beyond the balance with nothing written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from tiexin.adapters.storage.unit_of_work import SqlUnitOfWork
from tiexin.care.privileges import (
    Balance,
    PrivilegeCatalog,
    PrivilegesError,
    balances,
    default_privileges,
    load_privileges,
)
from tiexin.domain.access import Principal
from tiexin.domain.errors import InputError, TiexinError
from tiexin.rules.checker import did_you_mean
from tiexin.services import audit
from tiexin.services.care_scope import CareNotFound, managed_customer
from tiexin.services.ingest import UnitOfWorkFactory

HISTORY_LIMIT = 50


class NoBalanceLeft(InputError):
    """The customer has used this year's entitlement: the redemption is refused."""


@dataclass(frozen=True, slots=True)
class Redeemed:
    redemption_id: int
    customer_id: str
    privilege_id: str
    redeemed_on: date
    left: int  # of the year, after this redemption


def privilege_catalog(path: Path | None) -> PrivilegeCatalog:
    """The privileges of TIEXIN_CARE_PRIVILEGES_FILE, or the bundled ones."""
    try:
        return load_privileges(path) if path is not None else default_privileges()
    except PrivilegesError as exc:
        raise TiexinError(str(exc)) from None


def year_balances(
    uow: SqlUnitOfWork, catalog: PrivilegeCatalog, customer_id: str, tier: str, year: int
) -> list[Balance]:
    return balances(catalog, tier, uow.care_service.used_privileges(customer_id, year))


def redeem(
    uow_factory: UnitOfWorkFactory,
    catalog: PrivilegeCatalog,
    actor: Principal | None,
    customer_id: str,
    privilege_id: str,
    *,
    on: date,
    note: str | None = None,
    client: str | None = None,
    by: str = "cli",
) -> Redeemed:
    """Record one use of a privilege. Refused (NoBalanceLeft, nothing written) when the year's
    balance is 0; `actor` None is the command line, which may redeem for any customer and
    records it as `by`."""
    privilege = catalog.get(privilege_id)
    if privilege is None:
        ids = [p.id for p in catalog.privileges]
        hint = did_you_mean(privilege_id, ids)
        raise InputError(
            f"unknown privilege {privilege_id!r} (privileges: {', '.join(ids)}){hint}",
            source="privilege",
        )
    with uow_factory() as uow:
        if actor is not None:
            managed_customer(uow, actor, customer_id)
        customer = uow.care_service.locked_customer(customer_id)
        if customer is None:
            raise CareNotFound(f"no customer {customer_id!r}")
        used = uow.care_service.used_privileges(customer_id, on.year).get(privilege_id, 0)
        entitled = privilege.entitlement(customer.tier)
        if used >= entitled:
            raise NoBalanceLeft(
                f"customer {customer_id} ({customer.tier}) has no {privilege.name_en} left in "
                f"{on.year}: {entitled} a year, {used} used",
                source="privilege",
            )
        redemption_id = uow.care_service.add_redemption(
            customer_id=customer_id,
            privilege_id=privilege_id,
            redeemed_on=on,
            recorded_by=actor.username if actor else by,
            note=note or None,
            now=datetime.now(UTC),
        )
        audit.record(
            uow,
            actor,
            "care_privilege.redeemed",
            resource_type="care_customer",
            resource_id=customer_id,
            detail={"privilege": privilege_id, "on": on.isoformat(), "redemption": redemption_id},
            client=client,
        )
        uow.commit()
    return Redeemed(redemption_id, customer_id, privilege_id, on, entitled - used - 1)
