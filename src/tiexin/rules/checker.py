"""Check a parsed condition against the schema of what a rule can see, and compile it.

The schema lists the measured features, the call metadata fields, the roles and the built-in
functions. Unknown names fail with "did you mean ...?"; matcher calls are bound to their
`MatcherSpec` here, once, so evaluation never re-reads arguments. Built-in functions are a
registry: a new one (such as the plan fact-check) is added without touching the grammar.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from tiexin.rules import matching
from tiexin.rules.language import (
    Amount,
    And,
    Arg,
    Between,
    Call,
    Compare,
    Flag,
    Keyword,
    Member,
    Node,
    Not,
    Operand,
    Or,
    Path,
    Pos,
    Predicate,
    Regex,
    RelativeWindow,
    RuleSyntaxError,
    Says,
    Span,
    SpanWindow,
    Window,
    parse,
)

ROLES = ("agent", "customer", "any")
_PARTIES = ("agent", "customer")
_PER_PARTY = (
    "talk_time_s",
    "talk_ratio",
    "speech_rate",
    "response_latency_s",
    "overtalk_by",
    "loudness_dbfs",
    "peak_dbfs",
    "clipping_ratio",
    "turns",
)
_PER_CALL = (
    "duration_s",
    "talk_ratio_agent",
    "talk_ratio_customer",
    "silence_total_s",
    "longest_silence_s",
    "silences_over_threshold",
    "overtalk_events",
    "overtalk_total_s",
    "customer_sentiment_start",
    "customer_sentiment_end",
    "customer_sentiment_trajectory",
)
FEATURES: tuple[str, ...] = _PER_CALL + tuple(f"{n}.{p}" for n in _PER_PARTY for p in _PARTIES)
METADATA = ("line", "direction", "customer_tier", "agent_team", "agent_id", "language")
WINDOW_UNITS = ("s", "%", "turns")
REACH_UNITS = ("s", "turns")


@dataclass(frozen=True, slots=True)
class Function:
    """A built-in function: its result type and how its arguments are checked."""

    name: str
    returns: str  # "number" or "bool"
    signature: str  # as shown in error messages and docs
    check_args: Callable[[Call, Checker], None]
    doc: str = ""


@dataclass(frozen=True, slots=True)
class Schema:
    features: tuple[str, ...] = FEATURES
    metadata: tuple[str, ...] = METADATA
    roles: tuple[str, ...] = ROLES
    functions: Mapping[str, Function] = field(default_factory=dict)

    def with_function(self, function: Function) -> Schema:
        return dataclasses.replace(self, functions={**self.functions, function.name: function})


@dataclass(frozen=True, slots=True)
class Rule:
    """A checked, compiled condition: picklable, evaluated by `tiexin.rules.evaluate`."""

    source: str
    root: Node


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


class Checker:
    """Walks one parsed condition; holds the source so errors can point into it."""

    def __init__(self, source: str, schema: Schema) -> None:
        self.source = source
        self.schema = schema

    def fail(self, message: str, pos: Pos) -> RuleSyntaxError:
        return RuleSyntaxError(message, pos.line, pos.column, self.source)

    def node(self, node: Node) -> Node:
        if isinstance(node, And):
            return And(tuple(self.node(n) for n in node.items))
        if isinstance(node, Or):
            return Or(tuple(self.node(n) for n in node.items))
        if isinstance(node, Not):
            return Not(self.node(node.item))
        if isinstance(node, Says):
            return self.says(node)
        if isinstance(node, Predicate):
            self.function(node.call, "bool")
            return node
        self.value_test(node)
        return node

    def says(self, node: Says) -> Says:
        if node.role not in self.schema.roles:
            raise self.fail(
                f"unknown role {node.role!r}" + did_you_mean(node.role, self.schema.roles),
                node.pos,
            )
        spec = bind_matcher(node.matcher, self)
        return Says(node.role, spec, tuple(self.window(w) for w in node.windows), node.pos)

    def window(self, window: Window) -> Window:
        if isinstance(window, SpanWindow):
            self.amount(window.span.amount, WINDOW_UNITS)
            return window
        if window.reach is not None:
            self.amount(window.reach, REACH_UNITS)
        return RelativeWindow(window.direction, window.reach, self.node(window.anchor))

    def amount(self, amount: Amount, units: tuple[str, ...]) -> None:
        if amount.unit not in units:
            raise self.fail(
                f"unknown unit {amount.unit!r}; use one of {', '.join(units)}"
                + did_you_mean(amount.unit, units),
                amount.pos,
            )
        if amount.value < 0 or (amount.unit == "%" and amount.value > 100):
            raise self.fail(f"{amount.value:g}{amount.unit} is out of range", amount.pos)

    def operand_type(self, operand: Operand) -> str:
        if isinstance(operand, Call):
            return self.function(operand, "number")
        if operand.name in self.schema.features:
            return "number"
        if operand.name in self.schema.metadata:
            return "text"
        known = (*self.schema.features, *self.schema.metadata)
        raise self.fail(
            f"unknown feature or metadata field {operand.name!r}"
            + did_you_mean(operand.name, known),
            operand.pos,
        )

    def value_test(self, node: Compare | Between | Member) -> None:
        kind = self.operand_type(node.operand)
        name = _describe(node.operand)
        if isinstance(node, Between):
            if kind != "number":
                raise self.fail(f"{name} is text; 'between' needs a number", node.pos)
            return
        values = (node.value,) if isinstance(node, Compare) else node.values
        for value in values:
            if (kind == "number") != isinstance(value, float):
                want = "a number" if kind == "number" else "a quoted text"
                raise self.fail(f"{name} is compared with {value!r}; it needs {want}", node.pos)
        if isinstance(node, Compare) and kind == "text" and node.op not in ("==", "!="):
            raise self.fail(f"{name} is text; only == and != apply", node.pos)

    def function(self, call: Call, wanted: str) -> str:
        function = self.schema.functions.get(call.name)
        if function is None:
            known = list(self.schema.functions) + list(MATCHERS)
            if call.name in MATCHERS:
                raise self.fail(
                    f"{call.name}(...) is a phrase matcher; use it after 'says'", call.pos
                )
            raise self.fail(
                f"unknown function {call.name!r}" + did_you_mean(call.name, known), call.pos
            )
        if function.returns != wanted:
            use = "as a condition" if function.returns == "bool" else "in a comparison"
            raise self.fail(
                f"{function.signature} gives a {function.returns}; use it {use}", call.pos
            )
        function.check_args(call, self)
        return function.returns


def _describe(operand: Operand) -> str:
    return operand.name if isinstance(operand, Path) else f"{operand.name}(...)"


# --- argument helpers shared by matchers and functions ---------------------------------------


def _positional(call: Call) -> list[Arg]:
    return [a for a in call.args if not isinstance(a, Keyword | Flag)]


def _strings(call: Call, checker: Checker, args: list[Arg], minimum: int = 1) -> tuple[str, ...]:
    if len(args) < minimum or not all(isinstance(a, str) for a in args):
        raise checker.fail(f"{call.name}(...) needs at least {minimum} quoted phrase(s)", call.pos)
    return tuple(str(a) for a in args)


def _options(call: Call, checker: Checker, allowed: tuple[str, ...]) -> dict[str, Arg]:
    """Keyword arguments and flags by name; anything not in `allowed` is an error."""
    found: dict[str, Arg] = {}
    for arg in call.args:
        if isinstance(arg, Keyword | Flag):
            if arg.name not in allowed:
                hint = (
                    did_you_mean(arg.name, allowed) or f"; {call.name} accepts {allowed or 'none'}"
                )
                raise checker.fail(f"unknown option {arg.name!r} for {call.name}{hint}", arg.pos)
            found[arg.name] = arg.value if isinstance(arg, Keyword) else True
    return found


def _bind_phrases(call: Call, checker: Checker) -> matching.MatcherSpec:
    _options(call, checker, ())
    args = _positional(call)
    if call.name != "at_least":
        return matching.PhraseSet(call.name, _strings(call, checker, args))
    if not args or not isinstance(args[0], float) or args[0] < 1 or args[0] != int(args[0]):
        raise checker.fail("at_least(n, ...) needs a whole number n >= 1 first", call.pos)
    phrases = _strings(call, checker, args[1:], minimum=int(args[0]))
    return matching.PhraseSet("at_least", phrases, int(args[0]))


def _bind_near(call: Call, checker: Checker) -> matching.MatcherSpec:
    options = _options(call, checker, ("within", "ordered"))
    first, second = _strings(call, checker, _positional(call), minimum=2)[:2]
    within = options.get("within")
    if not isinstance(within, Amount):
        raise checker.fail("near(...) needs within=N chars or within=N words", call.pos)
    checker.amount(within, ("chars", "words"))
    ordered = options.get("ordered") is True
    return matching.Near(first, second, int(within.value), within.unit, ordered)


def _bind_regex(call: Call, checker: Checker) -> matching.MatcherSpec:
    _options(call, checker, ())
    regex = call.args[0] if len(call.args) == 1 else None
    if not isinstance(regex, Regex):
        raise checker.fail("matches(...) needs one /regular expression/", call.pos)
    try:
        matching.compile_regex(regex.pattern, regex.flags)
    except re.error as err:
        raise checker.fail(f"invalid regular expression: {err}", regex.pos) from None
    return matching.Pattern(regex.pattern, regex.flags)


def _bind_sounds(call: Call, checker: Checker) -> matching.MatcherSpec:
    options = _options(call, checker, ("loose",))
    phrases = _strings(call, checker, _positional(call))
    return matching.sounds_like(phrases, loose=options.get("loose") is True)


def _bind_similar(call: Call, checker: Checker) -> matching.MatcherSpec:
    options = _options(call, checker, ("threshold",))
    examples = _strings(call, checker, _positional(call))
    threshold = options.get("threshold", 0.9)
    if not isinstance(threshold, float) or not 0.0 < threshold <= 1.0:
        raise checker.fail("similar_to(...) needs threshold= a number in (0, 1]", call.pos)
    return matching.SimilarTo(examples, threshold)


MATCHERS: dict[str, Callable[[Call, Checker], matching.MatcherSpec]] = {
    "any": _bind_phrases,
    "all": _bind_phrases,
    "at_least": _bind_phrases,
    "none": _bind_phrases,
    "near": _bind_near,
    "matches": _bind_regex,
    "sounds_like": _bind_sounds,
    "similar_to": _bind_similar,
}


def bind_matcher(call: Call, checker: Checker) -> matching.MatcherSpec:
    binder = MATCHERS.get(call.name)
    if binder is None:
        raise checker.fail(
            f"unknown phrase matcher {call.name!r}" + did_you_mean(call.name, MATCHERS), call.pos
        )
    return binder(call, checker)


def _check_sentiment(call: Call, checker: Checker) -> None:
    args = list(call.args)
    if not args or not isinstance(args[0], Flag) or args[0].name not in checker.schema.roles:
        name = args[0].name if args and isinstance(args[0], Flag) else ""
        raise checker.fail(
            "sentiment(role[, first|last N s|%|turns]) needs a role first"
            + did_you_mean(name, checker.schema.roles),
            call.pos,
        )
    if len(args) > 2 or (len(args) == 2 and not isinstance(args[1], Span)):
        raise checker.fail(
            "sentiment's second argument is a window such as 'last 2 turns'", call.pos
        )
    if len(args) == 2 and isinstance(args[1], Span):
        checker.amount(args[1].amount, WINDOW_UNITS)


def _no_args(call: Call, checker: Checker) -> None:
    if call.args:
        raise checker.fail(f"{call.name}() takes no arguments", call.pos)


SENTIMENT = Function(
    "sentiment",
    "number",
    "sentiment(role[, window])",
    _check_sentiment,
    "mean sentiment in [-1, 1] of the role's scored turns, optionally in a window",
)
PLAN_FACTS_WRONG = Function(
    "plan_facts_wrong",
    "bool",
    "plan_facts_wrong()",
    _no_args,
    "the agent stated plan facts that contradict the tariff catalogue (implementation injected)",
)
PLAN_FACTS_STATED = Function(
    "plan_facts_stated",
    "bool",
    "plan_facts_stated()",
    _no_args,
    "the agent stated figures of a catalogue plan (implementation injected)",
)
CARE_OPPORTUNITIES = Function(
    "care_opportunities",
    "bool",
    "care_opportunities()",
    _no_args,
    "the customer had open care tasks when the call started (implementation injected)",
)
CARE_OFFER_RAISED = Function(
    "care_offer_raised",
    "bool",
    "care_offer_raised()",
    _no_args,
    "the agent raised one of the customer's open care tasks (implementation injected)",
)
DEFAULT_SCHEMA = (
    Schema()
    .with_function(SENTIMENT)
    .with_function(PLAN_FACTS_WRONG)
    .with_function(PLAN_FACTS_STATED)
    .with_function(CARE_OPPORTUNITIES)
    .with_function(CARE_OFFER_RAISED)
)


def compile_rule(source: str, schema: Schema = DEFAULT_SCHEMA) -> Rule:
    """Parse and check a condition; raise `RuleSyntaxError` (line, column, hint) if it is wrong."""
    return Rule(source, Checker(source, schema).node(parse(source)))
