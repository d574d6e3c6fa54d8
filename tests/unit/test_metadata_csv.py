from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tiexin.domain.calls import CallMetadata, Direction
from tiexin.domain.errors import InputError
from tiexin.services.metadata_csv import MetadataRow, read_metadata

HEADER = "call_id,file,start_time,direction,line,agent_id,customer_msisdn,duration_s,language"
GOOD = "A-1,a1.wav,2025-03-04T10:59:50+08:00,inbound,10088,E01,13800138000,62.5,zh"


def write(tmp_path: Path, *lines: str, name: str = "calls.csv", bom: bool = False) -> Path:
    path = tmp_path / name
    path.write_text(("\ufeff" if bom else "") + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_reads_good_rows(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER,
        GOOD,
        "B-2,sub/b2.wav,2025-03-05T08:00:00,outbound,4008,E02,,,",
    )
    rows = list(read_metadata(path))
    assert rows == [
        MetadataRow(
            line=2,
            metadata=CallMetadata(
                call_id="A-1",
                file="a1.wav",
                start_time=datetime(2025, 3, 4, 10, 59, 50, tzinfo=timezone(timedelta(hours=8))),
                direction=Direction.INBOUND,
                line="10088",
                agent_id="E01",
                customer_msisdn="13800138000",
                duration_s=62.5,
                language="zh",
            ),
            call_id="A-1",
            file="a1.wav",
            error=None,
        ),
        MetadataRow(
            line=3,
            metadata=CallMetadata(
                call_id="B-2",
                file="sub/b2.wav",
                start_time=datetime(2025, 3, 5, 8, 0, 0),
                direction=Direction.OUTBOUND,
                line="4008",
                agent_id="E02",
                customer_msisdn=None,
                duration_s=None,
                language=None,
            ),
            call_id="B-2",
            file="sub/b2.wav",
            error=None,
        ),
    ]


def test_values_are_stripped_and_column_order_is_free(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "agent_id,line,direction,start_time,file,call_id",
        " E01 , 10088 , outbound ,2025-03-04T10:00:00+08:00, a.wav , A-1 ",
    )
    (row,) = read_metadata(path)
    assert row.error is None and row.metadata is not None
    assert (row.metadata.call_id, row.metadata.file, row.metadata.agent_id) == (
        "A-1",
        "a.wav",
        "E01",
    )
    assert row.metadata.direction is Direction.OUTBOUND
    assert row.metadata.language is None and row.metadata.duration_s is None


def test_language_column_is_optional(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "call_id,file,start_time,direction,line,agent_id",
        "A-1,a.wav,2025-03-04T10:00:00,inbound,10088,E01",
    )
    (row,) = read_metadata(path)
    assert row.error is None and row.metadata is not None
    assert row.metadata.language is None


@pytest.mark.parametrize("language", ["zh", "en"])
def test_language_column_is_read(tmp_path: Path, language: str) -> None:
    path = write(tmp_path, HEADER, GOOD.removesuffix("zh") + language)
    (row,) = read_metadata(path)
    assert row.metadata is not None and row.metadata.language == language


def test_bom_prefixed_csv(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER, GOOD, bom=True)
    (row,) = read_metadata(path)
    assert row.error is None
    assert row.call_id == "A-1"


def test_no_data_rows(tmp_path: Path) -> None:
    assert list(read_metadata(write(tmp_path, HEADER))) == []


@pytest.mark.parametrize(
    ("header", "missing"),
    [
        ("file,start_time,direction,line,agent_id", "call_id"),
        ("call_id,file,start_time,line", "direction, agent_id"),
        ("callid,File,start_time,direction,line,agent_id", "call_id, file"),
    ],
)
def test_missing_required_columns(tmp_path: Path, header: str, missing: str) -> None:
    path = write(tmp_path, header, "x,y,z")
    with pytest.raises(InputError) as caught:
        list(read_metadata(path))
    assert str(caught.value) == f"{path}:1: missing columns: {missing}"
    assert caught.value.line == 1
    assert caught.value.source == str(path)


def test_empty_file_misses_every_column(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match=r"empty\.csv:1: missing columns: call_id, file, "):
        list(read_metadata(path))


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.csv"
    with pytest.raises(InputError) as caught:
        list(read_metadata(path))
    assert str(caught.value) == f"{path}: metadata file not found"


def test_directory_is_not_a_metadata_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="metadata file not found"):
        list(read_metadata(tmp_path))


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (",a.wav,2025-03-04T10:00:00,inbound,10088,E01,,,", "field call_id: missing"),
        ("A-1,,2025-03-04T10:00:00,inbound,10088,E01,,,", "field file: missing"),
        ("A-1,a.wav,,inbound,10088,E01,,,", "field start_time: missing"),
        ("A-1,a.wav,2025-03-04T10:00:00,,10088,E01,,,", "field direction: missing"),
        ("A-1,a.wav,2025-03-04T10:00:00,inbound,,E01,,,", "field line: missing"),
        ("A-1,a.wav,2025-03-04T10:00:00,inbound,10088,  ,,,", "field agent_id: missing"),
        (
            "A-1,a.wav,04/03/2025 10:00,inbound,10088,E01,,,",
            "field start_time: '04/03/2025 10:00' is not an ISO 8601 time "
            "(2025-03-04T10:59:50+08:00)",
        ),
        (
            "A-1,a.wav,2025-13-04T10:00:00,inbound,10088,E01,,,",
            "field start_time: '2025-13-04T10:00:00' is not an ISO 8601 time",
        ),
        (
            "A-1,a.wav,2025-03-04T10:00:00,INBOUND,10088,E01,,,",
            "field direction: 'INBOUND' is not one of inbound, outbound",
        ),
        (
            "A-1,a.wav,2025-03-04T10:00:00,in,10088,E01,,,",
            "field direction: 'in' is not one of inbound, outbound",
        ),
        (
            "A-1,a.wav,2025-03-04T10:00:00,inbound,10088,E01,,1m30s,",
            "field duration_s: '1m30s' is not a number of seconds",
        ),
        (
            "A-1,a.wav,2025-03-04T10:00:00,inbound,10088,E01,,-1,",
            "field duration_s: '-1' must be a finite number, zero or more",
        ),
        (
            "A-1,a.wav,2025-03-04T10:00:00,inbound,10088,E01,,nan,",
            "field duration_s: 'nan' must be a finite number, zero or more",
        ),
        (
            "A-1,a.wav,2025-03-04T10:00:00,inbound,10088,E01,,,cn",
            "field language: 'cn' is not one of zh, en",
        ),
        (
            "A-1,a.wav,2025-03-04T10:00:00,inbound,10088,E01,,,ZH",
            "field language: 'ZH' is not one of zh, en",
        ),
    ],
)
def test_malformed_field(tmp_path: Path, row: str, reason: str) -> None:
    path = write(tmp_path, HEADER, GOOD, row, GOOD.replace("A-1", "C-3"))
    rows = list(read_metadata(path))
    assert [r.line for r in rows] == [2, 3, 4]
    assert rows[0].error is None and rows[2].error is None
    bad = rows[1]
    assert bad.metadata is None
    assert bad.error is not None
    assert bad.error.startswith(f"{path}:3: {reason}")
    fields = row.split(",")
    assert bad.call_id == (fields[0] or None)
    assert bad.file == (fields[1] or None)


