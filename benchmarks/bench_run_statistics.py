"""A run's BLEU/chrF/chrF++ statistics: the harness's counter (C extension) vs sacrebleu's own extraction.

Why: the metrics stage extracts every system's per-segment statistics (corpus score, segment scores and
the bootstrap all come from them); since the stage split, ``SacrebleuMetric.statistics`` counts BLEU/chrF
n-grams with ``eval.scoring.bootstrap.metric_statistics``. This prints, per metric, the time of sacrebleu's
``_extract_corpus_statistics`` and of the harness's statistics, and of the whole ``score()`` (statistics +
corpus + segment scores) before/after, and checks the statistics are equal. Ratios within one run only.

Usage: python benchmarks/bench_run_statistics.py [--segments 2000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_bleu_chrf import best_of, synthetic_pairs

from eval.metrics.base import MetricResult, ScoringInput
from eval.metrics.bleu import BleuMetric
from eval.metrics.chrf import ChrfMetric
from eval.metrics.sacrebleu_base import SacrebleuMetric


def sacrebleu_score(metric: SacrebleuMetric, data: ScoringInput) -> MetricResult:
    """``score()`` as it was: statistics from sacrebleu's ``_extract_corpus_statistics``."""
    stats = np.asarray(metric.corpus_metric._extract_corpus_statistics(data.hyps, [data.refs]), dtype=np.float64)
    return MetricResult(metric.name, metric.corpus_from_stats(stats), metric.segments_from_stats(stats), stats=stats)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--segments", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    hyps, refs = synthetic_pairs(args.segments)
    data = ScoringInput(hyps=hyps, refs=refs)
    print(f"segments: {args.segments:,}  (best of {args.repeats})")
    for metric in (BleuMetric(), ChrfMetric(), ChrfMetric(word_order=2)):
        old = np.asarray(metric.corpus_metric._extract_corpus_statistics(hyps, [refs]), dtype=np.float64)
        new = metric.statistics(hyps, refs)
        t_old = best_of(lambda m=metric: m.corpus_metric._extract_corpus_statistics(hyps, [refs]), args.repeats)
        t_new = best_of(lambda m=metric: m.statistics(hyps, refs), args.repeats)
        s_old = best_of(lambda m=metric: sacrebleu_score(m, data), args.repeats)
        s_new = best_of(lambda m=metric: m.score(data), args.repeats)
        same = np.array_equal(old, new) and sacrebleu_score(metric, data).segments == metric.score(data).segments
        print(
            f"{metric.name:7s} statistics: sacrebleu {t_old:7.3f} s, harness {t_new:7.3f} s ({t_old / t_new:5.1f}x);"
            f" score(): {s_old:7.3f} s -> {s_new:7.3f} s ({s_old / s_new:4.1f}x); identical: {same}"
        )


if __name__ == "__main__":
    main()
