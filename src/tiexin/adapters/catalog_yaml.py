"""Load the tariff catalogue from YAML, with errors that name the file, line and field.

The YAML is composed into nodes first (not loaded straight to dicts) so every problem can point
at the line it is on; all problems are collected and reported together.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tiexin.domain.catalog import Catalog, Plan, name_key, plan_from_values
from tiexin.domain.errors import TiexinError

TIERS = ("diamond", "gold", "silver", "none")
_TOP_KEYS = ("plans", "currency", "version", "line")
_REQUIRED = (
    "id",
    "name",
    "monthly_fee_yuan",
    "minutes",
    "data_gb",
    "sms",
    "overage_per_minute_yuan",
    "overage_per_gb_yuan",
)
_OPTIONAL = ("name_en", "tiers", "aliases")
_SYNONYMS = {"domestic_minutes": "minutes"}  # the name billing exports use
_PLAN_KEYS = (*_REQUIRED, *_OPTIONAL, *_SYNONYMS)
_INTEGER_FIELDS = ("minutes", "sms")


@dataclass(frozen=True, slots=True)
class CatalogProblem:
    source: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.field}: {self.message}"


class CatalogError(TiexinError):
    """The catalogue file is invalid; `problems` lists every problem found."""

    def __init__(self, problems: list[CatalogProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = tuple(problems)


def load_catalog(path: Path) -> Catalog:
    """Read and validate a catalogue file; raises CatalogError naming every problem."""
    return parse_catalog(path.read_text(encoding="utf-8"), source=str(path))


def parse_catalog(text: str, *, source: str = "<catalog>") -> Catalog:
    """Validate catalogue YAML. `version` defaults to a hash of the text, so a changed file
    is always a new version."""
    reader = _Reader(source)
    try:
        loader = yaml.SafeLoader(text)
        try:
            root = loader.get_single_node()
            catalog = reader.catalog(root, loader.construct_object, text)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        raise CatalogError([CatalogProblem(source, line, "yaml", str(exc.problem))]) from exc
    if reader.problems:
        raise CatalogError(sorted(reader.problems, key=lambda p: p.line))
    assert catalog is not None  # no problems means the reader built one
    return catalog


def _did_you_mean(name: str, known: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    return f"; did you mean {close[0]!r}?" if close else f"; expected one of {', '.join(known)}"


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


class _Reader:
    """Walks the node tree, converting values and collecting problems."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[CatalogProblem] = []

    def problem(self, node: yaml.Node, field: str, message: str) -> None:
        self.problems.append(CatalogProblem(self.source, _line(node), field, message))

    def catalog(
        self, root: yaml.Node | None, construct: Callable[[yaml.Node], Any], text: str
    ) -> Catalog | None:
        if not isinstance(root, yaml.MappingNode):
            line = _line(root) if root is not None else 1
            self.problems.append(CatalogProblem(self.source, line, "plans", "expected a mapping"))
            return None
        top = self.mapping(root, _TOP_KEYS, "catalogue")
        plans_node = top.get("plans")
        if not isinstance(plans_node, yaml.SequenceNode) or not plans_node.value:
            self.problem(plans_node or root, "plans", "expected a non-empty list of plans")
            return None
        plans = [(p, node) for node in plans_node.value if (p := self.plan(node, construct))]
        self.check_unique(plans)
        if self.problems:
            return None
        version = construct(top["version"]) if "version" in top else None
        currency = construct(top["currency"]) if "currency" in top else "CNY"
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
        return Catalog(
            tuple(p for p, _ in plans), str(currency), str(version) if version else digest
        )

    def mapping(self, node: yaml.MappingNode, known: tuple[str, ...], what: str) -> dict[str, Any]:
        """Keys to value nodes; unknown and repeated keys are problems."""
        found: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key not in known:
                self.problem(key_node, key, f"unknown {what} field{_did_you_mean(key, known)}")
            elif key in found:
                self.problem(key_node, key, f"repeated (first on line {_line(found[key])})")
            else:
                found[key] = value_node
        return found

    def plan(self, node: yaml.Node, construct: Callable[[yaml.Node], Any]) -> Plan | None:
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, "plans", "each plan must be a mapping")
            return None
        fields = self.mapping(node, _PLAN_KEYS, "plan")
        for synonym, canonical in _SYNONYMS.items():
            if synonym in fields and canonical in fields:
                self.problem(fields[synonym], synonym, f"give either {synonym} or {canonical}")
            elif synonym in fields:
                fields[canonical] = fields.pop(synonym)
        before = len(self.problems)
        missing = [name for name in _REQUIRED if name not in fields]
        for name in missing:
            self.problem(node, name, "required field missing")
        values = {
            name: self.value(name, value_node, construct) for name, value_node in fields.items()
        }
        if missing or len(self.problems) > before:
            return None
        return plan_from_values(values)

    def value(self, name: str, node: yaml.Node, construct: Callable[[yaml.Node], Any]) -> Any:
        if name in ("tiers", "aliases"):
            return self.strings(name, node, construct)
        value = construct(node)
        if name in ("id", "name", "name_en"):
            if not isinstance(value, str | int) or isinstance(value, bool) or not str(value):
                self.problem(node, name, "expected text")
            return str(value)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            self.problem(node, name, f"expected a number of 0 or more, got {node.value!r}")
            return None
        if name not in _INTEGER_FIELDS:
            return float(value)
        if not float(value).is_integer():
            self.problem(node, name, f"expected a whole number, got {value}")
        return int(value)

    def strings(
        self, name: str, node: yaml.Node, construct: Callable[[yaml.Node], Any]
    ) -> tuple[str, ...]:
        if not isinstance(node, yaml.SequenceNode):
            self.problem(node, name, "expected a list")
            return ()
        items = tuple(str(construct(item)) for item in node.value)
        if name == "tiers":
            for item_node, tier in zip(node.value, items, strict=True):
                if tier not in TIERS:
                    self.problem(
                        item_node, name, f"unknown tier {tier!r}{_did_you_mean(tier, TIERS)}"
                    )
        return items

    def check_unique(self, plans: list[tuple[Plan, yaml.Node]]) -> None:
        """Duplicate ids and names are refused: a fact-check must know which plan was meant."""
        ids: dict[str, yaml.Node] = {}
        names: dict[str, tuple[str, yaml.Node]] = {}
        for plan, node in plans:
            if plan.id in ids:
                self.problem(
                    node,
                    "id",
                    f"duplicate plan id {plan.id!r} (first on line {_line(ids[plan.id])})",
                )
            ids.setdefault(plan.id, node)
            for name in plan.names:
                other_id, other_node = names.setdefault(name_key(name), (plan.id, node))
                if other_id != plan.id:
                    self.problem(
                        node,
                        "name",
                        f"{name!r} also names plan {other_id} (line {_line(other_node)})",
                    )
