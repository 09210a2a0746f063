"""Segment-level comparison of two versions, after MT-Telescope's pairwise view: per-segment scores
side by side, which version wins where, and how each version's segments spread over score buckets.

Why: a corpus score hides where a version is better; a lead choosing between the published
translation and an MT output wants the segments where they differ. Segments pair up when both
versions' beads cover the same reference sentences (segments.csv ``ref_ids``); the rest are counted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from eval.reports.metricinfo import MetricInfo
from eval.reports.tables import Infos, SummaryRow, info_of


@dataclass
class SegmentPair:
    ref_ids: str
    ref_text: str
    a_text: str
    b_text: str
    a: float
    b: float

    @property
    def delta(self) -> float:
        return self.b - self.a


@dataclass
class Pairwise:
    """Version ``b`` against version ``a`` (the published one) on one segment-level metric."""

    lang: str
    metric: str
    info: MetricInfo
    a: str
    b: str
    pairs: list[SegmentPair]
    unpaired: int  # beads of either version with no counterpart covering the same reference sentences
    tie: float
    edges: tuple[float, float]  # bucket edges: the pooled scores' tertiles

    def wins(self) -> tuple[int, int, int]:
        """(a better, b better, tie) by the metric's direction; |Δ| ≤ ``tie`` is a tie."""
        a = b = t = 0
        for p in self.pairs:
            d = p.delta if self.info.higher_is_better else -p.delta
            if abs(d) <= self.tie:
                t += 1
            elif d > 0:
                b += 1
            else:
                a += 1
        return a, b, t

    def buckets(self) -> dict[str, tuple[int, int]]:
        """Segments of each version per bucket (low / middle / high third of both versions' scores)."""
        lo, hi = self.edges
        names = ("low", "middle", "high")

        def which(v: float) -> str:
            return names[0] if v < lo else names[1] if v < hi else names[2]

        out = {n: [0, 0] for n in names}
        for p in self.pairs:
            out[which(p.a)][0] += 1
            out[which(p.b)][1] += 1
        if not self.info.higher_is_better:
            out = {"high": out["low"], "middle": out["middle"], "low": out["high"]}
        return {k: (v[0], v[1]) for k, v in out.items()}


def _beads(
    segments: pd.DataFrame, alignment: pd.DataFrame, system: str, metric: str
) -> dict[str, tuple[float, str, str]]:
    seg = segments[(segments["system"] == system) & (segments["metric"] == metric) & segments["score"].notna()]
    texts = {
        int(r["bead"]): (str(r["ref_text"]), str(r["hyp_text"]))
        for r in alignment[alignment["system"] == system].to_dict("records")
    }
    out: dict[str, tuple[float, str, str]] = {}
    for r in seg.to_dict("records"):
        ids = str(r.get("ref_ids", "") or "")
        if ids:
            ref, hyp = texts.get(int(r["bead"]), ("", ""))
            out[ids] = (float(r["score"]), ref, hyp)
    return out


def pairwise_views(
    rows: Iterable[SummaryRow],
    segments: pd.DataFrame,
    alignment: pd.DataFrame,
    infos: Infos,
    prefer: Iterable[str],
) -> list[Pairwise]:
    """Per language: the published version against every other version, on the first metric of
    ``prefer`` that both have at segment level."""
    if "ref_ids" not in segments.columns:
        return []
    by_lang: dict[str, list[SummaryRow]] = {}
    for r in rows:
        by_lang.setdefault(r.lang, []).append(r)
    have = set(zip(segments["system"], segments["metric"], strict=True))
    out: list[Pairwise] = []
    for lang, versions in sorted(by_lang.items()):
        base = next((v for v in versions if v.kind == "published"), None)
        if base is None:
            continue
        for other in (v for v in versions if v is not base):
            metric = next((m for m in prefer if (base.system, m) in have and (other.system, m) in have), None)
            if metric is None:
                continue
            a = _beads(segments, alignment, base.system, metric)
            b = _beads(segments, alignment, other.system, metric)
            common = [k for k in a if k in b]
            pairs = [SegmentPair(k, a[k][1], a[k][2], b[k][2], a[k][0], b[k][0]) for k in common]
            if not pairs:
                continue
            info = info_of(infos, metric)
            pooled = np.array([p.a for p in pairs] + [p.b for p in pairs])
            lo, hi = (float(q) for q in np.quantile(pooled, [1 / 3, 2 / 3]))
            low, high = info.scale if info.scale is not None else (None, None)
            span = (high - low) if low is not None and high is not None else float(np.ptp(pooled) or 1.0)
            out.append(
                Pairwise(
                    lang,
                    metric,
                    info,
                    base.system,
                    other.system,
                    pairs,
                    unpaired=len(a) + len(b) - 2 * len(common),
                    tie=span / 100,
                    edges=(lo, hi),
                )
            )
    return out
