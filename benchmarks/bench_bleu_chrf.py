"""Harness BLEU+chrF stage vs bare sacrebleu corpus_score on synthetic segment pairs.

The harness also produces per-segment scores and keeps the sufficient statistics for the bootstrap;
the target is at most 15% overhead over sacrebleu's corpus scores alone.
Usage: python benchmarks/bench_bleu_chrf.py [--segments 100000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import random
import time

from sacrebleu.metrics import BLEU, CHRF

from eval.metrics.base import ScoringInput
from eval.metrics.bleu import BleuMetric
from eval.metrics.chrf import ChrfMetric

WORDS = [
    "la",
    "délégation",
    "marocaine",
    "a",
    "présenté",
    "un",
    "exposé",
    "exhaustif",
    "sur",
    "le",
    "partage",
    "d'expériences",
    "et",
    "d'informations",
    "relatives",
    "à",
    "lutte",
    "contre",
    "cybercriminalité",
    "ses",
    "formes",
    "émergentes",
    "en",
    "particulier",
    "lumière",
    "des",
    "menaces",
    "grandissantes",
    "liées",
    "utilisation",
    "abusive",
    "nouvelles",
    "technologies",
    "fins",
    "criminelles",
    "ou",
    "terroristes",
    "réunion",
    "Interpol",
    "police",
    "région",
    "MENA",
    "Lyon",
    "siège",
    "organisation",
    "internationale",
    "coopération",
    "sécurité",
]


def synthetic_pairs(n: int, seed: int = 1) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    refs, hyps = [], []
    for _ in range(n):
        ref = [rng.choice(WORDS) for _ in range(rng.randint(8, 30))]
        hyp = [w if rng.random() > 0.25 else rng.choice(WORDS) for w in ref]
        if rng.random() < 0.3:
            del hyp[rng.randrange(len(hyp))]
        refs.append(" ".join(ref))
        hyps.append(" ".join(hyp))
    return hyps, refs


def best_of(fn, repeats: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--segments", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    hyps, refs = synthetic_pairs(args.segments)
    data = ScoringInput(hyps=hyps, refs=refs)

    def bare() -> None:
        BLEU().corpus_score(hyps, [refs])
        CHRF().corpus_score(hyps, [refs])

    def harness() -> None:
        BleuMetric().score(data)
        ChrfMetric().score(data)

    t_bare = best_of(bare, args.repeats)
    t_harness = best_of(harness, args.repeats)
    b, h = BLEU().corpus_score(hyps, [refs]).score, BleuMetric().score(data).corpus
    print(f"segments: {args.segments:,}  (best of {args.repeats})")
    print(f"sacrebleu corpus_score BLEU+chrF: {t_bare:.2f} s")
    print(f"harness BLEU+chrF stage (corpus + segment scores + stats): {t_harness:.2f} s")
    print(f"overhead: {100 * (t_harness / t_bare - 1):+.1f}%  (target <= +15%)")
    print(f"same corpus BLEU: {b == h} ({b:.4f})")


if __name__ == "__main__":
    main()