def test_zero_duration_is_accepted(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER, "A-1,a.wav,2025-03-04T10:00:00,inbound,10088,E01,,0,")
    (row,) = read_metadata(path)
    assert row.error is None and row.metadata is not None
    assert row.metadata.duration_s == 0.0


def test_line_numbers_count_the_header_and_quoted_newlines(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER,
        'A-1,"a\nb.wav",2025-03-04T10:00:00,inbound,10088,E01,,,',
        "B-2,b.wav,2025-03-04T10:00:00,sideways,10088,E01,,,",
    )
    rows = list(read_metadata(path))
    assert rows[0].error is None and rows[0].file == "a\nb.wav"
    assert rows[1].error is not None
    assert rows[1].error.startswith(f"{path}:4: field direction: 'sideways'")
    assert (rows[1].call_id, rows[1].file) == ("B-2", "b.wav")


def test_short_row_reports_missing_fields(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER, "A-1,a.wav,2025-03-04T10:00:00,inbound")
    (row,) = read_metadata(path)
    assert row.error == f"{path}:2: field line: missing"
    assert (row.call_id, row.file) == ("A-1", "a.wav")


def test_infinite_duration_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER, "A-1,a.wav,2025-03-04T10:00:00,inbound,10088,E01,,inf,")
    (row,) = read_metadata(path)
    assert row.error is not None
    assert "field duration_s: 'inf'" in row.error
