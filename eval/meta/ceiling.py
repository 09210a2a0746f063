"""What another human rater scores against the ratings: the ceiling a span detector is judged under.

Why: in an MQM set each (system, segment) is rated by one rater, so one rater's spans are the truth.
Where two systems produced the identical text for a segment and different raters rated them, one
rater's spans can be scored against the other's with the same matcher as the detectors. Over all
ordered pairs of such ratings precision equals recall (each pair is counted both ways), so one figure
says how often a span one rater marks is also marked by another.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from eval.meta.mqm_tsv import MqmRatings, SegmentKey, SystemSegment
from eval.meta.spanmatch import PRF, CharSpan, overlap_prf, partial_prf


def _target_spans(seg: SystemSegment, rater: str, name: str) -> list[CharSpan]:
    return [
        CharSpan(name, 0, e.start, e.end, e.category, e.severity.lower(), e.rater)
        for e in seg.errors
        if e.rater == rater and e.side == "target" and e.start is not None and e.end is not None
    ]


def rater_agreement(ratings: MqmRatings, systems: Sequence[str], keys: Sequence[SegmentKey]) -> tuple[int, PRF, PRF]:
    """(ordered rating pairs, overlap P/R/F1, character P/R/F1) of one rater's spans against another's
    on identical outputs of the same segment; (0, empty, empty) when no output was rated twice. A rating is
    one rater's errors on one system's output, so a segment rated by several raters pairs them too."""
    detected: list[CharSpan] = []
    human: list[CharSpan] = []
    pairs = 0
    for key in keys:
        by_text: dict[str, list[tuple[SystemSegment, str]]] = defaultdict(list)
        for s in systems:
            seg = ratings.outputs[s][key]
            by_text[seg.target] += [(seg, rater) for rater in seg.raters]
        for rated in by_text.values():
            for a, rater_a in rated:
                for b, rater_b in rated:
                    if rater_a == rater_b:
                        continue
                    pairs += 1
                    name = f"{key.doc}|{key.doc_id}|{a.system}|{rater_a}|{b.system}|{rater_b}"
                    detected += _target_spans(a, rater_a, name)
                    human += _target_spans(b, rater_b, name)
    return pairs, overlap_prf(detected, human), partial_prf(detected, human)
