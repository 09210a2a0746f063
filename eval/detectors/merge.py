"""Merge spans several detectors report for the same finding, so MQM counts it once.

Why: "aviones" for "drones" is found by the mistranslation detector and by the glossary; a
scorecard that counts both penalises one error twice. Overlapping spans of one system and bead
with compatible categories become one span: union of offsets, max severity and confidence,
detectors joined ("mistranslation+terminology"), evidence kept per detector.
"""

from __future__ import annotations

from dataclasses import replace

from eval.detectors.base import Severity, Span, TextSpan

_RANK: dict[str, int] = {"minor": 1, "major": 2, "critical": 3}
_GROUPS: tuple[frozenset[str], ...] = (
    frozenset({"accuracy/mistranslation", "terminology"}),
    frozenset({"accuracy/omission"}),
    frozenset({"accuracy/addition", "accuracy/untranslated"}),
    frozenset({"terminology", "accuracy/untranslated"}),  # a term copied verbatim is one finding
    frozenset({"fluency"}),
)


#: When detectors agree on one finding, the more specific accuracy category names it (MQM: a term rendered
#: with a wrong meaning is a mistranslation; a term left in the source language is untranslated).
_CATEGORY_PRIORITY: tuple[str, ...] = (
    "accuracy/mistranslation",
    "accuracy/untranslated",
    "accuracy/omission",
    "accuracy/addition",
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


def _union(a: TextSpan | None, b: TextSpan | None, text_a: str | None = None) -> TextSpan | None:
    if a is None or b is None:
        return a or b
    first, last = (a, b) if a.start <= b.start else (b, a)
    end = max(a.end, b.end)
    # Rebuild the text from the two pieces (the bead text is not at hand here).
    text = (
        first.text + last.text[max(0, first.end - last.start) :]
        if last.start <= first.end
        else first.text + " … " + last.text
    )
    if last.end <= first.end:
        text = first.text
    return TextSpan(text, first.start, end)


def same_finding(a: Span, b: Span) -> bool:
    """Same system and bead, compatible categories, and overlapping hyp or ref offsets."""
    return (
        a.system == b.system
        and a.ref_segment_ids == b.ref_segment_ids
        and a.hyp_segment_ids == b.hyp_segment_ids
        and compatible(a.category, b.category)
        and (_overlap(a.hyp, b.hyp) or _overlap(a.ref, b.ref))
    )


def _combine(a: Span, b: Span) -> Span:
    detectors = a.detector.split("+")
    detectors += [d for d in b.detector.split("+") if d not in detectors]
    sev: Severity = a.severity if _RANK[a.severity] >= _RANK[b.severity] else b.severity
    main = a if a.confidence >= b.confidence else b
    ev_a = a.evidence if "+" in a.detector else {a.detector: a.evidence}
    ev_b = b.evidence if "+" in b.detector else {b.detector: b.evidence}
    return replace(
        main,
        hyp=_union(a.hyp, b.hyp),
        ref=_union(a.ref, b.ref),
        category=_category(a.category, b.category),
        severity=sev,
        confidence=max(a.confidence, b.confidence),
        detector="+".join(detectors),
        evidence={**ev_a, **ev_b},
    )


def merge_spans(spans: list[Span]) -> list[Span]:
    """One span per finding (order of first appearance kept)."""
    out: list[Span] = []
    for span in spans:
        for i, kept in enumerate(out):
            if same_finding(kept, span):
                out[i] = _combine(kept, span)
                break
        else:
            out.append(span)
    # A merge can make two kept spans overlap; repeat until stable.
    if len(out) < len(spans):
        again = merge_spans(out) if any(same_finding(a, b) for i, a in enumerate(out) for b in out[i + 1 :]) else out
        return again
    return out
