"""Aligning two documents' sentences with an embedder: the one path the run and the CLI share.

Which windows get embedded: the concatenation of 2..``embedded_windows`` sentences is encoded
(what Bertalign does for every size); larger windows use the length-weighted mean of their
members' vectors. Encoding every size up to 7 multiplies the encoder's work by about 28 (the
summed window lengths), and the big windows are rare (Text+Berg gold: 17 of 422 beads have a
side of 3 or more). USE encodes fast enough to embed them all; see docs/alignment.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from eval.align.sentences import (
    MAX_ALIGN,
    P_VALUE,
    SKIP,
    WINDOW,
    Bead,
    align_sentences,
    window_sizes,
    window_texts,
)
from eval.embedders.base import Embedder


@dataclass(frozen=True)
class AlignSettings:
    """The aligner's knobs (conf/config.yaml ``align``); defaults are Bertalign's."""

    method: str = "bertalign"
    max_align: int = MAX_ALIGN
    window: int = WINDOW
    skip: float = SKIP
    p_value: float = P_VALUE
    embedded_windows: int = 4


def embed_distinct(embedder: Embedder, groups: dict[tuple[str, int], list[str]]) -> dict[tuple[str, int], np.ndarray]:
    """Vectors of every group's texts from one ``embed`` call over the distinct texts.

    One call lets the encoder sort sentences and windows of all sizes together into batches of
    similar length, and a text repeated within or across groups (a ``.....`` line and its windows)
    is encoded once.
    """
    distinct = list(dict.fromkeys(t for texts in groups.values() for t in texts))
    rows = {t: i for i, t in enumerate(distinct)}
    vecs = embedder.embed(distinct) if distinct else np.zeros((0, 0), dtype=np.float32)
    return {key: vecs[[rows[t] for t in texts]] for key, texts in groups.items()}


def align_documents(
    embedder: Embedder,
    ref_sents: list[str],
    hyp_sents: list[str],
    *,
    system: str,
    settings: AlignSettings | None = None,
    ref_vecs: np.ndarray | None = None,
) -> list[Bead]:
    """Embed both documents (sentences and windows) and align them; ``ref_vecs`` reuses a reference's vectors.

    A blank sentence (a blank line of a one-sentence-per-line file) carries nothing to align: it
    becomes a null bead at its place and the rest is aligned without it, so ids stay line numbers.
    Raises AlignmentError when the version is not alignable (see ``eval.align.anchors``).
    """
    ref_keep = [i for i, t in enumerate(ref_sents) if t.strip()]
    hyp_keep = [i for i, t in enumerate(hyp_sents) if t.strip()]
    if len(ref_keep) == len(ref_sents) and len(hyp_keep) == len(hyp_sents):
        return _align_texts(embedder, ref_sents, hyp_sents, system, settings, ref_vecs)
    beads = _align_texts(
        embedder,
        [ref_sents[i] for i in ref_keep],
        [hyp_sents[j] for j in hyp_keep],
        system,
        settings,
        None if ref_vecs is None else ref_vecs[ref_keep],
    )
    return with_blank_beads(beads, ref_keep, hyp_keep, len(ref_sents), len(hyp_sents))


def with_blank_beads(beads: list[Bead], ref_keep: list[int], hyp_keep: list[int], n_ref: int, n_hyp: int) -> list[Bead]:
    """Beads over the kept sentences mapped back to the full ids; each left-out id a null bead in order.

    A left-out id inside a merge's span (a blank line between two merged sentences) joins that
    merge, so the bead's ids stay consecutive.
    """
    ref_blank = sorted(set(range(n_ref)) - set(ref_keep))
    hyp_blank = sorted(set(range(n_hyp)) - set(hyp_keep))
    p = q = 0
    out: list[Bead] = []
    for bead in beads:
        ref_before, ref_ids, p = _full_ids(bead.ref_ids, ref_keep, ref_blank, p)
        hyp_before, hyp_ids, q = _full_ids(bead.hyp_ids, hyp_keep, hyp_blank, q)
        out += [Bead((i,), (), 0.0) for i in ref_before] + [Bead((), (j,), 0.0) for j in hyp_before]
        out.append(Bead(ref_ids, hyp_ids, bead.similarity))
    out += [Bead((i,), (), 0.0) for i in ref_blank[p:]]
    out += [Bead((), (j,), 0.0) for j in hyp_blank[q:]]
    return out


def _full_ids(
    ids: tuple[int, ...], keep: list[int], blank: list[int], p: int
) -> tuple[list[int], tuple[int, ...], int]:
    """One side of a bead in full ids: the left-out ids before it (null beads), its ids with the left-out
    ids inside its span, and the index of the next left-out id not yet placed."""
    if not ids:
        return [], (), p
    first, last = keep[ids[0]], keep[ids[-1]]
    start = p
    while p < len(blank) and blank[p] < first:
        p += 1
    before = blank[start:p]
    while p < len(blank) and blank[p] <= last:
        p += 1
    return before, tuple(range(first, last + 1)), p


def _align_texts(
    embedder: Embedder,
    ref_sents: list[str],
    hyp_sents: list[str],
    system: str,
    settings: AlignSettings | None,
    ref_vecs: np.ndarray | None,
) -> list[Bead]:
    s = settings or AlignSettings()
    sizes = [k for k in window_sizes(s.method, s.max_align) if 2 <= k <= s.embedded_windows]
    groups = {("hyp", 1): hyp_sents} if ref_vecs is not None else {("ref", 1): ref_sents, ("hyp", 1): hyp_sents}
    for side, sents in (("ref", ref_sents), ("hyp", hyp_sents)):
        groups.update({(side, k): window_texts(sents, k) for k in sizes if len(sents) >= k})
    vecs = embed_distinct(embedder, groups)
    ref = vecs[("ref", 1)] if ref_vecs is None else ref_vecs
    ref_windows = {k: v for (side, k), v in vecs.items() if side == "ref" and k > 1}
    hyp_windows = {k: v for (side, k), v in vecs.items() if side == "hyp" and k > 1}
    hyp = vecs[("hyp", 1)]
    return align_sentences(
        ref,
        hyp,
        system=system,
        method=s.method,
        max_align=s.max_align,
        window=s.window,
        skip=s.skip,
        p_value=s.p_value,
        ref_texts=ref_sents,
        hyp_texts=hyp_sents,
        ref_windows=ref_windows,
        hyp_windows=hyp_windows,
    )
