"""Word alignment inside an aligned bead, SimAlign-style (Jalili Sabet et al. 2020).

Cosine similarity between the subword states of a multilingual encoder, links by mutual argmax
or Itermax, then mapped back to words through character offsets: two words are linked when any
of their subwords are, and the link keeps the highest subword similarity behind it. Error-span
detectors use the links to tie a suspicious version word ("congelación") to the reference word
it stands for ("enrôlement").

Layer: SimAlign found layer 8 of mBERT best. For multilingual-e5-small, layers 4-7 recover every
check link of the dgsn corpus with Itermax, while 8-9 lose "enrôlement" -> "congelación"; so the
default here is 6.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from eval.embedders.base import Embedder, TokenStates
from eval.errors import ConfigError
from eval.languages.wordchars import WORD_CHAR

Method = Literal["mutual_argmax", "itermax"]

# Letters/digits plus every combining mark (Arabic harakat, Devanagari and Thai vowel signs are not \w).
_CHAR = WORD_CHAR
_TOKEN = re.compile(rf"{_CHAR}+(?:(?:['’]|[-‐‑](?={_CHAR})|(?<=\d)[.,](?=\d)){_CHAR}+)*")
_APOSTROPHE = re.compile(r"['’]")
# Scripts written without spaces between words: Han (CJK ideographs, extension A, compatibility), Hiragana,
# Katakana (with its phonetic extensions and the halfwidth forms). Each character is a word unit, as
# sacrebleu's zh tokenizer and character-level MQM ratings treat them; Latin/digit runs inside stay whole.
# Hangul is written with spaces and is not here. Thai, Lao, Khmer and Burmese (no spaces, and syllables
# that single characters do not make) are cut into dictionary words by ICU's word break iterator.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")
# Thai, Lao, Myanmar (and its extension A), Khmer (and its symbols).
_DICTIONARY_SCRIPTS = re.compile(r"[\u0e00-\u0eff\u1000-\u109f\uaa60-\uaa7f\u1780-\u17ff\u19e0-\u19ff]")
# Elided articles/pronouns/prepositions that attach to the next word (fr, it): split after them.
_ELISIONS = frozenset(
    {
        "c", "d", "j", "l", "m", "n", "s", "t", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu", "presqu",
        "quelqu", "dell", "all", "dall", "nell", "sull", "coll", "pell", "un", "quest", "quell",
        "nessun", "sant", "bell", "tutt",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Word:
    """A word and its character span [start, end) in the text it came from."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class WordLink:
    """A reference word linked to a version word, with the subword cosine behind the link."""

    ref: Word
    hyp: Word
    similarity: float


def words_of(text: str) -> list[Word]:
    """Words with offsets: Unicode letters/digits/marks, hyphenated words and numbers kept whole,
    French/Italian elisions ("d'", "l'", "qu'", "dell'") split off as words of their own, each Han,
    Hiragana or Katakana character a word of its own (those scripts put no space between words), and
    Thai, Lao, Khmer and Burmese cut into dictionary words (``dictionary_units``)."""
    words: list[Word] = []
    for match in _TOKEN.finditer(text):
        start, token = match.start(), match.group(0)
        pos = 0
        for apo in _APOSTROPHE.finditer(token):
            if token[pos : apo.start()].lower() in _ELISIONS:
                words.append(Word(token[pos : apo.end()], start + pos, start + apo.end()))
                pos = apo.end()
        words.append(Word(token[pos:], start + pos, start + len(token)))
    return [unit for word in words for unit in word_units(word)]


def word_units(word: Word) -> list[Word]:
    """A ``\\w`` run as the words of its script: dictionary words for Thai/Lao/Khmer/Burmese, one unit
    per Han/Kana character (``character_units``), the run itself otherwise."""
    if _DICTIONARY_SCRIPTS.search(word.text):
        return dictionary_units(word)
    return character_units(word)


