"""Scorecards: the model, and loading from versioned YAML with errors that name the line.

Every condition is compiled when the scorecard is loaded, so a scorecard that loads is one that
can be evaluated; an error names the file, the YAML line of the offending entry and, for an
unknown key or name, the near miss.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, cast

import yaml

from tiexin.rules.checker import DEFAULT_SCHEMA, Rule, Schema, compile_rule, did_you_mean
from tiexin.rules.language import RuleSyntaxError


class Mode(StrEnum):
    WEIGHTED = "weighted"  # earned / possible points per section, sections weighted
    DEDUCTION = "deduction"  # start from 100, each failed item deducts its points


class AutoFail(StrEnum):
    SECTION = "section"
    FORM = "form"


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    name: str
    points: float
    pass_when: Rule | None
    fail_when: Rule | None
    na_when: Rule | None
    critical: bool = False
    auto_fail: AutoFail | None = None
    description: str = ""
    line: int = 0


@dataclass(frozen=True, slots=True)
class Section:
    id: str
    name: str
    weight: float
    items: tuple[Item, ...]


@dataclass(frozen=True, slots=True)
class Band:
    name: str
    min_score: float


@dataclass(frozen=True, slots=True)
class Scorecard:
    id: str
    version: str
    name: str
    mode: Mode
    sections: tuple[Section, ...]
    bands: tuple[Band, ...]  # highest min_score first

    def band_for(self, total: float) -> str | None:
        return next((b.name for b in self.bands if total >= b.min_score), None)


class ScorecardError(ValueError):
    """An invalid scorecard: `str()` reads "FILE:LINE: message"."""

    def __init__(self, message: str, *, file: str, line: int) -> None:
        self.file, self.line, self.message = file, line, message
        super().__init__(f"{file}:{line}: {message}")


class _LineDict(dict[str, Any]):
    line: int = 0
    # where each key's value starts: conditions are reported at their own line, not the item's
    value_lines: dict[str, int]


class _Loader(yaml.SafeLoader):
    """A safe loader whose mappings remember the line they start on (1-based)."""


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> _LineDict:
    mapping = _LineDict(cast(dict[str, Any], loader.construct_mapping(node, deep=True)))
    mapping.line = node.start_mark.line + 1
    mapping.value_lines = {str(key.value): _first_text_line(value) for key, value in node.value}
    return mapping


def _first_text_line(node: yaml.Node) -> int:
    """1-based line of a value's first character; block scalars (`>`, `|`) start a line later."""
    block = isinstance(node, yaml.ScalarNode) and node.style in (">", "|")
    return node.start_mark.line + 1 + int(block)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

_CARD_KEYS = ("id", "version", "name", "mode", "sections", "bands", "description")
_SECTION_KEYS = ("id", "name", "weight", "items", "description")
_ITEM_KEYS = (
    "id",
    "name",
    "points",
    "pass_when",
    "fail_when",
    "na_when",
    "critical",
    "auto_fail",
    "description",
)
_BAND_KEYS = ("name", "min")


