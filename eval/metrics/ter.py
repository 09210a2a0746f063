"""TER through sacrebleu (lower is better).

The name follows the options that change the score (``ter``, ``ter-norm``, ``ter-nopunct``,
``ter-asian``, ``ter-cs``), as for chrF and BLEU.
"""

from __future__ import annotations

from typing import Any

from sacrebleu.metrics import TER

from eval.cache import Cache
from eval.metrics.sacrebleu_base import SacrebleuMetric


def ter_name(normalized: bool, no_punct: bool, asian_support: bool, case_sensitive: bool) -> str:
    """``ter`` then every non-default option (sacrebleu's defaults: not normalised, punctuation, case-insensitive)."""
    flags = (("norm", normalized), ("nopunct", no_punct), ("asian", asian_support), ("cs", case_sensitive))
    return "-".join(["ter"] + [flag for flag, on in flags if on])


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
        name: str | None = None,
        stats_cache: Cache | None = None,
    ) -> None:
        super().__init__(
            dict(normalized=normalized, no_punct=no_punct, asian_support=asian_support, case_sensitive=case_sensitive),
            stats_cache,
        )
        self.corpus_metric = TER(
            normalized=normalized, no_punct=no_punct, asian_support=asian_support, case_sensitive=case_sensitive
        )
        self.sentence_metric = self.corpus_metric
        self.name = name or ter_name(normalized, no_punct, asian_support, case_sensitive)

    def bootstrap_spec(self) -> tuple[str, dict[str, Any]]:
        """TER's corpus formula (edits / reference words) does not depend on the options, only its statistics do."""
        return "ter", {}
