"""Evaluate a compiled condition over one call: whether it holds, the evidence, one sentence.

Turn windows (``in first 2 turns``) count the scoped role's own turns; ``within N turns
after X`` counts turns of either party after each of X's hits; ``after X`` / ``before X`` reach
from X's first hit to the end / start of the call (``before X`` is the whole call when X never
happens, so "an account action before verification" also catches a call never verified).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from tiexin.domain.calls import CallFeatures, Role, Turn
from tiexin.rules import matching
from tiexin.rules.checker import Rule
from tiexin.rules.language import (
    And,
    Arg,
    Between,
    Call,
    Compare,
    Flag,
    Member,
    Node,
    Not,
    Operand,
    Or,
    Path,
    Predicate,
    RelativeWindow,
    Says,
    Span,
    SpanWindow,
)
from tiexin.rules.similarity import SentenceEncoder, SimilarityCache


@dataclass(frozen=True, slots=True)
class CallView:
    """What a rule sees of a call: its turns, measurements and metadata."""

    turns: tuple[Turn, ...]
    features: CallFeatures
    metadata: Mapping[str, str] = field(default_factory=dict)
    role_confidence: float = 1.0  # below 1 when roles came from speaker separation


@dataclass(frozen=True, slots=True)
class Evidence:
    """A turn and the text matched in it, or a feature and its value."""

    turn: int | None = None
    start_s: float | None = None
    end_s: float | None = None
    text: str = ""
    feature: str | None = None
    value: float | str | None = None

    def to_dict(self) -> dict[str, object]:
        return {k: v for k, v in _evidence_items(self) if v is not None and v != ""}


def _evidence_items(e: Evidence) -> list[tuple[str, object]]:
    return [
        ("turn", e.turn),
        ("start_s", e.start_s),
        ("end_s", e.end_s),
        ("text", e.text),
        ("feature", e.feature),
        ("value", e.value),
    ]


@dataclass(frozen=True, slots=True)
class Result:
    holds: bool
    evidence: tuple[Evidence, ...]
    explanation: str


@dataclass(frozen=True, slots=True)
class Measured:
    """What a number-valued function returns: its value (None if unknown) and evidence."""

    value: float | None
    evidence: tuple[Evidence, ...] = ()


class UnavailableError(RuntimeError):
    """The condition needs something this evaluation was not given (encoder, built-in)."""


BuiltinImpl = Callable[[CallView, tuple[Arg, ...]], "Result | Measured"]


class Context:
    """Per-call evaluation state: caches folded text, pinyin and embeddings across rules."""

    def __init__(
        self,
        call: CallView,
        *,
        encoder: SentenceEncoder | None = None,
        functions: Mapping[str, BuiltinImpl] | None = None,
    ) -> None:
        self.call = call
        self.texts = [matching.TurnText(t.text) for t in call.turns]
        self.similarity = SimilarityCache(encoder)
        self.functions: dict[str, BuiltinImpl] = {"sentiment": _sentiment, **(functions or {})}

    @property
    def duration_s(self) -> float:
        ends = (t.end_s for t in self.call.turns)
        return self.call.features.duration_s or max(ends, default=0.0)


def evaluate(
    rule: Rule,
    call: CallView | Context,
    *,
    encoder: SentenceEncoder | None = None,
    functions: Mapping[str, BuiltinImpl] | None = None,
) -> Result:
    """Evaluate a rule; pass a `Context` to share caches when evaluating many rules on a call."""
    context = (
        call if isinstance(call, Context) else Context(call, encoder=encoder, functions=functions)
    )
    return _node(rule.root, context)


def _node(node: Node, ctx: Context) -> Result:
    if isinstance(node, And):
        return _all([_node(n, ctx) for n in node.items])
    if isinstance(node, Or):
        return _any([_node(n, ctx) for n in node.items])
    if isinstance(node, Not):
        inner = _node(node.item, ctx)
        return Result(not inner.holds, inner.evidence, inner.explanation)
    if isinstance(node, Says):
        return _says(node, ctx)
    if isinstance(node, Predicate):
        return _predicate(node.call, ctx)
    return _value_test(node, ctx)


def _all(results: list[Result]) -> Result:
    failed = next((r for r in results if not r.holds), None)
    if failed is not None:  # the first false part decides, and explains
        return Result(False, failed.evidence, failed.explanation)
    return Result(True, _merged(results), "; ".join(r.explanation for r in results))


def _any(results: list[Result]) -> Result:
    passed = next((r for r in results if r.holds), None)
    if passed is not None:
        return passed
    return Result(False, _merged(results), "; ".join(r.explanation for r in results))


def _merged(results: Sequence[Result]) -> tuple[Evidence, ...]:
    return tuple(dict.fromkeys(e for r in results for e in r.evidence))


# --- phrase conditions ------------------------------------------------------------------------

_ROLE_WORD = {"agent": "the agent", "customer": "the customer", "any": "someone"}


def _role_turns(role: str, turns: Sequence[Turn]) -> list[int]:
    return [i for i, t in enumerate(turns) if role == "any" or t.role is Role(role)]


def _span_filter(indices: list[int], span: Span, ctx: Context) -> list[int]:
    amount, turns = span.amount, ctx.call.turns
    if amount.unit == "turns":
        count = int(amount.value)
        return indices[:count] if span.edge == "first" else indices[len(indices) - count :]
    reach = amount.value if amount.unit == "s" else ctx.duration_s * amount.value / 100.0
    if span.edge == "first":
        return [i for i in indices if turns[i].start_s < reach]
    return [i for i in indices if turns[i].end_s > ctx.duration_s - reach]


def _relative_filter(indices: list[int], window: RelativeWindow, ctx: Context) -> list[int]:
    anchors = sorted({e.turn for e in _node(window.anchor, ctx).evidence if e.turn is not None})
    after = window.direction == "after"
    if window.reach is None:
        if not anchors:
            return [] if after else indices
        return [i for i in indices if (i > anchors[0] if after else i < anchors[0])]
    reach, by_turns = window.reach.value, window.reach.unit == "turns"
    turns = ctx.call.turns

    def close(i: int, a: int) -> bool:
        if by_turns:
            return 0 < (i - a if after else a - i) <= reach
        if after:
            return i > a and turns[i].start_s - turns[a].end_s <= reach
        return i < a and turns[a].start_s - turns[i].end_s <= reach

    return [i for i in indices if any(close(i, a) for a in anchors)]


def _scoped(node: Says, ctx: Context) -> list[int]:
    indices = _role_turns(node.role, ctx.call.turns)
    for window in node.windows:
        if isinstance(window, SpanWindow):
            indices = _span_filter(indices, window.span, ctx)
        else:
            indices = _relative_filter(indices, window, ctx)
    return indices


def _turn_evidence(ctx: Context, index: int, text: str) -> Evidence:
    turn = ctx.call.turns[index]
    return Evidence(turn=index, start_s=turn.start_s, end_s=turn.end_s, text=text)


def _quoted(phrases: Sequence[str]) -> str:
    return "、".join(f"“{p}”" for p in phrases)


def _where(evidence: Sequence[Evidence]) -> str:
    first = evidence[0]
    return f"“{first.text}” (turn {first.turn}, {first.start_s:.1f}s)"


def _says(node: Says, ctx: Context) -> Result:
    spec: matching.MatcherSpec = node.matcher
    indices = _scoped(node, ctx)
    who = _ROLE_WORD[node.role]
    if isinstance(spec, matching.PhraseSet):
        return _phrase_set(spec, indices, ctx, who)
    if isinstance(spec, matching.SimilarTo):
        return _similar(spec, indices, ctx, who)
    evidence = tuple(
        _turn_evidence(ctx, i, hit.text)
        for i in indices
        for hit in matching.find_spec(spec, ctx.texts[i])
    )
    what = _describe_spec(spec)
    if evidence:
        return Result(True, evidence, f"{who} said {what}: {_where(evidence)}")
    return Result(False, (), f"{who} never said {what}")


def _describe_spec(spec: matching.Near | matching.Pattern | matching.SoundsLike) -> str:
    if isinstance(spec, matching.Near):
        order = ", in that order" if spec.ordered else ""
        return f"“{spec.first}” near “{spec.second}” (within {spec.within} {spec.unit}{order})"
    if isinstance(spec, matching.Pattern):
        return f"text matching /{spec.pattern}/"
    return f"something sounding like {_quoted(spec.phrases)}"


def _phrase_set(spec: matching.PhraseSet, indices: list[int], ctx: Context, who: str) -> Result:
    found: dict[str, list[Evidence]] = {}
    for phrase in spec.phrases:
        for i in indices:
            for hit in ctx.texts[i].phrase(phrase):
                found.setdefault(phrase, []).append(_turn_evidence(ctx, i, hit.text))
    evidence = tuple(e for p in spec.phrases for e in found.get(p, []))
    missing = [p for p in spec.phrases if p not in found]
    if spec.mode == "none":
        if evidence:
            return Result(False, evidence, f"{who} said {_where(evidence)}")
        return Result(True, (), f"{who} said none of {_quoted(spec.phrases)}")
    needed = {"any": 1, "all": len(spec.phrases), "at_least": spec.count}[spec.mode]
    if len(found) >= needed:
        return Result(True, evidence, f"{who} said {_quoted(list(found))}: {_where(evidence)}")
    if not found:
        return Result(False, (), f"{who} never said {_quoted(spec.phrases)}")
    return Result(False, evidence, f"{who} said {_quoted(list(found))} but not {_quoted(missing)}")


def _similar(spec: matching.SimilarTo, indices: list[int], ctx: Context, who: str) -> Result:
    candidates = [(i, s.text) for i in indices for s in matching.sentences(ctx.call.turns[i].text)]
    scores = ctx.similarity.best([text for _, text in candidates], spec.examples)
    ranked = sorted(zip(scores, candidates, strict=True), key=lambda pair: -pair[0])
    evidence = tuple(
        _turn_evidence(ctx, i, text) for score, (i, text) in ranked if score >= spec.threshold
    )
    best = f"{ranked[0][0]:.2f}" if ranked else "n/a"
    if evidence:
        return Result(
            True,
            evidence,
            f"{who} said something like {_quoted(spec.examples)}: "
            f"{_where(evidence)}, similarity {best}",
        )
    return Result(
        False,
        (),
        f"{who} said nothing like {_quoted(spec.examples)} "
        f"(best similarity {best} < {spec.threshold:g})",
    )


# --- features, metadata and functions -------------------------------------------------------


def _party(values: Mapping[str, float | None], party: str) -> float | None:
    return values.get(party)


def _level(features: CallFeatures, party: str, attribute: str) -> float | None:
    levels = [getattr(c, attribute) for c in features.channel_levels if c.role.value == party]
    return float(max(levels)) if levels else None


def _per_party(name: str, party: str, call: CallView) -> float | None:
    f = call.features
    if name in ("talk_time_s", "talk_ratio", "speech_rate", "response_latency_s"):
        return _party(getattr(f, name), party)
    if name == "overtalk_by":
        return float(sum(e.interrupter.value == party for e in f.overtalk_events))
    if name == "turns":
        return float(sum(t.role.value == party for t in call.turns))
    attribute = {"loudness_dbfs": "rms_dbfs"}.get(name, name)
    return _level(f, party, attribute)


_PER_CALL: dict[str, Callable[[CallFeatures], float | None]] = {
    "duration_s": lambda f: f.duration_s,
    "talk_ratio_agent": lambda f: f.talk_ratio.get("agent", 0.0),
    "talk_ratio_customer": lambda f: f.talk_ratio.get("customer", 0.0),
    "silence_total_s": lambda f: f.silence_total_s,
    "longest_silence_s": lambda f: f.longest_silence_s,
    "silences_over_threshold": lambda f: float(len(f.silences_over_threshold)),
    "overtalk_events": lambda f: float(len(f.overtalk_events)),
    "overtalk_total_s": lambda f: f.extra.get("overtalk_total_s", 0.0),
    "customer_sentiment_start": lambda f: f.customer_sentiment_start,
    "customer_sentiment_end": lambda f: f.customer_sentiment_end,
    "customer_sentiment_trajectory": lambda f: f.customer_sentiment_trajectory,
}


def feature_value(name: str, call: CallView) -> float | None:
    """The value of a schema feature (see `tiexin.rules.checker.FEATURES`)."""
    if name in _PER_CALL:
        value = _PER_CALL[name](call.features)
        return None if value is None else float(value)
    base, _, party = name.partition(".")
    return _per_party(base, party, call)


def _feature_evidence(name: str, value: float | str | None, call: CallView) -> tuple[Evidence, ...]:
    """The feature itself, plus where it happened when the feature is made of events."""
    f = call.features
    events: list[tuple[float, float]] = []
    if name == "longest_silence_s" and isinstance(value, float):
        events = [(s.start_s, s.end_s) for s in f.silences_over_threshold if s.duration_s >= value]
    elif name.startswith("overtalk"):
        events = [(e.start_s, e.end_s) for e in f.overtalk_events]
    located = tuple(Evidence(start_s=a, end_s=b, feature=name) for a, b in events)
    return (Evidence(feature=name, value=value), *located)


def _operand(operand: Operand, ctx: Context) -> tuple[float | str | None, tuple[Evidence, ...]]:
    if isinstance(operand, Call):
        outcome = _function(operand, ctx)
        if not isinstance(outcome, Measured):
            raise TypeError(f"{operand.name} must return a number")
        return outcome.value, outcome.evidence
    name = operand.name
    if "." not in name and name not in _PER_CALL:  # the checker allowed it: metadata
        value: float | str | None = ctx.call.metadata.get(name)
    else:
        value = feature_value(name, ctx.call)
    return value, _feature_evidence(name, value, ctx.call)


_OPS: dict[str, Callable[[float | str, float | str], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,  # type: ignore[operator]
    "<=": lambda a, b: a <= b,  # type: ignore[operator]
    ">": lambda a, b: a > b,  # type: ignore[operator]
    ">=": lambda a, b: a >= b,  # type: ignore[operator]
}


def _show(value: float | str) -> str:
    return f"{value:g}" if isinstance(value, float) else f"“{value}”"


def _value_test(node: Compare | Between | Member, ctx: Context) -> Result:
    name = node.operand.name if isinstance(node.operand, Path) else f"{node.operand.name}(...)"
    value, evidence = _operand(node.operand, ctx)
    if value is None:
        return Result(False, evidence, f"{name} is not available for this call")
    if isinstance(node, Compare):
        holds = _OPS[node.op](value, node.value)
        test = f"{node.op} {_show(node.value)}"
    elif isinstance(node, Between):
        holds = isinstance(value, float) and node.low <= value <= node.high
        test = f"between {node.low:g} and {node.high:g}"
    else:
        holds = (value in node.values) != node.negated
        test = f"{'not ' if node.negated else ''}in ({', '.join(_show(v) for v in node.values)})"
    verdict = "" if holds else "not "
    return Result(holds, evidence, f"{name} is {_show(value)}, {verdict}{test}")


def _function(call: Call, ctx: Context) -> Result | Measured:
    impl = ctx.functions.get(call.name)
    if impl is None:
        raise UnavailableError(f"{call.name}() has no implementation in this evaluation")
    return impl(ctx.call, call.args)


def _predicate(call: Call, ctx: Context) -> Result:
    outcome = _function(call, ctx)
    if not isinstance(outcome, Result):
        raise TypeError(f"{call.name} must return a condition result")
    return outcome


def _sentiment(call: CallView, args: tuple[Arg, ...]) -> Measured:
    """Mean per-turn sentiment of a role, optionally within a window; None if nothing scored."""
    role = args[0].name if isinstance(args[0], Flag) else "customer"
    ctx = Context(call)
    indices = _role_turns(role, call.turns)
    if len(args) > 1 and isinstance(args[1], Span):
        indices = _span_filter(indices, args[1], ctx)
    measures = call.features.turn_measures
    scored = [
        (i, score)
        for i in indices
        if i < len(measures) and (score := measures[i].sentiment) is not None
    ]
    if not scored:
        return Measured(None)
    evidence = tuple(
        Evidence(
            turn=i,
            start_s=call.turns[i].start_s,
            end_s=call.turns[i].end_s,
            text=call.turns[i].text,
            feature="sentiment",
            value=round(score, 3),
        )
        for i, score in scored
    )
    return Measured(sum(score for _, score in scored) / len(scored), evidence)
