"""The column reader of the care CSV files gives what the row-by-row parser gives: the same
rows (the last of a repeated key), the same errors at the same lines, on randomly corrupted
files, whatever the batch size."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tiexin.services.care_csv import (
    CUSTOMERS,
    INT32_MAX,
    INT64_MAX,
    STAFF,
    USAGE,
    CsvSpec,
    Field,
    HeaderError,
    RowError,
    parse_csv,
)
from tiexin.services.care_csv_columns import WHITESPACE, check, strip
from tiexin.services.care_csv_reader import _line_lengths, read_batches

GOOD = {
    "text": ["C1", "C2", "C3", "张三", " 岚城 ", "\u3000青石县", 'a"b', "a,b", "x" * 32],
    "phone": ["13900000001", "+8613900000001", " 13900000002 ", "12345"],
    "day": ["1980-02-29", "2000-02-29", "2025-12-31", "0999-01-01", "2025-W05-1", "9999-12-31"],
    "month": ["2025-01", "2024-12", "0001-01", "２０２５-０２"],
    "number": ["1.5", "-3", "+5", ".5", "5.", "1e3", "1_000", "-0", "007", "1E-2", "19.86"],
    "whole": ["10", "0", "+5", "007", "1_000", "１２", str(INT32_MAX), "-0"],
    "choice": ["diamond", "gold", "silver", "none", "phone_manager", "account_manager"],
}
BAD = {
    "text": ["", "   ", "x" * 33, "y" * 65],
    "phone": ["139-0000", "1234", "１３９００００００００", "13900000001x", ""],
    "day": ["2025-02-30", "1900-02-29", "2025-13-01", "0000-01-01", "80-1-2", "2025/03/31", ""],
    "month": ["2025-13", "2025-00", "0000-01", "2025-1", "2025-01-01", ""],
    "number": ["nan", "inf", "-inf", "1e400", "abc", "0x10", "1.2.3", "", "-1e-9"],
    "whole": ["-1", "1.5", "1e3", str(INT32_MAX + 1), str(INT64_MAX + 1), "x", ""],
    "choice": ["platinum", "Gold", "", "agent"],
}


def _cell(field: Field | None, key: bool) -> st.SearchStrategy[str]:
    if field is None:  # the extra column
        return st.sampled_from(["", "备注", "note, quoted", '"open'])
    values = [st.sampled_from(GOOD[field.kind]), st.sampled_from(BAD[field.kind])]
    if key:
        values.append(st.sampled_from(["C1", "C2", "C3"]))  # repeated keys
    return st.one_of(values)


@st.composite
def csv_files(draw: st.DrawFn, spec: CsvSpec) -> bytes:
    """A file of `spec` with random good and bad values, layout quirks and a few broken lines."""
    optional = [c for c in spec.optional if draw(st.booleans())]
    columns = draw(st.permutations([*spec.required, *optional]))
    if draw(st.booleans()):
        columns = [*columns, "note"]  # an extra column is ignored
    fields = {f.name: f for f in spec.fields}
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    quote = draw(st.sampled_from(["", '"']))  # some exports quote every name
    lines = [",".join(f"{quote}{c}{quote}" for c in columns)]
    for _ in range(draw(st.integers(0, 25))):
        lines.append(draw(_line([draw(_cell(fields.get(c), c == spec.key[0])) for c in columns])))
    text = newline.join(lines) + draw(st.sampled_from([newline, "", newline + newline]))
    data = text.encode()
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    return data


@st.composite
def _line(draw: st.DrawFn, values: list[str]) -> str:
    quirk = draw(
        st.sampled_from(
            ["plain"] * 6 + ["quoted", "newline", "short", "long", "blank", "spaces", "cr"]
        )
    )
    if quirk == "quoted":  # every field quoted, quotes doubled
        return ",".join('"' + v.replace('"', '""') + '"' for v in values)
    plain = [f'"{v}"' if '"' in v or "," in v else v for v in values]
    match quirk:
        case "newline":  # a line break inside a quoted field
            return ",".join([f'"{plain[0]}\n{plain[0]}"', *plain[1:]])
        case "short":
            return ",".join(plain[:-1])
        case "long":
            return ",".join([*plain, "extra"])
        case "blank":
            return "\n" + ",".join(plain)
        case "spaces":
            return "  "
        case "cr":  # a lone carriage return ends a line for Python's csv module
            return ",".join(plain) + "\r"
    return ",".join(plain)


def _row_by_row(data: bytes, spec: CsvSpec) -> tuple[dict[Any, Any], list[RowError], int]:
    lines = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    stored: dict[Any, Any] = {}
    errors: list[RowError] = []
    read = 0
    # the optional fields the header lacks are left out: what is stored of them stays
    header = next(csv.reader(io.StringIO(data.decode("utf-8-sig", "replace"), newline="")), [])
    absent = {f.name for f in spec.fields if f.optional and f.name not in header}
    for batch in parse_csv(lines, spec, file="f.csv", batch_size=1000):
        for r in batch.rows:
            stored[tuple(r[k] for k in spec.key)] = {k: v for k, v in r.items() if k not in absent}
        errors += batch.errors
        read += batch.lines
    return stored, errors, read


def _by_columns(
    data: bytes, spec: CsvSpec, batch_size: int
) -> tuple[dict[Any, Any], list[RowError], int]:
    stored: dict[Any, Any] = {}
    errors: list[RowError] = []
    read = 0
    for batch in read_batches(io.BytesIO(data), spec, file="f.csv", batch_size=batch_size):
        rows = batch.rows.to_pylist()
        keys = [tuple(r[k] for k in spec.key) for r in rows]
        assert len(set(keys)) == len(keys)  # one upsert never touches a row twice
        stored.update(zip(keys, rows, strict=True))
        errors += batch.errors
        read += batch.lines
    return stored, errors, read


def _outcome(read: Any, data: bytes, spec: CsvSpec, *args: int) -> Any:
    try:
        return read(data, spec, *args)
    except UnicodeDecodeError as error:  # stops the file, as before; the offset differs
        return type(error).__name__
    except (HeaderError, csv.Error) as error:
        return type(error).__name__, str(error)


@pytest.mark.parametrize("spec", [CUSTOMERS, USAGE, STAFF], ids=lambda s: s.name)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_columns_and_rows_read_a_file_alike(spec: CsvSpec, data: st.DataObject) -> None:
    file = data.draw(csv_files(spec))
    batch_size = data.draw(st.integers(1, 8))
    expected = _outcome(_row_by_row, file, spec)
    assert _outcome(_by_columns, file, spec, batch_size) == expected


@pytest.mark.parametrize(
    "file",
    [
        b"",  # no header at all
        b"\n",
        b'"customer_id","month","voice_minutes","data_gb","sms","bill_yuan"\nC1,2025-01,1,1,1,1\n',
        b"customer_id,month,voice_minutes,data_gb,sms,bill_yuan\rC1,2025-01,1,1,1,1\r",
        b"customer_id,month,voice_minutes,data_gb,sms,bill_yuan\nC1,2025-01,1,1,1,1\0\n",
        b"customer_id,month,voice_minutes,data_gb,sms,bill_yuan\nC\xff,2025-01,1,1,1,1\n",
        b"customer_id,month\nC1,2025-01\n",
        b'customer_id,"month\nx",voice_minutes,data_gb,sms,bill_yuan\nC1,2025-01,1,1,1,1\n',
        # a field longer than Python's csv module takes stops the file, as before
        b"customer_id,month,voice_minutes,data_gb,sms,bill_yuan\nC1,2025-01,1,1,1,"
        + b"1" * 140_000
        + b"\n",
        b'customer_id,month,voice_minutes,data_gb,sms,bill_yuan\nC1,2025-01,1,1,1,"1\nC2,2025-01,1,1,1,1\n',
    ],
)
def test_odd_files_read_alike(file: bytes) -> None:
    expected = _outcome(_row_by_row, file, USAGE)
    for batch_size in (1, 2, 1000):
        assert _outcome(_by_columns, file, USAGE, batch_size) == expected


def test_line_numbers_count_physical_lines_across_batches() -> None:
    header = "customer_id,month,voice_minutes,data_gb,sms,bill_yuan"
    lines = [header, "C1,2025-01,1,1,1,1", '"C2","2025-01",1,1,1,"1', '2"', ""]
    lines += [f"C{i},2025-01,1,1,1,1" for i in range(4, 30)] + ["C9,2025-01,-1,1,1,1"]
    lines.insert(5, "C3,2025-13,1,1,1,1")
    data = "\r\n".join(lines).encode()
    _, errors, read = _by_columns(data, USAGE, 3)
    assert read == 30
    assert [(e.line, e.field) for e in errors] == [
        (4, "bill_yuan"),  # the quoted field spans lines 3 and 4: named at its last, as before
        (6, "month"),
        (33, "voice_minutes"),
    ]


def test_a_repeated_key_keeps_the_last_row_within_and_across_batches() -> None:
    header = "customer_id,month,voice_minutes,data_gb,sms,bill_yuan"
    rows = [f"C1,2025-01,{minutes},1,1,1" for minutes in range(1, 8)]
    data = "\n".join([header, *rows, "C1,2025-01,x,1,1,1"]).encode()
    for batch_size in (1, 3, 100):
        stored, errors, read = _by_columns(data, USAGE, batch_size)
        assert stored[("C1", date(2025, 1, 1))]["voice_minutes"] == 7.0
        assert (len(errors), read) == (1, 8)


@pytest.mark.parametrize(
    ("block", "lengths"),
    [
        (b"a\n\nbc\n", [1, 0, 2]),
        (b"\r\na\r\n\r\nbc", [0, 1, 0, 2]),  # CRLF blank lines, the last line unended
        (b"\n", [0]),
        (b" \n", [1]),  # a space is a row (of one empty-looking field), not a blank line
    ],
)
def test_blank_lines_are_told_from_filled_ones(block: bytes, lengths: list[int]) -> None:
    # blank lines are skipped by Arrow as by Python, so a block with them needs no fallback
    assert _line_lengths(block).tolist() == lengths


# ---- the column checks on their own ----

SAMPLES = sorted({v for kind in (*GOOD.values(), *BAD.values()) for v in kind})
FIELDS = [f for spec in (CUSTOMERS, USAGE, STAFF) for f in spec.fields]


def _agree(field: Field, texts: list[str]) -> None:
    good, values = check(field, strip(pa.array(texts, pa.string())))
    for text, passed, value in zip(texts, good, values, strict=True):
        if passed:
            assert field.parse({field.name: text.strip()}) == value.as_py(), text


@pytest.mark.parametrize("field", FIELDS, ids=lambda f: f.name)
def test_the_checks_pass_only_what_the_row_parser_reads_alike(field: Field) -> None:
    _agree(field, SAMPLES)


@pytest.mark.parametrize("field", FIELDS, ids=lambda f: f.name)
@settings(max_examples=60, deadline=None)
@given(
    texts=st.lists(
        st.one_of(
            st.sampled_from(SAMPLES),
            st.from_regex(r"\A[-+ 0-9.eE_]{0,12}\Z"),
            st.text(max_size=12),
        ),
        max_size=20,
    )
)
def test_random_values_the_checks_pass_read_alike(field: Field, texts: list[str]) -> None:
    _agree(field, texts)


def test_strip_removes_what_python_strips() -> None:
    assert "".join(c for c in map(chr, range(0x110000)) if c.isspace()) == WHITESPACE
    texts = [" a ", "\u3000b\u3000", "\x1cc\x85", "\u200bd\u200b", "\t", ""]
    assert strip(pa.array(texts)).to_pylist() == [t.strip() for t in texts]
