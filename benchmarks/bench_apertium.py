"""Apertium cost model: process start vs per-sentence throughput, es→fr.

Why one process per document: starting ``apertium`` (a shell pipeline of ~10 programs loading
their dictionaries) costs far more than translating a sentence.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_apertium.py [--sentences 2000] [--per-process 40]
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

from eval.translators.apertium import ApertiumTranslator

CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpora" / "dgsn-interpol-mena" / "es.txt"


def corpus_sentences() -> list[str]:
    text = CORPUS.read_text(encoding="utf-8")
    parts = re.split(r"(?<=[.!?])\s+|\n+", text)
    return [p.strip() for p in parts if len(p.strip()) > 20]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sentences", type=int, default=2000)
    ap.add_argument("--per-process", type=int, default=40, help="sentences for the one-process-each run")
    args = ap.parse_args()

    t = ApertiumTranslator()
    mode = t.resolve_route("es", "fr")[0]
    base = corpus_sentences()
    lines = (base * (args.sentences // len(base) + 1))[: args.sentences]
    words = sum(len(s.split()) for s in lines)

    starts = []
    for _ in range(5):
        t0 = time.perf_counter()
        t.run_mode(mode, [""])
        starts.append(time.perf_counter() - t0)
    start = sorted(starts)[len(starts) // 2]

    t0 = time.perf_counter()
    out = t.translate(lines, "es", "fr")
    doc = time.perf_counter() - t0
    assert len(out.lines) == len(lines)

    few = lines[: args.per_process]
    t0 = time.perf_counter()
    for s in few:
        t.translate([s], "es", "fr")
    each = (time.perf_counter() - t0) / len(few)

    print(f"apertium {mode} on {len(base)} distinct corpus sentences, {len(lines)} lines, {words} words")
    print(f"process start (empty input, median of 5): {start * 1000:.0f} ms")
    print(f"one process, whole document: {doc:.2f} s = {len(lines) / doc:.0f} sentences/s, {words / doc:.0f} words/s")
    print(f"one process per sentence:    {each * 1000:.0f} ms/sentence = {1 / each:.1f} sentences/s")
    print(f"=> one process per document is {each * len(lines) / doc:.0f}x faster for {len(lines)} sentences")


if __name__ == "__main__":
    main()
