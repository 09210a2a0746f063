"""BLEU through sacrebleu (corpus: sacrebleu defaults; segments: effective order, as sentence_bleu).

As for chrF, the name follows the parameters that change the score (``bleu``, ``bleu-lc``,
``bleu-tok-intl``, ``bleu-s-floor``), so a sweep over them never writes two configurations into one
scores.csv column. ``tokenize: null`` (sacrebleu's choice for the target language) is the default.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from sacrebleu.metrics import BLEU

from eval.errors import MetricError
from eval.languages import base_language
from eval.metrics.base import MetricResult, ScoringInput
from eval.metrics.sacrebleu_base import SacrebleuMetric

log = logging.getLogger(__name__)
#: Languages written without spaces for which sacrebleu picks no tokenizer of its own (13a).
_NO_SACREBLEU_TOKENIZER = frozenset({"th", "lo", "km", "my", "bo"})
#: sacrebleu's tokenizers (``sacrebleu.metrics.bleu._TOKENIZERS``; a test keeps the two equal).
Tokenizer = Literal[
    "none", "zh", "13a", "intl", "char", "ja-mecab", "ko-mecab", "spm", "flores101", "flores200", "spBLEU-1K"
]


def bleu_name(tokenize: str | None, lowercase: bool, smooth_method: str, smooth_value: float | None) -> str:
    """``bleu`` then every non-default option, in the order of sacrebleu's signature (tok, case, smooth)."""
    parts = ["bleu"]
    if tokenize is not None:
        parts.append(f"tok-{tokenize}")
    if lowercase:
        parts.append("lc")
    if smooth_method != "exp":
        parts.append(f"s-{smooth_method}")
    if smooth_value is not None:
        parts.append(f"sv{smooth_value:g}")
    return "-".join(parts)


class BleuMetric(SacrebleuMetric):
    """BLEU; with ``tokenize: null`` the tokenizer is sacrebleu's for the reference language.

    sacrebleu picks ``zh`` for a Chinese target, ``ja-mecab`` / ``ko-mecab`` for Japanese / Korean and
    ``13a`` otherwise, but only when told the target language (its CLI's ``-l``). The run knows it from
    each scored pair (``ScoringInput.ref_lang``), so a Chinese reference is scored as ``sacrebleu -l
    en-zh`` scores it, not with 13a, which reads a Chinese line as one word (BLEU 0).
    """

    name = "bleu"

    def __init__(
        self,
        tokenize: Tokenizer | None = None,
        lowercase: bool = False,
        smooth_method: Literal["none", "floor", "add-k", "exp"] = "exp",
        smooth_value: float | None = None,
        trg_lang: str = "",
        name: str | None = None,
    ) -> None:
        super().__init__()
        self._kwargs: dict[str, Any] = dict(
            tokenize=tokenize, lowercase=lowercase, smooth_method=smooth_method, smooth_value=smooth_value
        )
        self._trg_lang = trg_lang
        self._by_lang: dict[str, tuple[BLEU, BLEU]] = {}
        self.corpus_metric, self.sentence_metric = self._metrics(trg_lang)
        self._spec = {"smooth_method": smooth_method, "smooth_value": smooth_value}
        self.name = name or bleu_name(tokenize, lowercase, smooth_method, smooth_value)

    def _metrics(self, lang: str) -> tuple[BLEU, BLEU]:
        """The corpus and sentence BLEU objects for target language ``lang`` (built once per language)."""
        if lang not in self._by_lang:
            if lang in _NO_SACREBLEU_TOKENIZER and self._kwargs["tokenize"] is None:
                log.warning(
                    "%s: sacrebleu has no tokenizer for %r, which is written without spaces: 13a reads each line "
                    "as one word (BLEU near 0, as sacrebleu -l gives); set metric.bleu.tokenize=char or flores200",
                    self.name,
                    lang,
                )
            try:
                self._by_lang[lang] = (
                    BLEU(trg_lang=lang, **self._kwargs),
                    BLEU(effective_order=True, trg_lang=lang, **self._kwargs),
                )
            except RuntimeError as exc:  # sacrebleu's ja-mecab / ko-mecab without their packages
                raise MetricError(
                    f"{self.name}: sacrebleu's tokenizer for {lang!r} is not installed ({' '.join(str(exc).split())}); "
                    f"or choose another with metric.bleu.tokenize=char (or spm)"
                ) from exc
        return self._by_lang[lang]

    def score(self, data: ScoringInput) -> MetricResult:
        """The system's BLEU with the reference language's tokenizer; unavailable (with the fix) when
        that tokenizer's package is missing, as COMET is without its model: the run goes on."""
        lang = self._trg_lang or (base_language(data.ref_lang) if data.ref_lang else "")
        try:
            self.corpus_metric, self.sentence_metric = self._metrics(lang)
        except MetricError as exc:
            return MetricResult(metric=self.name, corpus=None, available=False, reason=str(exc))
        return super().score(data)

    def bootstrap_spec(self) -> tuple[str, dict[str, Any]]:
        return "bleu", dict(self._spec)
