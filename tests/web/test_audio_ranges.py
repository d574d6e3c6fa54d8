"""HTTP Range on the two audio endpoints (a call's recording, a playlist clip's window), on SQLite:
every range form and error, what the audit log records, and that a Range header opens no door.

The range logic is `tiexin.web.byte_ranges`, shared by both endpoints, so the HTTP tests run
once per endpoint.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.web.conftest import Web, _build
from tiexin.adapters.storage.tables import audit_log
from tiexin.web.byte_ranges import (
    ByteRange,
    RangeNotSatisfiable,
    begins_playback,
    requested_range,
)

SIZE = 1000
# API tokens per (database folder, user): signing in hashes a password, too slow per request.
_TOKENS: dict[tuple[Path, str], dict[str, str]] = {}


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("bytes=0-99", ByteRange(0, 100)),
        ("bytes=100-100", ByteRange(100, 101)),
        ("bytes=900-", ByteRange(900, SIZE)),
        ("bytes=-100", ByteRange(900, SIZE)),
        ("bytes=-5000", ByteRange(0, SIZE)),  # a suffix longer than the body is all of it
        ("bytes=990-5000", ByteRange(990, SIZE)),  # the last position is clipped to the end
        ("BYTES=0-0", ByteRange(0, 1)),
        ("bytes= 10-19 ,", ByteRange(10, 20)),  # empty list elements are allowed
        ("bytes=0010-0019", ByteRange(10, 20)),
        ("bytes=0-1,5-9", None),  # several ranges: the whole body
        ("bytes=5-1", None),  # last before first: invalid, ignored
        ("bytes=-", None),
        ("bytes=", None),
        ("bytes=a-b", None),
        ("bytes=1.5-2", None),
        ("bytes=+1-2", None),
        ("items=0-9", None),
        ("0-9", None),
    ],
)
def test_a_range_header_is_read_as_rfc_9110_says(header: str | None, expected: object) -> None:
    assert requested_range(header, SIZE) == expected


@pytest.mark.parametrize(
    ("header", "size"),
    [
        ("bytes=1000-", SIZE),
        ("bytes=5000-6000", SIZE),
        ("bytes=-0", SIZE),
        ("bytes=0-", 0),
        ("bytes=-10", 0),
        (f"bytes={'9' * 5000}-", SIZE),  # longer than int() reads
    ],
)
def test_a_range_holding_no_byte_is_not_satisfiable(header: str, size: int) -> None:
    with pytest.raises(RangeNotSatisfiable):
        requested_range(header, size)


@pytest.mark.parametrize(
    ("header", "begins"),
    [
        (None, True),
        ("bytes=0-", True),
        ("bytes=0-99", True),
        ("bytes=-500", True),  # may cover the whole body
        ("bytes=0-9,100-199", True),  # answered with the whole body
        ("nonsense", True),
        ("bytes=1000-", False),
        ("bytes=1-", False),
        ("bytes=65536-131071", False),
    ],
)
def test_only_a_request_that_may_deliver_the_first_byte_begins_a_playback(
    header: str | None, begins: bool
) -> None:
    assert begins_playback(header) is begins


@dataclass
class Endpoint:
    url: str
    action: str  # the audit entry of a playback
    resource_id: str
    whole: bytes


@pytest.fixture(scope="module")
def sqlite_web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    folder: Path = tmp_path_factory.mktemp("ranges")
    yield from _build(f"sqlite:///{folder / 'var' / 'tiexin.db'}", folder)


def _clip_url(web: Web, clip_id: int | None = None) -> tuple[str, int]:
    """A new playlist with one clip: its audio URL (or that of `clip_id` in it) and its id."""
    inspector = _token(web, "inspector")
    client = TestClient(web.app)
    created = client.post("/api/v1/playlists", json={"title": "Range"}, headers=inspector)
    playlist_id = created.json()["id"]
    clip = {"call_id": web.seeded.audio_call_ids[0], "start_s": 2, "end_s": 8, "example": "good"}
    added = client.post(f"/api/v1/playlists/{playlist_id}/clips", json=clip, headers=inspector)
    assert added.status_code == 201, added.text
    clip_id = clip_id or added.json()["id"]
    return f"/api/v1/playlists/{playlist_id}/clips/{clip_id}/audio", playlist_id


@pytest.fixture(scope="module", params=["call", "clip"])
def endpoint(request: pytest.FixtureRequest, sqlite_web: Web) -> Endpoint:
    if request.param == "call":
        call_id = sqlite_web.seeded.audio_call_ids[1]
        url, action, resource_id = f"/api/v1/calls/{call_id}/audio", "audio.play", call_id
    else:
        url, playlist_id = _clip_url(sqlite_web)
        action, resource_id = "playlist.clip_played", str(playlist_id)
    whole = _get(sqlite_web, url)
    assert whole.status_code == 200 and whole.content[:4] == b"RIFF"
    return Endpoint(url, action, resource_id, whole.content)


def _get(web: Web, url: str, username: str = "supervisor", **headers: str) -> httpx.Response:
    return TestClient(web.app).get(url, headers=_token(web, username) | headers)


def _token(web: Web, username: str) -> dict[str, str]:
    key = (web.folder, username)
    if key not in _TOKENS:
        _TOKENS[key] = web.token(username)
    return _TOKENS[key]


def _audits(web: Web, endpoint: Endpoint) -> int:
    with web.engine.connect() as connection:
        count = connection.execute(
            select(func.count())
            .select_from(audit_log)
            .where(
                (audit_log.c.action == endpoint.action)
                & (audit_log.c.resource_id == endpoint.resource_id)
            )
        ).scalar_one()
    return int(count)


def test_the_whole_body_says_ranges_are_accepted(sqlite_web: Web, endpoint: Endpoint) -> None:
    response = _get(sqlite_web, endpoint.url)
    assert response.status_code == 200
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["content-type"] == "audio/wav"
    assert int(response.headers["content-length"]) == len(endpoint.whole)
    assert "content-range" not in response.headers


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=1000-", 1000, None),
        ("bytes=-500", -500, None),
        ("bytes=44-44", 44, 44),
    ],
)
def test_one_range_is_206_partial_content(
    sqlite_web: Web, endpoint: Endpoint, header: str, first: int, last: int | None
) -> None:
    size = len(endpoint.whole)
    start = first % size
    stop = size if last is None else last + 1
    response = _get(sqlite_web, endpoint.url, Range=header)
    assert response.status_code == 206, response.text
    assert response.headers["content-range"] == f"bytes {start}-{stop - 1}/{size}"
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["content-type"] == "audio/wav"
    assert int(response.headers["content-length"]) == stop - start
    assert response.content == endpoint.whole[start:stop]


def test_a_range_past_the_end_is_clipped_to_it(sqlite_web: Web, endpoint: Endpoint) -> None:
    size = len(endpoint.whole)
    response = _get(sqlite_web, endpoint.url, Range=f"bytes={size - 10}-{size * 2}")
    assert response.status_code == 206
    assert response.headers["content-range"] == f"bytes {size - 10}-{size - 1}/{size}"
    assert response.content == endpoint.whole[-10:]
    longer = _get(sqlite_web, endpoint.url, Range=f"bytes=-{size * 2}")
    assert longer.status_code == 206 and longer.content == endpoint.whole
    assert longer.headers["content-range"] == f"bytes 0-{size - 1}/{size}"


@pytest.mark.parametrize("header", ["bytes={size}-", "bytes={size}-{size}", "bytes=-0"])
def test_a_range_holding_no_byte_is_416(sqlite_web: Web, endpoint: Endpoint, header: str) -> None:
    size = len(endpoint.whole)
    before = _audits(sqlite_web, endpoint)
    response = _get(sqlite_web, endpoint.url, Range=header.format(size=size))
    assert response.status_code == 416
    assert response.headers["content-range"] == f"bytes */{size}"
    assert response.content == b""
    if header != "bytes=-0":  # a suffix may cover the start, so it is audited before the size
        assert _audits(sqlite_web, endpoint) == before  # nothing was heard


@pytest.mark.parametrize(
    "header", ["bytes=0-9,100-199", "bytes=9-0", "bytes=abc", "pages=0-9", "bytes 0-9"]
)
def test_several_or_invalid_ranges_get_the_whole_body(
    sqlite_web: Web, endpoint: Endpoint, header: str
) -> None:
    response = _get(sqlite_web, endpoint.url, Range=header)
    assert response.status_code == 200
    assert response.content == endpoint.whole and "content-range" not in response.headers


def test_if_range_applies_the_range_only_while_the_body_is_unchanged(
    sqlite_web: Web, endpoint: Endpoint
) -> None:
    stale = _get(sqlite_web, endpoint.url, Range="bytes=0-9", **{"If-Range": '"stale"'})
    assert stale.status_code == 200 and stale.content == endpoint.whole
    etag = _get(sqlite_web, endpoint.url).headers.get("etag")
    if etag is None:
        return  # a clip is cut anew for each request: no validator, so If-Range never matches
    same = _get(sqlite_web, endpoint.url, Range="bytes=0-9", **{"If-Range": etag})
    assert same.status_code == 206 and same.content == endpoint.whole[:10]


def test_a_playback_with_seeks_is_audited_once(sqlite_web: Web, endpoint: Endpoint) -> None:
    """Regression against one audit entry per range request: a player starts at byte 0 and
    asks for later offsets as the listener seeks."""
    before = _audits(sqlite_web, endpoint)
    size = len(endpoint.whole)
    for header in ("bytes=0-", f"bytes={size // 2}-", f"bytes={size // 4}-", "bytes=100-199"):
        assert _get(sqlite_web, endpoint.url, Range=header).status_code == 206
    assert _audits(sqlite_web, endpoint) == before + 1
    assert _get(sqlite_web, endpoint.url).status_code == 200  # a new playback
    assert _get(sqlite_web, endpoint.url, Range="bytes=-100").status_code == 206
    assert _audits(sqlite_web, endpoint) == before + 3


@pytest.mark.parametrize(("username", "status"), [("admin", 403), ("manager", 403), ("agent", 404)])
def test_a_range_header_does_not_let_a_role_that_may_not_listen_hear_the_call(
    sqlite_web: Web, username: str, status: int
) -> None:
    call_id = sqlite_web.seeded.other_call_id
    assert call_id in sqlite_web.seeded.audio_call_ids
    url = f"/api/v1/calls/{call_id}/audio"
    endpoint = Endpoint(url, "audio.play", call_id, b"")
    before = _audits(sqlite_web, endpoint)
    for header in ("bytes=0-99", "bytes=1000-", "bytes=-100", "bytes=0-1,5-6"):
        response = _get(sqlite_web, url, username, Range=header)
        assert response.status_code == status
        assert "content-range" not in response.headers and b"RIFF" not in response.content
    assert _audits(sqlite_web, endpoint) == before


def test_a_range_header_does_not_open_a_clip_to_a_role_without_playlists(
    sqlite_web: Web,
) -> None:
    url, playlist_id = _clip_url(sqlite_web)
    endpoint = Endpoint(url, "playlist.clip_played", str(playlist_id), b"")
    for header in ("bytes=0-99", "bytes=-100"):
        assert _get(sqlite_web, url, "admin", Range=header).status_code == 403
    assert _audits(sqlite_web, endpoint) == 0
    missing, _ = _clip_url(sqlite_web, clip_id=999_999)
    assert _get(sqlite_web, missing, "inspector", Range="bytes=0-99").status_code == 404
