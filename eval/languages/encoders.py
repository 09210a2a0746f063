"""Which sentence encoders were trained on a language.

Why: sentence alignment, embedding adequacy and the word-level detectors read encoder vectors; for a
language the encoder never saw, the vectors are noise and those stages must say so. The lists are the
models' published training languages (they cannot be asked of the weights).
"""

from __future__ import annotations

from eval.languages.codes import base_language, code_set

#: multilingual-e5-small: XLM-RoBERTa's CC-100 languages (model card of intfloat/multilingual-e5-small).
E5_LANGS: frozenset[str] = code_set(
    "af am ar as az be bg bn br bs ca cs cy da de el en eo es et eu fa fi fr fy ga gd gl gu ha he hi hr hu hy id "
    "is it ja jv ka kk km kn ko ku ky la lo lt lv mg mk ml mn mr ms my ne nl no nb om or pa pl ps pt ro ru sa sd "
    "si sk sl so sq sr su sv sw ta te th tl fil tr ug uk ur uz vi xh yi zh"
)
#: Universal Sentence Encoder multilingual v3: its 16 languages (TF Hub model card).
USE_LANGS: frozenset[str] = code_set("ar de en es fr it ja ko nl pl pt ru th tr zh")


def encoder_covers(encoder: str, lang: str) -> bool | None:
    """True/False for e5 and USE; None for an ``hf`` model (its coverage is the model's own)."""
    base = base_language(lang)
    if encoder == "e5":
        return base in E5_LANGS
    if encoder == "use":
        return base in USE_LANGS
    return None
