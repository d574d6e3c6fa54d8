"""Terminal output shared by the command-line apps."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text


def make_console(*, stderr: bool = False) -> Console:
    """A console that never wraps a message, so paths and error lines stay whole in logs."""
    return Console(stderr=stderr, soft_wrap=True, highlight=False)


def print_error(console: Console, exc: BaseException) -> None:
    """One red `error:` line; the message is plain text, so brackets in it are not markup."""
    console.print(Text.assemble(("error", "red"), ": ", str(exc)))
