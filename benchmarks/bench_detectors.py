"""Detector cost on N aligned pairs: the DGSN beads replicated across synthetic systems.

Systems run as in a real run (eval.stages.detectors.run_detectors), in groups of one version per language
(cold: one system per group): the word alignment (e5 token states + Itermax links, shared by
mistranslation, omission and terminology) is timed on its own line, then every detector in the
default order gets the whole group (``detect_systems``) with shared memos. Replicas repeat the
same texts, so memos are cleared between groups and the mode says what is kept:

- ``cold``: every process-wide memo (token states, links, context vectors, lt-proc lookups,
  folded/tokenised words) is cleared before each replica system: N distinct pairs, each with
  its own reference segment (a 2,000-segment document against one version).
- ``shared-ref``: as cold, but the reference side is kept: the reference token states, the
  reference-side context vectors (reference word and distractors) and the dictionary lookups of
  reference words. This is the cost of a run with several versions of one reference, e.g. 200
  reference segments × 10 versions, where every version's text is new.
- ``warm``: memos kept across systems, so every replica after the first four is served from
  them: the cost of a rerun.

The e5 model is loaded and warmed up before timing in every mode ("models warm"). The detectors
run at ``precision`` (default auto, as ``detector_precision`` in conf/config.yaml: bfloat16 where
the CPU has it natively).
Run: .venv/bin/python benchmarks/bench_detectors.py [n_pairs] [cold|shared-ref|warm|all] [auto|float32|bfloat16]
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


def clear_memos(keep_reference: frozenset[str] | None = None) -> None:
    """Forget what the detectors memoise process-wide (all of it, or all but the reference side)."""
    from eval.detectors import bridge_links, lexicon, mistranslation, names_numbers, stopwords, wordlinks

    wordlinks.clear_memo(keep_texts=keep_reference or frozenset())
    mistranslation.clear_memo(version_side_only=keep_reference is not None)
    ref_words = {("fr", w.text.lower()) for text in keep_reference or () for w in bridge_links.cached_words(text)}
    lexicon.clear_memo(ref_words)
    bridge_links.cached_words.cache_clear()
    for fn in (names_numbers.fold, names_numbers.skeleton, names_numbers.translit_similarity):
        fn.cache_clear()
    names_numbers._ratio.cache_clear()
    names_numbers.number_value.cache_clear()
    stopwords.is_content.cache_clear()


def run(
    mode: str, runs: list[dict[str, list[Any]]], factories: dict[str, Callable[[], Any]], emb: Any, total: int
) -> float:
    """Run every run like the runner does; print the cost per stage. Returns the total seconds."""
    from eval.detectors.wordlinks import align_pairs

    clear_memos()
    refs = frozenset(p.ref for systems in runs for pairs in systems.values() for p in pairs)
    cost = {"word alignment": 0.0, **{name: 0.0 for name in factories}}
    spans = dict.fromkeys(cost, 0)
    for systems in runs:
        if mode != "warm":
            clear_memos(refs if mode == "shared-ref" else None)
        t = time.perf_counter()
        everything = [p for pairs in systems.values() for p in pairs]
        align_pairs(emb, [(p.ref, p.hyp) for p in everything if p.ref.strip() and p.hyp.strip()])
        cost["word alignment"] += time.perf_counter() - t
        for name, make in factories.items():
            t = time.perf_counter()
            spans[name] += sum(len(r.spans) for r in make().detect_systems(systems).values())
            cost[name] += time.perf_counter() - t
    for name, dt in cost.items():
        extra = "" if name == "word alignment" else f"  {spans[name]} spans"
        print(f"{mode:10s} {name:18s} {dt:7.1f} s  {1000 * dt / total:7.1f} ms/pair{extra}", flush=True)
    grand = sum(cost.values())
    print(f"{mode:10s} {'total':18s} {grand:7.1f} s  load average {os.getloadavg()[0]:.2f}", flush=True)
    return grand


def main(n_pairs: int = 2000, modes: tuple[str, ...] = ("cold", "shared-ref", "warm"), precision: str = "auto") -> None:
    import torch

    from eval.detectors.evaluate import load_beads
    from eval.detectors.mistranslation import MistranslationDetector
    from eval.detectors.names_numbers import NamesNumbersDetector
    from eval.detectors.omission_addition import OmissionAdditionDetector
    from eval.detectors.terminology import TerminologyDetector
    from eval.detectors.untranslated import UntranslatedDetector
    from eval.embedders.e5 import E5Embedder

    torch.set_num_threads(2)
    beads = load_beads(ROOT / "tests" / "data" / "dgsn_aligned_beads.jsonl")
    emb = E5Embedder(model_dir=str(ROOT / "models" / "multilingual-e5-small"), layer=6, precision=precision)
    for view in (emb, emb.with_precision("float32")):  # the float32 view re-checks borderline contexts
        view.embed(["warm up"])
        view.token_states(["warm up"], 6)
    systems: list[list[Any]] = []
    total = 0
    while total < n_pairs:
        for name, pairs in sorted(beads.items()):
            take = pairs[: n_pairs - total]
            systems.append([replace(p, system=f"{name}-{len(systems)}") for p in take])
            total += len(take)
            if total >= n_pairs:
                break
    glossary = str(ROOT / "data" / "corpora" / "dgsn-interpol-mena" / "glossary.csv")
    factories: dict[str, Callable[[], Any]] = {  # the order of conf/config.yaml
        "mistranslation": lambda: MistranslationDetector(embedder=emb),
        "names_numbers": lambda: NamesNumbersDetector(),
        "omission_addition": lambda: OmissionAdditionDetector(embedder=emb, min_run=3),
        "terminology": lambda: TerminologyDetector(glossary=glossary, embedder=emb),
        "untranslated": lambda: UntranslatedDetector(),
    }
    print(
        f"{total} pairs in {len(systems)} systems; precision {emb.precision}; "
        f"load average at start {os.getloadavg()[0]:.2f}"
    )
    for mode in modes:
        # cold: one version per run (every reference new); otherwise a run holds one version per language,
        # as the DGSN corpus does, and each detector sees the whole run at once, as in the runner.
        size = 1 if mode == "cold" else len(beads)
        runs = [{pairs[0].system: pairs for pairs in systems[k : k + size]} for k in range(0, len(systems), size)]
        run(mode, runs, factories, emb, total)


if __name__ == "__main__":
    arg = sys.argv[2] if len(sys.argv) > 2 else "all"
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 2000,
        ("cold", "shared-ref", "warm") if arg == "all" else (arg,),
        sys.argv[3] if len(sys.argv) > 3 else "auto",
    )
