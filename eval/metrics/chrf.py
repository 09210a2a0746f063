"""chrF and chrF++ through sacrebleu (chrF++ is chrF with word_order=2)."""

from __future__ import annotations

from typing import Any

from sacrebleu.metrics import CHRF

from eval.metrics.sacrebleu_base import SacrebleuMetric


class ChrfMetric(SacrebleuMetric):
    name = "chrf"

    def __init__(
        self,
        char_order: int = 6,
        word_order: int = 0,
        beta: int = 2,
        lowercase: bool = False,
        whitespace: bool = False,
        eps_smoothing: bool = False,
        name: str | None = None,
    ) -> None:
        super().__init__()
        self.name = name or ("chrf++" if word_order == 2 else "chrf" if word_order == 0 else f"chrf-w{word_order}")
        self.corpus_metric = CHRF(
            char_order=char_order,
            word_order=word_order,
            beta=beta,
            lowercase=lowercase,
            whitespace=whitespace,
            eps_smoothing=eps_smoothing,
        )
        self.sentence_metric = self.corpus_metric
        self._spec = {"char_order": char_order, "word_order": word_order, "beta": beta, "eps_smoothing": eps_smoothing}

    def bootstrap_spec(self) -> tuple[str, dict[str, Any]]:
        return "chrf", dict(self._spec)
