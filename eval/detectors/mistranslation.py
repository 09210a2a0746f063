"""Mistranslations: version words whose evidence says they mean something else than the reference.

Why: a sentence can score well on COMET while one noun is wrong ("congelación" — freezing — where
the French says "enrôlement", "aviones" where it says "drones"). No word list is involved; each
version content word is tied to a reference word and judged with evidence a reviewer can check:

1. linking: the bridge (the version back-translated into the reference language) is aligned to
   the reference as a same-language problem (``bridge_links``): a bridge word equal to a reference
   word clears the version word; a bridge word left between two anchors stands for the reference
   word(s) of that gap. The cross-lingual word alignment (e5 token states) confirms the link or
   picks the right word inside a larger gap; without a bridge it links alone;
2. dictionaries (Apertium lt-proc, composed through Spanish for en/it; lemmas for the same-language
   case): the version's lemma among the translations of the reference word, or the reference lemma
   among the back-translations of the version's word, clears the link;
3. similarity in context: the back-translation (the bridge word, else the dictionary's) substituted
   for the reference word in its own sentence, calibrated against neutral substitutes. A synonym
   (recrutement for enrôlement) stays close; a wrong word (congélation) does not.

A link is flagged only on positive evidence, which keeps faithful paraphrases quiet.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from eval.align.words import Word
from eval.detectors.base import (
    AlignedPair,
    Detector,
    DetectorNeeds,
    DetectorSkipped,
    Severity,
    Span,
    SystemResult,
    TextSpan,
)
from eval.detectors.bridge_links import (
    BridgeLink,
    WordIndex,
    align_bridge,
    cached_words,
    hyp_to_bridge,
    same_word,
)
from eval.detectors.lexicon import Analysis, Lexicon
from eval.detectors.names_numbers import fold, ratio_reaches
from eval.detectors.stopwords import is_content
from eval.detectors.wordlinks import embedder_key

log = logging.getLogger(__name__)
# (context template with "{}", reference word, substitute) → calibrated substitution similarity.
WordSimilarity = Callable[[list[tuple[str, str, str]]], list[float]]
Aligner = Callable[[str, str], list[Any]]
# Neutral words: their substitution similarity is the baseline that calibrates e5's compressed cosines.
DISTRACTORS = ("maison", "table", "musique", "couleur", "jardin", "voiture", "fromage", "montagne")


# Context vectors shared by every detector instance (key: embedder id, text): the contexts and
# their neutral substitutes come from the reference, which is the same for every system of a run.
_CONTEXTS: dict[tuple[str, str], Any] = {}
# Keys of _CONTEXTS built from the reference alone (its word or a distractor in its context).
_REFERENCE_SIDE: set[tuple[str, str]] = set()
_MAX_MEMO = 200_000


def clear_memo(version_side_only: bool = False) -> None:
    """Forget the memoised context vectors (benchmarks measuring a cold run).

    ``version_side_only`` keeps the reference-side contexts: what a run with several versions of
    one reference pays only once.
    """
    if version_side_only:
        for key in [k for k in _CONTEXTS if k not in _REFERENCE_SIDE]:
            del _CONTEXTS[key]
        return
    _CONTEXTS.clear()
    _REFERENCE_SIDE.clear()


Query = tuple[str, str, str]  # (context template with "{}", reference word, substitute)
# Distractors are embedded in stages of this size; a link stops as soon as it is surely cleared.
DISTRACTOR_STAGE = 2
_COS_MAX = 1.0 + 1e-5  # unit float32 vectors: a cosine may exceed 1 by rounding


# Bound on |cosine(bfloat16 vectors) − cosine(float32 vectors)| for e5 contexts: 1.7× the largest
# drift measured (1.15e-3 over 5,016 cosines of contexts in all five corpus languages; 7.8e-4 over
# 2,988 DGSN French contexts). A decision this close to its threshold is recomputed in float32, so
# the precision does not decide a span. Each re-check costs about 4 screens (float32, all
# distractors): on the cold benchmark 2e-3 keeps 1.3× of the 1.56× per-pass gain, 2.5e-3 only 1.2×.
BF16_COSINE_MARGIN = 2e-3


class ContextSimilarity:
    """Calibrated similarity of a context with the reference word vs with a substitute.

    Why: e5 cosines of single words all sit in 0.83–0.93 (drones/avion 0.88 = enrôlement/
    recrutement 0.88). Substituting the word in its reference context and rescaling against
    neutral substitutes, (s − base) / (1 − base), separates synonyms from wrong words. Vectors
    are memoised process-wide.

    Calling it returns every value. ``decide`` returns only what the detector needs: the best value
    of a link that falls below its threshold, None for a cleared link. Because (s − base)/(1 − base)
    decreases as base grows and each unseen distractor adds at most 1/8 to base, a link is surely
    cleared once the bound with the remaining distractors at cosine 1 still clears it; such links
    stop early (about a third fewer e5 passes on the DGSN beads). Flagged links always get all
    distractors, so their value is exactly the one ``__call__`` returns.

    An embedder computing in bfloat16 (``precision``) screens every link at about twice the
    float32 speed; a link whose value is within the bfloat16 error bound of its threshold is
    decided again in float32 by the same embedder's float32 view.
    """

    def __init__(self, embedder: Any, distractors: tuple[str, ...] = DISTRACTORS) -> None:
        self.embedder = embedder
        self.distractors = distractors
        fast = getattr(embedder, "precision", "float32") != "float32" and hasattr(embedder, "with_precision")
        self.exact: Any = embedder.with_precision("float32") if fast else None
        # Of the last ``decide`` call: how many links it decided, and which (indices) were decided again in float32.
        self.decided_links = 0
        self.rechecked_links: list[int] = []

    @property
    def stats(self) -> dict[str, int]:
        """Counters of the last ``decide`` call."""
        return {"links": self.decided_links, "rechecked_float32": len(self.rechecked_links)}

    def _fetch(self, texts: set[str], reference_side: set[str], local: dict[str, Any], embedder: Any = None) -> None:
        """Vectors of ``texts`` into ``local``: from the memo, the rest in one batched ``embed``."""
        embedder = embedder or self.embedder
        self._peek(texts, local, embedder)
        todo = sorted(texts - local.keys())
        if not todo:
            return
        if len(_CONTEXTS) + len(todo) > _MAX_MEMO:
            clear_memo()
        ident = embedder_key(embedder)
        for x, v in zip(todo, embedder.embed(todo), strict=True):
            _CONTEXTS[(ident, x)] = v
            local[x] = v
        _REFERENCE_SIDE.update((ident, x) for x in todo if x in reference_side)

    @staticmethod
    def _peek(texts: set[str], local: dict[str, Any], embedder: Any) -> None:
        """Memoised vectors of ``texts`` into ``local``; nothing is computed."""
        ident = embedder_key(embedder)
        for x in texts - local.keys():
            v = _CONTEXTS.get((ident, x))
            if v is not None:
                local[x] = v

    @staticmethod
    def _calibrated(s: float, base: float) -> float:
        """(s − base) / (1 − base): 0 at the neutral-substitute level, 1 for the reference word itself."""
        return (s - base) / max(1e-6, 1.0 - base)

    def _base(self, t: str, a: str, local: dict[str, Any]) -> float:
        va = local[t.format(a)]
        return sum(float(va @ local[t.format(d)]) for d in self.distractors) / len(self.distractors)

    @staticmethod
    def _cosines(queries: list[Query], local: dict[str, Any]) -> list[float]:
        """Cosine of each substitute's context with its reference context."""
        return [float(local[t.format(a)] @ local[t.format(b)]) for t, a, b in queries]

    def __call__(self, items: list[Query]) -> list[float]:
        reference_side = {t.format(w) for t, a, _ in items for w in (a, *self.distractors)}
        local: dict[str, Any] = {}
        self._fetch(reference_side | {t.format(b) for t, _, b in items}, reference_side, local)
        bases: dict[tuple[str, str], float] = {}
        out: list[float] = []
        for t, a, b in items:
            s = float(local[t.format(a)] @ local[t.format(b)])
            base = bases.get((t, a))
            if base is None:
                base = bases[(t, a)] = self._base(t, a, local)
            out.append(self._calibrated(s, base))
        return out

    def decide(self, groups: list[tuple[list[Query], float]]) -> list[float | None]:
        """Per link (its queries share one template and reference word, and a threshold): the best
        calibrated value when it is below the threshold, else None."""
        if any(len({(t, a) for t, a, _ in qs}) > 1 for qs, _ in groups):
            raise ValueError("ContextSimilarity.decide: the queries of one link must share template and reference word")
        self.decided_links, self.rechecked_links = len(groups), []
        if self.exact is None:
            return [value for value, _ in self._decide(groups, self.embedder, 0.0)]
        screened = self._decide(groups, self.embedder, BF16_COSINE_MARGIN)
        unsure = [i for i, (_, sure) in enumerate(screened) if not sure]
        result = [value for value, _ in screened]
        # Borderline links rarely stop early: their float32 vectors come in one batch, not in stages.
        exact = self._decide([groups[i] for i in unsure], self.exact, 0.0, stage=0)
        for i, (value, _) in zip(unsure, exact, strict=True):
            result[i] = value
        self.rechecked_links = unsure
        return result

    def _decide(
        self, groups: list[tuple[list[Query], float]], embedder: Any, delta: float, stage: int = DISTRACTOR_STAGE
    ) -> list[tuple[float | None, bool]]:
        """(value, sure) per link, each cosine known to ±``delta``: ``sure`` is False when the true
        value could lie on the other side of the threshold (always True for ``delta`` = 0).

        (s − base)/(1 − base) rises with s and falls with base, so its bounds take s ∓ delta with
        base ± delta. ``stage`` 0: every vector in one batch, no early stop (borderline links).
        """
        local: dict[str, Any] = {}
        anchors = {t.format(a) for qs, _ in groups for t, a, _ in qs}
        neutral = {qs[0][0].format(d) for qs, _ in groups if qs for d in self.distractors}
        if stage == 0:
            substitutes = {t.format(b) for qs, _ in groups for t, _, b in qs}
            self._fetch(anchors | neutral | substitutes, anchors | neutral, local, embedder)
        else:
            # A link's first substitute comes with its anchor; the others only if that one does not clear
            # it at the first stage (a max over some substitutes is a lower bound of the max over all).
            self._fetch(anchors | {t.format(b) for qs, _ in groups for t, _, b in qs[:1]}, anchors, local, embedder)
            # Distractor contexts already memoised (another version of the same reference) cost nothing:
            # they tighten every bound from the start.
            self._peek(neutral, local, embedder)
        # Per link: its template, reference word and the substitutes' cosines with the reference context.
        links = [(qs[0][0], qs[0][1], self._cosines(qs[:1], local)) for qs, _ in groups]
        n = len(self.distractors)
        result: list[tuple[float | None, bool]] = [(None, True)] * len(groups)
        open_ = [i for i, (qs, _) in enumerate(groups) if qs]
        while open_:
            still: list[int] = []
            for i in open_:
                t, a, cosines = links[i]
                known = [local[x] for x in (t.format(d) for d in self.distractors) if x in local]
                if len(known) == n and len(cosines) == len(groups[i][0]):
                    still.append(i)  # everything known: decided exactly below
                    continue
                va = local[t.format(a)]
                high = (sum(float(va @ v) for v in known) + (n - len(known)) * _COS_MAX) / n + delta
                if high < 1.0 - 1e-6 and self._calibrated(max(cosines) - delta, high) >= groups[i][1]:
                    continue  # cleared whatever the remaining distractors and substitutes give
                still.append(i)
            more = [i for i in still if len(links[i][2]) < len(groups[i][0])]
            needed: set[str] = set()
            for i in still:
                t = links[i][0]
                needed.update([x for x in (t.format(d) for d in self.distractors) if x not in local][:stage])
            if not needed and not more:
                open_ = still
                break
            self._fetch(needed, needed, local, embedder)
            self._fetch({t.format(b) for i in more for t, _, b in groups[i][0][1:]}, set(), local, embedder)
            for i in more:
                links[i][2].extend(self._cosines(groups[i][0][1:], local))
            open_ = still
        for i in open_:
            t, a, cosines = links[i]
            base = self._base(t, a, local)
            best = max(self._calibrated(s, base) for s in cosines)
            low = max(self._calibrated(s - delta, base + delta) for s in cosines)
            high = max(self._calibrated(s + delta, base - delta) for s in cosines)
            threshold = groups[i][1]
            result[i] = (best if best < threshold else None, low >= threshold or high < threshold)
        return result