def dictionary_units(word: Word) -> list[Word]:
    """A run of Thai, Lao, Khmer or Burmese cut into words by ICU's dictionary-based word break iterator.

    Why ICU (through icu4py's wheel): those scripts put no space between words and a character is not a
    unit (vowel signs and tone marks combine); ICU's dictionaries are what browsers, Okapi and CLDR use.
    """
    from icu4py.breakers import WordBreaker

    units = []
    for start, end in WordBreaker(word.text, "und").segments():
        piece = word.text[start:end]
        if piece.strip():
            units.extend(character_units(Word(piece, word.start + start, word.start + end)))
    return units or [word]


def has_unspaced_script(text: str) -> bool:
    """True when ``text`` has characters of a script written without spaces (Han, Kana, Thai, Lao, Khmer,
    Burmese): its whitespace tokens are clauses, its words are ``words_of``'s units."""
    return _UNSPACED.search(text) is not None or _DICTIONARY_SCRIPTS.search(text) is not None


def character_units(word: Word) -> list[Word]:
    """A word with characters of an unspaced script, as one unit per such character and the runs between."""
    if not _UNSPACED.search(word.text):
        return [word]
    units, run = [], 0
    for i, ch in enumerate(word.text):
        if _UNSPACED.match(ch):
            if i > run:
                units.append(Word(word.text[run:i], word.start + run, word.start + i))
            units.append(Word(ch, word.start + i, word.start + i + 1))
            run = i + 1
    if run < len(word.text):
        units.append(Word(word.text[run:], word.start + run, word.end))
    return units


def _word_index(words: Sequence[Word], offsets: Sequence[tuple[int, int]]) -> np.ndarray:
    """For each subword, the index of the word it overlaps most, or -1 (punctuation, specials)."""
    out = np.full(len(offsets), -1, dtype=np.int64)
    if not len(words) or not len(offsets):
        return out
    starts = np.array([w.start for w in words], dtype=np.int64)
    ends = np.array([w.end for w in words], dtype=np.int64)
    offs = np.asarray(offsets, dtype=np.int64).reshape(-1, 2)
    # (subword × word) overlaps at once; argmax takes the first word of the largest overlap, as a scan would
    overlap = np.minimum(ends[None, :], offs[:, 1:2]) - np.maximum(starts[None, :], offs[:, 0:1])
    best = overlap.argmax(1)
    found = (overlap[np.arange(len(offs)), best] > 0) & (offs[:, 1] > offs[:, 0])
    out[found] = best[found]
    return out


def _normalize(vecs: np.ndarray) -> np.ndarray:
    vecs = np.asarray(vecs, dtype=np.float64)
    return vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)


def apply_distortion(sim: np.ndarray, ratio: float) -> np.ndarray:
    """SimAlign's distortion: damp links between relative positions far apart."""
    rows, cols = sim.shape
    if ratio == 0.0 or rows < 2 or cols < 2:
        return sim
    pos_r = np.arange(rows)[:, None] / (rows - 1)
    pos_c = np.arange(cols)[None, :] / (cols - 1)
    return sim * (1.0 - (pos_r - pos_c) ** 2 * ratio)


def mutual_argmax(sim: np.ndarray) -> np.ndarray:
    """Links (boolean matrix) where each side is the other's most similar item."""
    forward = np.zeros_like(sim, dtype=bool)
    forward[np.arange(sim.shape[0]), sim.argmax(axis=1)] = True
    backward = np.zeros_like(sim, dtype=bool)
    backward[sim.argmax(axis=0), np.arange(sim.shape[1])] = True
    return forward & backward


