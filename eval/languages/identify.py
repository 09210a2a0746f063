"""Language identification with lingua, for the languages it covers (75).

Why restricted detectors: among the corpus languages only, lingua confuses far fewer lines than
among all 75; a language lingua does not know is simply not judged (and the capability table says so).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from eval.languages.codes import base_language


@lru_cache(maxsize=1)
def lingua_languages() -> frozenset[str]:
    """ISO 639-1 codes of the languages lingua can identify."""
    from lingua import Language

    return frozenset(lang.iso_code_639_1.name.lower() for lang in Language.all())


def lingua_covers(code: str) -> bool:
    return base_language(code) in lingua_languages()


@lru_cache(maxsize=16)
def _detector(bases: tuple[str, ...]) -> Any:
    """Build (once per language set) a lingua detector; building and model loading are slow."""
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    languages = [Language.from_iso_code_639_1(IsoCode639_1.from_str(code)) for code in bases]
    return LanguageDetectorBuilder.from_languages(*languages).build()


class Identifier:
    """Which of ``codes`` a text is in, by lingua; codes lingua does not cover are left out (never guessed)."""

    def __init__(self, codes: Sequence[str]) -> None:
        self.codes: dict[str, str] = {}  # base language → the code as the corpus wrote it
        for code in codes:
            if lingua_covers(code):
                self.codes.setdefault(base_language(code), code)
        self._bases = tuple(sorted(self.codes))

    @property
    def usable(self) -> bool:
        """At least two candidates: a detector with one language has nothing to decide."""
        return len(self._bases) >= 2

    def confidences(self, text: str) -> list[tuple[str, float]]:
        """(code, confidence) for each candidate, best first; empty when fewer than two candidates."""
        if not self.usable:
            return []
        values = _detector(self._bases).compute_language_confidence_values(text)
        return [(self.codes[str(v.language.iso_code_639_1.name.lower())], float(v.value)) for v in values]


@lru_cache(maxsize=1)
def _any_language_detector() -> Any:
    """lingua over all its languages, low-accuracy mode (trigrams only): a whole document needs no more,
    and the full models of 75 languages would cost gigabytes."""
    from lingua import LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_all_languages().with_low_accuracy_mode().build()


def declared_language_problem(text: str, declared: str, where: str, max_chars: int = 4000) -> str | None:
    """A one-line complaint when ``text`` reads as another language than ``declared``, else None.

    None too when lingua does not cover the declared language (it cannot tell) or the text is too short
    (under 200 letters) to judge."""
    sample = text[:max_chars]
    if not lingua_covers(declared) or sum(c.isalpha() for c in sample) < 200:
        return None
    found = _any_language_detector().detect_language_of(sample)
    if found is None:
        return None
    code = str(found.iso_code_639_1.name.lower())
    if code == base_language(declared):
        return None
    from eval.languages.codes import language_info

    return (
        f"{where}: declared {language_info(declared).name} ({declared}) but the text reads as "
        f"{language_info(code).name} ({code}); fix the lang in the manifest"
    )
