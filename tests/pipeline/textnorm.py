"""Text normalisation for character error rates: Chinese numerals to digits, no punctuation."""

from __future__ import annotations

import re
import unicodedata

import opencc

_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "幺": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
_NUMBER = re.compile(f"[{''.join(_DIGITS)}{''.join(_UNITS)}]+")
_t2s = opencc.OpenCC("t2s")


def numerals_to_digits(text: str) -> str:
    return _NUMBER.sub(lambda m: _convert(m.group()), text)


def _convert(token: str) -> str:
    if not any(ch in _UNITS for ch in token):
        return "".join(str(_DIGITS[ch]) for ch in token)  # spoken digit by digit
    if len(token) == 1:
        return token  # a lone 十/百 is a word, not a number
    total, section, current = 0, 0, 0
    for ch in token:
        if ch in _DIGITS:
            current = _DIGITS[ch]
        elif ch == "万":
            total += (section + current) * 10000
            section, current = 0, 0
        else:
            section += (current or 1) * _UNITS[ch]
            current = 0
    return str(total + section + current)


def normalise_zh(text: str) -> str:
    text = numerals_to_digits(_t2s.convert(text))
    return "".join(ch for ch in text if not unicodedata.category(ch).startswith(("P", "Z", "S")))


def normalise_en(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def cer(reference: str, hypothesis: str) -> float:
    if not reference:
        return 0.0 if not hypothesis else 1.0
    previous = list(range(len(hypothesis) + 1))
    for i, ref_char in enumerate(reference, start=1):
        current = [i]
        for j, hyp_char in enumerate(hypothesis, start=1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref_char != hyp_char))
            )
        previous = current
    return previous[-1] / len(reference)
