"""BLEU through sacrebleu (corpus: sacrebleu defaults; segments: effective order, as sentence_bleu).

As for chrF, the name follows the parameters that change the score (``bleu``, ``bleu-lc``,
``bleu-tok-intl``, ``bleu-s-floor``), so a sweep over them never writes two configurations into one
scores.csv column. ``tokenize: null`` (sacrebleu's choice for the target language) is the default.
"""

from __future__ import annotations

from typing import Any, Literal

from sacrebleu.metrics import BLEU

from eval.metrics.sacrebleu_base import SacrebleuMetric

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
        self.name = name or bleu_name(tokenize, lowercase, smooth_method, smooth_value)

    def bootstrap_spec(self) -> tuple[str, dict[str, Any]]:
        return "bleu", dict(self._spec)
