"""The one place of the meta package that turns an error into an exit code (2) and a one-line message,
as ``eval.cli`` does for a run: a user never sees a traceback for bad input."""

from __future__ import annotations

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
    print(text)
    return 0
