"""The care CSV files read in blocks of whole lines into Arrow columns, checked column by column.

A block is `batch_size` physical lines. Arrow's CSV parser splits it into fields and
`care_csv_columns` checks them; the rows it cannot vouch for go through the row parser of
`care_csv`, so errors read exactly as before. Line numbers are physical lines, so a block is
read by Arrow only when each of its rows is one line (blank lines, which both skip, aside): no
line break inside a quoted field, no lone carriage return, no NUL, the same number of fields on
every line. Any other block (rare in billing exports) is read by Python's csv module, as the
whole file was before, from the block's first line; a quoted field may carry it past the
block's end. A header that is not one line sends the whole file that way.

One block is in memory at a time, as Arrow columns, however long the file.
"""

from __future__ import annotations

import csv
import io
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from tiexin.services.care_csv import (
    CsvSpec,
    RowError,
    Values,
    check_header,
    parse_csv,
    parse_records,
    parse_row,
)
from tiexin.services.care_csv_columns import arrow_schema, check, strip

_BOM = b"\xef\xbb\xbf"
_READ_BYTES = 1 << 20
_BLOCK_BYTES = 64 << 20  # a block stops short of batch_size lines past this size


@dataclass(slots=True)
class ColumnBatch:
    # the good rows, one column per field (`arrow_schema`) but the optional fields the header
    # lacks (the stored values of those stay as they are), each key once
    rows: pa.Table
    errors: list[RowError]
    lines: int  # data rows read in this batch, good and bad


def read_batches(
    handle: BinaryIO, spec: CsvSpec, *, file: str, batch_size: int
) -> Iterator[ColumnBatch]:
    """Batches of good rows and row errors, in file order, from a seekable binary file. Within
    a batch a repeated key keeps its last row; across batches the later batch is stored later,
    so the last row of the file wins either way."""
    source = _Source(handle)
    header = _header(source.line(limit=_READ_BYTES))
    if header is None:
        yield from _whole_file_in_python(handle, spec, file=file, batch_size=batch_size)
        return
    check_header(header, spec, file=file)
    yield from _without_absent(_blocks(source, header, spec, file, batch_size), header, spec)


def _without_absent(
    batches: Iterator[ColumnBatch], header: list[str], spec: CsvSpec
) -> Iterator[ColumnBatch]:
    """The batches without the columns of the optional fields the header lacks: a file that
    does not have a column must not overwrite what is stored with nothing."""
    absent = [f.name for f in spec.fields if f.optional and f.name not in header]
    for batch in batches:
        yield ColumnBatch(batch.rows.drop_columns(absent), batch.errors, batch.lines)


def _blocks(
    source: _Source, header: list[str], spec: CsvSpec, file: str, batch_size: int
) -> Iterator[ColumnBatch]:
    reader = _BlockReader(header, spec, file)
    first_line = 2
    while block := source.lines(batch_size):
        batch = reader.arrow(block, first_line)
        if batch is not None:
            first_line += block.count(b"\n") + (not block.endswith(b"\n"))
        else:
            batch, lines = reader.python(block, first_line, source)
            first_line += lines
        if batch.lines:
            yield batch


