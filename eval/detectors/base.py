"""The Span record and the detector interface.

A Span links the words of a version to the reference words they betray (modelled on
mt-metrics-eval's ``Error`` and XCOMET's ``error_spans``, plus the link back to the reference).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from types import MappingProxyType
from typing import Any, Literal

Severity = Literal["minor", "major", "critical"]
CATEGORIES: tuple[str, ...] = (
    "accuracy/mistranslation",
    "accuracy/omission",
    "accuracy/addition",
    "accuracy/untranslated",
    "terminology",
    "fluency",
)


@dataclass(frozen=True)
class TextSpan:
    """A piece of a cleaned segment: text and character offsets [start, end)."""

    text: str
    start: int
    end: int


@dataclass
class Span:
    """One finding. ``hyp`` is None for an omission, ``ref`` is None for an addition."""

    system: str
    lang: str
    ref_segment_ids: list[int]
    hyp_segment_ids: list[int]
    hyp: TextSpan | None
    ref: TextSpan | None
    category: str
    severity: Severity
    detector: str
    confidence: float
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def on(
        cls,
        pair: AlignedPair,
        hyp: TextSpan | None,
        ref: TextSpan | None,
        category: str,
        severity: Severity,
        detector: str,
        confidence: float,
        evidence: dict[str, Any] | None = None,
    ) -> Span:
        """A span in one bead: system, language and segment ids come from the pair."""
        return cls(
            pair.system,
            pair.hyp_lang,
            list(pair.ref_ids),
            list(pair.hyp_ids),
            hyp,
            ref,
            category,
            severity,
            detector,
            confidence,
            evidence or {},
        )


@dataclass(frozen=True)
class AlignedPair:
    """One aligned bead: reference sentence(s) and the version's sentence(s), joined by a space.

    ``ref_ids``/``hyp_ids`` are sentence indices; one side is empty for 1-0 / 0-1 beads.
    ``bridge`` is the version text translated into the reference language, when there is one;
    ``unknown`` holds the words the MT engine that produced the version marked as unknown (Apertium ``*word``).
    ``given`` says the pairing was given (a line-aligned set, an MT output of the reference's sentences),
    not found by the sentence aligner: a detector then need not look in the neighbouring beads.
    """

    system: str
    ref_lang: str
    hyp_lang: str
    ref_ids: tuple[int, ...]
    hyp_ids: tuple[int, ...]
    ref: str
    hyp: str
    similarity: float
    bridge: str | None = None
    unknown: tuple[str, ...] = ()
    given: bool = False
    # the error spans a span-producing metric (XCOMET) found in this bead, when one ran
    metric_spans: tuple[dict[str, Any], ...] | None = field(default=None, compare=False)


@dataclass
class SystemResult:
    """One detector's outcome for one system: its spans and counters, or why it was skipped."""

    spans: list[Span] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)
    skipped: str | None = None


DetectorInput = Literal["bridge", "token_states", "sentence_vectors", "translator", "glossary", "metric_spans"]


@dataclass(frozen=True)
class DetectorNeeds:
    """What a detector reads beyond the aligned beads, and the languages it covers.

    ``languages`` None: any language (a detector that lacks a resource for one still skips it with
    ``DetectorSkipped``, saying why). ``metric_spans``: the beads must carry a span-producing
    metric's spans (``AlignedPair.metric_spans``), so that metric must be selected.
    """

    inputs: tuple[DetectorInput, ...] = ()
    languages: tuple[str, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"inputs": list(self.inputs), "languages": list(self.languages) if self.languages is not None else None}


class Detector(ABC):
    """A detector; ``name`` is its config name. Missing resources → ``DetectorSkipped``.

    Its counters (links judged, cleared...) are part of what it returns (``SystemResult.stats``). A
    detector that counts overrides ``detect_system``; the default returns ``stats``, the counters a
    ``detect`` call may leave there (the older convention, kept for existing detectors).
    """

    name: str = "detector"
    stats: Mapping[str, int] = MappingProxyType({})

    def needs(self) -> DetectorNeeds:
        """What this detector reads and which languages it covers; this default: the beads, any language."""
        return DetectorNeeds()

    @abstractmethod
    def detect(self, pairs: list[AlignedPair]) -> list[Span]:
        """Find error spans in one system's aligned pairs."""

    def detect_system(self, pairs: list[AlignedPair]) -> SystemResult:
        """One system's spans and counters."""
        spans = self.detect(pairs)
        return SystemResult(spans, dict(self.stats))

    def detect_systems(self, systems: dict[str, list[AlignedPair]]) -> dict[str, SystemResult]:
        """Every system of a run. This default runs ``detect_system`` once per system; a detector whose
        cost is in encoder calls overrides it to batch them across systems (small batches waste the CPU)."""
        out: dict[str, SystemResult] = {}
        for name, pairs in systems.items():
            try:
                out[name] = self.detect_system(pairs)
            except DetectorSkipped as exc:
                out[name] = SystemResult(skipped=str(exc))
        return out


class DetectorSkipped(Exception):
    """Raised by a detector that lacks a resource for a language; the runner records the reason."""
