"""``python -m eval.reports <run_dir>``: (re)build report.html and report.md of a run folder.

The one place of the reports package that turns an error into an exit code (2) and a one-line message.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from eval.errors import EvalError


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m eval.reports", description="Build report.html and report.md from a run folder."
    )
    parser.add_argument("run_dir", type=Path, help="a run folder, e.g. results/runs/20241125-104207_dgsn")
    parser.add_argument("--top-findings", type=int, default=None, help="findings per version in report.md")
    args = parser.parse_args(argv)
    from eval.reports import WORKBOOK, build_reports

    cfg = {"top_findings": args.top_findings} if args.top_findings is not None else None
    try:
        html_path, md_path = build_reports(args.run_dir, cfg)
    except (EvalError, OSError) as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"error: {message}", file=sys.stderr)
        return 2
    print(html_path)
    print(md_path)
    print(html_path.with_name(WORKBOOK))
    return 0


if __name__ == "__main__":
    sys.exit(main())
