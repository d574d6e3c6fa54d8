"""Text matching inside one turn: phrases, proximity, regular expressions, homophones.

Text is *folded* before matching: lower-cased, punctuation dropped, and spaces kept only
between Latin words, because ASR places Chinese punctuation and spaces unpredictably
("请问，还有其他" and "请问还有其他" must match alike). Every hit maps back to the original
text so evidence quotes what was actually transcribed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

from pypinyin import Style, lazy_pinyin


@dataclass(frozen=True, slots=True)
class Hit:
    """A match inside one turn: character offsets into the original text, and that text."""

    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Folded:
    """Folded text plus, for each folded character, its offset in the original text."""

    text: str
    origin: tuple[int, ...]

    def hit(self, original: str, start: int, end: int) -> Hit:
        """The original text behind folded positions [start, end)."""
        first, last = self.origin[start], self.origin[end - 1] + 1
        return Hit(first, last, original[first:last])


def _is_latin(char: str) -> bool:
    return char.isascii() and char.isalnum()


def fold(text: str) -> Folded:
    chars: list[str] = []
    origin: list[int] = []
    pending_space = False
    for index, char in enumerate(text.casefold()):
        if not char.isalnum():
            pending_space = True
            continue
        # A space survives only between two Latin characters: it separates English words.
        if pending_space and chars and _is_latin(chars[-1]) and _is_latin(char):
            chars.append(" ")
            origin.append(index - 1)
        chars.append(char)
        origin.append(index)
        pending_space = False
    return Folded("".join(chars), tuple(origin))


@lru_cache(maxsize=4096)
def fold_phrase(phrase: str) -> str:
    return fold(phrase).text


def _bounded(text: str, start: int, end: int) -> bool:
    """Latin phrases match whole words only ("hi" must not match inside "this")."""
    before_ok = start == 0 or not (_is_latin(text[start]) and _is_latin(text[start - 1]))
    after_ok = end == len(text) or not (_is_latin(text[end - 1]) and _is_latin(text[end]))
    return before_ok and after_ok


def find_folded(folded: str, phrase: str) -> list[tuple[int, int]]:
    """Folded spans of every whole-word occurrence of an already folded phrase."""
    spans: list[tuple[int, int]] = []
    if not phrase:
        return spans
    start = folded.find(phrase)
    while start >= 0:
        end = start + len(phrase)
        if _bounded(folded, start, end):
            spans.append((start, end))
        start = folded.find(phrase, start + 1)
    return spans


def find_phrase(text: str, phrase: str) -> list[Hit]:
    folded = fold(text)
    return [folded.hit(text, s, e) for s, e in find_folded(folded.text, fold_phrase(phrase))]


# Initials and finals that 8 kHz telephone ASR and southern accents confuse most; the `loose`
# option of sounds_like compares syllables after these replacements.
_LOOSE = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("ing", "in"), ("eng", "en"), ("ang", "an"))


def _loosen(syllable: str) -> str:
    if syllable.startswith("n"):
        syllable = "l" + syllable[1:]
    for strict, loose in _LOOSE:
        syllable = syllable.replace(strict, loose)
    return syllable


def syllables(folded: str, *, loose: bool = False) -> tuple[str, ...]:
    """One toneless pinyin syllable per folded character (non-Chinese characters as they are)."""
    # A callable `errors` returning a list keeps one entry per non-Chinese character.
    split = cast(Any, list)
    result = lazy_pinyin(folded, style=Style.NORMAL, errors=split)
    return tuple(_loosen(s) for s in result) if loose else tuple(result)


def find_syllables(haystack: tuple[str, ...], needle: tuple[str, ...]) -> list[tuple[int, int]]:
    size = len(needle)
    if size == 0:
        return []
    return [
        (i, i + size) for i in range(len(haystack) - size + 1) if haystack[i : i + size] == needle
    ]


_TOKEN = re.compile(r"[a-z0-9]+|\S")


def gap(folded: str, first: tuple[int, int], second: tuple[int, int], unit: str) -> int:
    """Distance between two spans in characters or words (a Chinese character is a word)."""
    left, right = sorted((first, second))
    between = folded[left[1] : right[0]] if right[0] > left[1] else ""
    if unit == "chars":
        return len(between.replace(" ", ""))
    return len(_TOKEN.findall(between))


def find_near(
    text: str, first: str, second: str, *, within: int, unit: str, ordered: bool
) -> list[Hit]:
    """Hits covering both phrases wherever they lie at most `within` chars/words apart."""
    folded = fold(text)
    a_spans = find_folded(folded.text, fold_phrase(first))
    b_spans = find_folded(folded.text, fold_phrase(second))
    hits: list[Hit] = []
    for a in a_spans:
        for b in b_spans:
            if ordered and b[0] < a[1]:
                continue
            if a[1] > b[0] and b[1] > a[0]:
                continue  # overlapping spans are one phrase inside the other, not two
            if gap(folded.text, a, b, unit) <= within:
                hits.append(folded.hit(text, min(a[0], b[0]), max(a[1], b[1])))
    return hits


_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE}


@lru_cache(maxsize=1024)
def compile_regex(pattern: str, flags: str) -> re.Pattern[str]:
    """Compiled once per process; rules keep only the pattern text so they stay picklable."""
    value = 0
    for flag in flags:
        value |= _FLAGS[flag]
    return re.compile(pattern, value)


def find_regex(text: str, pattern: str, flags: str) -> list[Hit]:
    return [
        Hit(m.start(), m.end(), m.group(0))
        for m in compile_regex(pattern, flags).finditer(text)
        if m.end() > m.start()
    ]


_SENTENCE_END = re.compile(r"[。？！?!；;\n]+|\.(?:\s+|$)")


def sentences(text: str) -> list[Hit]:
    """The sentences of a turn, for comparison with example sentences."""
    pieces: list[Hit] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        if text[start : match.start()].strip():
            pieces.append(Hit(start, match.start(), text[start : match.start()].strip()))
        start = match.end()
    if text[start:].strip():
        pieces.append(Hit(start, len(text), text[start:].strip()))
    return pieces


@dataclass(frozen=True, slots=True)
class PhraseSet:
    """any / all / at_least(n) / none of some phrases, matched literally after folding."""

    mode: str  # "any", "all", "at_least" or "none"
    phrases: tuple[str, ...]
    count: int = 1  # how many distinct phrases `at_least` needs


@dataclass(frozen=True, slots=True)
class SoundsLike:
    """Phrases matched by toneless pinyin, so ASR homophones (功耗 for 工号) still match."""

    phrases: tuple[str, ...]
    keys: tuple[tuple[str, ...], ...]  # the phrases' syllables, computed once when checked
    loose: bool = False


@dataclass(frozen=True, slots=True)
class Near:
    first: str
    second: str
    within: int
    unit: str  # "chars" or "words"
    ordered: bool


@dataclass(frozen=True, slots=True)
class Pattern:
    pattern: str
    flags: str


@dataclass(frozen=True, slots=True)
class SimilarTo:
    """Any sentence whose embedding is at least `threshold` cosine-similar to an example."""

    examples: tuple[str, ...]
    threshold: float


MatcherSpec = PhraseSet | SoundsLike | Near | Pattern | SimilarTo


def sounds_like(phrases: tuple[str, ...], *, loose: bool = False) -> SoundsLike:
    keys = tuple(syllables(fold_phrase(p), loose=loose) for p in phrases)
    return SoundsLike(phrases, keys, loose)


class TurnText:
    """One turn's text with its folded form and pinyin, computed at most once per evaluation."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._folded: Folded | None = None
        self._syllables: dict[bool, tuple[str, ...]] = {}

    @property
    def folded(self) -> Folded:
        if self._folded is None:
            self._folded = fold(self.text)
        return self._folded

    def syllables(self, loose: bool) -> tuple[str, ...]:
        if loose not in self._syllables:
            self._syllables[loose] = syllables(self.folded.text, loose=loose)
        return self._syllables[loose]

    def phrase(self, phrase: str) -> list[Hit]:
        spans = find_folded(self.folded.text, fold_phrase(phrase))
        return [self.folded.hit(self.text, s, e) for s, e in spans]

    def sounds(self, key: tuple[str, ...], loose: bool) -> list[Hit]:
        spans = find_syllables(self.syllables(loose), key)
        return [self.folded.hit(self.text, s, e) for s, e in spans]


def find_spec(spec: Near | Pattern | SoundsLike, turn: TurnText) -> list[Hit]:
    """Hits of a single-turn matcher (phrase sets and similarity are handled by the evaluator)."""
    if isinstance(spec, Near):
        return find_near(
            turn.text,
            spec.first,
            spec.second,
            within=spec.within,
            unit=spec.unit,
            ordered=spec.ordered,
        )
    if isinstance(spec, Pattern):
        return find_regex(turn.text, spec.pattern, spec.flags)
    return [hit for key in spec.keys for hit in turn.sounds(key, spec.loose)]
