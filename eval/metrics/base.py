"""The metric interface: aligned segments in, corpus + segment scores + signature out.

A metric declares what it is once, on its class (``MetricInfo``): the runner decides what a metric
reads from these declarations, the run folder records them (manifest.json ``metrics``), and the
reports read them from there instead of keeping their own list of "lower is better" metrics.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np

Direction = Literal["higher", "lower"]


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
    and how to fix it. An unavailable metric is never reported as a number. ``stats`` holds the
    per-segment sufficient statistics of a metric that declares ``produces_stats`` (sacrebleu's own).
    """

    metric: str
    corpus: float | None
    segments: list[float] = field(default_factory=list)
    signature: str = ""
    available: bool = True
    reason: str = ""
    higher_is_better: bool = True
    extra: dict[str, object] = field(default_factory=dict)
    stats: np.ndarray | None = None

    @property
    def error_spans(self) -> list[list[dict[str, Any]]] | None:
        """Per-segment error spans of a metric that declares ``produces_spans`` (XCOMET), else None."""
        found = self.extra.get("error_spans")
        return found if isinstance(found, list) else None


@dataclass(frozen=True)
class MetricInfo:
    """What a metric is, as the run folder records it (manifest.json ``metrics``).

    ``scale`` is the (low, high) range of its scores (a None bound: unbounded); ``precision`` the decimals
    a report shows; ``reads_reference_language``: the hypothesis must be in the reference's language
    (so a version in another language is scored through its bridge).
    """

    name: str
    direction: Direction
    scale: tuple[float | None, float | None] | None
    precision: int
    reads_reference_language: bool
    produces_stats: bool
    produces_spans: bool

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["scale"] = list(self.scale) if self.scale is not None else None
        return out


class Metric(ABC):
    """A metric. ``name`` is the column in scores.csv; ``same_language`` guards n-gram metrics.

    The class attributes are its declaration (see ``info``); a subclass overrides the ones that differ.
    """

    name: str = "metric"
    same_language: bool = True
    higher_is_better: bool = True
    scale: tuple[float | None, float | None] | None = (0.0, 100.0)
    display_precision: int = 1
    produces_stats: bool = False
    produces_spans: bool = False

    @property
    def reads_reference_language(self) -> bool:
        """Whether the hypothesis must be in the reference language: n-gram metrics (and
        reference-based COMET, which overrides this) read a version through its bridge."""
        return self.same_language

    def bootstrap_spec(self) -> tuple[str, dict[str, Any]]:
        """(statistic family, arguments of the corpus formula) for eval.scoring.bootstrap; a
        segment-averaged metric resamples its segment scores ("mean")."""
        return "mean", {}

    def info(self) -> MetricInfo:
        return MetricInfo(
            name=self.name,
            direction="higher" if self.higher_is_better else "lower",
            scale=self.scale,
            precision=self.display_precision,
            reads_reference_language=self.reads_reference_language,
            produces_stats=self.produces_stats,
            produces_spans=self.produces_spans,
        )

    @abstractmethod
    def score(self, data: ScoringInput) -> MetricResult:
        """Score one system's aligned segments."""
