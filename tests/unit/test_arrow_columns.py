"""Arrow columns as numpy columns: text of every shape Arrow hands over reads back as written."""

from __future__ import annotations

import pyarrow as pa
import pytest

from tiexin.adapters.storage.columns import LABEL, TEXT, _numpy_from_arrow

CASES = [
    ["C00000001", "C2", None, ""],  # ASCII ids: converted without Python strings
    ["张三", "Li", None, "林晓"],  # not ASCII
    [None, None],
    [],
]


@pytest.mark.parametrize("values", CASES)
@pytest.mark.parametrize("kind", [TEXT, LABEL])
@pytest.mark.parametrize("arrow_type", [pa.string(), pa.large_string()])
def test_text_reads_back_with_nulls_as_empty(
    values: list[str | None], kind: str, arrow_type: pa.DataType
) -> None:
    # two chunks, the second a slice with an offset into its buffers, as the drivers give them
    padded = pa.array(["skipped", *values[1:]], arrow_type).slice(1)
    column = pa.chunked_array([pa.array(values[:1], arrow_type), padded], arrow_type)
    result = _numpy_from_arrow(column, kind)
    assert result.dtype.kind == "U"
    assert result.tolist() == ["" if v is None else v for v in values]


@pytest.mark.parametrize("arrow_type", [pa.string(), pa.large_string()])
def test_ids_of_one_length_read_back_from_a_slice(arrow_type: pa.DataType) -> None:
    # one chunk, a slice: its values start past the beginning of the data buffer
    ids = ["C00000001", "C00000002", "C00000003"]
    column = pa.chunked_array([pa.array(["C99999999", *ids, "C1"], arrow_type).slice(1, 3)])
    assert _numpy_from_arrow(column, TEXT).tolist() == ids