def embedding_similarity(embedder: Any, distractors: tuple[str, ...] = DISTRACTORS) -> ContextSimilarity:
    """The calibrated context similarity of ``embedder`` (see ContextSimilarity)."""
    return ContextSimilarity(embedder, distractors)


def context_template(text: str, start: int, end: int, window: int = 4) -> str:
    """The words around text[start:end] with the word replaced by "{}" (braces escaped)."""
    toks = cached_words(text)
    idx = next((i for i, t in enumerate(toks) if t.start <= start < t.end or t.start >= start), len(toks) - 1)
    s = toks[max(0, idx - window)].start if toks else 0
    e = toks[min(len(toks) - 1, idx + window)].end if toks else len(text)
    esc = lambda x: x.replace("{", "{{").replace("}", "}}")  # noqa: E731
    return esc(text[s:start]) + "{}" + esc(text[end:e])


def _coarse(a: Analysis) -> set[str]:
    """n / v / adj / adv… of one Apertium reading; participles can also stand where adjectives do."""
    pos = a.pos
    if pos == "np":
        return {"n"}
    if pos.startswith("vb"):
        return {"v", "adj"} if "<pp>" in a.tags or "<pprs>" in a.tags else {"v"}
    return {pos} if pos else set()


def coarse_pos(lex: Lexicon, lang: str, words: list[str]) -> dict[str, frozenset[str]]:
    """Coarse parts of speech of each (lower-cased) word over all its readings; unknown words get none."""
    return {w: frozenset(x for a in rs for x in _coarse(a)) for w, rs in lex.analyse(lang, words).items()}


