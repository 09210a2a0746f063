"""Detector cost on a WMT-style set built from human MQM ratings (line-aligned, one reference per segment).

Builds the set with ``python -m eval.meta.build`` from the TSV, then runs the harness twice as a
user would, each a fresh process with an empty cache: with the default detectors, and with no
detector (ingest, model load, chrF). The difference is the detectors' cost, cold; divided by the
number of (system, segment) pairs it gives the per-pair cost, and the time for 13 systems × 358
segments (4,654 pairs) is that cost times 4,654 (detector work grows with the pairs).

Also prints the CPU seconds of each run (a busy machine inflates wall time, not CPU time).
Run: .venv/bin/python benchmarks/bench_meta_detectors.py [TSV] [--docs talk.1 ...]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TSV = ROOT.parent / "shared" / "datasets" / "wmt21-ted-mqm-en-de-dev" / "mqm_ted_ende.dev.tsv"
TARGET_PAIRS = 13 * 358


def harness(corpus: Path, results: Path, detectors: str, tag: str) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one harness run (fresh process, empty cache). The CPU
    figure matters on a shared machine, where wall time mostly measures the other jobs."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    cmd = [
        sys.executable, "-m", "eval", "corpus=line-aligned", f"corpus.dir={corpus}", "metric=[chrf]",
        f"detector={detectors}", f"results_dir={results}", f"cache.dir={results / ('cache-' + tag)}",
        f"tag={tag}", "progress=false",
    ]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        raise SystemExit(f"harness failed ({tag}):\n{proc.stderr[-2000:]}")
    return seconds, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tsv", nargs="?", type=Path, default=DEFAULT_TSV)
    parser.add_argument("--docs", nargs="+")
    parser.add_argument(
        "--detectors",
        default="[mistranslation,names_numbers,omission_addition,terminology,untranslated,reference_edits,qa_checks]",
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
    cost = (full[0] - base[0]) / pairs
    cpu = (full[1] - base[1]) / pairs
    print(f"{len(built.systems)} systems × {built.segments} segments = {pairs} pairs; detectors {args.detectors}")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"run without detectors {base[0]:.1f} s wall / {base[1]:.1f} s CPU, with {full[0]:.1f} s / {full[1]:.1f} s")
    print(f"detectors cold: {full[0] - base[0]:.1f} s wall, {full[1] - base[1]:.1f} s CPU")
    print(
        f"per pair {1000 * cost:.1f} ms wall, {1000 * cpu:.1f} ms CPU; 13 × 358 = {TARGET_PAIRS} pairs ≈ "
        f"{cost * TARGET_PAIRS / 60:.1f} min wall, {cpu * TARGET_PAIRS / 60:.1f} min CPU (target < 10 min)"
    )


if __name__ == "__main__":
    main()
