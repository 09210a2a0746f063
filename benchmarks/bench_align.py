"""Time sentence alignment: the DP alone, and two 2,000-sentence documents end to end with embedding.

DP alone: correlated random vectors (dim 384), the version drops, inserts and merges sentences
so the path leaves the diagonal; both bead scores (bertalign, normalised). Target < 1 s.
End to end: ``align_documents`` on two 2,000-sentence documents, embedding included (fresh
embedder, no cache). The text is the Text+Berg dev pair from ../shared (read there, GPL-2,
never copied), repeated with a numbered suffix per copy to reach the size. Target < 60 s.

    .venv/bin/python benchmarks/bench_align.py [--n 2000] [--embedder use|e5|none] [--embedded-windows 4]
        [--precision float32|bfloat16|auto]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from eval.align.__main__ import make_embedder  # noqa: E402
from eval.align.documents import AlignSettings, align_documents  # noqa: E402
from eval.align.sentences import METHODS, align_sentences  # noqa: E402
from eval.embedders.base import Embedder  # noqa: E402

DEV = ROOT.parent / "shared" / "datasets" / "bleualign-de-fr-dev"


def make_pair(n: int, dim: int = 384, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Reference vectors and a noisy version with 5% drops, 5% insertions and 3% merges."""
    rng = np.random.default_rng(seed)
    ref = rng.standard_normal((n, dim))
    rows: list[np.ndarray] = []
    i = 0
    while i < n:
        u = rng.random()
        if u < 0.05:
            i += 1  # dropped
            continue
        if u < 0.10:
            rows.append(rng.standard_normal(dim))  # inserted
        if u < 0.13 and i + 1 < n:
            rows.append(ref[i] + ref[i + 1])  # merged
            i += 2
            continue
        rows.append(ref[i])
        i += 1
    hyp = np.asarray(rows) + 0.5 * rng.standard_normal((len(rows), dim)) * np.sqrt(2.0)
    return ref, hyp


def bench_dp(n: int) -> None:
    ref, hyp = make_pair(n)
    for method in METHODS:
        start, cpu = time.perf_counter(), time.process_time()
        beads = align_sentences(ref, hyp, system=f"bench{n}", method=method)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        types = Counter(b.bead_type for b in beads).most_common(6)
        print(
            f"DP {method:10s} {n} x {len(hyp)} sentences: {seconds:.2f} s wall, {cpu:.2f} s CPU, "
            f"{len(beads)} beads, {dict(types)}"
        )


def documents(n: int) -> tuple[list[str], list[str]]:
    de = [s.strip() for s in (DEV / "dev.de").read_text(encoding="utf-8").splitlines()]
    fr = [s.strip() for s in (DEV / "dev.fr").read_text(encoding="utf-8").splitlines()]
    copies = -(-n // len(de))
    return (
        [f"{s} ({c})" for c in range(copies) for s in de][:n],
        [f"{s} ({c})" for c in range(copies) for s in fr][: int(n * len(fr) / len(de))],
    )


class TimedEmbedder(Embedder):
    """The embedder under test, with the wall and CPU time and the texts of its ``embed`` calls counted."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.name = inner, inner.name
        self.wall = self.cpu = 0.0
        self.texts = self.chars = 0

    def embed(self, texts: list[str]) -> np.ndarray:
        start, cpu = time.perf_counter(), time.process_time()
        out = self.inner.embed(texts)
        self.wall += time.perf_counter() - start
        self.cpu += time.process_time() - cpu
        self.texts += len(texts)
        self.chars += sum(len(t) for t in texts)
        return out


def bench_end_to_end(n: int, embedder_name: str, embedded_windows: int, method: str, precision: str) -> None:
    embedder = TimedEmbedder(make_embedder(embedder_name, None, 2, precision))  # as python -m eval.align builds it
    ref, hyp = documents(n)
    settings = AlignSettings(method=method, embedded_windows=embedded_windows)
    load = os.getloadavg()[0]
    start, cpu = time.perf_counter(), time.process_time()
    beads = align_documents(embedder, ref, hyp, system="bench", settings=settings)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(
        f"end to end {embedder_name} ({precision}) {method} embedded_windows={embedded_windows}: "
        f"{len(ref)} x {len(hyp)} sentences, {len(beads)} beads, load average {load:.1f} -> {os.getloadavg()[0]:.1f}\n"
        f"  total      {seconds:7.1f} s wall {cpu:7.1f} s CPU (all threads)\n"
        f"  embedding  {embedder.wall:7.1f} s wall {embedder.cpu:7.1f} s CPU: {embedder.texts:,} texts "
        f"({embedder.chars:,} characters), {embedder.texts / max(embedder.cpu, 1e-9):.1f} texts per CPU-second\n"
        f"  alignment  {seconds - embedder.wall:7.1f} s wall {cpu - embedder.cpu:7.1f} s CPU (anchors, order test, DP)"
    )


def main() -> int:
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (wall times scale with it)")
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--embedder", choices=["use", "e5", "none"], default="use")
    ap.add_argument("--embedded-windows", type=int, default=4)
    ap.add_argument("--method", choices=list(METHODS), default="bertalign")
    ap.add_argument("--precision", choices=["float32", "bfloat16", "auto"], default="float32", help="e5 only")
    args = ap.parse_args()
    bench_dp(200)
    bench_dp(args.n)
    if args.embedder != "none":
        if not (DEV / "dev.de").is_file():
            print(f"end to end skipped: no development set at {DEV}")
            return 0
        bench_end_to_end(args.n, args.embedder, args.embedded_windows, args.method, args.precision)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
