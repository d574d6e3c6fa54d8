"""The tariff catalogue: value types and the YAML loader's validation."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from tiexin.adapters.catalog_yaml import CatalogError, load_catalog, parse_catalog
from tiexin.domain.catalog import Catalog, Plan, PlanField

SHARED_CATALOG = (
    Path(__file__).resolve().parents[2].parent / "shared" / "data" / "calls" / "catalog.yaml"
)

PLAN = """\
  - id: ZX-88
    name: 尊享88元套餐
    name_en: Premier 88
    monthly_fee_yuan: 88
    minutes: 300
    data_gb: 20
    sms: 100
    overage_per_minute_yuan: 0.19
    overage_per_gb_yuan: 3
"""


def plan(plan_id: str = "P1", name: str = "一号套餐", **overrides: object) -> Plan:
    fields: dict[str, object] = {
        "name_en": "", "monthly_fee_yuan": 10.0, "minutes": 1, "data_gb": 1.0, "sms": 1,
        "overage_per_minute_yuan": 0.1, "overage_per_gb_yuan": 1.0,
    } | overrides  # fmt: skip
    return Plan(plan_id, name, **fields)  # type: ignore[arg-type]


def problems(text: str) -> list[str]:
    with pytest.raises(CatalogError) as caught:
        parse_catalog(text, source="cat.yaml")
    return [str(p) for p in caught.value.problems]


def test_lookup_by_id_name_and_alias() -> None:
    catalog = Catalog(
        (plan("A", "甲套餐", name_en="Alpha Plan", aliases=("甲",)), plan("B", "乙套餐"))
    )
    assert catalog.by_id("A").name == "甲套餐"
    assert catalog.get("C") is None
    assert catalog.by_name("alpha  plan") is catalog.by_name("甲") is catalog.plans[0]
    assert catalog.by_name("丙套餐") is None
    with pytest.raises(KeyError, match="known: A, B"):
        catalog.by_id("C")


def test_duplicate_ids_and_names_are_refused() -> None:
    with pytest.raises(ValueError, match="duplicate plan id 'A'"):
        Catalog((plan("A"), plan("A", "别的")))
    with pytest.raises(ValueError, match="used by plans A and B"):
        Catalog((plan("A"), plan("B")))


def test_plan_values_and_tiers() -> None:
    p = plan(tiers=("gold",))
    assert p.value_of(PlanField.MINUTES) == 1
    assert p.allows_tier("gold") and not p.allows_tier("silver")
    assert plan().allows_tier("silver")


def test_catalog_pickles_and_hashes() -> None:
    catalog = Catalog((plan(),), version="v1")
    copy = pickle.loads(pickle.dumps(catalog))
    assert copy == catalog and hash(copy) == hash(catalog)
    assert copy.by_id("P1") == catalog.plans[0]


def test_loads_the_shared_catalogue_format() -> None:
    text = with_plan("minutes: 300", "domestic_minutes: 300", top="currency: CNY\nline: '10088'\n")
    catalog = parse_catalog(text)
    (zx88,) = catalog.plans
    assert (zx88.minutes, zx88.overage_per_minute_yuan, zx88.tiers) == (300, 0.19, ())
    assert catalog.currency == "CNY" and len(catalog.version) == 12  # content hash


def test_optional_fields_and_explicit_version() -> None:
    text = (
        f"version: 2025-03\nplans:\n{PLAN}    tiers: [diamond, gold]\n    aliases: [尊享小套餐]\n"
    )
    catalog = parse_catalog(text)
    assert catalog.version == "2025-03"
    assert catalog.plans[0].tiers == ("diamond", "gold")
    assert catalog.by_name("尊享小套餐") is catalog.plans[0]


@pytest.mark.skipif(not SHARED_CATALOG.is_file(), reason="no shared catalogue")
def test_load_catalog_file() -> None:
    catalog = load_catalog(SHARED_CATALOG)
    assert catalog.by_id("LL-138").data_gb == 100
    assert catalog.by_name("Premier 158") is catalog.by_id("ZX-158")


def with_plan(old: str = "", new: str = "", *, extra: str = "", top: str = "") -> str:
    """A catalogue of one plan, edited: `old` replaced by `new`, `extra` lines appended."""
    return f"{top}plans:\n{PLAN.replace(old, new) if old else PLAN}{extra}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plans: []\n", "cat.yaml:1: plans: expected a non-empty list of plans"),
        ("- 1\n", "cat.yaml:1: plans: expected a mapping"),
        ("plans: [a: 1\n", "cat.yaml:2: yaml: expected ',' or ']'"),
        (with_plan(top="curency: CNY\n"),
         "cat.yaml:1: curency: unknown catalogue field; did you mean 'currency'?"),
        (with_plan("sms:", "smss:"), "cat.yaml:8: smss: unknown plan field; did you mean 'sms'?"),
        (with_plan("    sms: 100", ""), "cat.yaml:2: sms: required field missing"),
        (with_plan("300", "1.5"), "cat.yaml:6: minutes: expected a whole number, got 1.5"),
        (with_plan("data_gb: 20", "data_gb: -1"), "cat.yaml:7: data_gb: expected a number of 0"),
        (with_plan("data_gb: 20", "data_gb: lots"), "cat.yaml:7: data_gb: expected a number"),
        (with_plan(": 88", ": yes"), "cat.yaml:5: monthly_fee_yuan: expected a number"),
        (with_plan(extra="    tiers: [gold, silvr]\n"),
         "cat.yaml:11: tiers: unknown tier 'silvr'; did you mean 'silver'?"),
        (with_plan(extra="    tiers: gold\n"), "cat.yaml:11: tiers: expected a list"),
        (with_plan(extra="    domestic_minutes: 300\n"),
         "cat.yaml:11: domestic_minutes: give either domestic_minutes or minutes"),
        (with_plan(extra="    sms: 100\n"), "cat.yaml:11: sms: repeated (first on line 8)"),
        (with_plan(extra=PLAN.replace("尊享88", "尊享99").replace("Premier 88", "P99")),
         "cat.yaml:11: id: duplicate plan id 'ZX-88' (first on line 2)"),
        (with_plan(extra=PLAN.replace("ZX-88", "ZX-99")),
         "cat.yaml:11: name: '尊享88元套餐' also names plan ZX-88 (line 2)"),
    ],
)  # fmt: skip
def test_validation_names_file_line_and_field(text: str, expected: str) -> None:
    assert any(p.startswith(expected) for p in problems(text)), problems(text)


def test_every_problem_is_reported_in_line_order() -> None:
    text = with_plan("data_gb: 20", "data_gb: x", top="curency: CNY\n").replace("sms:", "smss:")
    found = problems(text)
    assert [p.split(":")[1] for p in found] == sorted((p.split(":")[1] for p in found), key=int)
    assert len(found) == 4  # unknown top key, unknown plan key, missing sms, bad data_gb
