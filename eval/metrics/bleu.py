"""BLEU through sacrebleu (corpus: sacrebleu defaults; segments: effective order, as sentence_bleu)."""

from __future__ import annotations

from typing import Any

from sacrebleu.metrics import BLEU

from eval.metrics.sacrebleu_base import SacrebleuMetric


class BleuMetric(SacrebleuMetric):
    name = "bleu"

    def __init__(
        self,
        tokenize: str | None = None,
        lowercase: bool = False,
        smooth_method: str = "exp",
        smooth_value: float | None = None,
        trg_lang: str = "",
    ) -> None:
        super().__init__()
        kwargs = dict(
            tokenize=tokenize,
            lowercase=lowercase,
            smooth_method=smooth_method,
            smooth_value=smooth_value,
            trg_lang=trg_lang,
        )
        self.corpus_metric = BLEU(**kwargs)  # type: ignore[arg-type]
        self.sentence_metric = BLEU(effective_order=True, **kwargs)  # type: ignore[arg-type]
        self._spec = {"smooth_method": smooth_method, "smooth_value": smooth_value}

    def bootstrap_spec(self) -> tuple[str, dict[str, Any]]:
        return "bleu", dict(self._spec)
