"""Batched word alignment for the detectors: one ``token_states`` call per system, shared memo.

Why: aligning bead by bead calls the encoder once per bead (two short texts per forward pass),
and the mistranslation, omission and terminology detectors each aligned the same beads again.
Here all texts a detector needs are encoded in one batched call, and the states are memoised per
embedder so the reference side (the same for every system) and the other detectors reuse them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from eval.align.words import WordLink, align_words_from_states
from eval.embedders.base import Embedder, TokenStates

DEFAULT_LAYER = 6  # e5-small layers 4-7 link best; 8-9 lose "enrôlement" → "congelación" (eval.align.words)
_MAX_MEMO = 50_000
_STATES: dict[tuple[str, int, str], TokenStates] = {}
# Itermax links per (embedder, layer, ref, hyp): the mistranslation and omission detectors align
# the same beads.
_LINKS: dict[tuple[str, int, str, str], tuple[WordLink, ...]] = {}


def clear_memo(keep_texts: set[str] | frozenset[str] = frozenset()) -> None:
    """Forget memoised token states and links (benchmarks measuring a cold run).

    The states of ``keep_texts`` (e.g. the reference segments, shared by every version) are kept.
    """
    for key in [k for k in _STATES if k[2] not in keep_texts]:
        del _STATES[key]
    _LINKS.clear()


def layer_of(embedder: Embedder, layer: int | None = None) -> int:
    """The alignment layer: explicit, else the embedder's configured layer, else 6."""
    if layer is not None:
        return layer
    return embedder.layer if embedder.layer is not None else DEFAULT_LAYER


def embedder_key(embedder: Embedder) -> str:
    """A process-wide memo key for an encoder: its model hash when it has one (ids can be reused)."""
    key = f"{type(embedder).__name__}:{embedder.sha}" if embedder.sha else f"id:{id(embedder)}"
    return key if embedder.precision == "float32" else f"{key}:{embedder.precision}"


def token_states(embedder: Embedder, texts: Sequence[str], layer: int | None = None) -> dict[str, TokenStates]:
    """States of every distinct text, computing the missing ones in one batched call."""
    lay = layer_of(embedder, layer)
    ident = embedder_key(embedder)
    todo = sorted({t for t in texts if (ident, lay, t) not in _STATES})
    if todo:
        if len(_STATES) + len(todo) > _MAX_MEMO:
            _STATES.clear()
        for text, st in zip(todo, embedder.token_states(todo, lay), strict=True):
            _STATES[(ident, lay, text)] = st
    return {t: _STATES[(ident, lay, t)] for t in texts}


def align_pairs(embedder: Embedder, pairs: Sequence[tuple[str, str]], layer: int | None = None) -> list[list[WordLink]]:
    """Itermax word links for each (ref, hyp), from one batched encoder call (links memoised)."""
    lay, ident = layer_of(embedder, layer), embedder_key(embedder)
    todo = [p for p in pairs if (ident, lay, *p) not in _LINKS]
    if todo:
        states = token_states(embedder, [t for p in todo for t in p], lay)
        if len(_LINKS) + len(todo) > _MAX_MEMO:
            _LINKS.clear()
        for r, h in todo:
            _LINKS[(ident, lay, r, h)] = tuple(align_words_from_states(states[r], states[h], "itermax"))
    return [list(_LINKS[(ident, lay, r, h)]) for r, h in pairs]


def make_aligner(embedder: Embedder, layer: int | None = None) -> Callable[[str, str], list[Any]]:
    """A per-bead aligner bound to an embedder (memoised states; prefer ``align_pairs`` for batches)."""

    def aligner(ref: str, hyp: str) -> list[Any]:
        return list(align_pairs(embedder, [(ref, hyp)], layer)[0])

    return aligner


def word_vectors(st: TokenStates, spans: Sequence[tuple[int, int]]) -> np.ndarray:
    """Mean subword state of each character span (unit rows; zero rows for spans without subwords)."""
    vecs = np.asarray(st.vectors, dtype=np.float64)
    dim = vecs.shape[1] if vecs.ndim == 2 else 0
    if not len(spans) or not dim:
        return np.zeros((len(spans), dim))
    offs = np.asarray(st.offsets, dtype=np.int64).reshape(-1, 2)
    bounds = np.asarray(spans, dtype=np.int64).reshape(-1, 2)
    # (span × subword) overlap, all spans at once: a Python loop over spans cost more than the encoder here
    sel = (offs[None, :, 0] < bounds[:, 1:2]) & (offs[None, :, 1] > bounds[:, 0:1])
    counts = sel.sum(1, keepdims=True)
    means = (sel @ vecs) / np.maximum(counts, 1)
    norms = np.linalg.norm(means, axis=1, keepdims=True)
    return np.where(counts > 0, means / np.where(norms > 0, norms, 1.0), 0.0)