class _Source:
    """A binary file handed out in whole lines (ending in b"\\n", but for the last)."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        self._buffer = b""
        self._at_end = False

    def lines(self, count: int) -> bytes:
        """Up to `count` lines (fewer past _BLOCK_BYTES); b"" at the end of the file."""
        ends = self._line_ends()
        while len(ends) < count and not self._at_end:
            if len(self._buffer) > _BLOCK_BYTES and len(ends):
                break
            self._read()
            ends = self._line_ends()
        if len(ends) >= count:
            cut = int(ends[count - 1]) + 1
        elif self._at_end:
            cut = len(self._buffer)
        else:
            cut = int(ends[-1]) + 1
        block, self._buffer = self._buffer[:cut], self._buffer[cut:]
        return block

    def line(self, limit: int | None = None) -> bytes:
        """The next line; b"" at the end of the file. With `limit`, a line not ended within
        `limit` bytes is returned unended."""
        while not self._at_end and b"\n" not in self._buffer:
            if limit is not None and len(self._buffer) >= limit:
                return self._buffer
            self._read()
        cut = self._buffer.find(b"\n") + 1 or len(self._buffer)
        line, self._buffer = self._buffer[:cut], self._buffer[cut:]
        return line

    def _line_ends(self) -> npt.NDArray[np.intp]:
        return np.flatnonzero(np.frombuffer(self._buffer, np.uint8) == ord("\n"))

    def _read(self) -> None:
        data = self._handle.read(_READ_BYTES)
        self._buffer += data
        self._at_end = not data


def _header(line: bytes) -> list[str] | None:
    """The column names of a header that is one line (as csv.DictReader reads them, quotes
    undone, unstripped); None for anything else."""
    line = line.removeprefix(_BOM)
    if not line.endswith(b"\n") or b"\0" in line:
        return None
    text = line.decode("utf-8")
    if "\r" in text.removesuffix("\r\n") or not text.strip("\r\n"):
        return None
    reader = csv.reader([text, "\n"])
    names = next(reader)
    return names if reader.line_num == 1 else None  # else a quoted name goes on


def _whole_file_in_python(
    handle: BinaryIO, spec: CsvSpec, *, file: str, batch_size: int
) -> Iterator[ColumnBatch]:
    handle.seek(0)
    lines = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
    schema = arrow_schema(spec)
    try:
        header = next(csv.reader(lines), [])
        lines.seek(0)
        batches = (
            ColumnBatch(pa.Table.from_pylist(batch.rows, schema=schema), batch.errors, batch.lines)
            for batch in parse_csv(lines, spec, file=file, batch_size=batch_size)
        )
        yield from _without_absent(batches, header, spec)
    finally:
        lines.detach()  # the caller closes the file


class _BlockReader:
    def __init__(self, header: list[str], spec: CsvSpec, file: str) -> None:
        self._header, self._spec, self._file = header, spec, file
        self._schema = arrow_schema(spec)
        self._names = [f"c{i}" for i in range(len(header))]  # Arrow's names of the columns
        # a name given twice: csv.DictReader keeps the last column
        column = {name: self._names[i] for i, name in enumerate(header)}
        self._wanted = {f.name: column[f.name] for f in spec.fields if f.name in column}

    def arrow(self, block: bytes, first_line: int) -> ColumnBatch | None:
        """The block's rows through Arrow, or None if the block cannot be read that way."""
        lengths = _line_lengths(block)
        # Python's csv module refuses a field that long: let it say so
        if not _one_row_a_line(block) or lengths.max() > csv.field_size_limit():
            return None
        quoted = b'"' in block
        texts = self._split(block, quoted)
        row_lines = first_line + np.flatnonzero(lengths)  # blank lines are skipped by both
        if texts is None or len(next(iter(texts.values()))) != len(row_lines):
            return None
        if quoted and any(pc.any(pc.match_substring(t, "\n")).as_py() for t in texts.values()):
            return None  # a quoted field left open at the block's end
        stripped = {name: strip(texts[column]) for name, column in self._wanted.items()}
        return self._through_checks(stripped, row_lines)

    def _split(self, block: bytes, quoted: bool) -> dict[str, pa.Array] | None:
        """The block's fields by column (all of them if `quoted`, to find a quote left open
        in any), or None if Arrow cannot read it as rows of the header's width."""
        include = self._names if quoted else list(self._wanted.values())
        convert = pcsv.ConvertOptions(
            column_types=dict.fromkeys(include, pa.string()), include_columns=include
        )
        parse = pcsv.ParseOptions(newlines_in_values=quoted)
        options = pcsv.ReadOptions(
            column_names=self._names, use_threads=False, block_size=len(block) + 1
        )
        try:
            table = pcsv.read_csv(pa.BufferReader(block), options, parse, convert)
        except pa.ArrowInvalid:  # a row of another width, or bytes that are not UTF-8
            return None
        return {name: table.column(name).combine_chunks() for name in include}

    def _through_checks(
        self, texts: dict[str, pa.Array], row_lines: npt.NDArray[np.int64]
    ) -> ColumnBatch:
        count = len(next(iter(texts.values())))
        good = np.ones(count, np.bool_)
        columns = []
        for field in self._spec.fields:
            if field.name in texts:
                passed, values = check(field, texts[field.name])
                good &= passed
            else:  # an optional column the header lacks
                values = pa.nulls(count, self._schema.field(field.name).type)
            columns.append(values)
        rows = pa.Table.from_arrays(columns, schema=self._schema).filter(pa.array(good))
        lines = row_lines[good]
        # the rows the checks turned away, parsed one by one for their error (or as good rows
        # in a spelling the checks do not read)
        turned_away = np.flatnonzero(~good)
        values = {name: t.take(pa.array(turned_away)).to_pylist() for name, t in texts.items()}
        parsed = [
            (line, parse_row(dict(zip(values, row, strict=True)), self._spec, self._file, line))
            for line, row in zip(
                row_lines[turned_away].tolist(), zip(*values.values(), strict=True), strict=True
            )
        ]
        return self._batch(rows, lines, parsed, count)

    def python(self, block: bytes, first_line: int, source: _Source) -> tuple[ColumnBatch, int]:
        """The block's rows through Python's csv module (reading on into the file while a
        quoted field is open), and the lines read."""
        lines = _PythonLines(block, source)
        reader = csv.DictReader(lines, fieldnames=self._header)
        parsed: list[tuple[int, Values | RowError]] = []
        for line, row in parse_records(
            reader, self._spec, file=self._file, line_offset=first_line - 1
        ):
            parsed.append((line, row))
            if reader.line_num >= lines.in_block and lines.between_lines():
                break
        nothing = self._schema.empty_table(), np.zeros(0, np.int64)
        return self._batch(*nothing, parsed, len(parsed)), reader.line_num

    def _batch(
        self,
        rows: pa.Table,
        lines: npt.NDArray[np.int64],
        parsed: list[tuple[int, Values | RowError]],
        count: int,
    ) -> ColumnBatch:
        """`rows` (at `lines`) and the rows parsed one by one, each key once, and the errors."""
        errors = [row for _, row in parsed if isinstance(row, RowError)]
        good = [(line, row) for line, row in parsed if not isinstance(row, RowError)]
        if good:
            more = pa.Table.from_pylist([row for _, row in good], schema=self._schema)
            rows = pa.concat_tables([rows, more]).combine_chunks()
            lines = np.concatenate([lines, np.array([line for line, _ in good], np.int64)])
        return ColumnBatch(_last_per_key(rows, lines, self._spec.key), errors, count)


