"""Charts as inline SVG strings (matplotlib, Agg canvas, no pyplot state).

Why: the HTML report must open offline as one file, so charts are SVG text embedded in the page;
text stays text (``svg.fonttype: none``) and ids are salted per chart so two charts never clash and
a rerun gives the same bytes.
"""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING

import pandas as pd

from eval.reports.tables import LOWER_IS_BETTER, UNIT_SCALE, metrics_present, mqm_categories

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


def scores_svg(scores: pd.DataFrame) -> str | None:
    """One panel per metric: score bars with CI whiskers; round-trip bars hatched and grey."""
    ok = scores[(scores["status"] == "ok") & scores["score"].notna() & (scores["metric"] != "mqm")]
    if ok.empty:
        return None
    metrics = metrics_present(ok)
    ncols = min(3, len(metrics))
    nrows = -(-len(metrics) // ncols)
    fig = _new_figure(4.2 * ncols, 0.45 * ok["system"].nunique() * nrows + 1.3 * nrows)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for ax, metric in zip(axes.flat, metrics, strict=False):
        part = ok[ok["metric"] == metric].reset_index(drop=True)
        labels = [f"{s} ({lang})" for s, lang in zip(part["system"], part["lang"], strict=True)]
        vals = part["score"].astype(float)
        lo = (vals - part["ci_low"].astype(float)).fillna(0.0).clip(lower=0)
        hi = (part["ci_high"].astype(float) - vals).fillna(0.0).clip(lower=0)
        colours = ["#b0b0b0" if rt else "#4c72b0" for rt in part["round_trip"]]
        bars = ax.barh(range(len(part)), vals, xerr=[lo, hi], color=colours, capsize=3, ecolor="#333333")
        for bar, rt in zip(bars, part["round_trip"], strict=True):
            if rt:
                bar.set_hatch("//")
        ax.set_yticks(range(len(part)), labels=labels, fontsize=8)
        ax.invert_yaxis()
        arrow = "↓ better" if metric in LOWER_IS_BETTER else "↑ better"
        ax.set_title(f"{metric} ({arrow})", fontsize=9)
        ax.tick_params(axis="x", labelsize=8)
        if metric in UNIT_SCALE:
            ax.set_xlim(0, 1)
    for ax in list(axes.flat)[len(metrics) :]:
        ax.set_visible(False)
    fig.suptitle("Scores with 95% CI (hatched grey = round-trip, ranked apart)", fontsize=10)
    return _to_svg(fig, "eval-scores")


def mqm_svg(mqm: pd.DataFrame) -> str | None:
    """Stacked horizontal bars: MQM penalty points per category, one bar per version."""
    cats = mqm_categories(mqm)
    if mqm.empty or not cats:
        return None
    fig = _new_figure(7.5, 0.45 * len(mqm) + 1.4)
    ax = fig.subplots()
    labels = [f"{s} ({lang})" for s, lang in zip(mqm["system"], mqm["lang"], strict=True)]
    left = pd.Series([0.0] * len(mqm))
    for i, cat in enumerate(cats):
        vals = mqm[f"cat:{cat}"].astype(float).reset_index(drop=True)
        ax.barh(range(len(mqm)), vals, left=left, color=category_colour(cat, i), label=cat)
        left = left + vals
    ax.set_yticks(range(len(mqm)), labels=labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("penalty points", fontsize=8)
    ax.set_title("MQM penalties by category", fontsize=10)
    ax.legend(fontsize=7, loc="lower right", frameon=False)
    return _to_svg(fig, "eval-mqm")
