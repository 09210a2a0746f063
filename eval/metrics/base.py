"""The metric interface: same-language (hyp, ref) pairs in, corpus + segment scores + signature out."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ScoringInput:
    """Aligned segments of one system. ``hyps`` and ``refs`` are in the same language;
    ``srcs`` (optional) are the sources, used by COMET."""

    hyps: list[str]
    refs: list[str]
    srcs: list[str] | None = None
    hyp_lang: str = ""
    ref_lang: str = ""


@dataclass(frozen=True)
class MetricResult:
    """A corpus score, per-segment scores and a reproducibility signature.

    ``available`` is False when the metric could not run (e.g. no COMET model); ``reason`` says why
    and how to fix it. An unavailable metric is never reported as a number.
    """

    metric: str
    corpus: float | None
    segments: list[float] = field(default_factory=list)
    signature: str = ""
    available: bool = True
    reason: str = ""
    higher_is_better: bool = True
    extra: dict[str, object] = field(default_factory=dict)


class Metric(ABC):
    """A metric. ``name`` is the column in scores.csv; ``same_language`` guards n-gram metrics."""

    name: str = "metric"
    same_language: bool = True
    higher_is_better: bool = True

    @abstractmethod
    def score(self, data: ScoringInput) -> MetricResult:
        """Score one system's aligned segments."""
