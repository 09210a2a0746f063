"""The language layer: the only package that knows about languages (codes, sentence splitting, stop words,
numbers, scripts, which engines and models cover a language). Stages ask it; none names a language."""

from eval.languages.codes import LanguageInfo, base_language, language_info, normalize_code

__all__ = ["LanguageInfo", "base_language", "language_info", "normalize_code"]
