"""Terminal output shared by the command-line apps."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec

import typer
from rich.console import Console
from rich.text import Text

from tiexin.domain.errors import TiexinError

P = ParamSpec("P")


def make_console(*, stderr: bool = False) -> Console:
    """A console that never wraps a message, so paths and error lines stay whole in logs."""
    return Console(stderr=stderr, soft_wrap=True, highlight=False)


def print_error(console: Console, exc: BaseException) -> None:
    """One red `error:` line; the message is plain text, so brackets in it are not markup."""
    console.print(Text.assemble(("error", "red"), ": ", str(exc)))


def user_errors(command: Callable[P, None]) -> Callable[P, None]:
    """A command's TiexinError becomes one red line and exit status 2, without a traceback."""
    errors = make_console(stderr=True)

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            command(*args, **kwargs)
        except TiexinError as exc:
            print_error(errors, exc)
            raise typer.Exit(2) from None

    return wrapper
