"""Align: each system's sentences to the reference's (beads), then each bead as text (AlignedPair).

Published versions are aligned on sentence embeddings; MT outputs and line-aligned sets are 1-1 by
construction.
"""

from __future__ import annotations

from eval.align.sentences import Bead
from eval.corpus import System
from eval.detectors.base import AlignedPair
from eval.embedders.base import Embedder
from eval.errors import AlignmentError, ConfigError
from eval.stages.state import RunState, progress, status_row


def identity_beads(n: int) -> list[Bead]:
    return [Bead(ref_ids=(i,), hyp_ids=(i,), similarity=float("nan")) for i in range(n)]


def align_systems(state: RunState, embedder: Embedder | None) -> None:
    """Sentence-align published versions to the reference; MT and line-aligned systems are 1-1 by construction."""
    from eval.align.documents import AlignSettings, align_documents
    from eval.multidoc import align_per_document

    cfg = state.cfg.align
    settings = AlignSettings(
        method=str(cfg.method),
        max_align=int(cfg.max_align),
        window=int(cfg.window),
        skip=float(cfg.skip),
        p_value=float(cfg.p_value),
        embedded_windows=int(cfg.embedded_windows),
    )
    kept: list[System] = []
    ref_vecs = None
    for system in progress(state.systems, "align", bool(state.cfg.progress)):
        if state.line_aligned or system.kind == "mt":
            state.beads[system.name] = identity_beads(len(state.ref_sents))
            kept.append(system)
            continue
        if embedder is None:
            raise ConfigError("a documents corpus needs an embedder for sentence alignment: set embedder=e5")
        try:
            if len(state.doc_ranges) > 1:  # many documents: each version document against its reference document
                beads = align_per_document(
                    state.ref_sents,
                    state.doc_ranges,
                    system.segments,
                    state.hyp_doc_ranges[system.name],
                    lambda ref, hyp: align_documents(embedder, ref, hyp, system=system.name, settings=settings),  # noqa: B023
                )
            else:
                if ref_vecs is None:
                    ref_vecs = embedder.embed(state.ref_sents)
                beads = align_documents(
                    embedder, state.ref_sents, system.segments, system=system.name, settings=settings, ref_vecs=ref_vecs
                )
        except AlignmentError as exc:
            if cfg.on_unalignable == "error":
                raise
            state.skip("align", system.name, system.lang, str(exc))
            state.score_rows.append(status_row(system.name, system.lang, system.kind, "*", "unavailable", str(exc)))
            continue
        state.beads[system.name] = beads
        kept.append(system)
    state.systems = kept


def make_pair(
    state: RunState, system: System, ref_ids: tuple[int, ...], hyp_ids: tuple[int, ...], similarity: float
) -> AlignedPair:
    """One bead as text: reference sentences, the system's sentences and their bridge, each joined by a space."""
    bridged = state.bridged.get(system.name)
    return AlignedPair(
        system=system.name,
        ref_lang=state.ref_lang,
        hyp_lang=system.lang,
        ref_ids=ref_ids,
        hyp_ids=hyp_ids,
        ref=" ".join(state.ref_sents[i] for i in ref_ids),
        hyp=" ".join(system.segments[i] for i in hyp_ids),
        similarity=similarity,
        bridge=" ".join(bridged.lines[i] for i in hyp_ids) if bridged and bridged.lines else None,
        unknown=tuple(w for i in hyp_ids if i < len(system.unknown_words) for w in system.unknown_words[i]),
        given=state.line_aligned or system.kind == "mt",
    )


def build_pairs(state: RunState) -> None:
    for system in state.systems:
        state.pairs[system.name] = [
            make_pair(state, system, tuple(b.ref_ids), tuple(b.hyp_ids), float(b.similarity))
            for b in state.beads[system.name]
        ]
