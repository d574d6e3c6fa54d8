"""Business proficiency: check the plan figures an agent states against the tariff catalogue.

Reads the agent's turns sentence by sentence. A plan is mentioned by name or alias (matched on
toneless pinyin, so ASR homophones such as 尊象/流量唱响 still match), or by its fee before
套餐/plan ("八十八元套餐", "88元套餐", "Premier 88"), where a near-homophone family name
(分享 for 尊享) only helps choose between plans. Figures that follow belong to the most recently
mentioned plan, which stays in force into the next agent turn. A figure counts as a plan fact
only when nothing says it is something else: hedged amounts (大概, 多, 左右, about), usage (用了,
还剩, you use), savings and bills (省, 扣, 话费), add-ons (流量包, 宽带) are skipped, and a yuan
amount needs a monthly-fee cue (月费, 每月, a month) or a rate (每个G三块钱, per minute).
Pure: standard library, pypinyin and the domain.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pypinyin import Style, lazy_pinyin

from tiexin.domain.catalog import Catalog, Plan, PlanField
from tiexin.rules.numbers import NumberSpan, Quantity, Unit, find_numbers, find_quantities

AgentTurnText = tuple[int, float, float, str]
"""(turn index in the call, start_s, end_s, text) of one agent turn."""

# the plan named in one agent turn is still "this plan" in the next one, not later
CONTEXT_TURNS = 1
# share of a family name's syllables that must match before a fee to name a plan without 套餐
FAMILY_MATCH = 0.5
ENGLISH_FAMILY_MATCH = 0.75
TOLERANCE = 0.005  # yuan and GB are compared to the cent

_SENTENCE = re.compile(r"(?:[^。！？!?；;.]|\.(?=\d))+(?:[。！？!?；;]|\.(?!\d))?")
_CLAUSE_BREAK = re.compile(r"[，、：:]|,(?!\d{3})")
_PLAN_WORD = re.compile(r"\s*的?\s*(?:套[餐参惨残]|plan\b|package\b|tariff\b)", re.IGNORECASE)
_FEE_UNIT = re.compile(r"\s*(?:元|块钱?|圆|yuan\b)", re.IGNORECASE)
_LATIN = re.compile(r"[a-z]+")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_NAME_NOISE = re.compile(r"\d+(?:\.\d+)?\s*(?:元|yuan)?|套餐|\bplan\b", re.IGNORECASE)

_OTHER_PRODUCT = re.compile(
    r"流量包|加油包|叠加包|宽带|带宽|亲情号|副卡|会员|积分|话费|余额|额度|账单|充值|电影票|违约金|"
    r"押金|优惠券|broadband|internet|balance|credit|bill|top.?up|points|refund|voucher",
    re.IGNORECASE,
)
_USAGE = re.compile(
    r"用了|(?<![费够])用(?!户)|打了|打(?!折)|剩|超了|超出了|扣|花了|省|欠|多了|加(?!入)|"
    r"\b(?:use[sd]?|using|left|remaining|spen[dt]|sav(?:e|es|ing)|owe|paid|pay)\b",
    re.IGNORECASE,
)
_FEE_BEFORE = re.compile(
    r"(?:月费|月租费?|每月|每个月|一个月|包月|\bcosts?|\bfor|\bpriced at|\bfee is|\bfee of)"
    r"(?:是|为|要|只要|仅|只需|\s)*$",
    re.IGNORECASE,
)
_FEE_AFTER = re.compile(
    r"\s*钱?\s*(?:一个月|每月|每个月|/月|包月|a month|per month|monthly|every month|each month)",
    re.IGNORECASE,
)
_GB_WORD = r"(?:个?(?:GB|G|吉|机|级|斤|鸡)|(?:extra\s+|additional\s+)?(?:gigabyte|gb|gig)\b)"
_MINUTE_WORD = r"(?:分钟|(?:extra\s+|additional\s+)?minute\b)"
_PER = r"(?:每|/|一|(?:for\s+)?(?:per|an?|each|every)\s+)"
_RATES = (
    (PlanField.OVERAGE_PER_GB_YUAN, _GB_WORD),
    (PlanField.OVERAGE_PER_MINUTE_YUAN, _MINUTE_WORD),
)
_RATE_BEFORE = tuple(
    (f, re.compile(rf"{_PER}\s*{word}.{{0,6}}$", re.IGNORECASE)) for f, word in _RATES
)
_RATE_AFTER = tuple((f, re.compile(rf"\s*{_PER}\s*{word}", re.IGNORECASE)) for f, word in _RATES)
_UNIT_FIELDS = {Unit.GB: PlanField.DATA_GB, Unit.MINUTE: PlanField.MINUTES, Unit.SMS: PlanField.SMS}
_HAS_BEFORE = re.compile(r"(?:\bonly\s+)?(?:\bhas|\bhave|\bincludes?|\bwith|含|有|只有)\s*$", re.I)


@dataclass(frozen=True, slots=True)
class FactEvidence:
    turn_index: int
    start_s: float
    end_s: float
    sentence: str
    matched: str  # the words that stated the figure


@dataclass(frozen=True, slots=True)
class StatedFact:
    plan_id: str
    field: PlanField
    value: float
    evidence: FactEvidence


@dataclass(frozen=True, slots=True)
class PlanFactFinding:
    """One stated figure compared with the catalogue."""

    plan_id: str
    plan_name: str
    field: PlanField
    stated: float
    catalogue: float
    correct: bool
    evidence: FactEvidence

    @property
    def explanation(self) -> str:
        template = _FIELD_TEMPLATES[self.field]
        said = f"The agent said {self.plan_name} has {template.format(_fmt(self.stated))}"
        if self.correct:
            return f"{said}, as in the catalogue."
        return f"{said}; the catalogue says {template.format(_fmt(self.catalogue))}."


_FIELD_TEMPLATES = {
    PlanField.MONTHLY_FEE_YUAN: "a monthly fee of {} yuan",
    PlanField.MINUTES: "{} minutes",
    PlanField.DATA_GB: "{} GB of data",
    PlanField.SMS: "{} SMS",
    PlanField.OVERAGE_PER_MINUTE_YUAN: "{} yuan per extra minute",
    PlanField.OVERAGE_PER_GB_YUAN: "{} yuan per extra GB",
}


def check_plan_facts(turns: Iterable[AgentTurnText], catalog: Catalog) -> list[PlanFactFinding]:
    """Each distinct plan figure the agent states, compared with the catalogue, in call order."""
    findings: list[PlanFactFinding] = []
    seen: set[tuple[str, PlanField, float]] = set()
    for fact in extract_plan_facts(turns, catalog):
        key = (fact.plan_id, fact.field, fact.value)
        if key in seen:
            continue
        seen.add(key)
        plan = catalog.by_id(fact.plan_id)
        expected = plan.value_of(fact.field)
        correct = math.isclose(fact.value, expected, abs_tol=TOLERANCE)
        findings.append(
            PlanFactFinding(
                plan.id, plan.name, fact.field, fact.value, expected, correct, fact.evidence
            )
        )
    return findings


def plan_facts_correct(findings: Sequence[PlanFactFinding]) -> bool | None:
    """None when the agent stated no plan figure, else whether every one was right."""
    return all(f.correct for f in findings) if findings else None


def plan_mentions(text: str, catalog: Catalog) -> list[tuple[Plan, int, int]]:
    """The plans a text names (by name, alias, or fee before 套餐/plan), with their offsets."""
    found = _mentions(text, _syllables(text), _index_for(catalog))
    return [(m.plan, m.start, m.end) for m in found]


def extract_plan_facts(turns: Iterable[AgentTurnText], catalog: Catalog) -> list[StatedFact]:
    """The plan figures the agent states, attributed to the plan they describe."""
    index = _index_for(catalog)
    facts: list[StatedFact] = []
    context: Plan | None = None
    idle_turns = 0
    for turn_index, start_s, end_s, text in turns:
        if idle_turns >= CONTEXT_TURNS:
            context = None
        mentioned = False
        for sentence in _sentences(text):
            read = _read_sentence(sentence, context, index)
            context = read.context
            mentioned = mentioned or read.mentioned
            facts.extend(
                StatedFact(
                    plan.id,
                    fact_field,
                    value,
                    FactEvidence(turn_index, start_s, end_s, sentence, m),
                )
                for plan, fact_field, value, m in read.facts
            )
        idle_turns = 0 if mentioned else idle_turns + 1
    return facts


# --- the catalogue, prepared for matching -------------------------------------------------


@dataclass(frozen=True, slots=True)
class _PlanKey:
    plan: Plan
    family_zh: tuple[str, ...]  # toneless pinyin of the name without fee and 套餐: 尊享
    family_en: str  # the English name without its number, lower case: premier


@dataclass(frozen=True, slots=True)
class _Alias:
    plan: Plan
    syllables: tuple[str, ...]  # Chinese aliases, as pinyin
    words: re.Pattern[str] | None  # English aliases
    needs_plan_word: bool  # a family name alone names a plan only before 套餐/plan


@dataclass(frozen=True, slots=True)
class _Index:
    keys: tuple[_PlanKey, ...]
    aliases: tuple[_Alias, ...]


@lru_cache(maxsize=8)
def _index_for(catalog: Catalog) -> _Index:
    keys = tuple(
        _PlanKey(
            plan,
            tuple(_syllables(_NAME_NOISE.sub("", plan.name).strip())),
            " ".join(_LATIN.findall(_NAME_NOISE.sub("", plan.name_en).lower())),
        )
        for plan in catalog.plans
    )
    aliases = [
        _alias(plan, alias, needs_plan_word=False)
        for plan in catalog.plans
        for alias in plan.aliases
    ]
    # a family name shared by no other plan (流量畅享, Data Plus) names its plan on its own
    zh_families = [k.family_zh for k in keys]
    en_families = [k.family_en for k in keys]
    for key in keys:
        if key.family_zh and zh_families.count(key.family_zh) == 1:
            aliases.append(_Alias(key.plan, key.family_zh, None, needs_plan_word=True))
        if key.family_en and en_families.count(key.family_en) == 1:
            aliases.append(_alias(key.plan, key.family_en, needs_plan_word=True))
    return _Index(keys, tuple(aliases))


def _alias(plan: Plan, alias: str, *, needs_plan_word: bool) -> _Alias:
    if not _CJK.search(alias):
        words = r"\s+".join(re.escape(w) for w in alias.lower().split())
        return _Alias(plan, (), re.compile(rf"\b{words}\b", re.IGNORECASE), needs_plan_word)
    return _Alias(plan, tuple(_syllables(alias)), None, needs_plan_word)


def _fuzzy_syllable(syllable: str) -> str:
    """Merge the sounds telephone ASR confuses: zh/z, ch/c, sh/s, n/l, -ng/-n."""
    for retroflex in ("zh", "ch", "sh"):
        if syllable.startswith(retroflex):
            syllable = syllable[0] + syllable[2:]
    if syllable.startswith("n"):
        syllable = "l" + syllable[1:]
    return syllable.removesuffix("g") if syllable.endswith("ng") else syllable


def _each_char(chunk: str) -> Any:
    # pypinyin takes a list here (one item per character, keeping offsets aligned with the
    # text); its type stubs only admit str, hence Any
    return list(chunk.lower())


def _syllables(text: str) -> list[str]:
    """One toneless, fuzzed pinyin syllable per character (other characters lower-cased)."""
    pinyin = lazy_pinyin(text, style=Style.NORMAL, errors=_each_char)
    if len(pinyin) != len(text):  # keep offsets aligned if a converter ever merges characters
        pinyin = [lazy_pinyin(ch, style=Style.NORMAL, errors=_each_char)[0] for ch in text]
    return [_fuzzy_syllable(s) for s in pinyin]


# --- reading one sentence ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Mention:
    plan: Plan
    start: int
    end: int
    fee: NumberSpan | None  # the fee said with 元 as part of the name (八十八元套餐)


@dataclass(frozen=True, slots=True)
class _SentenceRead:
    facts: list[tuple[Plan, PlanField, float, str]]
    context: Plan | None
    mentioned: bool


def _sentences(text: str) -> list[str]:
    return [m[0].strip() for m in _SENTENCE.finditer(text) if m[0].strip()]


def _read_sentence(sentence: str, context: Plan | None, index: _Index) -> _SentenceRead:
    syllables = _syllables(sentence)
    mentions = _mentions(sentence, syllables, index)
    quantities = [q for q in find_quantities(sentence) if not _inside(q, mentions)]
    quantities += _elliptical(sentence, quantities, mentions)
    events: list[_Mention | Quantity] = sorted([*mentions, *quantities], key=lambda e: e.start)
    facts: list[tuple[Plan, PlanField, float, str]] = []
    consumed_until, last_mention_end = 0, 0
    for event in events:
        if isinstance(event, _Mention):
            context, last_mention_end = event.plan, event.end
            if event.fee is not None:
                matched = sentence[event.start : event.end]
                facts.append((event.plan, PlanField.MONTHLY_FEE_YUAN, event.fee.value, matched))
        elif context is not None and event.start >= consumed_until:
            read = _read_quantity(sentence, event, last_mention_end)
            if read is not None:
                plan_field, value, consumed_until = read
                facts.append((context, plan_field, value, sentence[event.start : event.end]))
    return _SentenceRead(facts, context, bool(mentions))


def _inside(q: Quantity | NumberSpan, mentions: Sequence[_Mention]) -> bool:
    return any(m.start <= q.start < m.end for m in mentions)


def _mentions(sentence: str, syllables: Sequence[str], index: _Index) -> list[_Mention]:
    by_fee = [
        m for n in find_numbers(sentence) if (m := _fee_mention(sentence, n, syllables, index))
    ]
    by_alias = [m for m in _alias_mentions(sentence, syllables, index) if not _overlaps(m, by_fee)]
    return sorted([*by_fee, *by_alias], key=lambda m: m.start)


def _overlaps(mention: _Mention, others: Sequence[_Mention]) -> bool:
    return any(mention.start < o.end and o.start < mention.end for o in others)


def _fee_mention(
    sentence: str, number: NumberSpan, syllables: Sequence[str], index: _Index
) -> _Mention | None:
    """A fee that names a plan: after its family name (尊享88, Premier 88) or before 套餐."""
    candidates = [k for k in index.keys if math.isclose(k.plan.monthly_fee_yuan, number.value)]
    if not candidates or number.approximate:
        return None
    scored = sorted(
        ((_family_score(sentence, syllables, number.start, k), k) for k in candidates),
        key=lambda pair: -pair[0][0],
    )
    (score, family_start), best = scored[0]
    if len(scored) > 1 and scored[1][0][0] == score:
        return None  # two plans at this fee and nothing to tell them apart
    end = number.end
    fee_unit = _FEE_UNIT.match(sentence, end)
    if fee_unit:
        end = fee_unit.end()
    plan_word = _PLAN_WORD.match(sentence, end)
    if plan_word is None and score < FAMILY_MATCH:
        return None
    end = plan_word.end() if plan_word else end
    start = family_start if score > 0 else number.start
    return _Mention(best.plan, start, end, number if fee_unit else None)


def _family_score(
    sentence: str, syllables: Sequence[str], number_start: int, key: _PlanKey
) -> tuple[float, int]:
    """How well the words before a fee match the plan's family name, and where they start."""
    end = len(sentence[:number_start].rstrip())
    best = (0.0, end)
    if key.family_zh:
        start = max(0, end - len(key.family_zh))
        said = syllables[start:end]
        hits = sum(a == b for a, b in zip(reversed(said), reversed(key.family_zh), strict=False))
        best = max(best, (hits / len(key.family_zh), start))
    if key.family_en:
        words = list(_LATIN.finditer(sentence[:end].lower()))[-len(key.family_en.split()) :]
        if words:
            said_en = " ".join(w[0] for w in words)
            ratio = difflib.SequenceMatcher(None, said_en, key.family_en).ratio()
            if ratio >= ENGLISH_FAMILY_MATCH:
                best = max(best, (ratio, words[0].start()))
    return best


