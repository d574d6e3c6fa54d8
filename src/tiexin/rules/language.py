"""The condition language: grammar, syntax tree and parser.

A condition is text such as ``agent says any("您好", "你好") in first 2 turns and
longest_silence_s <= 10``. `parse` turns it into a tree of frozen dataclasses (picklable, so a
compiled rule can travel to worker processes); `tiexin.rules.checker` then checks every name in
it against the schema. Nothing here evaluates text: the grammar is parsed by lark's LALR parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from lark.tree import Meta

GRAMMAR = r"""
?start: or_expr

?or_expr: and_expr ("or" and_expr)*
?and_expr: not_expr ("and" not_expr)*
?not_expr: "not" not_expr -> negation
         | atom

?atom: "(" or_expr ")"
     | says
     | operand COMPARE literal -> comparison
     | operand "between" NUMBER "and" NUMBER -> between
     | operand "in" "(" literal ("," literal)* ","? ")" -> member
     | operand "not" "in" "(" literal ("," literal)* ","? ")" -> not_member
     | call -> predicate

says: NAME "says" matcher window*
?matcher: call
        | STRING -> bare_phrase

window: "in" EDGE amount -> span_window
      | "within" amount DIRECTION anchor -> near_window
      | DIRECTION anchor -> side_window
?anchor: says
       | "(" or_expr ")"

?operand: path | call
path: NAME ("." NAME)*
call: NAME "(" [arg ("," arg)*] ")"

?arg: literal
    | REGEX -> regex
    | amount
    | EDGE amount -> span
    | NAME "=" arg -> keyword
    | NAME -> flag

amount: NUMBER (NAME | PERCENT)
?literal: STRING -> string
        | NUMBER -> number

EDGE.2: "first" | "last"
DIRECTION.2: "after" | "before"
COMPARE: "==" | "!=" | "<=" | ">=" | "<" | ">"
PERCENT: "%"
NUMBER: /-?\d+(\.\d+)?/
STRING: /"(\\.|[^"\\\n])*"/ | /'(\\.|[^'\\\n])*'/
REGEX: /\/(\\.|[^\/\\\n])+\/[imsx]*/
NAME: /[A-Za-z_][A-Za-z0-9_]*/
COMMENT: /#[^\n]*/

%import common.WS
%ignore WS
%ignore COMMENT
"""


@dataclass(frozen=True, slots=True)
class Pos:
    """Where a construct starts in the condition text (1-based)."""

    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Amount:
    """A number with its unit: ``30 s``, ``20 %``, ``2 turns``, ``10 chars``."""

    value: float
    unit: str
    pos: Pos


@dataclass(frozen=True, slots=True)
class Span:
    """``first 30s`` / ``last 2 turns``: a stretch at one edge of the call."""

    edge: str  # "first" or "last"
    amount: Amount


@dataclass(frozen=True, slots=True)
class Regex:
    pattern: str
    flags: str
    pos: Pos


@dataclass(frozen=True, slots=True)
class Flag:
    """A bare name given as an argument: a role (``customer``) or an option (``ordered``)."""

    name: str
    pos: Pos


@dataclass(frozen=True, slots=True)
class Keyword:
    name: str
    value: Arg
    pos: Pos


Literal = str | float
Arg = Literal | Regex | Amount | Span | Flag | Keyword


@dataclass(frozen=True, slots=True)
class Call:
    """``name(arg, ...)``: a phrase matcher after ``says``, or a built-in function."""

    name: str
    args: tuple[Arg, ...]
    pos: Pos


@dataclass(frozen=True, slots=True)
class Path:
    """A feature or metadata name, dotted for per-role values: ``speech_rate.agent``."""

    parts: tuple[str, ...]
    pos: Pos

    @property
    def name(self) -> str:
        return ".".join(self.parts)


Operand = Path | Call


@dataclass(frozen=True, slots=True)
class SpanWindow:
    span: Span


@dataclass(frozen=True, slots=True)
class RelativeWindow:
    """``within 2 turns after <anchor>``; without ``within`` it reaches to the call's edge."""

    direction: str  # "after" or "before"
    reach: Amount | None
    anchor: Node


