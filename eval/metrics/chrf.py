"""chrF and chrF++ through sacrebleu (chrF++ is chrF with word_order=2).

The metric's name is a function of the parameters that change its score (``chrf``, ``chrf++``,
``chrf+-c4-lc`` ...), so two configurations never share a column in scores.csv: a sweep over
``metric.chrf.word_order=0,2`` gives ``chrf`` then ``chrf++``, never a blank ``chrf``.
"""

from __future__ import annotations

from typing import Any

from sacrebleu.metrics import CHRF

from eval.metrics.sacrebleu_base import SacrebleuMetric


def chrf_name(chrf: CHRF) -> str:
    """``chrf`` + one ``+`` per word n-gram order (sacrebleu's chrF2++), then every non-default option."""
    parts = ["chrf" + "+" * chrf.word_order]
    if chrf.char_order != 6:
        parts.append(f"c{chrf.char_order}")
    if chrf.beta != 2:
        parts.append(f"b{chrf.beta}")
    flags = (("lc", chrf.lowercase), ("ws", chrf.whitespace), ("eps", chrf.eps_smoothing))
    parts += [flag for flag, on in flags if on]
    return "-".join(parts)


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
        self.corpus_metric = CHRF(
            char_order=char_order,
            word_order=word_order,
            beta=beta,
            lowercase=lowercase,
            whitespace=whitespace,
            eps_smoothing=eps_smoothing,
        )
        self.sentence_metric = self.corpus_metric
        self.name = name or chrf_name(self.corpus_metric)
        self._spec = {"char_order": char_order, "word_order": word_order, "beta": beta, "eps_smoothing": eps_smoothing}

    def bootstrap_spec(self) -> tuple[str, dict[str, Any]]:
        return "chrf", dict(self._spec)
