"""Detector cost on N aligned pairs: the DGSN beads replicated across synthetic systems.

Replicas repeat the same texts, so the figures come in two modes (say which one you quote):

- ``cold``: every process-wide memo (token states, word links, context vectors, lt-proc
  lookups, folded/tokenised words) is cleared before each replica system, so each system pays
  as if its texts had never been seen: the cost of N distinct pairs.
- ``warm``: memos kept across systems, so every replica after the first four is served from
  them: the cost of a rerun, or the shared-reference part of a many-version run.

The e5 model is loaded and warmed up before timing in both modes ("models warm").
Run: .venv/bin/python benchmarks/bench_detectors.py [n_pairs] [cold|warm|both]
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]


def clear_memos() -> None:
    """Forget everything the detectors memoise process-wide."""
    from eval.detectors import bridge_links, lexicon, mistranslation, names_numbers, stopwords, wordlinks

    wordlinks.clear_memo()
    mistranslation.clear_memo()
    lexicon.clear_memo()
    bridge_links.cached_words.cache_clear()
    for fn in (names_numbers.fold, names_numbers.skeleton, names_numbers.translit_similarity):
        fn.cache_clear()
    names_numbers._ratio.cache_clear()
    names_numbers.number_value.cache_clear()
    stopwords.is_content.cache_clear()


def run(mode: str, systems: list[list[Any]], factories: dict[str, Callable[[], Any]], total: int) -> None:
    grand = 0.0
    for name, make in factories.items():
        clear_memos()
        t = time.perf_counter()
        n = 0
        for pairs in systems:
            if mode == "cold":
                clear_memos()
            n += len(make().detect(pairs))
        dt = time.perf_counter() - t
        grand += dt
        print(f"{mode:4s} {name:18s} {dt:7.1f} s  {1000 * dt / total:7.1f} ms/pair  {n} spans", flush=True)
    print(f"{mode:4s} {'total':18s} {grand:7.1f} s  load average {os.getloadavg()[0]:.2f}", flush=True)


def main(n_pairs: int = 2000, modes: tuple[str, ...] = ("cold", "warm")) -> None:
    import torch

    from eval.detectors.evaluate import load_beads
    from eval.detectors.mistranslation import MistranslationDetector
    from eval.detectors.names_numbers import NamesNumbersDetector
    from eval.detectors.omission_addition import OmissionAdditionDetector
    from eval.detectors.untranslated import UntranslatedDetector
    from eval.embedders.e5 import E5Embedder

    torch.set_num_threads(2)
    beads = load_beads(ROOT / "tests" / "data" / "dgsn_aligned_beads.jsonl")
    emb = E5Embedder(model_dir=str(ROOT / "models" / "multilingual-e5-small"), layer=6)
    emb.embed(["warm up"])
    emb.token_states(["warm up"], 6)
    systems: list[list[Any]] = []
    total = 0
    while total < n_pairs:
        for name, pairs in sorted(beads.items()):
            take = pairs[: n_pairs - total]
            systems.append([replace(p, system=f"{name}-{len(systems)}") for p in take])
            total += len(take)
            if total >= n_pairs:
                break
    factories: dict[str, Callable[[], Any]] = {
        "names_numbers": lambda: NamesNumbersDetector(),
        "omission_addition": lambda: OmissionAdditionDetector(embedder=emb, min_run=3),
        "mistranslation": lambda: MistranslationDetector(embedder=emb),
        "untranslated": lambda: UntranslatedDetector(),
    }
    print(f"{total} pairs in {len(systems)} systems; load average at start {os.getloadavg()[0]:.2f}")
    for mode in modes:
        run(mode, systems, factories, total)


if __name__ == "__main__":
    arg = sys.argv[2] if len(sys.argv) > 2 else "both"
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000, ("cold", "warm") if arg == "both" else (arg,))
