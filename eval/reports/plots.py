"""Charts as inline SVG strings (matplotlib, Agg canvas, no pyplot state).

Why: the HTML report must open offline as one file, so charts are SVG text embedded in the page;
text stays text (``svg.fonttype: none``) and ids are salted per chart so two charts never clash and
a rerun gives the same bytes.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from eval.reports.metricinfo import MetricInfo, Scale
from eval.reports.tables import info_of, metrics_present

if TYPE_CHECKING:
    from matplotlib.figure import Figure

CATEGORY_COLOURS: dict[str, str] = {
    "accuracy/mistranslation": "#d62728",
    "accuracy/omission": "#9467bd",
    "accuracy/addition": "#1f77b4",
    "accuracy/untranslated": "#ff7f0e",
    "terminology": "#2ca02c",
    "fluency": "#8c564b",
}
_FALLBACK = ("#7f7f7f", "#bcbd22", "#17becf", "#e377c2")


def category_colour(category: str, index: int = 0) -> str:
    return CATEGORY_COLOURS.get(category, _FALLBACK[index % len(_FALLBACK)])


def _new_figure(width: float, height: float) -> Figure:
    """A figure on an Agg canvas, created here so importing this module touches no backend."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _to_svg(fig: Figure, salt: str) -> str:
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": salt, "svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]  # drop the XML prolog and DOCTYPE: the SVG is inlined in HTML
    return re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)


@dataclass(frozen=True)
class Axis:
    """One panel's value axis and the extent of what it draws (bars and whiskers, threshold line)."""

    panel: str
    lo: float
    hi: float
    data_lo: float
    data_hi: float


@dataclass(frozen=True)
class Chart:
    svg: str
    axes: list[Axis]


def _value_limits(scale: Scale, data_lo: float, data_hi: float) -> tuple[float, float]:
    """The declared scale, widened when a value lies outside it; an open bound follows the data
    (from 0 when every value is positive)."""
    low, high = scale if scale is not None else (None, None)
    lo = min(0.0, data_lo) if low is None else min(low, data_lo)
    hi = max(data_hi * 1.08, lo + 1.0) if high is None else max(high, data_hi)
    return lo, hi


def scores_svg(scores: pd.DataFrame, infos: Mapping[str, MetricInfo]) -> Chart | None:
    """One panel per metric on its own scale: score bars with 95% CI whiskers; round trips hatched grey."""
    ok = scores[(scores["status"] == "ok") & scores["score"].notna() & (scores["metric"] != "mqm")]
    if ok.empty:
        return None
    metrics = metrics_present(ok)
    ncols = min(2, len(metrics))
    nrows = -(-len(metrics) // ncols)
    fig = _new_figure(4.6 * ncols, (0.32 * ok["system"].nunique() + 0.9) * nrows)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    checks: list[Axis] = []
    for ax, metric in zip(axes.flat, metrics, strict=False):
        info = info_of(infos, metric)
        part = ok[ok["metric"] == metric].reset_index(drop=True)
        labels = [f"{s} ({lang})" for s, lang in zip(part["system"], part["lang"], strict=True)]
        vals = part["score"].astype(float)
        low = part["ci_low"].astype(float).fillna(vals)
        high = part["ci_high"].astype(float).fillna(vals)
        lo = (vals - low).clip(lower=0)
        hi = (high - vals).clip(lower=0)
        colours = ["#b0b0b0" if rt else "#4c72b0" for rt in part["round_trip"]]
        bars = ax.barh(range(len(part)), vals, xerr=[lo, hi], color=colours, capsize=3, ecolor="#333333")
        for bar, rt in zip(bars, part["round_trip"], strict=True):
            if rt:
                bar.set_hatch("//")
        ax.set_yticks(range(len(part)), labels=labels, fontsize=8)
        ax.invert_yaxis()
        data_lo, data_hi = float(min(low.min(), vals.min(), 0.0)), float(max(high.max(), vals.max()))
        xmin, xmax = _value_limits(info.scale, data_lo, data_hi)
        ax.set_xlim(xmin, xmax)
        scale = f"{xmin:g}–{xmax:g}" if info.scale and None not in info.scale else "open"
        ax.set_title(f"{metric} ({info.arrow}; scale {scale})", fontsize=9)
        ax.tick_params(axis="x", labelsize=8)
        checks.append(Axis(metric, xmin, xmax, data_lo, data_hi))
    for ax in list(axes.flat)[len(metrics) :]:
        ax.set_visible(False)
    fig.suptitle("Scores with 95% CI (hatched grey = round trip, ranked apart)", fontsize=10)
    return Chart(_to_svg(fig, "eval-scores"), checks)


def mqm_penalties(mqm: pd.DataFrame) -> pd.DataFrame:
    """Penalty points per 100 words (NPT) per category and version: pen:<category> × npt / apt."""
    cats = [c[4:] for c in mqm.columns if c.startswith("pen:") and float(mqm[c].sum()) > 0]
    apt = mqm["apt"].astype(float)
    factor = (mqm["npt"].astype(float) / apt).where(apt > 0, 0.0)
    return pd.DataFrame({cat: mqm[f"pen:{cat}"].astype(float) * factor for cat in cats})


def mqm_svg(mqm: pd.DataFrame) -> Chart | None:
    """Stacked bars of MQM penalty points per 100 words by category, with the pass/fail line.

    Penalty points, not span counts: a major error weighs five minor ones. Needs mqm.csv's pen:
    columns (runs before them get no chart rather than a chart of counts).
    """
    if mqm.empty or not any(c.startswith("pen:") for c in mqm.columns):
        return None
    per = mqm_penalties(mqm).reset_index(drop=True)
    fig = _new_figure(7.0, 0.38 * len(mqm) + 1.5)
    ax = fig.subplots()
    labels = [f"{s} ({lang}) {v}" for s, lang, v in zip(mqm["system"], mqm["lang"], mqm["verdict"], strict=True)]
    left = pd.Series([0.0] * len(mqm))
    for i, cat in enumerate(per.columns):
        ax.barh(range(len(mqm)), per[cat], left=left, color=category_colour(cat, i), label=cat)
        left = left + per[cat]
    for y, (npt, apt, oqs) in enumerate(zip(mqm["npt"], mqm["apt"], mqm["oqs"], strict=True)):
        ax.text(float(npt), y, f" {float(apt):g} pts, OQS {float(oqs):.1f}", va="center", fontsize=7)
    limits = mqm["npt_limit"].astype(float).dropna().unique() if "npt_limit" in mqm else []
    for limit in limits:
        ax.axvline(float(limit), color="#c00000", linestyle="--", linewidth=1.2)
        ax.text(float(limit), -0.7, f" fail above {float(limit):g}", color="#c00000", fontsize=7, va="bottom")
    data_hi = float(max([float(left.max()), *map(float, limits)]))
    xmax = data_hi * 1.35 + 1.0  # room for the labels after the bars
    ax.set_xlim(0, xmax)
    ax.set_ylim(len(mqm) - 0.5, -1.0)
    ax.set_yticks(range(len(mqm)), labels=labels, fontsize=8)
    ax.set_xlabel("MQM penalty points per 100 words (NPT); OQS = 100 − NPT", fontsize=8)
    ax.set_title("MQM penalties by category, with the pass threshold", fontsize=10)
    if ax.get_legend_handles_labels()[0]:  # no spans, no categories: a legend would be empty (and warn)
        ax.legend(fontsize=7, loc="lower right", frameon=False)
    return Chart(_to_svg(fig, "eval-mqm"), [Axis("mqm", 0.0, xmax, 0.0, data_hi)])