def itermax(sim: np.ndarray, max_count: int = 2, alpha_ratio: float = 0.9) -> np.ndarray:
    """SimAlign's Itermax: mutual argmax, then repeat on items still unaligned on one side.

    Follows the reference implementation (simalign ``iter_max``): items already aligned on both
    sides are masked out; items aligned on one side are down-weighted by ``alpha_ratio``.
    """
    rows, cols = sim.shape
    inter = mutual_argmax(sim).astype(np.float64)
    if min(rows, cols) <= 2:
        return inter > 0
    count = 1
    while count < max_count:
        mask_x = 1.0 - np.clip(inter.sum(axis=1, keepdims=True), 0.0, 1.0) * np.ones((1, cols))
        mask_y = 1.0 - np.clip(inter.sum(axis=0, keepdims=True), 0.0, 1.0) * np.ones((rows, 1))
        mask = np.clip(alpha_ratio * mask_x + alpha_ratio * mask_y, 0.0, 1.0)
        mask_zeros = 1.0 - (1.0 - mask_x) * (1.0 - mask_y)
        if mask_x.sum() < 1.0 or mask_y.sum() < 1.0:
            mask *= 0.0
            mask_zeros *= 0.0
        new_sim = sim * mask
        fwd = np.zeros_like(sim)
        fwd[np.arange(rows), new_sim.argmax(axis=1)] = 1.0
        bwd = np.zeros_like(sim)
        bwd[new_sim.argmax(axis=0), np.arange(cols)] = 1.0
        new_inter = fwd * bwd * mask_zeros
        if np.array_equal(inter + new_inter, inter):
            break
        inter = inter + new_inter
        count += 1
    return inter > 0


def align_words_from_states(
    ref: TokenStates,
    hyp: TokenStates,
    method: Method = "itermax",
    *,
    distortion: float = 0.0,
    max_count: int = 2,
) -> list[WordLink]:
    """Word links between two texts from their subword states, ordered by reference then version word."""
    if method not in ("mutual_argmax", "itermax"):
        raise ConfigError(f"unknown word alignment method {method!r}; use 'itermax' or 'mutual_argmax'")
    ref_words, hyp_words = words_of(ref.text), words_of(hyp.text)
    ref_map = _word_index(ref_words, ref.offsets)
    hyp_map = _word_index(hyp_words, hyp.offsets)
    keep_r, keep_h = np.flatnonzero(ref_map >= 0), np.flatnonzero(hyp_map >= 0)
    if not len(keep_r) or not len(keep_h):
        return []
    vec_r = _normalize(np.asarray(ref.vectors)[keep_r])
    vec_h = _normalize(np.asarray(hyp.vectors)[keep_h])
    sim = vec_r @ vec_h.T
    scored = apply_distortion(sim, distortion)
    linked = itermax(scored, max_count=max_count) if method == "itermax" else mutual_argmax(scored)
    best: dict[tuple[int, int], float] = {}
    for r, h in zip(*np.nonzero(linked), strict=True):
        key = (int(ref_map[keep_r[r]]), int(hyp_map[keep_h[h]]))
        best[key] = max(best.get(key, -1.0), float(sim[r, h]))
    return [WordLink(ref_words[i], hyp_words[j], s) for (i, j), s in sorted(best.items())]


def align_words(
    ref_text: str,
    hyp_text: str,
    embedder: Embedder,
    layer: int = 6,
    method: Method = "itermax",
    *,
    distortion: float = 0.0,
) -> list[WordLink]:
    """Word links between a reference text and a version text (one bead), via ``embedder.token_states``."""
    ref_states, hyp_states = embedder.token_states([ref_text, hyp_text], layer)
    return align_words_from_states(ref_states, hyp_states, method, distortion=distortion)


def links_by_ref(links: Sequence[WordLink]) -> dict[Word, list[WordLink]]:
    """Links grouped by reference word, in reference order."""
    out: dict[Word, list[WordLink]] = {}
    for link in sorted(links, key=lambda lk: (lk.ref.start, lk.hyp.start)):
        out.setdefault(link.ref, []).append(link)
    return out


def links_by_hyp(links: Sequence[WordLink]) -> dict[Word, list[WordLink]]:
    """Links grouped by version word, in version order."""
    out: dict[Word, list[WordLink]] = {}
    for link in sorted(links, key=lambda lk: (lk.hyp.start, lk.ref.start)):
        out.setdefault(link.hyp, []).append(link)
    return out
