"""Untranslated text: parts of a version written in the reference language or another language.

Why: scraped and MT versions keep source fragments or foreign boilerplate. Two checks, neither
needing the reference:

- a per-clause language check (lingua, restricted to the corpus languages so short clauses are
  not misread as Tagalog) finds whole clauses in another language;
- a word-level dictionary check finds a foreign phrase inside a clause of the right language
  ("Command and Coordination Center" in the Italian version), which a clause-level classifier
  outvotes: a run of words that the version language's Apertium analyser does not know and one
  other language's analyser knows. Names are unknown to every analyser, so they never form a run.
"""

from __future__ import annotations

import logging
import re
import shutil
from dataclasses import dataclass, field, replace
from typing import Any

from eval.align.words import Word
from eval.detectors.base import AlignedPair, Detector, DetectorNeeds, DetectorSkipped, Span, TextSpan
from eval.detectors.bridge_links import cached_words
from eval.errors import MissingApertiumError
from eval.languages.codes import language_info
from eval.languages.identify import Identifier, lingua_covers
from eval.languages.wordchars import WORD_CHAR

log = logging.getLogger(__name__)

_CLAUSE = re.compile(r"[^.!?;:\n]+[.!?;:]?")
_LATIN_RUN = re.compile(r"[A-Za-z][A-Za-z'’,\- ]{8,}[A-Za-z!.]")


def _clauses(text: str, lang: str) -> list[TextSpan]:
    out: list[TextSpan] = []
    if language_info(lang).script not in ("Latn", "Cyrl", "Grek"):  # a Latin run inside Arabic, Chinese... text
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
    m = re.search(rf"(?<!{WORD_CHAR}){re.escape(word)}(?!{WORD_CHAR})", text)
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


def foreign_runs(
    words: list[Word], own: set[str], known: dict[str, set[str]], min_words: int
) -> list[tuple[str, int, int]]:
    """(language, first, last word index) of each run of >= ``min_words`` words that the version's
    own analyser does not know (``own``: known lower-cased forms) and language ``known[lang]`` does."""
    runs: list[tuple[str, int, int]] = []
    i = 0
    while i < len(words):
        w = words[i].text.lower()
        langs = {lang for lang, forms in known.items() if w in forms} if w.isalpha() and w not in own else set()
        j = i + 1
        while langs and j < len(words):
            x = words[j].text.lower()
            nxt = {lang for lang in langs if x in known[lang]} if x.isalpha() and x not in own else set()
            if not nxt:
                break
            langs, j = nxt, j + 1
        if langs and j - i >= min_words:
            runs.append((sorted(langs)[0], i, j - 1))
            i = j
        else:
            i += 1
    return runs


@dataclass
class UntranslatedDetector(Detector):
    """Flags clauses of >= ``min_words`` words detected (>= ``min_confidence``) as another language,
    and runs of >= ``min_words`` words that only another language's dictionary knows."""

    name: str = "untranslated"
    # Candidate languages (the runner passes the corpus languages); empty: each system's reference and version language.
    languages: list[str] = field(default_factory=list)
    min_words: int = 3
    min_confidence: float = 0.8
    use_lexicon: bool = True
    lexicon: Any = None
    _detector: Identifier | None = None

    def needs(self) -> DetectorNeeds:
        return DetectorNeeds(languages=tuple(self.languages))

    def _dictionary_spans(self, pairs: list[AlignedPair], taken: list[Span]) -> list[Span]:
        """Foreign phrases inside a clause, from the Apertium analysers (skipped when absent)."""
        if not self.use_lexicon or not pairs or shutil.which("lt-proc") is None:
            return []
        from eval.detectors.lexicon import Lexicon

        lex = self.lexicon if self.lexicon is not None else Lexicon()
        hyp_lang = pairs[0].hyp_lang
        others = [x for x in dict.fromkeys([pairs[0].ref_lang, *self.languages]) if x != hyp_lang]
        if not lex.has_analyser(hyp_lang):
            return []
        vocab = sorted({w.text.lower() for p in pairs for w in cached_words(p.hyp) if w.text.isalpha()})
        try:
            own = {w for w, r in lex.analyse(hyp_lang, vocab).items() if r}
            candidates = [w for w in vocab if w not in own]
            known = {
                lang: {w for w, r in lex.analyse(lang, candidates).items() if r}
                for lang in others
                if lex.has_analyser(lang)
            }
        except MissingApertiumError as exc:
            log.warning("untranslated: dictionary check skipped (%s)", exc)
            return []
        spans: list[Span] = []
        for p in pairs:
            words = list(cached_words(p.hyp))
            flagged = [s.hyp for s in taken if s.hyp and s.hyp_segment_ids == list(p.hyp_ids)]
            for lang, first, last in foreign_runs(words, own, known, self.min_words):
                start, end = words[first].start, words[last].end
                if any(h.start <= start < h.end for h in flagged):
                    continue  # inside a clause already flagged
                run = [w.text for w in words[first : last + 1]]
                spans.append(
                    Span.on(
                        p,
                        TextSpan(p.hyp[start:end], start, end),
                        None,
                        "accuracy/untranslated",
                        "major" if lang == p.ref_lang else "minor",
                        self.name,
                        0.75,
                        {"detected": lang, "expected": hyp_lang, "method": "apertium analysers", "words": run},
                    )
                )
        return spans

    def _lingua(self) -> Identifier:
        if self._detector is None:
            self._detector = Identifier(self.languages)
        return self._detector

    def _with_languages(self, pairs: list[AlignedPair]) -> UntranslatedDetector:
        """This detector, or a copy whose candidates are the pairs' languages when none were given."""
        if self.languages or not pairs:
            return self
        langs = sorted({pairs[0].ref_lang, *(p.hyp_lang for p in pairs)})
        return replace(self, languages=langs, _detector=None)

    def detect(self, pairs: list[AlignedPair]) -> list[Span]:
        if not self.languages and pairs:
            return self._with_languages(pairs).detect(pairs)
        spans: list[Span] = [s for p in pairs for s in engine_unknown_spans(p, self.name)]
        for p in pairs:
            if not p.hyp.strip():
                continue
            if p.hyp_lang not in self.languages:
                raise DetectorSkipped(f"untranslated for lang {p.hyp_lang}: not among {self.languages}")
            if not lingua_covers(p.hyp_lang):
                raise DetectorSkipped(f"untranslated for lang {p.hyp_lang}: lingua cannot identify it")
            if not self._lingua().usable:
                raise DetectorSkipped(
                    f"untranslated for lang {p.hyp_lang}: the run has one language lingua identifies "
                    f"({', '.join(self._lingua().codes.values())}), so no clause can be in another"
                )
            for clause in _clauses(p.hyp, p.hyp_lang):
                if len(clause.text.split()) < self.min_words:
                    continue
                conf = self._lingua().confidences(clause.text)
                if not conf:
                    continue
                code, value = conf[0]
                if code == p.hyp_lang or value < self.min_confidence:
                    continue
                spans.append(
                    Span.on(
                        p,
                        clause,
                        None,
                        "accuracy/untranslated",
                        "major" if code == p.ref_lang else "minor",
                        self.name,
                        round(value, 3),
                        {"detected": code, "expected": p.hyp_lang},
                    )
                )
        return spans + self._dictionary_spans([p for p in pairs if p.hyp.strip()], spans)
