"""Masking of spoken personal numbers: phone, ID-card and bank-card numbers.

Callers read digits aloud, so numbers reach the transcript as Arabic digits, Chinese numerals
(幺 for 1 in phone numbers) or English digit words, often in groups ("幺三七，二六四五，八幺九零").
A *run* is a sequence of such digits joined only by spaces, commas or hyphens.

Rules, tuned to be safe first:
- a run of 6 or more digits is always masked;
- a run of 4-5 digits is masked only when the turn itself, the previous turn or (when roles are
  given) the other party's latest turn mentions an ID, card, phone number or "last four digits";
- never masked: job numbers (工号 / "agent ..."), amounts and quantities (followed by 元, 块, G,
  分钟, yuan...; preceded by a currency sign; or touching 十百千万 / "hundred"), because QA needs
  them and they are not personal.
Every digit of a masked run becomes one "*" (a digit word too), so no original digit survives.
Spans point into the original text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from tiexin.domain.calls import Role

_ZH_DIGITS = {
    "零": "0", "〇": "0", "一": "1", "幺": "1", "二": "2", "三": "3", "四": "4",
    "五": "5", "六": "6", "七": "7", "八": "8", "九": "9",
}  # fmt: skip
_EN_DIGITS = {
    "zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4",
    "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
}  # fmt: skip
_WORD_ALT = "|".join(_EN_DIGITS)
_DIGIT_TOKEN = re.compile(
    rf"[0-9０-９{''.join(_ZH_DIGITS)}]|(?<![A-Za-z])(?:{_WORD_ALT})(?![A-Za-z])", re.IGNORECASE
)
_SEPARATOR_GAP = re.compile(r"[\s,，、\-–—]*")
_ID_CHECK_CHAR = re.compile(r"[\s,，\-]*([Xx叉])(?![A-Za-z])")

ALWAYS_MASK_DIGITS = 6
CONTEXT_MASK_DIGITS = 4
# Phone, ID and card numbers have 10 or more digits while no job number or spoken amount does, so
# such runs are masked whatever follows ("13812345678天天都能打通" must not pass as 8 days).
LONGEST_EXEMPT_DIGITS = 9

# Job numbers follow these words; 功耗/公号/工好 are how ASR hears 工号 on a telephone line.
_JOB_NUMBER_BEFORE = re.compile(
    r"(?:(?:工号|功耗|公号|工好|坐席)[\s:：]*(?:是|为)?[\s:：]*"
    r"|(?<![A-Za-z])(?:agent|operator|staff|employee|job)"
    r"(?:\s+(?:number|no\.?|id|#))?(?:\s+is)?[\s:#]*)$",
    re.IGNORECASE,
)
_CURRENCY_BEFORE = re.compile(r"(?:[¥￥$]|RMB|CNY)\s*$", re.IGNORECASE)
_UNIT_AFTER = re.compile(
    r"\s*(?:[元块角毛兆分秒天个倍次岁%％]|小时|积分|[GM]B?(?![A-Za-z])"
    r"|(?:yuan|dollars?|minutes?|mins?|gigabytes?|megabytes?|percent|points?|gb|mb)(?![A-Za-z]))",
    re.IGNORECASE,
)
_QUANTITY_CHARS = frozenset("十百千万亿拾佰仟萬億点两")
_QUANTITY_WORD_AFTER = re.compile(
    r"[\s-]*(?:hundred|thousand|million|billion|point)(?![A-Za-z])", re.IGNORECASE
)
_DECIMAL_AFTER = re.compile(r"[.．][0-9]")
_DECIMAL_BEFORE = re.compile(r"[0-9][.．]$")


class PiiKind(StrEnum):
    PHONE_NUMBER = "phone_number"
    ID_CARD_FULL = "id_card_full"
    ID_CARD_PARTIAL = "id_card_partial"
    BANK_CARD = "bank_card"
    DIGITS = "digits"  # masked for safety, kind unknown


# Context cues, in priority order: "ID card" mentions "card" and "ID number" mentions "number",
# so the ID cue must win. 身份 alone also catches ASR homophones such as 身份正. 电话经理 is the
# phone manager's title, not a phone number.
_CONTEXT_CUES: tuple[tuple[re.Pattern[str], PiiKind], ...] = (
    (
        re.compile(
            r"身份|份证|证件|证号|(?<![A-Za-z])(?:id|identity|identification)(?![A-Za-z])",
            re.IGNORECASE,
        ),
        PiiKind.ID_CARD_PARTIAL,
    ),
    (
        re.compile(r"银行|卡号|(?<![A-Za-z])(?:bank|card)(?![A-Za-z])", re.IGNORECASE),
        PiiKind.BANK_CARD,
    ),
    (
        re.compile(
            r"手机|电话(?!经理)|号码|尾号|(?<![A-Za-z])(?:phone|mobile|cell|number)(?![A-Za-z])",
            re.IGNORECASE,
        ),
        PiiKind.PHONE_NUMBER,
    ),
    (
        re.compile(r"[后末尾][四六46几两][位为维味]|last\s+(?:four|six|4|6)|digits", re.IGNORECASE),
        PiiKind.DIGITS,
    ),
)


@dataclass(frozen=True, slots=True)
class MaskedSpan:
    """A masked number; offsets into the original text, which is not kept here on purpose."""

    start: int
    end: int
    kind: PiiKind
    digit_count: int


@dataclass(frozen=True, slots=True)
class MaskResult:
    text: str
    spans: tuple[MaskedSpan, ...]


@dataclass(frozen=True, slots=True)
class _Run:
    tokens: tuple[tuple[int, int], ...]  # (start, end) of each digit token
    digits: str

    @property
    def start(self) -> int:
        return self.tokens[0][0]

    @property
    def end(self) -> int:
        return self.tokens[-1][1]


def _digit_value(token: str) -> str:
    if token in _ZH_DIGITS:
        return _ZH_DIGITS[token]
    if token.isdigit():
        return str(int(token))  # also maps full-width ０-９
    return _EN_DIGITS[token.lower()]


def spoken_digits_to_ascii(text: str) -> str:
    """Replace every digit character or digit word by its ASCII digit (for comparisons only).

    Ordinary words containing numerals change too (一起 -> 1起), so never show the result.
    """
    return _DIGIT_TOKEN.sub(lambda m: _digit_value(m.group()), text)


def _find_runs(text: str) -> list[_Run]:
    runs: list[list[tuple[int, int]]] = []
    for match in _DIGIT_TOKEN.finditer(text):
        span = match.span()
        if runs and _SEPARATOR_GAP.fullmatch(text, runs[-1][-1][1], span[0]):
            runs[-1].append(span)
        else:
            runs.append([span])
    return [_Run(tuple(t), "".join(_digit_value(text[a:b]) for a, b in t)) for t in runs]


def _with_check_char(text: str, run: _Run) -> _Run:
    """Extend a 17-digit run by its trailing X: the 18th character of a Chinese ID number."""
    if len(run.digits) != 17:
        return run
    match = _ID_CHECK_CHAR.match(text, run.end)
    if match is None:
        return run
    return _Run((*run.tokens, match.span(1)), run.digits + "X")


def _is_exempt(text: str, run: _Run) -> bool:
    """Job numbers and quantities are not personal data and must stay readable for QA."""
    if len(run.digits) > LONGEST_EXEMPT_DIGITS:
        return False
    before, after = text[max(0, run.start - 24) : run.start], text[run.end :]
    return bool(
        _JOB_NUMBER_BEFORE.search(before)
        or _CURRENCY_BEFORE.search(before)
        or _DECIMAL_BEFORE.search(before)
        or (before and before[-1] in _QUANTITY_CHARS)
        or (after and after[0] in _QUANTITY_CHARS)
        or _UNIT_AFTER.match(after)
        or _QUANTITY_WORD_AFTER.match(after)
        or _DECIMAL_AFTER.match(after)
    )


def _context_kind(texts: Sequence[str]) -> PiiKind | None:
    for pattern, kind in _CONTEXT_CUES:
        if any(pattern.search(t) for t in texts):
            return kind
    return None


def _classify(digits: str, context: PiiKind | None) -> PiiKind:
    n = len(digits)
    if digits.endswith("X") or (n == 18 and context is not PiiKind.BANK_CARD):
        return PiiKind.ID_CARD_FULL
    if (n == 11 and digits.startswith("1")) or (10 <= n <= 12 and digits.startswith("0")):
        return PiiKind.PHONE_NUMBER
    if 16 <= n <= 19:
        return PiiKind.BANK_CARD
    if n == 15 and context is PiiKind.ID_CARD_PARTIAL:
        return PiiKind.ID_CARD_FULL  # first-generation 15-digit ID number
    if context is PiiKind.ID_CARD_PARTIAL and n > 8:
        return PiiKind.DIGITS  # too long for a partial ID yet not a whole one
    return context or PiiKind.DIGITS


def _should_mask(text: str, run: _Run, context: PiiKind | None) -> bool:
    n = len(run.digits)
    if n < CONTEXT_MASK_DIGITS or (n < ALWAYS_MASK_DIGITS and context is None):
        return False
    return not _is_exempt(text, run)


def _apply(text: str, runs: Sequence[_Run]) -> str:
    pieces: list[str] = []
    cursor = 0
    for run in runs:
        for start, end in run.tokens:
            pieces.append(text[cursor:start])
            pieces.append("*")
            cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)


def mask_text(text: str, *, context: Sequence[str] = ()) -> MaskResult:
    """Mask the personal numbers of one text; `context` holds neighbouring turns' texts."""
    context_kind = _context_kind([text, *context])
    masked: list[tuple[_Run, MaskedSpan]] = []
    for raw in _find_runs(text):
        run = _with_check_char(text, raw)
        if _should_mask(text, run, context_kind):
            kind = _classify(run.digits, context_kind)
            masked.append((run, MaskedSpan(run.start, run.end, kind, len(run.digits))))
    return MaskResult(
        text=_apply(text, [run for run, _ in masked]), spans=tuple(span for _, span in masked)
    )


def _context_for(index: int, texts: Sequence[str], roles: Sequence[Role] | None) -> list[str]:
    """The previous turn, plus the other party's latest turn when the same party spoke twice."""
    context = [texts[index - 1]] if index > 0 else []
    if roles is not None:
        other = next((j for j in range(index - 1, -1, -1) if roles[j] is not roles[index]), None)
        if other is not None and other != index - 1:
            context.append(texts[other])
    return context


def mask_turn_texts(texts: Sequence[str], roles: Sequence[Role] | None = None) -> list[MaskResult]:
    """Mask every turn of a call in order, using neighbouring turns as context.

    `roles`, aligned with `texts`, lets a reply use the question of the other party even when
    the same party spoke twice in between.
    """
    if roles is not None and len(roles) != len(texts):
        raise ValueError("roles must be aligned with texts")
    return [mask_text(text, context=_context_for(i, texts, roles)) for i, text in enumerate(texts)]
