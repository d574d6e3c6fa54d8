"""Message and script templates: `{placeholder}` filled from a task's facts.

Only bare names are allowed (no format specs, indexes or attributes): the fill is checked when
the rules are loaded, so a template that loads is one that renders for every task of its rule.
Numbers are shown the way an agent would say them: whole yuan without ".0", otherwise two
decimals; dates as YYYY-MM-DD.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from datetime import date
from functools import lru_cache

from tiexin.care.model import FactValue


class TemplateError(ValueError):
    """A template that cannot be filled; `offset` is where in the text the problem is."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


_FORMATTER = string.Formatter()


def placeholders(template: str) -> list[tuple[str, int]]:
    """The placeholder names of a template with their offsets; raises TemplateError for a
    placeholder that is not a bare name or for unbalanced braces."""
    found: list[tuple[str, int]] = []
    offset = 0
    try:
        parts = list(_FORMATTER.parse(template))
    except ValueError as err:
        raise TemplateError(f"bad braces in template: {err}", 0) from None
    for literal, name, spec, conversion in parts:
        offset += len(literal.replace("{", "{{").replace("}", "}}"))
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise TemplateError(f"placeholder {{{name}}} must be a plain name", offset)
        found.append((name, offset))
        offset += len(name) + 2
    return found


def format_fact(value: FactValue) -> str:
    if type(value) is str:  # names and ids, most of what scripts show: no conversion
        return value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.2f}"
    return str(value)


def days_away_en(days: int) -> str:
    """How far off a day is, as an English explanation says it: "today", "in 1 day"."""
    if days == 0:
        return "today"
    return "in 1 day" if days == 1 else f"in {days} days"


def days_away_zh(days: int) -> str:
    """The same in Chinese: "今天", "3 天后"."""
    return "今天" if days == 0 else f"{days} 天后"


def render(template: str, facts: Mapping[str, FactValue]) -> str:
    """Fill a checked template; every placeholder must be a key of `facts`. Only the facts the
    template shows are formatted: tasks carry more facts than their script shows, and the
    planner renders a million scripts on a province's first run."""
    return template.format_map({name: format_fact(facts[name]) for name in _names(template)})


@lru_cache(maxsize=1024)
def _names(template: str) -> tuple[str, ...]:
    return tuple(name for name, _ in placeholders(template))
