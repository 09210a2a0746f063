"""Detector cost on 2,000 aligned pairs: the DGSN beads replicated across synthetic systems.

Each replica is a separate system run by a fresh detector instance (cold in-memory caches for the
similarity and lexicon lookups); the token-state memo is shared, as in a run where every system
has the same reference. Run: .venv/bin/python benchmarks/bench_detectors.py [n_pairs]
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]


def main(n_pairs: int = 2000) -> None:
    from eval.detectors.evaluate import load_beads
    from eval.detectors.mistranslation import MistranslationDetector
    from eval.detectors.names_numbers import NamesNumbersDetector
    from eval.detectors.omission_addition import OmissionAdditionDetector
    from eval.detectors.untranslated import UntranslatedDetector
    from eval.embedders.e5 import E5Embedder

    beads = load_beads(ROOT / "tests" / "data" / "dgsn_aligned_beads.jsonl")
    emb = E5Embedder(model_dir=str(ROOT / "models" / "multilingual-e5-small"), layer=6)
    emb.embed(["warm up"])
    emb.token_states(["warm up"], 6)
    systems: list[list] = []
    total = 0
    while total < n_pairs:
        for name, pairs in sorted(beads.items()):
            take = pairs[: n_pairs - total]
            systems.append([replace(p, system=f"{name}-{len(systems)}") for p in take])
            total += len(take)
            if total >= n_pairs:
                break
    factories = {
        "names_numbers": lambda: NamesNumbersDetector(),
        "omission_addition": lambda: OmissionAdditionDetector(embedder=emb, min_run=3),
        "mistranslation": lambda: MistranslationDetector(embedder=emb),
        "untranslated": lambda: UntranslatedDetector(),
    }
    print(f"{total} pairs in {len(systems)} systems")
    grand = 0.0
    for name, make in factories.items():
        t = time.perf_counter()
        n = 0
        for pairs in systems:
            n += len(make().detect(pairs))
        dt = time.perf_counter() - t
        grand += dt
        print(f"{name:18s} {dt:7.1f} s  {1000 * dt / total:6.1f} ms/pair  {n} spans")
    print(f"{'total':18s} {grand:7.1f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
