"""Which reference word a version word stands for, read off the bridge (the version in French).

Why: the cross-lingual word aligner can link a wrong word to the wrong place ("congelación" to
"piratage"), because a wrong word has no embedding neighbour in the reference. The bridge
(Apertium's back-translation of the version into the reference language) keeps the word order of
the version, and comparing it with the reference is a same-language problem: equal words/lemmas
anchor the two texts (difflib over lemma keys), and the content words left between two anchors
correspond ("menaces de [congélation] et" ↔ "menaces d'[enrôlement] et"). A version word reaches
the bridge through its dictionary back-translation or, when the dictionary lacks it, verbatim
(Apertium copies unknown words).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from eval.align.words import Word, words_of
from eval.detectors.names_numbers import fold
from eval.detectors.stopwords import is_content

# word (lower-case) → its lemma keys (folded); a word without analysis is its own key.
LemmaKeys = Callable[[str], set[str]]


@lru_cache(maxsize=50_000)
def cached_words(text: str) -> tuple[Word, ...]:
    """``words_of``, memoised: the detectors re-tokenise the same bead and bridge texts per word."""
    return tuple(words_of(text))


@dataclass(frozen=True)
class BridgeLink:
    """A bridge word and the reference word it corresponds to.

    ``kind`` is "anchor" (same word/lemma: the version rendered the reference word) or "gap"
    (the only/positional counterpart between two anchors); ``gap_size`` is (ref, bridge) content
    words in that gap, so 1:1 gaps can be trusted more than positional guesses.
    """

    bridge: Word
    ref: Word
    kind: str
    gap_size: tuple[int, int]
    gap_refs: tuple[Word, ...] = ()


def _key(word: str, keys: LemmaKeys) -> str:
    """One comparable key per word: the smallest lemma key (deterministic), else the folded word."""
    ks = keys(word.lower())
    return min(ks) if ks else fold(word)


def common_prefix_len(a: str, b: str) -> int:
    """Characters two words share from the start (inflected forms share a long prefix)."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _same_stem(fa: str, fb: str) -> bool:
    """Two folded forms share a long prefix (≥ 6 letters, at most 3 more in the shorter word).

    The 6-letter slices are compared first: most pairs differ there, and the prefix loop is slow.
    """
    if fa[:6] != fb[:6]:
        return False
    n = common_prefix_len(fa, fb)
    return n >= 6 and min(len(fa), len(fb)) - n <= 3


def same_word(a: str, b: str, keys: LemmaKeys) -> bool:
    """Same word in one language: equal folded forms, a shared lemma, or a long shared prefix."""
    fa, fb = fold(a), fold(b)
    return fa == fb or bool(keys(a.lower()) & keys(b.lower())) or _same_stem(fa, fb)


class WordIndex:
    """The words of one text indexed by what ``same_word`` compares (folded form, lemma keys,
    6-letter folded prefix).

    Why: the words equal to a given word are then found by a few lookups instead of a ``same_word``
    call per word of the text (the bridge and reference scans made tens of thousands per system).
    """

    def __init__(self, words: Sequence[Word], keys: LemmaKeys) -> None:
        self.keys = keys
        self.folds = [fold(w.text) for w in words]
        self.by_fold: dict[str, set[int]] = {}
        self.by_key: dict[str, set[int]] = {}
        self.by_stem: dict[str, list[int]] = {}
        for i, (w, f) in enumerate(zip(words, self.folds, strict=True)):
            self.by_fold.setdefault(f, set()).add(i)
            for k in keys(w.text.lower()):
                self.by_key.setdefault(k, set()).add(i)
            if len(f) >= 6:
                self.by_stem.setdefault(f[:6], []).append(i)

    def same_as(self, word: str) -> set[int]:
        """Indices of the words ``w`` with ``same_word(w.text, word, keys)`` (it is symmetric)."""
        f = fold(word)
        hits = set(self.by_fold.get(f, ()))
        for k in self.keys(word.lower()):
            hits |= self.by_key.get(k, set())
        for i in self.by_stem.get(f[:6], ()) if len(f) >= 6 else ():
            if i not in hits and _same_stem(self.folds[i], f):
                hits.add(i)
        return hits

    def with_form(self, forms: set[str]) -> set[int]:
        """Indices of the words whose folded form or a lemma key is one of ``forms``."""
        hits: set[int] = set()
        for x in forms:
            hits |= self.by_fold.get(x, set()) | self.by_key.get(x, set())
        return hits


