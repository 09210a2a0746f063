"""A hand annotation given as texts (tests/data/gold_spans_dgsn.json) as character spans, so that it is
scored with the same matcher as human MQM (eval.meta.spanmatch).

Why: the DGSN annotation names each error by its text in the version (``hyp``) or, for an omission,
in the reference (``ref``), not by offsets. Each text is placed at its first occurrence in the
system's beads; "segment" is the bead. Version-side and reference-side spans are kept apart (an
omission can only match an omission-side span), each side with its own segment numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from eval.detectors.base import AlignedPair, Span
from eval.meta.spanmatch import CharSpan

REF_SIDE = " (reference side)"


def _place(text: str, beads: Sequence[AlignedPair], side: str) -> tuple[int, int, int] | None:
    for i, b in enumerate(beads):
        at = (b.hyp if side == "hyp" else b.ref).find(text)
        if at >= 0:
            return i, at, at + len(text)
    return None


def gold_char_spans(gold: Mapping[str, list[dict[str, Any]]], beads: Mapping[str, list[AlignedPair]]) -> list[CharSpan]:
    """Gold spans placed in the beads (a text found in none is left out: see reachable_gold)."""
    out: list[CharSpan] = []
    for system, spans in gold.items():
        for g in spans:
            side = "hyp" if g.get("hyp") else "ref"
            placed = _place(str(g[side]), beads.get(system, []), side)
            if placed is None:
                continue
            line, start, end = placed
            name = system if side == "hyp" else system + REF_SIDE
            out.append(CharSpan(name, line, start, end, str(g.get("category")), str(g.get("severity")), "gold"))
    return out


def detected_char_spans(spans: Sequence[Span], beads: Mapping[str, list[AlignedPair]]) -> list[CharSpan]:
    """Detected spans on their bead: version side when they have one, else reference side (omissions)."""
    index = {(system, tuple(b.ref_ids), tuple(b.hyp_ids)): i for system, bs in beads.items() for i, b in enumerate(bs)}
    out: list[CharSpan] = []
    for s in spans:
        line = index.get((s.system, tuple(s.ref_segment_ids), tuple(s.hyp_segment_ids)))
        side = s.hyp or s.ref
        if line is None or side is None:
            continue
        name = s.system if s.hyp else s.system + REF_SIDE
        out.append(CharSpan(name, line, side.start, side.end, s.category, s.severity, s.detector))
    return out
