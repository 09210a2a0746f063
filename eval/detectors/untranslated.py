"""Untranslated text: parts of a version written in the reference language or another language.

Why: scraped and MT versions keep source fragments or foreign boilerplate; a per-clause language
check (lingua, restricted to the corpus languages so short clauses are not misread as Tagalog)
finds them without any reference.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from eval.detectors.base import AlignedPair, Detector, DetectorSkipped, Span, TextSpan

_CLAUSE = re.compile(r"[^.!?;:\n]+[.!?;:]?")
_LATIN_RUN = re.compile(r"[A-Za-z][A-Za-z'’,\- ]{8,}[A-Za-z!.]")


def _clauses(text: str, lang: str) -> list[TextSpan]:
    out: list[TextSpan] = []
    if lang == "ar":  # script change marks a foreign clause inside Arabic text
        out.extend(TextSpan(m.group(0), m.start(), m.end()) for m in _LATIN_RUN.finditer(text))
        return out
    for m in _CLAUSE.finditer(text):
        raw = m.group(0)
        s = m.start() + len(raw) - len(raw.lstrip())
        e = m.start() + len(raw.rstrip())
        if e > s:
            out.append(TextSpan(text[s:e], s, e))
    return out


def _find_word(text: str, word: str) -> TextSpan | None:
    m = re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text)
    return TextSpan(m.group(0), m.start(), m.end()) if m else None


def engine_unknown_spans(p: AlignedPair, detector: str) -> list[Span]:
    """Source words the MT engine marked unknown and copied into its output, linked to the source word.

    Only words the engine itself flagged (Apertium's ``*word``) that appear verbatim in the reference, so it
    never guesses. Capitalized words are names, copied on purpose (names_numbers judges those); a copied
    common word may still be right (a cognate such as "drones"), hence minor severity.
    """
    spans = []
    for word in dict.fromkeys(p.unknown):
        if not any(ch.isalpha() for ch in word) or word[:1].isupper():
            continue
        hyp, ref = _find_word(p.hyp, word), _find_word(p.ref, word)
        if hyp is None or ref is None:
            continue
        spans.append(
            Span.on(
                p,
                hyp,
                ref,
                "accuracy/untranslated",
                "minor",
                detector,
                0.7,
                {"engine_marked_unknown": word},
            )
        )
    return spans


@dataclass
class UntranslatedDetector(Detector):
    """Flags clauses of >= ``min_words`` words detected (>= ``min_confidence``) as another language."""

    name: str = "untranslated"
    languages: list[str] = field(default_factory=lambda: ["fr", "es", "en", "it", "ar"])
    min_words: int = 3
    min_confidence: float = 0.8
    _detector: Any = None

    def _lingua(self) -> Any:
        if self._detector is None:
            try:
                from lingua import IsoCode639_1, Language, LanguageDetectorBuilder
            except ImportError as exc:
                raise DetectorSkipped(f"untranslated for all langs: lingua not installed ({exc})") from exc
            langs = [Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in self.languages]
            self._detector = LanguageDetectorBuilder.from_languages(*langs).build()
        return self._detector

    def detect(self, pairs: list[AlignedPair]) -> list[Span]:
        spans: list[Span] = [s for p in pairs for s in engine_unknown_spans(p, self.name)]
        for p in pairs:
            if not p.hyp.strip():
                continue
            if p.hyp_lang not in self.languages:
                raise DetectorSkipped(f"untranslated for lang {p.hyp_lang}: not among {self.languages}")
            for clause in _clauses(p.hyp, p.hyp_lang):
                if len(clause.text.split()) < self.min_words:
                    continue
                conf = self._lingua().compute_language_confidence_values(clause.text)
                if not conf:
                    continue
                top = conf[0]
                code = top.language.iso_code_639_1.name.lower()
                if code == p.hyp_lang or top.value < self.min_confidence:
                    continue
                spans.append(
                    Span.on(
                        p,
                        clause,
                        None,
                        "accuracy/untranslated",
                        "major" if code == p.ref_lang else "minor",
                        self.name,
                        round(float(top.value), 3),
                        {"detected": code, "expected": p.hyp_lang},
                    )
                )
        return spans
