"""The meta tools' entry: a task that returns its Markdown, printed, through ``eval.cli.run_tool`` (the one
place that turns an error into an exit code and a one-line message: a user never sees a traceback)."""

from __future__ import annotations

from collections.abc import Callable


def run_tool(task: Callable[[], str]) -> int:
    """Run ``task`` and print what it returns; an error is one line of stderr and its exit code."""
    from eval.cli import run_tool as run_cli_tool

    def printed() -> int:
        print(task())
        return 0

    return run_cli_tool(printed)
