"""Numbers and quantities as agents say them and as ASR writes them.

Handles Arabic digits ("88元", "0.19元", "2,000 minutes"), Chinese numerals (八十八, 两千,
一百五 = 150, 幺三七 = 137, 三点五), money in 块/毛 (三块五 = 3.5, 一毛九 = 0.19) and English
number words ("one hundred fifty eight", "one fifty eight", "thirty-eight"). Units: yuan, GB
(G, GB, 个G and the ASR homophones 机/斤/级/鸡 for the spoken "ji"), MB (兆), minutes, SMS.
Pure: standard library only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Unit(StrEnum):
    YUAN = "yuan"
    GB = "gb"
    MB = "mb"
    MINUTE = "minute"
    SMS = "sms"


@dataclass(frozen=True, slots=True)
class NumberSpan:
    """A number found in a text, with its character span."""

    value: float
    start: int
    end: int
    approximate: bool = False  # a range (二三十) or hedged (大概, about)


@dataclass(frozen=True, slots=True)
class Quantity:
    """A number with its unit ("二十G", "three yuan"); `end` includes the unit."""

    value: float
    unit: Unit
    start: int
    end: int
    approximate: bool = False


_ZH_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "幺": 1, "二": 2, "两": 2, "三": 3,
    "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
_ZH_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_ZH_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
_EN_SMALL = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}  # fmt: skip
_EN_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_EN_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
# ASR writes full-width digits now and then; same length, so spans stay valid
_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，", "0123456789.,")

_ZH_CHARS = "".join(_ZH_DIGITS) + "".join(_ZH_SMALL_UNITS) + "".join(_ZH_BIG_UNITS)
_ZH_FRACTION = "".join(_ZH_DIGITS)
_EN_WORDS = "|".join([*_EN_SMALL, *_EN_TENS, *_EN_SCALES])
_NUMBER = re.compile(
    rf"(?P<ar>(?<![\d.])\d+(?:,\d{{3}})*(?:\.\d+)?[十百千万]?)"
    rf"|(?P<zh>[{_ZH_CHARS}]+(?:点[{_ZH_FRACTION}]+)?)"
    rf"|(?P<en>\b(?:{_EN_WORDS})(?:(?:[\s-]+|\s+and\s+)(?:{_EN_WORDS}))*"
    rf"(?:\s+point(?:\s+(?:{_EN_WORDS}))+)?\b)",
    re.IGNORECASE,
)
_RANGE = re.compile(r"([一二三四五六七八九])([一二三四五六七八九])([十百千万])")
_HEDGE_BEFORE = re.compile(
    r"(?:大概|大约|约|差不多|将近|接近|估计|快|近|超过|"
    r"\babout|\baround|\broughly|\bnearly|\balmost|\bapproximately|\bover|\bmore than)\s*$",
    re.IGNORECASE,
)
_HEDGE_BETWEEN = re.compile(r"\s*(?:多|来|余)")
_HEDGE_AFTER = re.compile(r"\s*(?:左右|上下|出头|多|or so|or more)", re.IGNORECASE)
_MEASURE_WORD = re.compile(r"\s*个")

# Units tried in order right after a number (and an optional 个). A 5G/4G network is not 5 GB.
_UNITS: tuple[tuple[re.Pattern[str], Unit, float], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), unit, scale)
    for pattern, unit, scale in (
        (r"\s*(?:元|块钱?|圆|yuan\b|rmb\b|kuai\b)", Unit.YUAN, 1.0),
        (r"\s*(?:毛钱?|角)", Unit.YUAN, 0.1),
        (r"\s*(?:GB|G|吉)(?![a-z网手信号基时用卡])", Unit.GB, 1.0),
        # homophones of the spoken "G" count only where a data word or a clause end follows
        (
            r"\s*[机斤级鸡基](?=的?流量|[^\u4e00-\u9fff]|$|左右|多|[了吧呢啊吗呀就还够])",
            Unit.GB,
            1.0,
        ),
        (r"\s*(?:gigabytes?|gigs?)\b", Unit.GB, 1.0),
        (r"\s*(?:MB|M(?![a-z])|兆|megabytes?\b)", Unit.MB, 1.0),
        (r"\s*(?:分钟|分中|分种|分终|份钟|minutes?\b|mins?\b)", Unit.MINUTE, 1.0),
        (r"\s*(?:条(?:短信|信息|彩信)|text messages?\b|texts\b|sms\b|messages\b)", Unit.SMS, 1.0),
        (r"\s*条", Unit.SMS, 1.0),  # accepted only after 短信 (see _unit_at)
    )
)
# "三块五": a digit after 块 is jiao unless it starts the next number ("三块五十个G" is not 3.5);
# "三块五一个G" is, as the next number is the rate's denominator
_CHANGE_END = rf"(?=一个|一分钟|每|[^{_ZH_CHARS}个分]|$)"
_JIAO_AFTER_KUAI = re.compile(rf"[一二三四五六七八九](?:毛|角|{_CHANGE_END})")
_FEN_AFTER_JIAO = re.compile(rf"[一二三四五六七八九]分?{_CHANGE_END}")


def parse_chinese_number(text: str) -> float | None:
    """ "八十八" → 88, "一百五" → 150, "幺三七" → 137, "零点一九" → 0.19; None if not a number."""
    integer, dot, fraction = text.partition("点")
    if dot and (not fraction or any(ch not in _ZH_DIGITS for ch in fraction)):
        return None
    whole = _chinese_integer(integer)
    if whole is None:
        return None
    if not dot:
        return float(whole)
    return float(f"{whole}.{''.join(str(_ZH_DIGITS[ch]) for ch in fraction)}")


def _chinese_integer(text: str) -> int | None:
    if not text:
        return None
    if all(ch in _ZH_DIGITS for ch in text):  # read digit by digit: 幺三七, 一三五二
        return int("".join(str(_ZH_DIGITS[ch]) for ch in text))
    total = section = 0
    digit: int | None = None
    last_unit, after_zero = 1, False
    for ch in text:
        if ch in _ZH_DIGITS:
            if digit:  # two digits in a row inside a positional number: a range (二三十)
                return None
            digit = _ZH_DIGITS[ch]
            after_zero = after_zero or digit == 0
        elif ch in _ZH_SMALL_UNITS:
            last_unit = _ZH_SMALL_UNITS[ch]
            section += (1 if digit is None else digit) * last_unit
            digit, after_zero = None, False
        elif ch in _ZH_BIG_UNITS:
            last_unit = _ZH_BIG_UNITS[ch]
            total += (section + (digit or 0)) * last_unit
            section, digit, after_zero = 0, None, False
        else:
            return None
    if digit:
        # a bare digit after a unit is the next lower place: 一百五 = 150, 三万五 = 35000
        section += digit if after_zero or last_unit == 1 else digit * last_unit // 10
    return total + section


def parse_english_number(text: str) -> float | None:
    """ "one hundred fifty eight" / "one fifty eight" → 158, "zero point one nine" → 0.19."""
    words = [w for w in re.split(r"[\s-]+", text.strip().lower()) if w and w != "and"]
    if "point" in words:
        cut = words.index("point")
        whole = _english_integer(words[:cut]) if cut else 0
        digits = [_EN_SMALL.get(w) for w in words[cut + 1 :]]
        if whole is None or not digits or any(d is None or d > 9 for d in digits):
            return None
        return float(f"{whole}.{''.join(str(d) for d in digits)}")
    value = _english_integer(words)
    return None if value is None else float(value)


def _english_chunks(words: list[str]) -> list[int | str] | None:
    """Words to numbers below 100 ("fifty eight" → 58) and scale words."""
    chunks: list[int | str] = []
    i = 0
    while i < len(words):
        word = words[i]
        if word in _EN_TENS:
            value = _EN_TENS[word]
            if i + 1 < len(words) and 0 < _EN_SMALL.get(words[i + 1], 10) < 10:
                value += _EN_SMALL[words[i + 1]]
                i += 1
            chunks.append(value)
        elif word in _EN_SMALL:
            chunks.append(_EN_SMALL[word])
        elif word in _EN_SCALES:
            chunks.append(word)
        else:
            return None
        i += 1
    return chunks


def _english_integer(words: list[str]) -> int | None:
    chunks = _english_chunks(words)
    if not chunks:
        return None
    numbers = [c for c in chunks if isinstance(c, int)]
    if len(numbers) == len(chunks) and len(chunks) > 1:
        if all(c < 10 for c in numbers):  # read digit by digit: "two zero nine one"
            return int("".join(str(c) for c in numbers))
        if len(numbers) == 2 and numbers[0] < 100 and 10 <= numbers[1] < 100:
            return numbers[0] * 100 + numbers[1]  # "one fifty eight", "nineteen ninety"
        return None
    total = current = 0
    for chunk in chunks:
        if isinstance(chunk, int):
            current += chunk
        elif chunk == "hundred":
            current = (current or 1) * 100
        else:
            total += (current or 1) * _EN_SCALES[chunk]
            current = 0
    return total + current


def _parse_arabic(text: str) -> float:
    multiplier = 1
    for unit, value in (_ZH_SMALL_UNITS | _ZH_BIG_UNITS).items():
        if text.endswith(unit):
            text, multiplier = text[:-1], value
    return float(text.replace(",", "")) * multiplier


def _parse_match(match: re.Match[str]) -> tuple[float | None, bool]:
    """The value of a _NUMBER match, and whether it is a range such as 二三十 (approximate)."""
    if match["ar"]:
        return _parse_arabic(match["ar"]), False
    if match["en"]:
        return parse_english_number(match["en"]), False
    value = parse_chinese_number(match["zh"])
    if value is not None:
        return value, False
    ranged = _RANGE.fullmatch(match["zh"])
    if ranged and _ZH_DIGITS[ranged[2]] == _ZH_DIGITS[ranged[1]] + 1:
        return float(_ZH_DIGITS[ranged[2]] * (_ZH_SMALL_UNITS | _ZH_BIG_UNITS)[ranged[3]]), True
    return None, False


def parse_number(text: str) -> float | None:
    """The value of a text that is exactly one number in any supported writing, else None."""
    text = text.strip().translate(_FULL_WIDTH)
    match = _NUMBER.fullmatch(text)
    return None if match is None else _parse_match(match)[0]


def _number_at(text: str, match: re.Match[str]) -> NumberSpan | None:
    value, ranged = _parse_match(match)
    if value is None:
        return None
    hedged = bool(_HEDGE_BEFORE.search(text, 0, match.start()))
    return NumberSpan(value, match.start(), match.end(), ranged or hedged)


def find_numbers(text: str) -> list[NumberSpan]:
    """Every number in `text`, in order, with hedges (大概, 多, 左右, about) as `approximate`."""
    text = text.translate(_FULL_WIDTH)
    spans = (_number_at(text, match) for match in _NUMBER.finditer(text))
    return [span for span in spans if span is not None]


def find_quantities(text: str) -> list[Quantity]:
    """Every number followed by a unit, in order; money in 块/毛 is combined (三块五 = 3.5)."""
    text = text.translate(_FULL_WIDTH)
    quantities = []
    pos = 0
    # scan on from the end of each quantity: in 三块五一个G the 五 belongs to the money,
    # so the next number is 一, not 五一
    while match := _NUMBER.search(text, pos):
        number = _number_at(text, match)
        quantity = None if number is None else _quantity_at(text, number)
        if quantity is not None:
            quantities.append(quantity)
        pos = match.end() if quantity is None else quantity.end
    return quantities


def parse_quantity(text: str) -> Quantity | None:
    """The quantity a text consists of ("三十五个G", "0.19元", "forty gigabytes"), else None."""
    text = text.strip()
    found = find_quantities(text)
    if len(found) == 1 and found[0].start == 0 and found[0].end == len(text):
        return found[0]
    return None


def _quantity_at(text: str, number: NumberSpan) -> Quantity | None:
    pos = number.end
    approximate = number.approximate
    if hedge := _HEDGE_BETWEEN.match(text, pos):
        pos, approximate = hedge.end(), True
    if measure := _MEASURE_WORD.match(text, pos):
        pos = measure.end()
    found = _unit_at(text, pos, number.start)
    if found is None:
        return None
    unit, scale, end = found
    value = number.value * scale
    if unit is Unit.YUAN:
        value, end = _add_small_change(text, value, end, scale)
    if after := _HEDGE_AFTER.match(text, end):
        end, approximate = after.end(), True
    return Quantity(round(value, 6), unit, number.start, end, approximate)


def _unit_at(text: str, pos: int, number_start: int) -> tuple[Unit, float, int] | None:
    for pattern, unit, scale in _UNITS:
        match = pattern.match(text, pos)
        if match is None:
            continue
        if match[0].strip() == "条" and "短信" not in text[max(0, number_start - 4) : number_start]:
            return None  # 一条宽带 is not an SMS; 短信一百条 is
        return unit, scale, match.end()
    return None


def _add_small_change(text: str, value: float, end: int, scale: float) -> tuple[float, int]:
    """三块五 → 3.5, 一块二毛五 → 1.25, 一毛九 → 0.19: the spoken digits after 块 or 毛."""
    unit_text = text[end - 2 : end]
    if scale == 1.0 and "块" in unit_text and (jiao := _JIAO_AFTER_KUAI.match(text, end)):
        value += _ZH_DIGITS[jiao[0][0]] / 10
        end = jiao.end()
        scale = 0.1
    if scale == 0.1 and (fen := _FEN_AFTER_JIAO.match(text, end)):
        value += _ZH_DIGITS[fen[0][0]] / 100
        end = fen.end()
    return value, end
