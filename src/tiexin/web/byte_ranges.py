"""Single HTTP byte ranges (RFC 9110, section 14) for audio that a browser's player seeks in.

A request for one range gets 206 Partial Content with `Content-Range`; first-last (`bytes=0-99`),
open (`bytes=1000-`) and suffix (`bytes=-500`, the last 500 bytes) ranges are understood. A range
that starts at or past the end is 416 with `Content-Range: bytes */size`. No Range header, one
that does not parse, one asking for several ranges (multipart answers buy a player nothing) or an
`If-Range` that does not match gets the whole body as 200: RFC 9110 lets a server ignore Range.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import Response, StreamingResponse

CHUNK_BYTES = 64 * 1024
_RANGE_SPEC = re.compile(r"(\d*)-(\d*)")
# Positions are capped here, far past any recording: int() refuses very long digit strings.
_BEYOND_ANY_BODY = 10**18

# The OpenAPI description of the answers only a Range header brings, for the routes using this.
RANGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    206: {"description": "Partial Content: the one byte range the Range header asks for"},
    416: {"description": "Range Not Satisfiable: the range starts past the end"},
}


@dataclass(frozen=True)
class _Spec:
    """One range-spec as written: `first` None is a suffix of `last` bytes, `last` None is open."""

    first: int | None
    last: int | None


@dataclass(frozen=True)
class ByteRange:
    start: int
    stop: int  # exclusive


class RangeNotSatisfiable(Exception):
    pass


def _single_spec(header: str | None) -> _Spec | None:
    """The one range a Range header asks for; None when it is absent, invalid or asks for more."""
    if header is None:
        return None
    unit, equals, range_set = header.partition("=")
    # A list may hold empty elements (RFC 9110, 5.6.1): "bytes=0-99," asks for one range.
    specs = [spec.strip() for spec in range_set.split(",") if spec.strip()]
    if not equals or unit.strip().lower() != "bytes" or len(specs) != 1:
        return None
    match = _RANGE_SPEC.fullmatch(specs[0])
    if match is None or match.group(0) == "-":
        return None
    first, last = _position(match.group(1)), _position(match.group(2))
    if first is not None and last is not None and last < first:
        return None
    return _Spec(first, last)


def _position(digits: str) -> int | None:
    if not digits:
        return None
    significant = digits.lstrip("0") or "0"
    return int(significant) if len(significant) < 18 else _BEYOND_ANY_BODY


def requested_range(header: str | None, size: int) -> ByteRange | None:
    """The bytes of a `size`-byte body to send, or None for all of it (200).

    Raises RangeNotSatisfiable when the range holds none of the body's bytes."""
    spec = _single_spec(header)
    if spec is None:
        return None
    if spec.first is None:
        suffix = spec.last or 0
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable
        return ByteRange(max(0, size - suffix), size)
    if spec.first >= size:
        raise RangeNotSatisfiable
    stop = size if spec.last is None else min(spec.last + 1, size)
    return ByteRange(spec.first, stop)


def begins_playback(header: str | None) -> bool:
    """Whether a request for audio may be the start of a listening, to be audited.

    A player asks for the recording from byte 0 when a playback begins (no Range, or
    `bytes=0-`) and for later offsets whenever the listener seeks or its buffer refills. Auditing
    every request would write an entry per seek and chunk; auditing none would let range requests
    go unlogged. So a request that may deliver the first byte is audited (a suffix range may cover
    the whole body, and a header that is not understood is answered with all of it) and one for a
    later offset is not."""
    spec = _single_spec(header)
    return spec is None or spec.first in (None, 0)


def ranged_response(request: Request, body: bytes | Path, media_type: str) -> Response:
    """`body` (in memory, or a file streamed from disk) answered as the request's Range asks."""
    size, validators = _describe(body)
    headers = {"Accept-Ranges": "bytes", **validators}
    if_range = request.headers.get("if-range")
    header = request.headers.get("range")
    if if_range is not None and if_range not in validators.values():
        header = None  # the body changed since the client's partial copy: send all of it
    try:
        wanted = requested_range(header, size)
    except RangeNotSatisfiable:
        headers["Content-Range"] = f"bytes */{size}"
        return Response(status_code=416, headers=headers)
    if wanted is None:
        wanted, status = ByteRange(0, size), 200
    else:
        status = 206
        headers["Content-Range"] = f"bytes {wanted.start}-{wanted.stop - 1}/{size}"
    headers["Content-Length"] = str(wanted.stop - wanted.start)
    if isinstance(body, bytes):
        part = body[wanted.start : wanted.stop]
        return Response(part, status_code=status, headers=headers, media_type=media_type)
    chunks = _file_chunks(body, wanted)
    return StreamingResponse(chunks, status_code=status, headers=headers, media_type=media_type)


def _describe(body: bytes | Path) -> tuple[int, dict[str, str]]:
    """The body's size and the validators If-Range is compared with (a file's ETag and date)."""
    if isinstance(body, bytes):
        return len(body), {}
    stat = body.stat()
    return stat.st_size, {
        "ETag": f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"',
        "Last-Modified": formatdate(stat.st_mtime, usegmt=True),
    }


def _file_chunks(path: Path, wanted: ByteRange) -> Iterator[bytes]:
    with path.open("rb") as file:
        file.seek(wanted.start)
        remaining = wanted.stop - wanted.start
        while remaining > 0:
            chunk = file.read(min(CHUNK_BYTES, remaining))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk
