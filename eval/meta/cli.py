"""The one place of the meta package that turns an error into an exit code (2) and a one-line message,
as ``eval.cli`` does for a run: a user never sees a traceback for bad input."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from eval.errors import EvalError


def run_tool(task: Callable[[], str]) -> int:
    """Run ``task``; print what it returns, or the error on one line of stderr."""
    try:
        text = task()
    except (EvalError, OSError) as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"error: {message}", file=sys.stderr)
        return exc.exit_code if isinstance(exc, EvalError) else 2
    try:
        print(text, flush=True)
    except BrokenPipeError:  # the reader went away (``| head``): not an error, and no traceback at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0
