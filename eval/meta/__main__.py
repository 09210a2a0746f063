"""``python -m eval.meta RUN_FOLDER --mqm TSV``: how well a run's metrics and error spans agree with
human MQM ratings of the same outputs (system-level Pearson/Kendall with bootstrap CIs, segment-level
Kendall, span P/R/F1 against baselines). Prints Markdown; ``--out DIR`` also writes the tables as CSV."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from eval.meta.cli import run_tool
from eval.meta.report import format_report, write_tables


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.meta", description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dir", type=Path, help="a run folder of the line-aligned set built from the TSV")
    parser.add_argument("--mqm", required=True, type=Path, help="human ratings in Google's MQM TSV format")
    parser.add_argument("--reference", default="ref", help="the rated system used as the reference (default: ref)")
    parser.add_argument("--docs", nargs="+", help="only these documents of the TSV (e.g. a held-out talk)")
    parser.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples of the segments")
    parser.add_argument("--seed", type=int, default=12345)
    parser.add_argument("--out", type=Path, help="folder for meta_system.csv, meta_segment.csv, meta_spans.csv")
    args = parser.parse_args(argv)

    def task() -> str:
        from eval.meta.evaluate import meta_evaluate
        from eval.meta.mqm_tsv import read_mqm_tsv
        from eval.reports.runfolder import load_run

        ratings = read_mqm_tsv(args.mqm)
        report = meta_evaluate(load_run(args.run_dir), ratings, args.reference, args.bootstrap, args.seed, args.docs)
        if args.out:
            write_tables(report, args.out)
        return format_report(report)

    return run_tool(task)


if __name__ == "__main__":
    raise SystemExit(main())
