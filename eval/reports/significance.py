"""Significance rows for a reader: both tests of one comparison side by side, in plain words.

Why: significance.csv has one row per test (paired bootstrap, approximate randomization); a reader
needs to see what is compared, both p-values together, a note when they disagree, and a warning
when the score tested is not the summary's (the tests pair the versions on the baseline's segments).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from eval.reports.metricinfo import MetricInfo
from eval.reports.tables import Infos, SummaryRow, info_of


@dataclass
class Comparison:
    """One (language, metric, baseline, system): both tests."""

    lang: str
    metric: str
    baseline: str
    system: str
    baseline_score: float | None
    system_score: float | None
    delta: float | None
    ci: tuple[float, float] | None  # 95% CI of the system score (paired bootstrap)
    p_bs: float | None
    p_ar: float | None
    info: MetricInfo
    summary_system: float | None = None  # the summary's score of the system, when it differs
    summary_baseline: float | None = None

    def significant(self, p: float | None, alpha: float) -> bool | None:
        return None if p is None else p < alpha

    def disagree(self, alpha: float) -> bool:
        a, b = self.significant(self.p_bs, alpha), self.significant(self.p_ar, alpha)
        return a is not None and b is not None and a != b

    @property
    def other_segments(self) -> bool:
        return self.summary_system is not None or self.summary_baseline is not None

    def better(self) -> str:
        if self.delta is None or self.delta == 0:
            return "neither"
        up = (self.delta > 0) == self.info.higher_is_better
        return self.system if up else self.baseline


def _num(value: object) -> float | None:
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if out != out else out


def comparisons(sig: pd.DataFrame | None, infos: Infos, rows: list[SummaryRow]) -> list[Comparison]:
    """Group significance.csv by comparison; flag scores that differ from the summary's at display precision."""
    if sig is None or sig.empty:
        return []
    summary = {(r.system, m): c.score for r in rows for m, c in r.cells.items() if c.score is not None}
    out: dict[tuple[str, str, str, str], Comparison] = {}
    for rec in sig.to_dict("records"):
        key = (str(rec["lang"]), str(rec["metric"]), str(rec["baseline"]), str(rec["system"]))
        info = info_of(infos, key[1])
        comp = out.get(key)
        if comp is None:
            comp = out[key] = Comparison(
                *key,
                baseline_score=_num(rec.get("baseline_score")),
                system_score=_num(rec.get("system_score")),
                delta=_num(rec.get("delta")),
                ci=None,
                p_bs=None,
                p_ar=None,
                info=info,
            )
            for score, name, attr in (
                (comp.system_score, key[3], "summary_system"),
                (comp.baseline_score, key[2], "summary_baseline"),
            ):
                shown = summary.get((name, key[1]))
                if score is not None and shown is not None and info.fmt(score) != info.fmt(shown):
                    setattr(comp, attr, shown)
        method = str(rec.get("method", ""))
        p = _num(rec.get("p_value"))
        if method == "paired-ar":
            comp.p_ar = p
        else:
            comp.p_bs = p
            lo, hi = _num(rec.get("ci_low")), _num(rec.get("ci_high"))
            if lo is not None and hi is not None:
                comp.ci = (lo, hi)
    return list(out.values())


def reading(comp: Comparison, alpha: float) -> str:
    """The comparison in one sentence."""
    p_text = " and ".join(
        f"{name} p = {p:.4f}" for name, p in (("bootstrap", comp.p_bs), ("randomization", comp.p_ar)) if p is not None
    )
    sig = [comp.significant(p, alpha) for p in (comp.p_bs, comp.p_ar) if p is not None]
    if comp.disagree(alpha):
        return (
            f"The tests disagree ({p_text}): the difference is not established. Approximate randomization "
            "shuffles the two versions' segment scores; the bootstrap resamples segments and is more "
            "cautious on a few segments. Treat it as unproven until more segments agree."
        )
    if sig and all(sig):
        return (
            f"{comp.better()} is better on {comp.metric}: a difference this large would be unlikely "
            f"({p_text}) if both were equally good."
        )
    if sig:
        return f"No significant difference on {comp.metric} ({p_text}): the gap could be chance on these segments."
    return "No test result."


def alpha_of(manifest: Mapping[str, object]) -> float:
    boot = manifest.get("bootstrap")
    if isinstance(boot, Mapping):
        value = _num(boot.get("alpha"))
        if value is not None:
            return value
    return 0.05
