"""Span precision, recall and F1 of detected spans against human MQM spans.

Two ways of counting, both within one system and one segment:
- ``overlap``: a detected span is correct when it shares at least one character with a human span;
  a human span is found when a detected span shares a character with it (span-level P/R).
- ``partial``: partial credit by characters: P = detected characters inside human spans / detected
  characters, R = human characters inside detected spans / human characters (overlapping spans on
  one side are merged first, so no character counts twice).
Spans without target-side characters (detected omissions, human errors marked in the source) cannot
overlap by character; they are counted apart (``omissions``) by segment: same system and segment.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

SegmentRef = tuple[str, int]  # (system, line index)


@dataclass(frozen=True)
class CharSpan:
    """A span of one system's segment (target side) with the labels the tables group by."""

    system: str
    line: int
    start: int
    end: int
    category: str
    severity: str
    source: str  # detector name(s) for detected spans, rater for human ones


@dataclass(frozen=True)
class PRF:
    """Precision, recall and F1 with their counts (None where a denominator is zero)."""

    detected: int
    human: int
    correct_detected: float
    found_human: float
    detected_units: float
    human_units: float

    @property
    def precision(self) -> float | None:
        return self.correct_detected / self.detected_units if self.detected_units else None

    @property
    def recall(self) -> float | None:
        return self.found_human / self.human_units if self.human_units else None

    @property
    def f1(self) -> float | None:
        return self.f_beta(1.0)

    def f_beta(self, beta: float) -> float | None:
        """Van Rijsbergen's F: beta < 1 weighs precision more (F0.5, the CoNLL-2014 error-correction score)."""
        p, r = self.precision, self.recall
        if p is None or r is None or p + r == 0:
            return None if p is None or r is None else 0.0
        return (1 + beta * beta) * p * r / (beta * beta * p + r)


def _by_segment(spans: Iterable[CharSpan]) -> dict[SegmentRef, list[CharSpan]]:
    out: dict[SegmentRef, list[CharSpan]] = defaultdict(list)
    for s in spans:
        if s.end > s.start:
            out[(s.system, s.line)].append(s)
    return out


def _union(intervals: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for a, b in sorted(intervals):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _covered(union: Sequence[tuple[int, int]], other: Sequence[tuple[int, int]]) -> int:
    """Characters of ``union`` that lie inside ``other`` (both disjoint, sorted)."""
    total, j = 0, 0
    for a, b in union:
        while j < len(other) and other[j][1] <= a:
            j += 1
        k = j
        while k < len(other) and other[k][0] < b:
            total += max(0, min(b, other[k][1]) - max(a, other[k][0]))
            k += 1
    return total


def _overlaps(span: CharSpan, others: Sequence[CharSpan]) -> bool:
    return any(o.start < span.end and span.start < o.end for o in others)


def overlap_prf(detected: Iterable[CharSpan], human: Iterable[CharSpan]) -> PRF:
    """Span-level precision/recall: any shared character counts."""
    det, hum = _by_segment(detected), _by_segment(human)
    n_det = sum(len(v) for v in det.values())
    n_hum = sum(len(v) for v in hum.values())
    correct = sum(_overlaps(s, hum.get(seg, [])) for seg, spans in det.items() for s in spans)
    found = sum(_overlaps(s, det.get(seg, [])) for seg, spans in hum.items() for s in spans)
    return PRF(n_det, n_hum, correct, found, n_det, n_hum)


def partial_prf(detected: Iterable[CharSpan], human: Iterable[CharSpan]) -> PRF:
    """Character-level partial credit."""
    det, hum = _by_segment(detected), _by_segment(human)
    d_units = h_units = d_in = h_in = 0
    for seg in set(det) | set(hum):
        du = _union((s.start, s.end) for s in det.get(seg, []))
        hu = _union((s.start, s.end) for s in hum.get(seg, []))
        d_units += sum(b - a for a, b in du)
        h_units += sum(b - a for a, b in hu)
        d_in += _covered(du, hu)
        h_in += _covered(hu, du)
    return PRF(sum(len(v) for v in det.values()), sum(len(v) for v in hum.values()), d_in, h_in, d_units, h_units)


def segment_prf(detected: Iterable[SegmentRef], human: Iterable[SegmentRef]) -> PRF:
    """Position-free matching for omissions: a detected omission is right when the humans marked one in
    the same system and segment."""
    det, hum = list(detected), list(human)
    hum_set, det_set = set(hum), set(det)
    return PRF(len(det), len(hum), sum(d in hum_set for d in det), sum(h in det_set for h in hum), len(det), len(hum))
