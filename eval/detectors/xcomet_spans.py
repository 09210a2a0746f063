"""XCOMET error spans linked back to the reference through word alignment.

Why: ``comet predict`` with XCOMET returns spans on the hypothesis only; a reviewer needs to see
which reference words they betray. Each XCOMET span becomes a Span whose ``ref`` covers the
reference words aligned to its words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from eval.detectors.base import AlignedPair, Detector, DetectorNeeds, DetectorSkipped, Severity, Span, TextSpan

_SEVERITIES: dict[str, Severity] = {"minor": "minor", "major": "major", "critical": "critical"}


def link_span(ref: str, hyp_start: int, hyp_end: int, links: list[Any]) -> TextSpan | None:
    """Reference span covering the words aligned to hyp[hyp_start:hyp_end], or None."""
    hit = [lk.ref for lk in links if lk.hyp.start < hyp_end and hyp_start < lk.hyp.end]
    if not hit:
        return None
    s, e = min(w.start for w in hit), max(w.end for w in hit)
    return TextSpan(ref[s:e], s, e)


@dataclass
class XCometSpansDetector(Detector):
    """Turns per-bead XCOMET ``error_spans`` (list of {text,start,end,severity,confidence}) into Spans.

    In a run the beads carry them (``AlignedPair.metric_spans``, set by the metrics stage from the
    xcomet metric); ``error_spans[i]``, when given, belongs to ``pairs[i]`` (direct use, tests).
    """

    name: str = "xcomet_spans"
    error_spans: list[list[dict[str, Any]]] = field(default_factory=list)
    aligner: Callable[[str, str], list[Any]] | None = None
    embedder: Any = None

    def __post_init__(self) -> None:
        if self.aligner is None and self.embedder is not None:
            from eval.detectors.omission_addition import make_aligner

            self.aligner = make_aligner(self.embedder)

    def needs(self) -> DetectorNeeds:
        return DetectorNeeds(inputs=("metric_spans", "token_states"))

    def _per_bead(self, pairs: list[AlignedPair]) -> list[list[dict[str, Any]]]:
        if self.error_spans:
            return self.error_spans
        if pairs and all(p.metric_spans is None for p in pairs):
            raise DetectorSkipped(
                f"{self.name} for lang {pairs[0].hyp_lang}: needs metric=xcomet with an available "
                "XCOMET checkpoint (metric.xcomet.model=/path/to/checkpoint)"
            )
        return [list(p.metric_spans or ()) for p in pairs]

    def detect(self, pairs: list[AlignedPair]) -> list[Span]:
        spans: list[Span] = []
        for p, found in zip(pairs, self._per_bead(pairs), strict=False):
            if not found or not p.hyp.strip():
                continue
            links = self.aligner(p.ref, p.hyp) if self.aligner and p.ref.strip() else []
            for d in found:
                start, end = int(d["start"]), int(d["end"])
                hyp = TextSpan(p.hyp[start:end], start, end)
                ref = link_span(p.ref, start, end, links)
                spans.append(
                    Span.on(
                        p,
                        hyp,
                        ref,
                        "accuracy/mistranslation",
                        _SEVERITIES.get(str(d.get("severity", "minor")).lower(), "minor"),
                        self.name,
                        float(d.get("confidence", 0.5)),
                        {"xcomet_text": d.get("text", hyp.text)},
                    )
                )
        return spans