def align_bridge(ref: str, bridge: str, lang: str, keys: LemmaKeys) -> dict[int, BridgeLink]:
    """Links from bridge words (by index in ``words_of(bridge)``) to reference words."""
    rw, bw = cached_words(ref), cached_words(bridge)
    rk, bk = [_key(w.text, keys) for w in rw], [_key(w.text, keys) for w in bw]
    out: dict[int, BridgeLink] = {}
    anchored: set[int] = set()  # reference words already rendered by a bridge word
    blocks = difflib.SequenceMatcher(None, rk, bk, autojunk=False).get_matching_blocks()
    prev_r = prev_b = 0
    for blk in blocks:
        r_gap = [i for i in range(prev_r, blk.a) if is_content(rw[i].text, lang)]
        b_gap = [j for j in range(prev_b, blk.b) if is_content(bw[j].text, lang)]
        size = (len(r_gap), len(b_gap))
        if r_gap and b_gap:
            for n, j in enumerate(b_gap):
                # Relative position inside the gap; equal counts pair in order.
                pos = n * (len(r_gap) - 1) / max(1, len(b_gap) - 1) if len(b_gap) > 1 else 0.0
                i = r_gap[min(len(r_gap) - 1, round(pos))]
                out[j] = BridgeLink(bw[j], rw[i], "gap", size, tuple(rw[x] for x in r_gap))
        for k in range(blk.size):
            out[blk.b + k] = BridgeLink(bw[blk.b + k], rw[blk.a + k], "anchor", (0, 0))
            anchored.add(blk.a + k)
        prev_r, prev_b = blk.a + blk.size, blk.b + blk.size
    # Anchors found out of order (moved phrases) that difflib's monotone match skipped. One bridge
    # word per reference word: a word the reference has once, already rendered, cannot also clear
    # a second bridge word (a noun swapped for another noun of the same sentence).
    ref_index = WordIndex(rw, keys)
    for j, w in enumerate(bw):
        link = out.get(j)
        if (link is None or link.kind == "gap") and is_content(w.text, lang):
            hits = [i for i in sorted(ref_index.same_as(w.text)) if i not in anchored and is_content(rw[i].text, lang)]
            if hits:
                rel = w.start / max(1, len(bridge))
                best = min(hits, key=lambda i: abs(rw[i].start / max(1, len(ref)) - rel))
                out[j] = BridgeLink(w, rw[best], "anchor", (0, 0))
                anchored.add(best)
    return out


def hyp_to_bridge(
    hyp_word: Word, hyp: str, bridge: str, back: set[str], keys: LemmaKeys, index: WordIndex | None = None
) -> tuple[Word | None, str]:
    """The bridge word a version word became: a dictionary back-translation found in the bridge
    (nearest by relative position), else the word itself copied verbatim. ("", None) if neither.

    ``index`` is ``WordIndex(cached_words(bridge), keys)``, built once per bead by callers that
    ask for every word of a version.
    """
    bw = cached_words(bridge)
    if not bw:
        return None, ""
    index = index or WordIndex(bw, keys)
    # Bridge words that render a back-translation: a shared folded form/lemma key, or the same word.
    rendering: set[int] = set()
    if back:
        rendering = index.with_form({fold(b) for b in back})
        for b in back:
            rendering |= index.same_as(b)
    hyp_fold = fold(hyp_word.text)
    rel = hyp_word.start / max(1, len(hyp))
    cands: list[tuple[float, Word, str]] = []
    for j, w in enumerate(bw):
        if j in rendering:
            cands.append((abs(w.start / max(1, len(bridge)) - rel), w, "dictionary"))
        elif index.folds[j] == hyp_fold and len(w.text) > 3:
            cands.append((abs(w.start / max(1, len(bridge)) - rel), w, "verbatim"))
    if not cands:
        return None, ""
    dist, word, how = min(cands, key=lambda c: c[0])
    return (word, how) if dist <= 0.25 else (None, "")
