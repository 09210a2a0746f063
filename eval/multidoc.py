"""Many documents per corpus: each version's document pairs with the reference document of the same id.

Documents are concatenated in the reference's order, so every later stage (metrics, spans, significance) sees
one text per system and corpus-level scores cover all documents. Alignment runs document by document (only one
document's sentence vectors are held at a time) and its beads are shifted into corpus-wide indices; the
document of each bead, and per-document scores computed from the same segment statistics, go to the run folder.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from eval.align.sentences import Bead
from eval.corpus import System
from eval.detectors.base import Span
from eval.errors import InputError


@dataclass(frozen=True)
class DocRange:
    """Sentences [start, end) of a concatenated text belong to document ``doc``."""

    doc: str
    start: int
    end: int


def concatenate(
    order: Sequence[str], docs: dict[str, list[str]], who: str, where: str
) -> tuple[list[str], list[DocRange]]:
    """One system's documents joined in the reference's order; a missing or extra document is an InputError."""
    missing = [d for d in order if d not in docs]
    extra = [d for d in docs if d not in order]
    if missing or extra:
        what = f"lacks document {missing[0]!r}" if missing else f"has document {extra[0]!r} the reference lacks"
        raise InputError(
            f"{where}: {who} {what} ({len(missing)} missing, {len(extra)} extra); every version needs one file "
            "per reference document, with the same 'doc' id"
        )
    sents: list[str] = []
    ranges = []
    for doc in order:
        ranges.append(DocRange(doc, len(sents), len(sents) + len(docs[doc])))
        sents.extend(docs[doc])
    return sents, ranges


def align_by_document(
    ref_ranges: Sequence[DocRange],
    hyp_ranges: Sequence[DocRange],
    align_one: Callable[[DocRange, DocRange], list[Bead]],
) -> list[Bead]:
    """``align_one`` on each document pair (ids local to the document), beads shifted to corpus-wide ids."""
    beads: list[Bead] = []
    for ref, hyp in zip(ref_ranges, hyp_ranges, strict=True):
        for bead in align_one(ref, hyp):
            beads.append(
                Bead(
                    ref_ids=tuple(i + ref.start for i in bead.ref_ids),
                    hyp_ids=tuple(i + hyp.start for i in bead.hyp_ids),
                    similarity=bead.similarity,
                )
            )
    return beads


def document_of(ids: Sequence[int], ranges: Sequence[DocRange]) -> str:
    """The document holding sentence ``ids[0]`` (a bead never crosses documents)."""
    if not ids or not ranges:
        return ""
    starts = [r.start for r in ranges]
    k = int(np.searchsorted(starts, ids[0], side="right")) - 1
    return ranges[k].doc if 0 <= k < len(ranges) and ranges[k].start <= ids[0] < ranges[k].end else ""


def document_scores(
    docs: Sequence[str], stats: np.ndarray, score: Callable[[np.ndarray], float]
) -> list[tuple[str, int, float]]:
    """(doc, segments, score) per document: ``score`` (the metric's corpus formula) over that document's rows of
    per-segment statistics, so a document's BLEU is sacrebleu's corpus BLEU of its segments."""
    out = []
    labels = np.asarray(docs)
    for doc in dict.fromkeys(docs):
        rows = stats[labels == doc]
        out.append((doc, len(rows), score(rows)))
    return out


def align_per_document(
    ref_sents: Sequence[str],
    ref_ranges: Sequence[DocRange],
    hyp_sents: Sequence[str],
    hyp_ranges: Sequence[DocRange],
    align_texts: Callable[[list[str], list[str]], list[Bead]],
) -> list[Bead]:
    """``align_texts`` (sentence alignment of two texts) on each document pair, beads in corpus-wide ids."""
    return align_by_document(
        ref_ranges,
        hyp_ranges,
        lambda r, h: align_texts(list(ref_sents[r.start : r.end]), list(hyp_sents[h.start : h.end])),
    )


@dataclass
class DocumentCollector:
    """The documents of a manifest as they are read: the reference's and each version's, by doc id."""

    ref_lang: str = ""
    ref_docs: dict[str, list[str]] = field(default_factory=dict)
    versions: dict[str, tuple[str, dict[str, list[str]]]] = field(default_factory=dict)  # name → (lang, docs)

    def add(self, role: str, name: str, doc: str, lang: str, sents: list[str]) -> None:
        if role == "reference":
            self.ref_lang = lang
            self.ref_docs[doc] = sents
        else:
            self.versions.setdefault(name, (lang, {}))[1][doc] = sents

    def build(self, where: str) -> tuple[list[str], list[DocRange], list[System], dict[str, list[DocRange]]]:
        """(reference sentences, its documents, the published systems, each system's documents)."""
        order = list(self.ref_docs)
        ref_sents, ref_ranges = concatenate(order, self.ref_docs, "the reference", where)
        systems, ranges = [], {}
        for name, (lang, docs) in self.versions.items():
            sents, ranges[name] = concatenate(order, docs, f"version {name}", where)
            systems.append(System(name=name, lang=lang, kind="published", segments=sents))
        return ref_sents, ref_ranges, systems, ranges


def bead_document(
    ref_ids: Sequence[int], hyp_ids: Sequence[int], ref: Sequence[DocRange], hyp: Sequence[DocRange]
) -> str:
    """A bead's document: its reference side's, or for an addition (0-1) its version side's."""
    return document_of(ref_ids, ref) if ref_ids else document_of(hyp_ids, hyp)


def span_document(span: Span, ref: Sequence[DocRange], hyp: Sequence[DocRange]) -> str:
    """The document a finding is in ("" in a one-document corpus)."""
    return bead_document(span.ref_segment_ids, span.hyp_segment_ids, ref, hyp) if len(ref) > 1 else ""
