"""``python -m eval.reports <run_dir>``: (re)build report.html and report.md of a run folder.

Errors become one line and an exit code through ``eval.cli.run_tool`` (2 for a bad run folder).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m eval.reports", description="Build report.html and report.md from a run folder."
    )
    parser.add_argument("run_dir", type=Path, help="a run folder, e.g. results/runs/20241125-104207_dgsn")
    parser.add_argument("--top-findings", type=int, default=None, help="findings per version in report.md")
    args = parser.parse_args(argv)
    from eval.cli import run_tool
    from eval.reports import WORKBOOK, build_reports

    cfg = {"top_findings": args.top_findings} if args.top_findings is not None else None

    def task() -> int:
        html_path, md_path = build_reports(args.run_dir, cfg)
        print(html_path)
        print(md_path)
        print(html_path.with_name(WORKBOOK))
        return 0

    return run_tool(task)


if __name__ == "__main__":
    sys.exit(main())