Window = SpanWindow | RelativeWindow


@dataclass(frozen=True, slots=True)
class Says:
    """``<role> says <matcher> <windows>``; the checker replaces `matcher` by its bound spec."""

    role: str
    matcher: Any  # Call when parsed, a `tiexin.rules.matching.MatcherSpec` once checked
    windows: tuple[Window, ...]
    pos: Pos


@dataclass(frozen=True, slots=True)
class Compare:
    operand: Operand
    op: str
    value: Literal
    pos: Pos


@dataclass(frozen=True, slots=True)
class Between:
    operand: Operand
    low: float
    high: float
    pos: Pos


@dataclass(frozen=True, slots=True)
class Member:
    operand: Operand
    values: tuple[Literal, ...]
    negated: bool
    pos: Pos


@dataclass(frozen=True, slots=True)
class Predicate:
    """A built-in function that is itself a condition, e.g. ``plan_facts_wrong()``."""

    call: Call


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    item: Node


Node = And | Or | Not | Says | Compare | Between | Member | Predicate


class RuleSyntaxError(ValueError):
    """A condition that cannot be parsed or checked; carries its 1-based line and column."""

    def __init__(self, message: str, line: int, column: int, source: str = "") -> None:
        self.message = message
        self.line = line
        self.column = column
        self.source = source
        super().__init__(f"line {line}, column {column}: {message}{_pointer(source, line, column)}")


def _pointer(source: str, line: int, column: int) -> str:
    lines = source.splitlines()
    if not 1 <= line <= len(lines):
        return ""
    return f"\n    {lines[line - 1]}\n    {' ' * (column - 1)}^"


_ESCAPE = re.compile(r"\\(.)")
_ESCAPES = {"n": "\n", "t": "\t"}


def _unquote(token: str) -> str:
    return _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(1)), token[1:-1])


def _pos(meta: Meta) -> Pos:
    return Pos(meta.line, meta.column)


def _tok_pos(token: Token) -> Pos:
    return Pos(token.line or 1, token.column or 1)


@v_args(meta=True)
class _ToAst(Transformer[Token, Node]):
    """Builds the dataclass tree; one method per named grammar rule."""

    def or_expr(self, meta: Meta, items: list[Node]) -> Node:
        return Or(tuple(items))

    def and_expr(self, meta: Meta, items: list[Node]) -> Node:
        return And(tuple(items))

    def negation(self, meta: Meta, items: list[Node]) -> Node:
        return Not(items[0])

    def says(self, meta: Meta, items: list[Any]) -> Says:
        role, matcher, *windows = items
        return Says(str(role), matcher, tuple(windows), _pos(meta))

    def bare_phrase(self, meta: Meta, items: list[Token]) -> Call:
        return Call("any", (_unquote(items[0]),), _tok_pos(items[0]))

    def span_window(self, meta: Meta, items: list[Any]) -> SpanWindow:
        return SpanWindow(Span(str(items[0]), items[1]))

    def near_window(self, meta: Meta, items: list[Any]) -> RelativeWindow:
        return RelativeWindow(str(items[1]), items[0], items[2])

    def side_window(self, meta: Meta, items: list[Any]) -> RelativeWindow:
        return RelativeWindow(str(items[0]), None, items[1])

    def comparison(self, meta: Meta, items: list[Any]) -> Compare:
        return Compare(items[0], str(items[1]), items[2], _pos(meta))

    def between(self, meta: Meta, items: list[Any]) -> Between:
        return Between(items[0], float(items[1]), float(items[2]), _pos(meta))

    def member(self, meta: Meta, items: list[Any]) -> Member:
        return Member(items[0], tuple(items[1:]), False, _pos(meta))

    def not_member(self, meta: Meta, items: list[Any]) -> Member:
        return Member(items[0], tuple(items[1:]), True, _pos(meta))

    def predicate(self, meta: Meta, items: list[Call]) -> Predicate:
        return Predicate(items[0])

    def path(self, meta: Meta, items: list[Token]) -> Path:
        return Path(tuple(str(t) for t in items), _pos(meta))

    def call(self, meta: Meta, items: list[Any]) -> Call:
        name, *args = items
        return Call(str(name), tuple(a for a in args if a is not None), _tok_pos(name))

    def regex(self, meta: Meta, items: list[Token]) -> Regex:
        body, _, flags = str(items[0])[1:].rpartition("/")
        return Regex(body.replace("\\/", "/"), flags, _tok_pos(items[0]))

    def span(self, meta: Meta, items: list[Any]) -> Span:
        return Span(str(items[0]), items[1])

    def keyword(self, meta: Meta, items: list[Any]) -> Keyword:
        return Keyword(str(items[0]), items[1], _tok_pos(items[0]))

    def flag(self, meta: Meta, items: list[Token]) -> Flag:
        return Flag(str(items[0]), _tok_pos(items[0]))

    def amount(self, meta: Meta, items: list[Token]) -> Amount:
        return Amount(float(items[0]), str(items[1]), _tok_pos(items[0]))

    def string(self, meta: Meta, items: list[Token]) -> str:
        return _unquote(items[0])

    def number(self, meta: Meta, items: list[Token]) -> float:
        return float(items[0])


