"""Mistranslations: content-word links whose lexical evidence says the version means something else.

Why: a sentence can score well on COMET while one noun is wrong ("congelación" — freezing — where
the French says "enrôlement", "aviones" where it says "drones"). Starting from the word
alignment, each content-word link is judged with evidence a reviewer can check:

1. dictionaries (Apertium, composed through Spanish for en/it): is the version's lemma among the
   translations of the reference lemma, or the reference lemma among the back-translations of the
   version's word? Either way the link is fine;
2. the back-translation of the version's word into French compared with the reference word
   (string/lemma match, then embedding similarity);
3. the bridge (whole version translated into French): the reference word reappearing there clears it.

A link is flagged only on positive evidence (a back-translation that is not the reference word and
not close to it in the embedding space), which keeps faithful paraphrases quiet. Without
dictionaries the embedding similarity of the linked words decides, with lower confidence.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from eval.detectors.base import AlignedPair, Detector, DetectorSkipped, Severity, Span, TextSpan
from eval.detectors.lexicon import Lexicon
from eval.detectors.names_numbers import fold
from eval.detectors.stopwords import is_content, tokens

log = logging.getLogger(__name__)
# (context template with "{}", reference word, substitute) → calibrated substitution similarity.
WordSimilarity = Callable[[list[tuple[str, str, str]]], list[float]]
# Neutral words: their substitution similarity is the baseline that calibrates e5's compressed cosines.
DISTRACTORS = ("maison", "table", "musique", "couleur", "jardin", "voiture", "fromage", "montagne")


def embedding_similarity(embedder: Any, distractors: tuple[str, ...] = DISTRACTORS) -> WordSimilarity:
    """Calibrated similarity of a context with the reference word vs with a substitute.

    Why: e5 cosines of single words all sit in 0.83–0.93 (drones/avion 0.88 = enrôlement/
    recrutement 0.88). Substituting the word in its reference context and rescaling against
    neutral substitutes, (s − base) / (1 − base), separates synonyms (≥ 0.34) from wrong words
    (congélation 0.03, avions 0.28) on the DGSN corpus.
    """
    cache: dict[str, Any] = {}

    def sim(items: list[tuple[str, str, str]]) -> list[float]:
        texts = {t.format(w) for t, a, b in items for w in (a, b, *distractors)}
        todo = sorted(x for x in texts if x not in cache)
        for i in range(0, len(todo), 64):
            chunk = todo[i : i + 64]
            for x, v in zip(chunk, embedder.embed(chunk), strict=True):
                cache[x] = v
        out: list[float] = []
        for t, a, b in items:
            va = cache[t.format(a)]
            s = float(va @ cache[t.format(b)])
            base = sum(float(va @ cache[t.format(d)]) for d in distractors) / len(distractors)
            out.append((s - base) / max(1e-6, 1.0 - base))
        return out

    return sim


def context_template(text: str, start: int, end: int, window: int = 4) -> str:
    """The words around text[start:end] with the word replaced by "{}" (braces escaped)."""
    toks = tokens(text)
    idx = next((i for i, t in enumerate(toks) if t[1] <= start < t[2] or t[1] >= start), len(toks) - 1)
    s = toks[max(0, idx - window)][1] if toks else 0
    e = toks[min(len(toks) - 1, idx + window)][2] if toks else len(text)
    esc = lambda x: x.replace("{", "{{").replace("}", "}}")  # noqa: E731
    return esc(text[s:start]) + "{}" + esc(text[end:e])


def _close(a: str, b: str, ratio: float = 0.8) -> bool:
    """Same word up to accents/inflection (drone/drones, piratage/piraterie)."""
    fa, fb = fold(a), fold(b)
    if fa == fb:
        return True
    n = min(len(fa), len(fb))
    prefix = len(next(iter([fa[:i] for i in range(n, 0, -1) if fa[:i] == fb[:i]]), ""))
    return prefix >= 5 or difflib.SequenceMatcher(None, fa, fb).ratio() >= ratio


def _is_name(text: str, start: int, word: str) -> bool:
    before = text[:start].rstrip()
    return word[:1].isupper() and bool(before) and before[-1] not in '.!?:;«"“'


@dataclass
class _Words:
    """Lexicon lookups for one system, gathered in one batch per dictionary."""

    ref_lemmas: dict[str, set[str]]
    ref_to_hyp: dict[str, set[str]]
    hyp_lemmas: dict[str, set[str]]
    hyp_to_ref: dict[str, set[str]]


@dataclass
class MistranslationDetector(Detector):
    """Judges content-word links; ``aligner``, ``lexicon`` and ``word_similarity`` are injectable."""

    name: str = "mistranslation"
    embedder: Any = None
    aligner: Callable[[str, str], list[Any]] | None = None
    lexicon: Lexicon | None = None
    use_lexicon: bool = True
    word_similarity: WordSimilarity | None = None
    # Calibrated substitution similarity of the back-translation: below it the link is wrong.
    backtranslation_threshold: float = 0.30
    # No back-translation: the version's word itself substituted (cross-lingual, weaker evidence).
    embedding_only_threshold: float = -0.5
    min_link_similarity: float = 0.0
    _stats: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.aligner is None and self.embedder is not None:
            from eval.detectors.omission_addition import make_aligner

            self.aligner = make_aligner(self.embedder)
        if self.word_similarity is None and self.embedder is not None:
            self.word_similarity = embedding_similarity(self.embedder)
        if self.lexicon is None and self.use_lexicon:
            self.lexicon = Lexicon()

    def _lookups(self, ref_lang: str, hyp_lang: str, ref_words: list[str], hyp_words: list[str]) -> _Words:
        lex = self.lexicon
        if lex is None:
            empty: dict[str, set[str]] = {}
            return _Words(empty, empty, empty, empty)
        return _Words(
            lex.lemmas(ref_lang, ref_words) if lex.has_analyser(ref_lang) else {},
            lex.translate_lemmas(ref_lang, hyp_lang, ref_words) if lex.available(ref_lang, hyp_lang) else {},
            lex.lemmas(hyp_lang, hyp_words) if lex.has_analyser(hyp_lang) else {},
            lex.translate_lemmas(hyp_lang, ref_lang, hyp_words) if lex.available(hyp_lang, ref_lang) else {},
        )

    def detect(self, pairs: list[AlignedPair]) -> list[Span]:
        if self.aligner is None or self.word_similarity is None:
            lang = pairs[0].hyp_lang if pairs else "?"
            raise DetectorSkipped(f"mistranslation for lang {lang}: needs an embedder with token states")
        beads = [p for p in pairs if p.ref.strip() and p.hyp.strip()]
        if not beads:
            return []
        aligned = [
            (p, [lk for lk in self.aligner(p.ref, p.hyp) if lk.similarity >= self.min_link_similarity]) for p in beads
        ]
        cands: list[tuple[AlignedPair, Any]] = []
        for p, links in aligned:
            for lk in links:
                r, h = lk.ref, lk.hyp
                if not (is_content(r.text, p.ref_lang) and is_content(h.text, p.hyp_lang)):
                    continue
                if _is_name(p.ref, r.start, r.text) or _is_name(p.hyp, h.start, h.text):
                    continue
                cands.append((p, lk))
        if not cands:
            return []
        ref_lang, hyp_lang = beads[0].ref_lang, beads[0].hyp_lang
        bead_words = {t[0].lower() for p in beads for t in tokens(p.hyp)}
        words = self._lookups(ref_lang, hyp_lang, [lk.ref.text for _, lk in cands], sorted(bead_words))
        judged = [self._judge(p, lk, words) for p, lk in cands]
        # Embedding similarities for all undecided links in one batch.
        need = [(i, q) for i, (_, q) in enumerate(judged) if q]
        sims = self.word_similarity([pair for _, qs in need for pair in qs]) if need else []
        k = 0
        spans: list[Span] = []
        self._stats = {"links": len(cands), "cleared": len(cands) - len(need)}
        for i, qs in need:
            p, lk = cands[i]
            ev = judged[i][0] or {}
            vals = sims[k : k + len(qs)]
            k += len(qs)
            best = max(vals)
            has_bt = bool(ev.get("back_translation"))
            threshold = self.backtranslation_threshold if has_bt else self.embedding_only_threshold
            if best >= threshold:
                continue
            margin = min(1.0, threshold - best)
            confidence = round(min(0.95, (0.6 if has_bt else 0.35) + 0.5 * margin), 3)
            severity: Severity = "major" if has_bt and confidence >= 0.6 else "minor"
            ev = {
                **ev,
                "similarity": round(best, 4),
                "threshold": threshold,
                "link_similarity": round(lk.similarity, 4),
            }
            spans.append(
                Span(
                    p.system,
                    p.hyp_lang,
                    list(p.ref_ids),
                    list(p.hyp_ids),
                    TextSpan(lk.hyp.text, lk.hyp.start, lk.hyp.end),
                    TextSpan(lk.ref.text, lk.ref.start, lk.ref.end),
                    "accuracy/mistranslation",
                    severity,
                    self.name,
                    confidence,
                    ev,
                )
            )
        return spans

    def _judge(self, p: AlignedPair, lk: Any, w: _Words) -> tuple[dict[str, Any] | None, list[tuple[str, str, str]]]:
        """(evidence, word pairs to compare by embedding); no pairs means the link is cleared."""
        r, h = lk.ref.text.lower(), lk.hyp.text.lower()
        r_lem = w.ref_lemmas.get(r, {r})
        h_lem = w.hyp_lemmas.get(h, {h})
        if _close(r, h) or r_lem & h_lem or any(_close(a, b) for a in r_lem for b in h_lem):
            return None, []
        dict_tr = w.ref_to_hyp.get(r, set())
        back = w.hyp_to_ref.get(h, set())
        if dict_tr & h_lem or r_lem & back or any(_close(b, x) for b in back for x in r_lem | {r}):
            return None, []
        # The aligner may have picked the wrong word: a dictionary translation elsewhere in the bead clears it.
        hyp_words = {t[0].lower() for t in tokens(p.hyp)}
        bead_lemmas = set().union(*(w.hyp_lemmas.get(x, {x}) for x in hyp_words)) if hyp_words else set()
        if dict_tr & bead_lemmas:
            return None, []
        if any(r_lem & w.hyp_to_ref.get(x, set()) for x in hyp_words):
            return None, []
        if p.bridge and any(_close(t[0], x) for t in tokens(p.bridge) for x in r_lem | {r} if len(t[0]) > 3):
            return None, []
        ev: dict[str, Any] = {
            "ref_lemmas": sorted(r_lem),
            "hyp_lemmas": sorted(h_lem),
            "dictionary": sorted(dict_tr),
            "back_translation": sorted(back),
        }
        tpl = context_template(p.ref, lk.ref.start, lk.ref.end)
        if back:
            return ev, [(tpl, lk.ref.text, b) for b in sorted(back)]
        return ev, [(tpl, lk.ref.text, lk.hyp.text)]
