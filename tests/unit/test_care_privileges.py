"""The VIP privileges file and yearly balances."""

from __future__ import annotations

import pytest

from tiexin.care.privileges import (
    PrivilegesError,
    balances,
    default_privileges,
    parse_privileges,
)

GOOD = """
version: "1"
privileges:
  - {id: lounge, name: 贵宾厅, name_en: Lounge, per_year: {diamond: 4, gold: 2}}
  - {id: car_wash, name: 洗车, name_en: Car wash, per_year: {diamond: 6}}
"""


def test_balances_are_entitlement_minus_used_never_below_zero() -> None:
    catalog = parse_privileges(GOOD)
    rows = balances(catalog, "gold", {"lounge": 1, "car_wash": 2})
    assert [(b.privilege.id, b.entitled, b.used, b.left) for b in rows] == [
        ("lounge", 2, 1, 1),
        ("car_wash", 0, 2, 0),  # a tier not listed is entitled to none
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("privileges: []", "`version` is required"),
        ("version: 1\nprivileges: [{id: Lounge, per_year: {gold: 1}}]", "id must be lower-case"),
        ("version: 1\nprivileges: [{id: a, per_year: {platinum: 1}}]", "unknown tier 'platinum'"),
        ("version: 1\nprivileges: [{id: a, per_year: {gold: -1}}]", "per_year of gold must be"),
        ("version: 1\nprivileges: [{id: a, per_year: {gold: 1}, cost: 3}]", "unknown keys"),
        (
            "version: 1\nprivileges: [{id: a, per_year: {gold: 1}}, {id: a, per_year: {gold: 2}}]",
            "repeated: ['a']",
        ),
        ("version: 1\nprivileges: [{id: a, per_year: {gold: 1}", "invalid YAML"),
    ],
)
def test_a_bad_file_is_refused_with_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(PrivilegesError, match=message.replace("[", r"\[").replace("(", r"\(")):
        parse_privileges(text, file="p.yaml")


def test_the_bundled_privileges_load() -> None:
    catalog = default_privileges()
    lounge = catalog.get("airport_lounge")
    assert lounge is not None and lounge.entitlement("diamond") > lounge.entitlement("silver") > 0
    assert catalog.get("phone_repair") is not None and catalog.get("car_wash") is not None
