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

    Raises AlignmentError when the version is not alignable (see ``eval.align.anchors``).
    """
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