def _last_per_key(rows: pa.Table, lines: npt.NDArray[np.int64], key: tuple[str, ...]) -> pa.Table:
    """`rows` less those whose key a later line (`lines`: each row's) repeats."""
    numbered = rows.append_column("_line", pa.array(lines, pa.int64()))
    latest = numbered.group_by(list(key), use_threads=False).aggregate([("_line", "max")])
    if latest.num_rows == rows.num_rows:
        return rows
    return rows.filter(pc.is_in(numbered.column("_line"), value_set=latest.column("_line_max")))


def _one_row_a_line(block: bytes) -> bool:
    """No lone carriage return (a line end to Python) and no NUL (an error to Python); a
    quoted line break shows as fewer rows than filled lines."""
    return b"\0" not in block and (b"\r" not in block or block.count(b"\r") == block.count(b"\r\n"))


def _line_lengths(block: bytes) -> npt.NDArray[np.int64]:
    """The length of each line of `block`, its line end left out."""
    data = np.frombuffer(block, np.uint8)
    ends = np.flatnonzero(data == ord("\n"))
    if not block.endswith(b"\n"):
        ends = np.append(ends, len(data))
    starts = np.concatenate([[0], ends[:-1] + 1])
    carriage = (ends > starts) & (data[np.maximum(ends - 1, 0)] == ord("\r"))
    return np.asarray(ends - starts - carriage, np.int64)


class _PythonLines:
    """The lines of a block and then, as far as they are asked for, of the rest of the file,
    split as Python's text files split them (at \\n, \\r and \\r\\n)."""

    def __init__(self, block: bytes, source: _Source) -> None:
        self._pending = deque(io.StringIO(block.decode("utf-8"), newline=""))
        self.in_block = len(self._pending)
        self._source = source

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        if not self._pending:
            more = self._source.line()
            if not more:
                raise StopIteration
            self._pending.extend(io.StringIO(more.decode("utf-8"), newline=""))
        return self._pending.popleft()

    def between_lines(self) -> bool:
        """Whether every line taken from the file so far has been handed out."""
        return not self._pending
