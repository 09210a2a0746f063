"""Detector cost on a WMT-style set built from human MQM ratings (line-aligned, one reference per segment).

Builds the set with ``python -m eval.meta.build`` from the TSV, then runs the harness twice as a
user would, each a fresh process with an empty cache: with the default detectors, and with no
detector (ingest, model load, chrF). The difference is the detectors' cost, cold; divided by the
number of (system, segment) pairs it gives the per-pair cost, and the time for 13 systems × 358
segments (4,654 pairs) is that cost times 4,654 (detector work grows with the pairs).

Run: .venv/bin/python benchmarks/bench_meta_detectors.py [TSV] [--docs talk.1 ...]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TSV = ROOT.parent / "shared" / "datasets" / "wmt21-ted-mqm-en-de-dev" / "mqm_ted_ende.dev.tsv"
TARGET_PAIRS = 13 * 358


def harness(corpus: Path, results: Path, detectors: str, tag: str) -> float:
    """Seconds of one harness run (fresh process, empty cache)."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    cmd = [
        sys.executable, "-m", "eval", "corpus=line-aligned", f"corpus.dir={corpus}", "metric=[chrf]",
        f"detector={detectors}", f"results_dir={results}", f"cache.dir={results / ('cache-' + tag)}",
        f"tag={tag}", "progress=false",
    ]  # fmt: skip
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"harness failed ({tag}):\n{proc.stderr[-2000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tsv", nargs="?", type=Path, default=DEFAULT_TSV)
    parser.add_argument("--docs", nargs="+")
    parser.add_argument(
        "--detectors",
        default="[mistranslation,names_numbers,omission_addition,terminology,untranslated,reference_edits]",
    )
    args = parser.parse_args()
    from eval.meta.build import build_line_aligned
    from eval.meta.mqm_tsv import read_mqm_tsv

    ratings = read_mqm_tsv(args.tsv)
    if args.docs:
        ratings = ratings.select_docs(args.docs)
    with tempfile.TemporaryDirectory() as tmp:
        built = build_line_aligned(ratings, Path(tmp) / "set", src_lang="en", ref_lang="de")
        pairs = len(built.systems) * built.segments
        base = harness(built.out_dir, Path(tmp) / "results", "[]", "none")
        full = harness(built.out_dir, Path(tmp) / "results", args.detectors, "detectors")
    cost = (full - base) / pairs
    print(f"{len(built.systems)} systems × {built.segments} segments = {pairs} pairs; detectors {args.detectors}")
    print(f"run without detectors {base:.1f} s, with {full:.1f} s: detectors {full - base:.1f} s cold")
    print(
        f"per pair {1000 * cost:.1f} ms; 13 × 358 = {TARGET_PAIRS} pairs ≈ {cost * TARGET_PAIRS / 60:.1f} min "
        "(target < 10)"
    )


if __name__ == "__main__":
    main()
