"""Time sentence alignment: two 2,000-sentence documents with correlated random embeddings (dim 384).

The version drops, inserts and merges sentences so the path leaves the diagonal. Target: < 5 s on
2 cores. Run: .venv/bin/python benchmarks/bench_align.py
"""

from __future__ import annotations

import time
from collections import Counter

import numpy as np

from eval.align.sentences import align_sentences


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


def bench(n: int) -> None:
    ref, hyp = make_pair(n)
    start = time.perf_counter()
    beads = align_sentences(ref, hyp, system=f"bench{n}", min_similarity=0.3)
    seconds = time.perf_counter() - start
    types = Counter(b.bead_type for b in beads)
    print(f"{n} x {len(hyp)} sentences: {seconds:.2f} s, {len(beads)} beads, {dict(types.most_common())}")


if __name__ == "__main__":
    bench(200)
    bench(2000)
