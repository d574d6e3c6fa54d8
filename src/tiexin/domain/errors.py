"""Errors the core and services raise; each message names the file, line or field at fault."""

from __future__ import annotations


class TiexinError(Exception):
    """Base class of errors that are shown to the user as they are."""


class InputError(TiexinError):
    """Bad input: a recording, metadata row or transcript that cannot be used."""

    def __init__(self, message: str, *, source: str | None = None, line: int | None = None) -> None:
        where = source if line is None else f"{source}:{line}"
        super().__init__(f"{where}: {message}" if where else message)
        self.source = source
        self.line = line


class ModelError(TiexinError):
    """The speech model is missing or does not match its pinned checksum."""