def _alias_mentions(sentence: str, syllables: Sequence[str], index: _Index) -> Iterable[_Mention]:
    for alias in index.aliases:
        for start, end in _alias_spans(sentence, syllables, alias):
            plan_word = _PLAN_WORD.match(sentence, end)
            if plan_word or not alias.needs_plan_word:
                yield _Mention(alias.plan, start, plan_word.end() if plan_word else end, None)


def _alias_spans(
    sentence: str, syllables: Sequence[str], alias: _Alias
) -> Iterable[tuple[int, int]]:
    if alias.words is not None:
        yield from (m.span() for m in alias.words.finditer(sentence))
        return
    n = len(alias.syllables)
    for start in range(len(syllables) - n + 1):
        if tuple(syllables[start : start + n]) == alias.syllables:
            yield start, start + n


def _elliptical(
    sentence: str, quantities: Sequence[Quantity], mentions: Sequence[_Mention]
) -> list[Quantity]:
    """ "...Premier 88 plan only has twenty.": a bare number after has/有 at a clause end takes
    the unit of the figure said before it in the sentence."""
    found = []
    for number in find_numbers(sentence):
        if _inside(number, mentions) or any(q.start <= number.start < q.end for q in quantities):
            continue
        before = [q for q in quantities if q.end <= number.start and q.unit is not Unit.YUAN]
        tail = sentence[number.end :].strip(" 。.!！?？")
        if before and not tail and _HAS_BEFORE.search(sentence, 0, number.start):
            found.append(Quantity(number.value, before[-1].unit, number.start, number.end))
    return found


