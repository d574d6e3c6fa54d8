"""VIP privileges: yearly entitlements per tier (lounge visits, phone repairs, car washes…), read
from YAML, and the balance a customer has left in a year.

A year is a calendar year: entitlements renew on 1 January and nothing carries over.
"""

from __future__ import annotations

import importlib.resources
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tiexin.care.model import VIP_TIERS

_ID = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_KEYS = ("id", "name", "name_en", "per_year")
MAX_PER_YEAR = 10_000


class PrivilegesError(ValueError):
    """The privileges file is invalid; the message names the file and the privilege."""


@dataclass(frozen=True, slots=True)
class Privilege:
    id: str
    name: str
    name_en: str
    per_year: dict[str, int]  # tier -> times a year; a tier not listed has none

    def entitlement(self, tier: str) -> int:
        return self.per_year.get(tier, 0)


@dataclass(frozen=True, slots=True)
class PrivilegeCatalog:
    version: str
    privileges: tuple[Privilege, ...]

    def get(self, privilege_id: str) -> Privilege | None:
        return next((p for p in self.privileges if p.id == privilege_id), None)


@dataclass(frozen=True, slots=True)
class Balance:
    privilege: Privilege
    entitled: int
    used: int

    @property
    def left(self) -> int:
        """Never below zero: redemptions beyond the entitlement are refused, and a tier that
        went down during the year leaves the extra ones used, not owed."""
        return max(self.entitled - self.used, 0)


def balances(catalog: PrivilegeCatalog, tier: str, used: dict[str, int]) -> list[Balance]:
    """Every privilege with the tier's entitlement and the redemptions of the year (`used`)."""
    return [Balance(p, p.entitlement(tier), used.get(p.id, 0)) for p in catalog.privileges]


def _privilege(entry: Any, file: str, index: int) -> Privilege:
    where = f"{file}: privilege {index + 1}"
    if not isinstance(entry, dict):
        raise PrivilegesError(f"{where}: expected a mapping with {', '.join(_KEYS)}")
    unknown = sorted(set(entry) - set(_KEYS))
    if unknown:
        raise PrivilegesError(f"{where}: unknown keys {unknown} (allowed: {', '.join(_KEYS)})")
    privilege_id = entry.get("id")
    if not isinstance(privilege_id, str) or not _ID.match(privilege_id):
        raise PrivilegesError(f"{where}: id must be lower-case letters, digits and _ (≤ 32)")
    where = f"{file}: privilege {privilege_id!r}"
    names = [entry.get("name", privilege_id), entry.get("name_en", privilege_id)]
    if not all(isinstance(n, str) and n for n in names):
        raise PrivilegesError(f"{where}: name and name_en must be text")
    return Privilege(privilege_id, names[0], names[1], _per_year(entry.get("per_year"), where))


def _per_year(value: Any, where: str) -> dict[str, int]:
    if not isinstance(value, dict) or not value:
        raise PrivilegesError(f"{where}: per_year must map tiers to times a year")
    for tier, times in value.items():
        if tier not in VIP_TIERS:
            raise PrivilegesError(f"{where}: unknown tier {tier!r} (tiers: {', '.join(VIP_TIERS)})")
        if isinstance(times, bool) or not isinstance(times, int) or not 0 <= times <= MAX_PER_YEAR:
            raise PrivilegesError(f"{where}: per_year of {tier} must be 0..{MAX_PER_YEAR}")
    return {str(tier): int(times) for tier, times in value.items()}


def parse_privileges(text: str, *, file: str = "<privileges>") -> PrivilegeCatalog:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise PrivilegesError(f"{file}: invalid YAML: {err}") from None
    if not isinstance(data, dict) or not isinstance(data.get("privileges"), list):
        raise PrivilegesError(f"{file}: expected `version` and a list `privileges`")
    if "version" not in data:
        raise PrivilegesError(f"{file}: `version` is required")
    privileges = tuple(_privilege(e, file, i) for i, e in enumerate(data["privileges"]))
    ids = [p.id for p in privileges]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise PrivilegesError(f"{file}: privilege ids repeated: {repeated}")
    return PrivilegeCatalog(str(data["version"]), privileges)


def load_privileges(path: Path) -> PrivilegeCatalog:
    if not path.is_file():
        raise PrivilegesError(f"{path}: privileges file not found")
    return parse_privileges(path.read_text(encoding="utf-8"), file=str(path))


def default_privileges() -> PrivilegeCatalog:
    """The privileges bundled with Tiexin (resources/care/privileges.yaml)."""
    resource = importlib.resources.files("tiexin").joinpath("resources", "care", "privileges.yaml")
    return parse_privileges(resource.read_text(encoding="utf-8"), file="privileges.yaml")
