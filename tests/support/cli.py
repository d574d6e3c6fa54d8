"""Command-line test helpers."""

from __future__ import annotations

from typer.testing import Result


def said(result: Result) -> str:
    """The command's output with the terminal's line wrapping undone."""
    return " ".join(result.output.split())
