"""Care rules: the model, and loading from versioned YAML with errors that name the line.

The YAML language is documented in docs/care-rules.md. Everything is checked when the rules are
loaded (keys, types, ranges, tiers, dates, and every script placeholder against the facts its
rule produces), so rules that load are rules the planner can run; an error names the file, the
line and, for an unknown name, the near miss. Lines come from the scorecard loader, so both
kinds of rule file report positions the same way.
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from tiexin.care import birthday, grace_credit, plan_fit, points, recharge, retention
from tiexin.care.dates import PERIOD_MONTHS
from tiexin.care.model import TIERS, Channel
from tiexin.care.params import (
    BirthdayParams,
    Campaign,
    GraceParams,
    PlanFitParams,
    PointsParams,
    RechargeParams,
    Redemption,
    RetentionParams,
    RuleParams,
)
from tiexin.care.schedule import QuietHours
from tiexin.care.templates import TemplateError, placeholders
from tiexin.rules.checker import did_you_mean
from tiexin.rules.scorecard import _LineDict, _Loader


class RuleType(StrEnum):
    PLAN_FIT = "plan_fit"
    BIRTHDAY = "birthday"
    POINTS_EXPIRY = "points_expiry"
    GRACE_CREDIT = "grace_credit"
    RECHARGE_OFFER = "recharge_offer"
    RETENTION = "retention"


COMMON_FACTS = ("customer_id", "customer_name", "tier")
FACTS: dict[RuleType, tuple[str, ...]] = {
    RuleType.PLAN_FIT: plan_fit.FACTS,
    RuleType.BIRTHDAY: birthday.FACTS,
    RuleType.POINTS_EXPIRY: points.FACTS,
    RuleType.GRACE_CREDIT: grace_credit.FACTS,
    RuleType.RECHARGE_OFFER: recharge.FACTS,
    RuleType.RETENTION: retention.FACTS,
}


@dataclass(frozen=True, slots=True)
class CareRule:
    id: str
    type: RuleType
    name: str
    tiers: tuple[str, ...]
    cooldown_days: int  # no new task for a customer within this many days of the last one
    priority: int  # 1 is the most urgent
    channel: Channel
    due_days: int  # a task is due this many days after the as-of date (or its deadline)
    script: str
    params: RuleParams
    line: int = 0


@dataclass(frozen=True, slots=True)
class CareRules:
    version: str
    rules: tuple[CareRule, ...]
    quiet_hours: QuietHours

    def get(self, rule_id: str) -> CareRule | None:
        return next((r for r in self.rules if r.id == rule_id), None)


class CareRulesError(ValueError):
    """Invalid care rules: `str()` reads "FILE:LINE: message"."""

    def __init__(self, message: str, *, file: str, line: int) -> None:
        self.file, self.line, self.message = file, line, message
        super().__init__(f"{file}:{line}: {message}")


class _CareLoader(_Loader):
    """The scorecard loader, with dates kept as text: PyYAML raises a bare ValueError for an
    impossible date such as 2025-02-30, which `_Reader.day` reports at its line instead."""


def _timestamp_as_text(loader: _CareLoader, node: yaml.ScalarNode) -> str:
    return str(loader.construct_scalar(node))


_CareLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)

_TOP_KEYS = ("version", "quiet_hours", "rules", "description")
_RULE_KEYS = (
    "id",
    "type",
    "name",
    "tiers",
    "cooldown_days",
    "priority",
    "channel",
    "due_days",
    "script",
    "params",
    "description",
)
_QUIET_KEYS = ("start", "end")
_REDEMPTION_KEYS = ("points", "item", "item_en")
_CAMPAIGN_KEYS = (
    "id",
    "name",
    "name_en",
    "start",
    "end",
    "tiers",
    "offer",
    "offer_en",
    "min_balance_yuan",
    "min_spend_yuan",
)
_PARAM_KEYS: dict[RuleType, tuple[str, ...]] = {
    RuleType.PLAN_FIT: ("months", "min_saving_yuan"),
    RuleType.BIRTHDAY: ("within_days", "waiver_yuan"),
    RuleType.POINTS_EXPIRY: ("within_days", "min_points", "redemptions"),
    RuleType.GRACE_CREDIT: ("amount_yuan", "period", "valid_days"),
    RuleType.RECHARGE_OFFER: ("campaigns",),
    RuleType.RETENTION: (),
}
_MISSING = object()


class _Reader:
    """Turns the YAML tree into `CareRules`, raising `CareRulesError` at the first problem."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, message: str, line: int) -> CareRulesError:
        return CareRulesError(message, file=self.file, line=line)

    # ---- generic checks ----

    def mapping(self, data: Any, keys: tuple[str, ...], what: str, line: int) -> _LineDict:
        if not isinstance(data, _LineDict):
            raise self.fail(f"{what} must be a mapping", line)
        for key in data:
            if key not in keys:
                message = f"unknown key {key!r} in {what}" + did_you_mean(str(key), keys)
                raise self.fail(message, data.value_lines.get(str(key), data.line))
        return data

    def line_of(self, data: _LineDict, key: str) -> int:
        return data.value_lines.get(key, data.line)

    def value(
        self, data: _LineDict, key: str, kind: type | tuple[type, ...], what: str, default: Any
    ) -> Any:
        if key not in data:
            if default is _MISSING:
                raise self.fail(f"{what} needs '{key}'", data.line)
            return default
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, kind):
            raise self.fail(
                f"'{key}' of {what} has the wrong type: {value!r}", self.line_of(data, key)
            )
        return value

    def text(self, data: _LineDict, key: str, what: str, default: Any = _MISSING) -> str:
        return str(self.value(data, key, str, what, default))

    def number(
        self, data: _LineDict, key: str, what: str, default: Any = _MISSING, *, low: float = 0
    ) -> float:
        value = float(self.value(data, key, (int, float), what, default))
        if value < low:
            raise self.fail(f"'{key}' of {what} must be at least {low:g}", self.line_of(data, key))
        return value

    def integer(
        self, data: _LineDict, key: str, what: str, default: Any = _MISSING, *, low: int = 0
    ) -> int:
        value = self.number(data, key, what, default, low=low)
        if not value.is_integer():
            raise self.fail(f"'{key}' of {what} must be a whole number", self.line_of(data, key))
        return int(value)

    def day(self, data: _LineDict, key: str, what: str) -> date:
        value = self.text(data, key, what)
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise self.fail(
                f"'{key}' of {what} must be a date YYYY-MM-DD, not {value!r}",
                self.line_of(data, key),
            ) from None

    def tiers(
        self, data: _LineDict, key: str, what: str, default: tuple[str, ...]
    ) -> tuple[str, ...]:
        values = self.value(data, key, list, what, list(default))
        for tier in values:
            if tier not in TIERS:
                raise self.fail(
                    f"unknown tier {tier!r} in {what}" + did_you_mean(str(tier), TIERS),
                    self.line_of(data, key),
                )
        if not values:
            raise self.fail(
                f"'{key}' of {what} must name at least one tier", self.line_of(data, key)
            )
        return tuple(values)

    def choice(
        self, data: _LineDict, key: str, what: str, choices: tuple[str, ...], default: Any
    ) -> str:
        value = self.text(data, key, what, default)
        choices = tuple(str(c) for c in choices)  # enum members read as their values
        if value not in choices:
            raise self.fail(
                f"unknown {key} {value!r} in {what}" + did_you_mean(value, choices),
                self.line_of(data, key),
            )
        return value

    # ---- the file ----

    def rules(self, data: Any) -> CareRules:
        # "file", not "rules", so that messages read "the care rules file needs 'version'"
        what = "the care rules file"
        data = self.mapping(data, _TOP_KEYS, what, 1)
        version = str(self.value(data, "version", (str, int, float), what, _MISSING))
        raw = self.value(data, "rules", list, what, _MISSING)
        rules = tuple(self.rule(r, self.line_of(data, "rules")) for r in raw)
        seen: set[str] = set()
        for rule in rules:
            if rule.id in seen:
                raise self.fail(f"rule id {rule.id!r} is used twice", rule.line)
            seen.add(rule.id)
        quiet = data.get("quiet_hours")
        return CareRules(
            version=version,
            rules=rules,
            quiet_hours=QuietHours() if quiet is None else self.quiet_hours(quiet, data.line),
        )

    def quiet_hours(self, data: Any, line: int) -> QuietHours:
        data = self.mapping(data, _QUIET_KEYS, "quiet_hours", line)
        return QuietHours(self.clock(data, "start"), self.clock(data, "end"))

    def clock(self, data: _LineDict, key: str) -> time:
        value = data.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            # YAML 1.1 reads an unquoted 21:00 as the base-60 number 1260
            raise self.fail(f"quote the time of '{key}', as in \"21:00\"", self.line_of(data, key))
        text = self.text(data, key, "quiet_hours")
        try:
            return time.fromisoformat(text)
        except ValueError:
            raise self.fail(
                f"'{key}' must be a time HH:MM, not {text!r}", self.line_of(data, key)
            ) from None

    def rule(self, data: Any, line: int) -> CareRule:
        data = self.mapping(data, _RULE_KEYS, "a rule", line)
        rule_id = self.text(data, "id", "a rule")
        what = f"rule {rule_id!r}"
        rule_type = RuleType(self.choice(data, "type", what, tuple(RuleType), _MISSING))
        raw_params = data.get("params", _LineDict())
        params_line = self.line_of(data, "params")
        params = self.params(rule_type, raw_params, what, params_line)
        script = self.text(data, "script", what)
        self.check_script(script, rule_type, what, self.line_of(data, "script"))
        return CareRule(
            id=rule_id,
            type=rule_type,
            name=self.text(data, "name", what, rule_id),
            tiers=self.tiers(data, "tiers", what, ("diamond", "gold", "silver")),
            # at least a day, so planning twice on the same date never makes a second task
            cooldown_days=self.integer(data, "cooldown_days", what, low=1),
            priority=self.integer(data, "priority", what, low=1),
            channel=Channel(self.choice(data, "channel", what, tuple(Channel), _MISSING)),
            due_days=self.integer(data, "due_days", what, 3),
            script=script,
            params=params,
            line=data.line,
        )

    def check_script(self, script: str, rule_type: RuleType, what: str, line: int) -> None:
        """Placeholders are checked against the rule type's facts. Lines inside a literal block
        (`|`) are exact; a folded block (`>`) joins its lines, so its first line is reported."""
        known = (*COMMON_FACTS, *FACTS[rule_type])
        try:
            found = placeholders(script)
        except TemplateError as err:
            raise self.fail(
                f"script of {what}: {err}", line + script[: err.offset].count("\n")
            ) from None
        for name, offset in found:
            if name not in known:
                raise self.fail(
                    f"script of {what}: unknown placeholder {{{name}}}"
                    + (did_you_mean(name, known) or f"; {rule_type} has {', '.join(known)}"),
                    line + script[:offset].count("\n"),
                )

    # ---- params of each rule type ----

    def params(self, rule_type: RuleType, data: Any, what: str, line: int) -> RuleParams:
        data = self.mapping(data, _PARAM_KEYS[rule_type], f"params of {what}", line)
        readers: dict[RuleType, Callable[[_LineDict, str], RuleParams]] = {
            RuleType.PLAN_FIT: self.plan_fit,
            RuleType.BIRTHDAY: self.birthday,
            RuleType.POINTS_EXPIRY: self.points,
            RuleType.GRACE_CREDIT: self.grace,
            RuleType.RECHARGE_OFFER: self.recharge,
            RuleType.RETENTION: lambda _data, _what: RetentionParams(),
        }
        return readers[rule_type](data, f"params of {what}")

    def plan_fit(self, data: _LineDict, what: str) -> PlanFitParams:
        defaults = PlanFitParams()
        return PlanFitParams(
            months=self.integer(data, "months", what, defaults.months, low=1),
            min_saving_yuan=self.number(data, "min_saving_yuan", what, defaults.min_saving_yuan),
        )

    def birthday(self, data: _LineDict, what: str) -> BirthdayParams:
        defaults = BirthdayParams()
        waivers = self.value(data, "waiver_yuan", _LineDict, what, None)
        if waivers is not None:
            for tier, amount in waivers.items():
                where = waivers.value_lines.get(str(tier), waivers.line)
                if tier not in TIERS:
                    raise self.fail(
                        f"unknown tier {tier!r} in waiver_yuan" + did_you_mean(str(tier), TIERS),
                        where,
                    )
                if isinstance(amount, bool) or not isinstance(amount, int | float) or amount < 0:
                    raise self.fail(
                        f"waiver of {tier} must be a number of yuan, not {amount!r}", where
                    )
        return BirthdayParams(
            within_days=self.integer(data, "within_days", what, defaults.within_days),
            waiver_yuan=defaults.waiver_yuan
            if waivers is None
            else {str(t): float(a) for t, a in waivers.items()},
        )

    def points(self, data: _LineDict, what: str) -> PointsParams:
        defaults = PointsParams()
        raw = self.value(data, "redemptions", list, what, _MISSING)
        line = self.line_of(data, "redemptions")
        rewards = sorted((self.redemption(r, line) for r in raw), key=lambda r: r.points)
        if not rewards:
            raise self.fail(f"'redemptions' of {what} needs at least one reward", line)
        min_points = self.integer(data, "min_points", what, defaults.min_points)
        if min_points < rewards[0].points:
            raise self.fail(
                f"min_points of {what} ({min_points}) is below the cheapest reward "
                f"({rewards[0].points}): some customers could buy nothing",
                self.line_of(data, "min_points"),
            )
        return PointsParams(
            within_days=self.integer(data, "within_days", what, defaults.within_days),
            min_points=min_points,
            redemptions=tuple(rewards),
        )

    def redemption(self, data: Any, line: int) -> Redemption:
        data = self.mapping(data, _REDEMPTION_KEYS, "a redemption", line)
        item = self.text(data, "item", "a redemption")
        return Redemption(
            points=self.integer(data, "points", "a redemption", low=1),
            item=item,
            item_en=self.text(data, "item_en", "a redemption", item),
        )

    def grace(self, data: _LineDict, what: str) -> GraceParams:
        defaults = GraceParams()
        return GraceParams(
            amount_yuan=self.number(data, "amount_yuan", what, defaults.amount_yuan, low=0.01),
            period=self.choice(data, "period", what, tuple(PERIOD_MONTHS), defaults.period),
            valid_days=self.integer(data, "valid_days", what, defaults.valid_days, low=1),
        )

    def recharge(self, data: _LineDict, what: str) -> RechargeParams:
        raw = self.value(data, "campaigns", list, what, _MISSING)
        line = self.line_of(data, "campaigns")
        campaigns = tuple(self.campaign(c, line) for c in raw)
        if not campaigns:
            raise self.fail(f"'campaigns' of {what} needs at least one campaign", line)
        return RechargeParams(campaigns)

    def campaign(self, data: Any, line: int) -> Campaign:
        data = self.mapping(data, _CAMPAIGN_KEYS, "a campaign", line)
        campaign_id = self.text(data, "id", "a campaign")
        what = f"campaign {campaign_id!r}"
        start, end = self.day(data, "start", what), self.day(data, "end", what)
        if end < start:
            raise self.fail(f"{what} ends before it starts", self.line_of(data, "end"))
        offer = self.text(data, "offer", what)
        return Campaign(
            id=campaign_id,
            name=self.text(data, "name", what, campaign_id),
            name_en=self.text(data, "name_en", what, ""),
            start=start,
            end=end,
            tiers=self.tiers(data, "tiers", what, ("diamond", "gold", "silver")),
            offer=offer,
            offer_en=self.text(data, "offer_en", what, ""),
            min_balance_yuan=self.optional_number(data, "min_balance_yuan", what),
            min_spend_yuan=self.optional_number(data, "min_spend_yuan", what),
        )

    def optional_number(self, data: _LineDict, key: str, what: str) -> float | None:
        return self.number(data, key, what, low=float("-inf")) if key in data else None


def parse_care_rules(text: str, *, file: str = "<care rules>") -> CareRules:
    """Validate care-rules YAML; raise `CareRulesError` naming the line of the first problem."""
    try:
        data = yaml.load(text, Loader=_CareLoader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise CareRulesError(f"invalid YAML: {err}", file=file, line=line) from None
    return _Reader(file).rules(data)


def load_care_rules(path: str | Path) -> CareRules:
    path = Path(path)
    return parse_care_rules(path.read_text(encoding="utf-8"), file=str(path))


def default_care_rules() -> CareRules:
    """The rules bundled with Tiexin (resources/care/default-rules.yaml)."""
    resource = importlib.resources.files("tiexin").joinpath(
        "resources", "care", "default-rules.yaml"
    )
    return parse_care_rules(resource.read_text(encoding="utf-8"), file="default-rules.yaml")