def _close(a: str, b: str, ratio: float = 0.8) -> bool:
    """Same word up to accents/inflection (drone/drones, piratage/piraterie)."""
    fa, fb = fold(a), fold(b)
    if fa == fb:
        return True
    # fa ≠ fb, so equal 5-letter slices are a common prefix of ≥ 5.
    return fa[:5] == fb[:5] or ratio_reaches(a, b, ratio)


def _is_name(text: str, start: int, word: str) -> bool:
    before = text[:start].rstrip()
    return word[:1].isupper() and bool(before) and before[-1] not in '.!?:;«"“'


def _content(w: Word, text: str, lang: str) -> bool:
    return is_content(w.text, lang) and not _is_name(text, w.start, w.text)


@dataclass
class _Words:
    """Lexicon lookups for one system, gathered in one batch per dictionary."""

    ref_lemmas: dict[str, set[str]]
    ref_to_hyp: dict[str, set[str]]
    hyp_lemmas: dict[str, set[str]]
    hyp_to_ref: dict[str, set[str]]
    # Coarse parts of speech of reference-language words and back-translations (empty: unknown).
    pos: dict[str, frozenset[str]] = field(default_factory=dict)
    _keys: dict[str, set[str]] = field(default_factory=dict)
    _same: dict[tuple[str, str], bool] = field(default_factory=dict)

    def keys(self, word: str) -> set[str]:
        """Folded lemma keys of a reference-language word (reference or bridge); memoised."""
        got = self._keys.get(word)
        if got is None:
            got = self._keys[word] = {fold(x) for x in self.ref_lemmas.get(word, {word})}
        return got

    def fits(self, substitute: str, ref_word: str) -> bool:
        """Can ``substitute`` fill the reference word's slot? Unknown words are given the benefit of the doubt."""
        a, b = self.pos.get(substitute.lower()), self.pos.get(ref_word.lower())
        return not a or not b or bool(a & b)

    def same(self, a: str, b: str) -> bool:
        """``same_word`` with this system's lemma keys, memoised (the judge compares a link's word with
        every reference and bridge word of its bead)."""
        got = self._same.get((a, b))
        if got is None:
            got = self._same[(a, b)] = same_word(a, b, self.keys)
        return got