class _Reader:
    """Turns the YAML tree into the model, raising `ScorecardError` at the first problem."""

    def __init__(self, file: str, schema: Schema) -> None:
        self.file = file
        self.schema = schema

    def fail(self, message: str, line: int) -> ScorecardError:
        return ScorecardError(message, file=self.file, line=line)

    def mapping(self, data: Any, keys: tuple[str, ...], what: str, line: int) -> _LineDict:
        if not isinstance(data, _LineDict):
            raise self.fail(f"{what} must be a mapping", line)
        for key in data:
            if key not in keys:
                raise self.fail(
                    f"unknown key {key!r} in {what}" + did_you_mean(str(key), keys), data.line
                )
        return data

    def field(self, data: _LineDict, key: str, kind: type | tuple[type, ...], what: str) -> Any:
        if key not in data:
            raise self.fail(f"{what} needs '{key}'", data.line)
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, kind):
            raise self.fail(f"'{key}' of {what} has the wrong type: {value!r}", data.line)
        return value

    def rule(self, data: _LineDict, key: str, what: str) -> Rule | None:
        source = data.get(key)
        if source is None:
            return None
        if not isinstance(source, str):
            raise self.fail(f"'{key}' of {what} must be a condition text", data.line)
        try:
            return compile_rule(source, self.schema)
        except RuleSyntaxError as err:
            line = data.value_lines.get(key, data.line) + err.line - 1
            raise self.fail(f"{key} of {what}: {err}", line) from None

    def item(self, data: Any, line: int) -> Item:
        data = self.mapping(data, _ITEM_KEYS, "an item", line)
        item_id = str(self.field(data, "id", str, "an item"))
        what = f"item {item_id!r}"
        rules = {k: self.rule(data, k, what) for k in ("pass_when", "fail_when", "na_when")}
        if rules["pass_when"] is None and rules["fail_when"] is None:
            raise self.fail(f"{what} needs 'pass_when' or 'fail_when'", data.line)
        auto_fail = data.get("auto_fail")
        if auto_fail is not None and auto_fail not in tuple(AutoFail):
            raise self.fail(f"auto_fail of {what} must be 'section' or 'form'", data.line)
        points = float(self.field(data, "points", (int, float), what))
        if points < 0:
            raise self.fail(f"points of {what} must not be negative", data.line)
        return Item(
            id=item_id,
            name=str(data.get("name", item_id)),
            points=points,
            critical=bool(data.get("critical", False)),
            auto_fail=AutoFail(auto_fail) if auto_fail is not None else None,
            description=str(data.get("description", "")),
            line=data.line,
            **rules,
        )

    def section(self, data: Any, line: int) -> Section:
        data = self.mapping(data, _SECTION_KEYS, "a section", line)
        section_id = str(self.field(data, "id", str, "a section"))
        what = f"section {section_id!r}"
        weight = float(self.field(data, "weight", (int, float), what))
        raw_items = self.field(data, "items", list, what)
        if weight <= 0 or not raw_items:
            raise self.fail(f"{what} needs a positive weight and at least one item", data.line)
        items = tuple(self.item(i, data.line) for i in raw_items)
        return Section(section_id, str(data.get("name", section_id)), weight, items)

    def band(self, data: Any, line: int) -> Band:
        data = self.mapping(data, _BAND_KEYS, "a band", line)
        minimum = float(self.field(data, "min", (int, float), "a band"))
        if not 0 <= minimum <= 100:
            raise self.fail("a band's min must lie in [0, 100]", data.line)
        return Band(str(self.field(data, "name", str, "a band")), minimum)

    def card(self, data: Any) -> Scorecard:
        data = self.mapping(data, _CARD_KEYS, "the scorecard", 1)
        mode = str(data.get("mode", Mode.WEIGHTED))
        if mode not in tuple(Mode):
            raise self.fail(f"unknown mode {mode!r}" + did_you_mean(mode, tuple(Mode)), data.line)
        sections = tuple(
            self.section(s, data.line) for s in self.field(data, "sections", list, "the scorecard")
        )
        self.unique([i.id for s in sections for i in s.items] + [s.id for s in sections], data.line)
        if mode == Mode.DEDUCTION and abs(sum(s.weight for s in sections) - 100) > 1e-6:
            raise self.fail("in deduction mode the section weights must add up to 100", data.line)
        bands = tuple(self.band(b, data.line) for b in data.get("bands", []))
        return Scorecard(
            id=str(self.field(data, "id", str, "the scorecard")),
            version=str(self.field(data, "version", (str, int, float), "the scorecard")),
            name=str(data.get("name", data["id"])),
            mode=Mode(mode),
            sections=sections,
            bands=tuple(sorted(bands, key=lambda b: -b.min_score)),
        )

    def unique(self, ids: list[str], line: int) -> None:
        seen: set[str] = set()
        for identifier in ids:
            if identifier in seen:
                raise self.fail(f"id {identifier!r} is used twice", line)
            seen.add(identifier)


def parse_scorecard(
    text: str, *, file: str = "<scorecard>", schema: Schema = DEFAULT_SCHEMA
) -> Scorecard:
    try:
        data: Mapping[str, Any] = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise ScorecardError(
            f"invalid YAML: {err}", file=file, line=mark.line + 1 if mark else 1
        ) from None
    return _Reader(file, schema).card(data)


def load_scorecard(path: str | Path, *, schema: Schema = DEFAULT_SCHEMA) -> Scorecard:
    """Load and fully validate a scorecard file; raise `ScorecardError` naming file and line."""
    path = Path(path)
    return parse_scorecard(path.read_text(encoding="utf-8"), file=str(path), schema=schema)
