"""What every command does with a user's mistake: one base class, one wrapper for `main`.

A UserError is a bad flag or input that stops a command before it loses any
work: the wrapper prints it as one line, `<prog>: error: <message>` on
stderr, as argparse does, and the command exits with its `status`: 2 (as
argparse's own errors), or 1 where an error class says work was done but
something failed. A command that goes on past a bad input returns 1 itself
when it skipped some (the restore command, evaluate).
"""
from __future__ import annotations

import functools
import sys
from typing import Callable

USAGE = 2  # a bad flag or input stopped the command (argparse's status too)
SKIPPED = 1  # the command finished, but skipped or failed some of its inputs

Main = Callable[[list[str] | None], int]


class UserError(Exception):
    """A mistake the user can fix, said in one line; stops the command with exit status `status`."""
    status = USAGE


def one_line(err: BaseException) -> str:
    """The error's message as one line (its first, or the class name when it says nothing)."""
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def command(prog: str, also: tuple[type[Exception], ...] = ()) -> Callable[[Main], Main]:
    """Wrap a command's main(argv) -> status: a UserError (or one of `also`, errors of libraries the
    command reports as the user's, with status 2) becomes `<prog>: error: <message>` and its status."""
    def wrap(main: Main) -> Main:
        @functools.wraps(main)
        def run(argv: list[str] | None = None) -> int:
            try:
                return main(argv)
            except (UserError, *also) as err:
                print(f"{prog}: error: {one_line(err)}", file=sys.stderr)
                return err.status if isinstance(err, UserError) else USAGE
        return run
    return wrap