def _clause(sentence: str, pos: int) -> tuple[int, int]:
    start = max((m.end() for m in _CLAUSE_BREAK.finditer(sentence, 0, pos)), default=0)
    following = _CLAUSE_BREAK.search(sentence, pos)
    return start, following.start() if following else len(sentence)


def _read_quantity(
    sentence: str, q: Quantity, last_mention_end: int
) -> tuple[PlanField, float, int] | None:
    """The plan field a figure states, its value, and where the phrase ends; None if not a fact."""
    clause_start, clause_end = _clause(sentence, q.start)
    prefix = sentence[max(clause_start, last_mention_end) : q.start]
    if q.approximate or _OTHER_PRODUCT.search(sentence, clause_start, clause_end):
        return None
    if q.unit is Unit.YUAN:
        return _read_money(sentence, q, prefix)
    if _USAGE.search(prefix):
        return None
    if q.unit is Unit.MB:
        return PlanField.DATA_GB, round(q.value / 1024, 6), q.end
    return _UNIT_FIELDS[q.unit], q.value, q.end


def _read_money(sentence: str, q: Quantity, prefix: str) -> tuple[PlanField, float, int] | None:
    """A rate (每个G三块钱, 0.19 yuan per minute) or a monthly fee (月费88元, 138 yuan a month)."""
    for rate_field, before in _RATE_BEFORE:
        if before.search(prefix):
            return rate_field, q.value, q.end
    for rate_field, after in _RATE_AFTER:
        if match := after.match(sentence, q.end):
            return rate_field, q.value, match.end()
    if _USAGE.search(prefix):
        return None
    if _FEE_BEFORE.search(prefix) or _FEE_AFTER.match(sentence, q.end):
        return PlanField.MONTHLY_FEE_YUAN, q.value, q.end
    return None


def _fmt(value: float) -> str:
    return f"{value:g}"
