"""Merge spans several detectors report for the same finding, so MQM counts it once.

Why: "aviones" for "drones" is found by the mistranslation detector and by the glossary; a
scorecard that counts both penalises one error twice. Overlapping spans of one system and bead
with compatible categories become one span: union of offsets, max severity and confidence,
detectors joined ("mistranslation+terminology"), evidence kept per detector.
"""

from __future__ import annotations

from dataclasses import replace

from eval.detectors.base import AlignedPair, Severity, Span, TextSpan

_RANK: dict[str, int] = {"minor": 1, "major": 2, "critical": 3}
_GROUPS: tuple[frozenset[str], ...] = (
    frozenset({"accuracy/mistranslation", "terminology"}),
    frozenset({"accuracy/omission"}),
    frozenset({"accuracy/addition", "accuracy/untranslated"}),
    frozenset({"terminology", "accuracy/untranslated"}),  # a term copied verbatim is one finding
    # an added clause is also a run of words absent from the reference (reference_edits): one finding
    frozenset({"accuracy/addition", "accuracy/mistranslation"}),
    frozenset({"fluency"}),
)


#: When detectors agree on one finding, the more specific accuracy category names it (MQM: a term rendered
#: with a wrong meaning is a mistranslation; a term left in the source language is untranslated).
_CATEGORY_PRIORITY: tuple[str, ...] = (
    "accuracy/untranslated",
    "accuracy/addition",  # an addition found as a mistranslation too is an addition (the more specific)
    "accuracy/mistranslation",
    "accuracy/omission",
    "terminology",
    "fluency",
)


def _category(a: str, b: str) -> str:
    ranked = [c for c in _CATEGORY_PRIORITY if c in (a, b)]
    return ranked[0] if ranked else a


def compatible(a: str, b: str) -> bool:
    return a == b or any(a in g and b in g for g in _GROUPS)


def _overlap(a: TextSpan | None, b: TextSpan | None) -> bool:
    return a is not None and b is not None and a.start < b.end and b.start < a.end


def _union(a: TextSpan | None, b: TextSpan | None, text: str | None = None) -> TextSpan | None:
    """The span from the first start to the last end; its text read from the bead ``text`` when given
    (what lies between two pieces), else rebuilt from the pieces with " … " for an unknown gap."""
    if a is None or b is None:
        return a or b
    first, last = (a, b) if a.start <= b.start else (b, a)
    end = max(a.end, b.end)
    if text is not None and text[first.start : first.end] == first.text and text[last.start : last.end] == last.text:
        return TextSpan(text[first.start : end], first.start, end)
    joined = (
        first.text + last.text[max(0, first.end - last.start) :]
        if last.start <= first.end
        else first.text + " … " + last.text
    )
    if last.end <= first.end:
        joined = first.text
    return TextSpan(joined, first.start, end)


BeadTexts = dict[tuple[tuple[int, ...], tuple[int, ...]], tuple[str, str]]


def bead_texts(pairs: list[AlignedPair]) -> BeadTexts:
    """(reference ids, version ids) → (reference text, version text) of each bead, for ``merge_spans``;
    ids that name two beads with different texts are left out (``_union`` then rebuilds from the pieces)."""
    out: BeadTexts = {}
    clash = set()
    for p in pairs:
        key = (tuple(p.ref_ids), tuple(p.hyp_ids))
        if out.setdefault(key, (p.ref, p.hyp)) != (p.ref, p.hyp):
            clash.add(key)
    return {k: v for k, v in out.items() if k not in clash}


def same_finding(a: Span, b: Span) -> bool:
    """Same system and bead, compatible categories, and overlapping hyp or ref offsets."""
    return (
        a.system == b.system
        and a.ref_segment_ids == b.ref_segment_ids
        and a.hyp_segment_ids == b.hyp_segment_ids
        and compatible(a.category, b.category)
        and (_overlap(a.hyp, b.hyp) or _overlap(a.ref, b.ref))
    )


def _combine(a: Span, b: Span, texts: BeadTexts | None = None) -> Span:
    detectors = a.detector.split("+")
    detectors += [d for d in b.detector.split("+") if d not in detectors]
    sev: Severity = a.severity if _RANK[a.severity] >= _RANK[b.severity] else b.severity
    main = a if a.confidence >= b.confidence else b
    ev_a = a.evidence if "+" in a.detector else {a.detector: a.evidence}
    ev_b = b.evidence if "+" in b.detector else {b.detector: b.evidence}
    ref_text, hyp_text = (texts or {}).get((tuple(a.ref_segment_ids), tuple(a.hyp_segment_ids)), (None, None))
    return replace(
        main,
        hyp=_union(a.hyp, b.hyp, hyp_text),
        ref=_union(a.ref, b.ref, ref_text),
        category=_category(a.category, b.category),
        severity=sev,
        confidence=max(a.confidence, b.confidence),
        detector="+".join(detectors),
        evidence={**ev_a, **ev_b},
    )


def merge_spans(spans: list[Span], texts: BeadTexts | None = None) -> list[Span]:
    """One span per finding (order of first appearance kept). With the beads' ``texts`` (``bead_texts``)
    a merged span's text is the bead's text between its offsets; without, gaps are written " … "."""
    out: list[Span] = []
    for span in spans:
        for i, kept in enumerate(out):
            if same_finding(kept, span):
                out[i] = _combine(kept, span, texts)
                break
        else:
            out.append(span)
    # A merge can make two kept spans overlap; repeat until stable.
    if len(out) < len(spans):
        pending = any(same_finding(a, b) for i, a in enumerate(out) for b in out[i + 1 :])
        return merge_spans(out, texts) if pending else out
    return out
