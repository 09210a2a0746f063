"""Embedding adequacy: cosine between a reference segment and the version's segment.

A cheap cross-lingual signal from the run's multilingual encoder, reported under its own name
(``adequacy-<embedder>``) so nobody mistakes it for COMET.
"""

from __future__ import annotations

import numpy as np

from eval.embedders.base import Embedder
from eval.errors import ConfigError, MetricError
from eval.metrics.base import Metric, MetricResult, ScoringInput


class AdequacyMetric(Metric):
    same_language = False
    scale = (-100.0, 100.0)  # cosine × 100

    def __init__(self, embedder: Embedder | None = None, unaligned_counts_as: float = 0.0) -> None:
        self.embedder = embedder
        self.unaligned_counts_as = unaligned_counts_as

    @property
    def name(self) -> str:  # type: ignore[override]
        return f"adequacy-{self.embedder.name}" if self.embedder else "adequacy"

    def score(self, data: ScoringInput) -> MetricResult:
        if self.embedder is None:
            raise ConfigError("adequacy metric needs an embedder: select one with embedder=e5|use|hf")
        if len(data.hyps) != len(data.refs):
            raise MetricError(f"{self.name}: {len(data.hyps)} hypothesis segments vs {len(data.refs)} references")
        present = [i for i, h in enumerate(data.hyps) if h.strip() and data.refs[i].strip()]
        seg = np.full(len(data.hyps), self.unaligned_counts_as, dtype=np.float64)
        if present:
            ref_vecs = self.embedder.embed([data.refs[i] for i in present])
            hyp_vecs = self.embedder.embed([data.hyps[i] for i in present])
            seg[present] = np.einsum("ij,ij->i", ref_vecs, hyp_vecs)
        signature = (
            f"model:{self.embedder.model_id or self.embedder.name}|cosine|pooling:mean|"
            f"unaligned:{self.unaligned_counts_as}"
        )
        return MetricResult(
            metric=self.name,
            corpus=float(seg.mean()) * 100.0,
            segments=[float(s) * 100.0 for s in seg],
            signature=signature,
        )
