"""Shared machinery for the sacrebleu metrics (BLEU, chrF, TER).

Sufficient statistics are extracted once per system; the corpus score, the per-segment scores
and (later) the bootstrap resamples are all computed from them, so a segment-level report costs
almost nothing on top of sacrebleu's own ``corpus_score``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from eval.cache import Cache, content_key
from eval.errors import MetricError
from eval.metrics.base import Metric, MetricResult, ScoringInput


def check_same_language(name: str, data: ScoringInput) -> None:
    """n-gram metrics compare texts in one language only (design rule 1)."""
    if data.hyp_lang and data.ref_lang and data.hyp_lang != data.ref_lang:
        raise MetricError(
            f"{name} compares texts in one language only, got hypothesis {data.hyp_lang!r} vs reference "
            f"{data.ref_lang!r}: bridge the system into {data.ref_lang!r} first or use a cross-lingual metric"
        )


def check_counts(name: str, data: ScoringInput) -> None:
    if len(data.hyps) != len(data.refs):
        raise MetricError(f"{name}: {len(data.hyps)} hypothesis segments vs {len(data.refs)} reference segments")
    if not data.hyps:
        raise MetricError(f"{name}: no segments to score")


class SacrebleuMetric(Metric):
    """A sacrebleu metric. Subclasses build ``corpus_metric`` and ``sentence_metric`` objects."""

    name = "sacrebleu"
    produces_stats = True

    def __init__(self, settings: dict[str, Any] | None = None, stats_cache: Cache | None = None) -> None:
        self.corpus_metric: Any = None
        self.sentence_metric: Any = None
        self.settings = settings or {}  # the constructor's arguments: with the texts, what the statistics depend on
        self.stats_cache = stats_cache

    def statistics(self, hyps: list[str], refs: list[str]) -> np.ndarray:
        """Per-segment sufficient statistics, shape (n_segments, n_stats), equal to sacrebleu's
        ``_extract_corpus_statistics`` (BLEU/chrF n-grams counted by eval.scoring's C extension).

        With a ``stats_cache`` (TER: pure-Python edit distance with shifts, ~12 ms a segment) the
        system's whole array is one cache entry keyed by the signature and every text, so a rerun reads it.
        """
        from eval.scoring.bootstrap import metric_statistics

        if self.stats_cache is None:
            return metric_statistics(self.bootstrap_spec()[0], self.corpus_metric, hyps, refs)
        import sacrebleu

        key = content_key("sacrebleu-stats", self.name, sacrebleu.__version__, self.settings, hyps, refs)
        stats = self.stats_cache.get_array(key)
        if stats is None or stats.shape[0] != len(hyps):
            stats = metric_statistics(self.bootstrap_spec()[0], self.corpus_metric, hyps, refs)
            self.stats_cache.put_array(key, stats)
        self.corpus_metric.num_refs = 1  # what sacrebleu's extraction records (one reference stream), for the signature
        return stats

    def corpus_from_stats(self, stats: np.ndarray) -> float:
        total = stats.sum(axis=0)
        return float(self.corpus_metric._compute_score_from_stats(list(total)).score)

    def segments_from_stats(self, stats: np.ndarray) -> list[float]:
        compute = self.sentence_metric._compute_score_from_stats
        return [float(compute(list(row)).score) for row in stats]

    def bootstrap_spec(self) -> tuple[str, dict[str, Any]]:
        """Resample sacrebleu's own statistics with the corpus formula of this metric."""
        return self.name, {}

    def signature(self) -> str:
        return str(self.corpus_metric.get_signature())

    def score(self, data: ScoringInput) -> MetricResult:
        check_counts(self.name, data)
        check_same_language(self.name, data)
        stats = self.statistics(data.hyps, data.refs)
        return MetricResult(
            metric=self.name,
            corpus=self.corpus_from_stats(stats),
            segments=self.segments_from_stats(stats),
            signature=self.signature(),
            higher_is_better=self.higher_is_better,
            stats=stats,
        )
