"""TER through sacrebleu (lower is better)."""

from __future__ import annotations

from sacrebleu.metrics import TER

from eval.metrics.sacrebleu_base import SacrebleuMetric


class TerMetric(SacrebleuMetric):
    name = "ter"
    higher_is_better = False
    scale = (0.0, None)  # edits per reference word, in %: more edits than words is possible

    def __init__(
        self,
        normalized: bool = False,
        no_punct: bool = False,
        asian_support: bool = False,
        case_sensitive: bool = False,
    ) -> None:
        super().__init__()
        self.corpus_metric = TER(
            normalized=normalized, no_punct=no_punct, asian_support=asian_support, case_sensitive=case_sensitive
        )
        self.sentence_metric = self.corpus_metric
