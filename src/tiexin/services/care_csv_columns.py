"""The care CSV fields checked a whole column at a time (Arrow compute and numpy).

A filter in front of the row parser of `care_csv`: a row whose every field passes here is taken
with the values `Field.parse` would give it; any other row goes through `CsvSpec.parse`, which
either finds it good after all (a spelling the filter does not vouch for, such as `+5` or
`2025-W05-1`) or words its error. The filter may turn away good rows, never let a bad one
through, so every message still comes from one place.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from tiexin.services.care_csv import CsvSpec, Field

Mask = npt.NDArray[np.bool_]
# What str.strip() removes: the code points for which str.isspace() is true.
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_PHONE = r"^\+?[0-9]{5,20}$"
# The spellings Arrow's cast reads as Python's float() and int() do; anything else (`1_000`,
# `+5` as a whole number, `nan`, full-width digits) is left to the row parser.
_NUMBER = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"
_WHOLE = r"^-?[0-9]{1,18}$"
_MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
_ARROW_TYPES = {
    "text": pa.string(),
    "phone": pa.string(),
    "choice": pa.string(),
    "day": pa.date32(),
    "month": pa.date32(),
    "number": pa.float64(),
    "whole": pa.int64(),
}


def arrow_schema(spec: CsvSpec) -> pa.Schema:
    """The columns of a parsed file kind, one per field in the fields' order."""
    return pa.schema([(f.name, _ARROW_TYPES[f.kind]) for f in spec.fields])


def strip(texts: pa.Array) -> pa.Array:
    """`str.strip()` of every value."""
    return pc.utf8_trim(texts, characters=WHITESPACE)


def check(field: Field, texts: pa.Array) -> tuple[Mask, pa.Array]:
    """Which rows surely hold a good `field` (stripped `texts`), and the field's values (null
    where empty; meaningless where not good)."""
    empty = np.asarray(pc.equal(pc.binary_length(texts), 0))
    good, values = _checks[field.kind](field, texts)
    if not field.optional:
        return good & ~empty, values
    return good | empty, pc.if_else(pa.array(empty), pa.scalar(None, values.type), values)


def _text(field: Field, texts: pa.Array) -> tuple[Mask, pa.Array]:
    if field.max_length is None:
        return np.ones(len(texts), np.bool_), texts
    return np.asarray(pc.less_equal(pc.utf8_length(texts), field.max_length)), texts


def _phone(field: Field, texts: pa.Array) -> tuple[Mask, pa.Array]:
    return np.asarray(pc.match_substring_regex(texts, _PHONE)), texts


def _choice(field: Field, texts: pa.Array) -> tuple[Mask, pa.Array]:
    return np.asarray(pc.is_in(texts, value_set=pa.array(field.options))), texts


def _number(field: Field, texts: pa.Array) -> tuple[Mask, pa.Array]:
    values, good = _cast(texts, _NUMBER, pa.float64())
    numbers = values.to_numpy(zero_copy_only=False)
    with np.errstate(invalid="ignore"):
        good &= np.isfinite(numbers)
        if field.minimum is not None:
            good &= numbers >= field.minimum
    return good, values


def _whole(field: Field, texts: pa.Array) -> tuple[Mask, pa.Array]:
    values, good = _cast(texts, _WHOLE, pa.int64())
    numbers = values.to_numpy(zero_copy_only=False)
    least = 0 if field.minimum is None else field.minimum
    return good & (numbers >= least) & (numbers <= field.maximum), values


def _cast(texts: pa.Array, pattern: str, to: pa.DataType) -> tuple[pa.Array, Mask]:
    spelled = pc.match_substring_regex(texts, pattern)
    values = pc.cast(pc.if_else(spelled, texts, "0"), to)
    return values, np.asarray(spelled)


def _day(field: Field, texts: pa.Array) -> tuple[Mask, pa.Array]:
    """YYYY-MM-DD, a real day: what date.fromisoformat() reads from ten ASCII characters."""
    good, digits = _fixed_width(texts, "NNNN-NN-NN")
    year, month, day = _number_at(digits, 0, 4), _number_at(digits, 5, 2), _number_at(digits, 8, 2)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_days = _MONTH_DAYS[np.clip(month, 1, 12) - 1] + (leap & (month == 2))
    good &= (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= month_days)
    year, month, day = np.where(good, year, 1970), np.where(good, month, 1), np.where(good, day, 1)
    return good, _dates(year, month, day)


def _month(field: Field, texts: pa.Array) -> tuple[Mask, pa.Array]:
    """YYYY-MM as its first day."""
    good, digits = _fixed_width(texts, "NNNN-NN")
    year, month = _number_at(digits, 0, 4), _number_at(digits, 5, 2)
    good &= (year >= 1) & (month >= 1) & (month <= 12)
    return good, _dates(np.where(good, year, 1970), np.where(good, month, 1), 1)


def _fixed_width(texts: pa.Array, shape: str) -> tuple[Mask, npt.NDArray[np.int64]]:
    """Which values are `shape` (N: an ASCII digit, else that character) and their bytes less
    b"0" (so digits are their numbers), read straight from the Arrow buffers."""
    width = len(shape)
    _, offset_buffer, data_buffer = texts.buffers()
    offsets = np.frombuffer(offset_buffer, np.int32)[texts.offset : texts.offset + len(texts) + 1]
    data = np.frombuffer(data_buffer, np.uint8) if data_buffer is not None else np.zeros(0)
    padded = np.concatenate([data.astype(np.int64), np.zeros(width, np.int64)])
    starts = offsets[:-1]
    sized = (offsets[1:] - starts == width) & np.asarray(texts.is_valid())
    digits = padded[np.where(sized, starts, 0)[:, None] + np.arange(width)] - ord("0")
    pattern = np.array([ord(c) - ord("0") for c in shape])
    number = pattern == ord("N") - ord("0")
    good = sized & np.all(
        np.where(number, (digits >= 0) & (digits <= 9), digits == pattern), axis=1
    )
    return good, digits


def _number_at(digits: npt.NDArray[np.int64], start: int, count: int) -> npt.NDArray[np.int64]:
    weights = 10 ** np.arange(count - 1, -1, -1)
    return np.asarray(digits[:, start : start + count] @ weights, dtype=np.int64)


def _dates(year: Any, month: Any, day: Any) -> pa.Array:
    months = ((np.asarray(year) - 1970) * 12 + np.asarray(month) - 1).astype("datetime64[M]")
    days = months.astype("datetime64[D]") + (np.asarray(day) - 1)
    return pa.array(days, pa.date32())


_checks = {
    "text": _text,
    "phone": _phone,
    "choice": _choice,
    "day": _day,
    "month": _month,
    "number": _number,
    "whole": _whole,
}