@dataclass
class _Candidate:
    """A (reference word, version word) link to judge, with how it was found."""

    pair: AlignedPair
    ref: Word
    hyp: Word
    route: str  # bridge | bridge+alignment | alignment
    link_similarity: float
    bridge_word: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)
    queries: list[tuple[str, str, str]] = field(default_factory=list)
    threshold: float = 0.0


@dataclass
class MistranslationDetector(Detector):
    """Judges version content words; ``aligner``, ``lexicon`` and ``word_similarity`` are injectable."""

    name: str = "mistranslation"
    embedder: Any = None
    aligner: Aligner | None = None
    lexicon: Lexicon | None = None
    use_lexicon: bool = True
    use_bridge: bool = True
    word_similarity: WordSimilarity | None = None
    layer: int | None = None
    # Calibrated substitution similarity of the back-translation: below it the link is wrong.
    backtranslation_threshold: float = 0.35
    # No back-translation (no dictionary, no bridge, e.g. Arabic): the version word itself substituted in the
    # French context, flagged below this. None (default): such links are not judged (``no_evidence``). At -0.5 the
    # test never fired on the 57 Arabic links of the annotated corpus (lowest value -0.08), yet those links cost
    # about 30 % of the context passes there: a foreign word in a French context is always far from it.
    embedding_only_threshold: float | None = None
    min_link_similarity: float = 0.0
    # A link found by the cross-lingual alignment alone (no bridge confirmation) must be this strong.
    min_alignment_only_similarity: float = 0.7
    # All systems' beads (system → pairs): a back-translation another version also produced for the
    # same reference word is a legitimate rendering (two independent translators agree).
    peers: dict[str, list[AlignedPair]] | None = None
    stats: dict[str, int] = field(default_factory=dict)

    def needs(self) -> DetectorNeeds:
        return DetectorNeeds(inputs=("bridge", "token_states", "sentence_vectors"))

    def __post_init__(self) -> None:
        if self.word_similarity is None and self.embedder is not None:
            self.word_similarity = embedding_similarity(self.embedder)
        if not self.use_lexicon:
            self.lexicon = None  # a run offers its lexicon to every detector; use_lexicon=false declines it
        elif self.lexicon is None:
            self.lexicon = Lexicon()

    # ------------------------------------------------------------------ evidence gathering
    def _links(self, beads: list[AlignedPair]) -> list[list[Any]]:
        if self.aligner is not None:
            return [self.aligner(p.ref, p.hyp) for p in beads]
        from eval.detectors.wordlinks import align_pairs

        return [list(x) for x in align_pairs(self.embedder, [(p.ref, p.hyp) for p in beads], self.layer)]

    def _lookups(self, beads: list[AlignedPair]) -> _Words:
        ref_lang, hyp_lang = beads[0].ref_lang, beads[0].hyp_lang
        ref_side = sorted({w.text.lower() for p in beads for t in (p.ref, p.bridge or "") for w in cached_words(t)})
        hyp_words = sorted({w.text.lower() for p in beads for w in cached_words(p.hyp)})
        lex = self.lexicon
        if lex is None:
            return _Words({}, {}, {}, {})
        same = ref_lang == hyp_lang
        analysed = lex.has_analyser(ref_lang)
        ref_lemmas = lex.lemmas(ref_lang, ref_side) if analysed else {}
        if same:
            hyp_lemmas = ref_lemmas if not hyp_words else {**ref_lemmas, **lex.lemmas(ref_lang, hyp_words)}
            hyp_lemmas = hyp_lemmas if analysed else {}
            pos = coarse_pos(lex, ref_lang, [*ref_side, *hyp_words]) if analysed else {}
            return _Words(ref_lemmas, {}, hyp_lemmas, hyp_lemmas, pos)
        hyp_to_ref = lex.translate_lemmas(hyp_lang, ref_lang, hyp_words) if lex.available(hyp_lang, ref_lang) else {}
        back = sorted({x for xs in hyp_to_ref.values() for x in xs})
        return _Words(
            ref_lemmas,
            lex.translate_lemmas(ref_lang, hyp_lang, ref_side) if lex.available(ref_lang, hyp_lang) else {},
            lex.lemmas(hyp_lang, hyp_words) if lex.has_analyser(hyp_lang) else {},
            hyp_to_ref,
            coarse_pos(lex, ref_lang, [*ref_side, *back]) if analysed else {},
        )

    def _require(self, lang: str) -> None:
        if self.aligner is None and (self.embedder is None or not hasattr(self.embedder, "token_states")):
            raise DetectorSkipped(f"mistranslation for lang {lang}: needs an embedder with token states")
        if self.word_similarity is None:
            raise DetectorSkipped(f"mistranslation for lang {lang}: needs an embedder for context similarity")

    def detect(self, pairs: list[AlignedPair]) -> list[Span]:
        self.stats = {}  # counters of this call only
        self._require(pairs[0].hyp_lang if pairs else "?")
        ((spans, self.stats),) = self._detect_many([pairs])
        return spans

    def detect_systems(self, systems: dict[str, list[AlignedPair]]) -> dict[str, SystemResult]:
        """Every system's links judged in one batched context test: per system, the few links of a
        short document make encoder batches of a handful of texts, each call paying for all weights."""
        out: dict[str, SystemResult] = {}
        for name, pairs in systems.items():
            try:
                self._require(pairs[0].hyp_lang if pairs else "?")
            except DetectorSkipped as exc:
                out[name] = SystemResult(skipped=str(exc))
        todo = [name for name in systems if name not in out]
        for name, (spans, stats) in zip(todo, self._detect_many([systems[n] for n in todo]), strict=True):
            out[name] = SystemResult(spans, stats)
        self.stats = {}
        return {name: out[name] for name in systems}

    def _detect_many(self, systems: list[list[AlignedPair]]) -> list[tuple[list[Span], dict[str, int]]]:
        """Spans and counters per system; the word alignment and the context test run once for all."""
        beads_of = [[p for p in pairs if p.ref.strip() and p.hyp.strip()] for pairs in systems]
        links_of = self._links([p for beads in beads_of for p in beads])
        judged_of: list[list[_Candidate]] = []
        stats_of: list[dict[str, int]] = []
        k = 0
        for beads in beads_of:
            links, k = links_of[k : k + len(beads)], k + len(beads)
            self.stats = {}
            judged: list[_Candidate] = []
            if beads:
                words = self._lookups(beads)
                cands = [c for p, lk in zip(beads, links, strict=True) for c in self._candidates(p, lk, words)]
                self.stats = {"beads": len(beads), "links": len(cands)}
                judged = [c for c in cands if self._judge(c, words)]
                self.stats["to_embed"] = len(judged)
            judged_of.append(judged)
            stats_of.append(self.stats)
        decided = self._below_threshold([c for judged in judged_of for c in judged])
        rechecked = set(getattr(self.word_similarity, "rechecked_links", ()))
        out: list[tuple[list[Span], dict[str, int]]] = []
        k = 0
        for judged, stats in zip(judged_of, stats_of, strict=True):
            best_of, first, k = decided[k : k + len(judged)], k, k + len(judged)
            spans = [self._span(c, best) for c, best in zip(judged, best_of, strict=True) if best is not None]
            if stats:
                stats["flagged"] = len(spans)
            if judged and hasattr(self.word_similarity, "rechecked_links"):
                # the context test's own counters: links screened, re-checked in float32
                stats["context_links"] = len(judged)
                stats["context_rechecked_float32"] = sum(1 for i in range(first, k) if i in rechecked)
            out.append((spans, stats))
        return out

    def _below_threshold(self, judged: list[_Candidate]) -> list[float | None]:
        """Each link's best calibrated similarity when below its threshold, else None."""
        if not judged:
            return []
        decide = getattr(self.word_similarity, "decide", None)
        if decide is not None:
            return list(decide([(c.queries, c.threshold) for c in judged]))
        assert self.word_similarity is not None
        sims = self.word_similarity([q for c in judged for q in c.queries])
        out: list[float | None] = []
        k = 0
        for c in judged:
            best = max(sims[k : k + len(c.queries)])
            k += len(c.queries)
            out.append(best if best < c.threshold else None)
        return out

    def _candidates(self, p: AlignedPair, links: list[Any], w: _Words) -> list[_Candidate]:
        """Links to judge in one bead: bridge gap links (confirmed by alignment when the gap is
        larger than 1:1), else cross-lingual links of content words."""
        ref_lang, hyp_lang = p.ref_lang, p.hyp_lang
        xlinks: dict[tuple[int, int], list[Any]] = {}
        for lk in links:
            if lk.similarity >= self.min_link_similarity:
                xlinks.setdefault((lk.hyp.start, lk.hyp.end), []).append(lk)
        bridge = p.hyp if ref_lang == hyp_lang else (p.bridge if self.use_bridge else None)
        blinks: dict[int, BridgeLink] = {}
        bindex: dict[int, int] = {}  # bridge word start → its index
        windex: WordIndex | None = None
        if bridge:
            blinks = align_bridge(p.ref, bridge, ref_lang, w.keys)
            bwords = cached_words(bridge)
            bindex = {x.start: i for i, x in reversed(list(enumerate(bwords)))}
            windex = WordIndex(bwords, w.keys)
        out: list[_Candidate] = []
        for h in cached_words(p.hyp):
            if not _content(h, p.hyp, hyp_lang):
                continue
            xs = [
                lk
                for lk in xlinks.get((h.start, h.end), [])
                if _content(Word(lk.ref.text, lk.ref.start, lk.ref.end), p.ref, ref_lang)
            ]
            if bridge:
                back = {h.text.lower()} if ref_lang == hyp_lang else w.hyp_to_ref.get(h.text.lower(), set())
                b, how = hyp_to_bridge(h, p.hyp, bridge, back, w.keys, windex)
                if b is not None:
                    bl = blinks.get(bindex[b.start])
                    if bl is None or bl.kind == "anchor":
                        continue  # rendered as a reference word, or a word with no reference counterpart
                    agree = [lk for lk in xs if any(lk.ref.start == r.start for r in bl.gap_refs)]
                    if agree:
                        lk = max(agree, key=lambda x: x.similarity)
                        out.append(
                            _Candidate(p, Word(lk.ref.text, lk.ref.start, lk.ref.end), h, "bridge+alignment",
                                       lk.similarity, b.text, {"bridge_match": how})
                        )  # fmt: skip
                        continue
                    strong = [lk for lk in xs if lk.similarity >= self.min_alignment_only_similarity]
                    if bl.gap_size == (1, 1) and not strong:
                        out.append(_Candidate(p, bl.ref, h, "bridge", 0.0, b.text, {"bridge_match": how}))
                        continue
                    if how == "verbatim" or not xs:
                        continue
                    # The alignment puts the word elsewhere: judge its link, with the bridge word as back-translation.
                    for lk in xs:
                        if lk.similarity < self.min_alignment_only_similarity:
                            continue
                        ref_word = Word(lk.ref.text, lk.ref.start, lk.ref.end)
                        out.append(
                            _Candidate(p, ref_word, h, "alignment", lk.similarity, b.text, {"bridge_match": how})
                        )
                    continue
            for lk in xs:
                if lk.similarity >= self.min_alignment_only_similarity:
                    ref_word = Word(lk.ref.text, lk.ref.start, lk.ref.end)
                    out.append(_Candidate(p, ref_word, h, "alignment", lk.similarity))
        return out

    def _judge(self, c: _Candidate, w: _Words) -> bool:
        """Fill the candidate's evidence and similarity queries; False when the link is cleared."""
        p = c.pair
        r, h = c.ref.text.lower(), c.hyp.text.lower()
        r_lem = w.ref_lemmas.get(r, {r})
        h_lem = w.hyp_lemmas.get(h, {h})
        if _close(r, h) or r_lem & h_lem or any(_close(a, b) for a in r_lem for b in h_lem):
            return False
        dict_tr = w.ref_to_hyp.get(r, set())
        back = w.hyp_to_ref.get(h, set()) if p.ref_lang != p.hyp_lang else set()
        if dict_tr & h_lem or r_lem & back or any(_close(b, x) for b in back for x in r_lem | {r}):
            return False
        if c.bridge_word and w.same(c.bridge_word, c.ref.text):
            return False
        # The reference word rendered elsewhere in the bead (dictionary or bridge) clears the link,
        # once per occurrence: a word the reference has once and the version renders once elsewhere
        # leaves this version word unexplained.
        occurrences = sum(1 for x in cached_words(p.ref) if w.same(x.text, c.ref.text))
        rendered = sum(
            1
            for x in (y.text.lower() for y in cached_words(p.hyp))
            if dict_tr & w.hyp_lemmas.get(x, {x}) or r_lem & w.hyp_to_ref.get(x, set())
        )
        bridge_words = cached_words(p.bridge) if p.bridge and p.ref_lang != p.hyp_lang else ()
        in_bridge = sum(1 for t in bridge_words if len(t.text) > 3 and w.same(t.text, c.ref.text))
        if max(rendered, in_bridge) >= max(1, occurrences):
            return False
        verbatim = c.evidence.get("bridge_match") == "verbatim"
        if c.bridge_word and not verbatim and self._peer_agrees(c, w):
            return False
        # The bridge word first: it is the version's own back-translation, the likeliest to clear the link.
        first = [c.bridge_word] if c.bridge_word and not verbatim else []
        subs = first + sorted(back - {"", *first})
        # A substitute of another part of speech (the verb "trouver" for the noun "réunion", from the
        # analyser's only reading of "incontro") lowers the context similarity whatever it means:
        # such a test proves nothing, so those substitutes are dropped, and a link left with none
        # is not judged.
        fitting = [x for x in subs if w.fits(x, c.ref.text)]
        if subs and not fitting:
            self.stats["cross_pos"] = self.stats.get("cross_pos", 0) + 1
            return False
        # No back-translation at all (no dictionary, no bridge): only the opt-in test of the version word itself.
        threshold = self.backtranslation_threshold if fitting else self.embedding_only_threshold
        if threshold is None:
            self.stats["no_evidence"] = self.stats.get("no_evidence", 0) + 1
            return False
        c.evidence.update(
            {
                "route": c.route,
                "bridge_word": c.bridge_word or None,
                "ref_lemmas": sorted(r_lem),
                "hyp_lemmas": sorted(h_lem),
                "dictionary": sorted(dict_tr),
                "back_translation": sorted(back),
            }
        )
        tpl = context_template(p.ref, c.ref.start, c.ref.end)
        c.queries = [(tpl, c.ref.text, x) for x in fitting or [c.hyp.text]]
        c.threshold = threshold
        return True

    def _peer_agrees(self, c: _Candidate, w: _Words) -> bool:
        """Another version's bridge renders the same reference sentence with the same word."""
        if not self.peers:
            return False
        for system, beads in self.peers.items():
            if system == c.pair.system:
                continue
            for q in beads:
                same_ref = bool(q.bridge) and bool(set(q.ref_ids) & set(c.pair.ref_ids)) and c.ref.text in q.ref
                if same_ref and any(
                    w.same(t.text, c.bridge_word) for t in cached_words(q.bridge or "") if len(t.text) > 3
                ):
                    return True
        return False

    def _span(self, c: _Candidate, best: float) -> Span:
        p = c.pair
        has_bt = c.threshold == self.backtranslation_threshold
        margin = min(1.0, c.threshold - best)
        base = 0.6 if has_bt else 0.35
        if c.route != "alignment":
            base += 0.1  # two independent routes put the words in the same place
        confidence = round(min(0.95, base + 0.5 * margin), 3)
        severity: Severity = "major" if has_bt and confidence >= 0.6 else "minor"
        ev = {
            **c.evidence,
            "similarity": round(best, 4),
            "threshold": c.threshold,
            "link_similarity": round(c.link_similarity, 4),
        }
        return Span.on(
            p,
            TextSpan(c.hyp.text, c.hyp.start, c.hyp.end),
            TextSpan(c.ref.text, c.ref.start, c.ref.end),
            "accuracy/mistranslation",
            severity,
            self.name,
            confidence,
            ev,
        )
