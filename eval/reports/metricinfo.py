"""What the report knows about each metric: direction, scale, display precision, reference needs.

Why: a chart's axis, a ranking's order and a number's decimals all follow from these facts, so they
are read once, from the run folder (``manifest.json`` → ``metrics``, written by the metrics stage),
and only a run folder written before that contract falls back to the table below.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

Scale = tuple[float | None, float | None] | None


@dataclass(frozen=True)
class MetricInfo:
    """One metric as the report shows it."""

    name: str
    higher_is_better: bool = True
    scale: Scale = (0.0, 100.0)  # None (or a None bound): unbounded there; the chart uses the data
    precision: int = 1
    same_language: bool = False  # needs a reference in the version's language (through a bridge)

    def fmt(self, value: float) -> str:
        return f"{value:.{self.precision}f}"

    def fmt_delta(self, value: float) -> str:
        return f"{value:+.{self.precision}f}"

    @property
    def arrow(self) -> str:
        return "↑ better" if self.higher_is_better else "↓ better"


_PERCENT = (0.0, 100.0)
_UNIT = (0.0, 1.0)
# Run folders written before manifest.json carried "metrics": the metrics as this harness defined them then.
FALLBACK: dict[str, MetricInfo] = {
    "bleu": MetricInfo("bleu", True, _PERCENT, 1, True),
    "chrf": MetricInfo("chrf", True, _PERCENT, 1, True),
    "chrf++": MetricInfo("chrf++", True, _PERCENT, 1, True),
    "ter": MetricInfo("ter", False, None, 1, True),
    "comet-ref": MetricInfo("comet-ref", True, _UNIT, 3, True),
    "comet-qe": MetricInfo("comet-qe", True, _UNIT, 3, False),
    "xcomet": MetricInfo("xcomet", True, _UNIT, 3, True),
    "adequacy-e5": MetricInfo("adequacy-e5", True, _PERCENT, 1, False),
    "mqm": MetricInfo("mqm", True, None, 1, False),
}


def _scale(value: Any) -> Scale:
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return (None if value[0] is None else float(value[0]), None if value[1] is None else float(value[1]))
    return None


def from_record(name: str, rec: Mapping[str, Any]) -> MetricInfo:
    """One ``manifest.json`` metrics entry (eval.metrics.base.MetricInfo.to_dict: direction "higher" /
    "lower", scale [lo, hi] with null for an open bound, precision, reads_reference_language)."""
    direction = rec.get("direction")
    higher = str(direction).lower().startswith("higher") if direction else bool(rec.get("higher_is_better", True))
    return MetricInfo(
        name=name,
        higher_is_better=higher,
        scale=_scale(rec.get("scale")),
        precision=int(rec.get("precision", rec.get("display_precision", 1))),
        same_language=bool(rec.get("reads_reference_language", rec.get("same_language", False))),
    )


def metric_infos(manifest: Mapping[str, Any], scores: pd.DataFrame) -> dict[str, MetricInfo]:
    """Every metric of scores.csv: the manifest's declaration, else the fallback, else a 0–100 guess."""
    declared = manifest.get("metrics")
    records: dict[str, Mapping[str, Any]] = {}
    if isinstance(declared, Mapping):
        records = {str(k): v for k, v in declared.items() if isinstance(v, Mapping)}
    elif isinstance(declared, list):
        records = {str(v["name"]): v for v in declared if isinstance(v, Mapping) and "name" in v}
    out: dict[str, MetricInfo] = {}
    for name in dict.fromkeys(str(m) for m in scores["metric"]):
        if name in records:
            out[name] = from_record(name, records[name])
        elif name in FALLBACK:
            out[name] = FALLBACK[name]
        else:
            base = name.split("-")[0]
            out[name] = MetricInfo(name, *_like(base))
    return out


def _like(base: str) -> tuple[bool, Scale, int, bool]:
    """A metric the fallback does not name: a chrF variant (chrf+-c4) is chrF, anything else 0–100."""
    if base.startswith("chrf"):
        return True, _PERCENT, 1, True
    return True, None, 1, False