@lru_cache(maxsize=1)
def _parser() -> Lark:
    return Lark(GRAMMAR, parser="lalr", propagate_positions=True, maybe_placeholders=True)


# Token names lark reports, as a rule author would write them.
_READABLE = {
    "LPAR": "'('",
    "RPAR": "')'",
    "COMMA": "','",
    "DOT": "'.'",
    "EQUAL": "'='",
    "NAME": "a name",
    "STRING": "a quoted phrase",
    "NUMBER": "a number",
    "REGEX": "a /regular expression/",
    "COMPARE": "a comparison (== != < <= > >=)",
    "EDGE": "'first' or 'last'",
    "DIRECTION": "'after' or 'before'",
    "PERCENT": "'%'",
}


def _expected(names: set[str]) -> str:
    readable = sorted({_READABLE.get(n, repr(n.lower())) for n in names if not n.startswith("_")})
    return ", ".join(readable)


def _end_of(source: str) -> tuple[int, int]:
    """Line and column just after the last non-blank character."""
    lines = source.rstrip().splitlines()
    return len(lines), len(lines[-1]) + 1


def _syntax_error(err: UnexpectedInput, source: str) -> RuleSyntaxError:
    line, column = max(err.line, 1), max(err.column, 1)
    at_end = isinstance(err, UnexpectedEOF) or (
        isinstance(err, UnexpectedToken) and err.token.type == "$END"
    )
    if at_end:  # lark points at the last token; the author needs to look after it
        line, column = _end_of(source)
    if isinstance(err, UnexpectedEOF):
        message = f"the condition ends too early; expected {_expected(set(err.expected))}"
    elif isinstance(err, UnexpectedToken):
        found = "the end" if err.token.type == "$END" else repr(str(err.token))
        message = f"unexpected {found}; expected {_expected(set(err.accepts or err.expected))}"
    elif isinstance(err, UnexpectedCharacters):
        message = f"unexpected character {source.splitlines()[line - 1][column - 1]!r}"
    else:
        message = str(err)
    return RuleSyntaxError(message, line, column, source)


def parse(source: str) -> Node:
    """Parse a condition; raise `RuleSyntaxError` with line and column when it is malformed."""
    if not source.strip():
        raise RuleSyntaxError("the condition is empty", 1, 1, source)
    try:
        tree = _parser().parse(source)
    except UnexpectedInput as err:
        raise _syntax_error(err, source) from None
    node: Node = _ToAst().transform(tree)
    return node
