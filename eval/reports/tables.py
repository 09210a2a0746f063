"""Report tables as plain data: formatting, ranking, notes and span placement, shared by HTML and Markdown.

Why: both reports must tell the same story (same ranking, same reasons, same findings order), so every
decision lives here once, as pure functions over the run folder's frames.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

import pandas as pd

from eval.detectors.base import CATEGORIES
from eval.errors import ConfigError
from eval.reports.metricinfo import MetricInfo, metric_infos

Infos = Mapping[str, MetricInfo]

if TYPE_CHECKING:
    from omegaconf import DictConfig

log = logging.getLogger(__name__)

METRIC_ORDER: tuple[str, ...] = (
    "bleu",
    "chrf",
    "chrf++",
    "ter",
    "comet-ref",
    "comet-qe",
    "xcomet",
    "adequacy-e5",
    "mqm",
)
SEVERITY_RANK: dict[str, int] = {"critical": 3, "major": 2, "minor": 1}
CATEGORY_ORDER: tuple[str, ...] = CATEGORIES
STATUS_LABEL: dict[str, str] = {"unavailable": "unavailable", "not_covered": "not covered"}


@dataclass
class ReportConfig:
    """Report options (Hydra node ``report``). Defaults give a ticket-sized Markdown report."""

    title: str = "Translation quality report"
    top_findings: int = 3
    rank_by: tuple[str, ...] = ("comet-qe", "xcomet", "comet-ref", "adequacy-e5", "chrf", "bleu")
    matrix_metrics: tuple[str, ...] = ("chrf", "comet-qe", "adequacy-e5", "mqm")
    snippet_chars: int = 60
    charts: bool = True

    def __post_init__(self) -> None:
        # Hydra hands lists (ListConfig); keep the dataclass hashable-ish and immutable in spirit.
        self.rank_by = tuple(str(m) for m in self.rank_by)
        self.matrix_metrics = tuple(str(m) for m in self.matrix_metrics)
        if self.top_findings < 0:
            raise ConfigError(f"report.top_findings must be >= 0, got {self.top_findings}")

    @classmethod
    def from_any(cls, cfg: ReportConfig | Mapping[str, Any] | DictConfig | None) -> ReportConfig:
        """Accept a ReportConfig, a plain mapping or a Hydra DictConfig (``_target_`` is ignored)."""
        if cfg is None:
            return cls()
        if isinstance(cfg, ReportConfig):
            return cfg
        if not isinstance(cfg, Mapping):
            raise ConfigError(f"report config must be a mapping, got {type(cfg).__name__}")
        known = {f.name for f in fields(cls)}
        items = {str(k): v for k, v in dict(cfg).items() if k != "_target_"}
        unknown = sorted(set(items) - known)
        if unknown:
            raise ConfigError(f"report config: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return cls(**items)


# ---------------------------------------------------------------- numbers


def _num(value: Any) -> float | None:
    if value is None:
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(out) else out


def info_of(infos: Infos, metric: str) -> MetricInfo:
    """The metric's declaration; a metric nobody declared is shown as a 0–100, higher-is-better score."""
    return infos.get(metric) or metric_infos({}, pd.DataFrame({"metric": [metric]}))[metric]


def fmt_value(info: MetricInfo, value: Any) -> str:
    """One number at the metric's declared display precision ("" for a missing value)."""
    num = _num(value)
    return "" if num is None else info.fmt(num)


def fmt_score(info: MetricInfo, score: Any, ci_low: Any = None, ci_high: Any = None) -> str:
    """ "32.1 [29.8–34.5]", or "32.1" when the score carries no interval."""
    text = fmt_value(info, score)
    if not text:
        return ""
    lo, hi = fmt_value(info, ci_low), fmt_value(info, ci_high)
    return f"{text} [{lo}–{hi}]" if lo and hi else text


def metrics_present(scores: pd.DataFrame) -> list[str]:
    """Metrics of the run in the canonical order, unknown ones appended alphabetically."""
    present = set(scores["metric"])
    return [m for m in METRIC_ORDER if m in present] + sorted(present - set(METRIC_ORDER))


# ---------------------------------------------------------------- summary


@dataclass
class Cell:
    """One system × metric cell of the summary."""

    metric: str
    status: str
    text: str
    route: str = ""
    round_trip: bool = False
    reason: str = ""
    score: float | None = None


@dataclass
class SummaryRow:
    """One version: its cells keyed by metric."""

    system: str
    lang: str
    kind: str
    cells: dict[str, Cell] = field(default_factory=dict)
    others: dict[str, list[Cell]] = field(default_factory=dict)  # same metric by another route

    @property
    def round_trip(self) -> bool:
        return any(c.round_trip for c in self.cells.values())

    @property
    def route(self) -> str:
        """The route of the same-language metrics (the bridge), else the first route shown."""
        routes = [c.route for c in self.cells.values() if c.route and c.status == "ok"]
        bridged = [r for r in routes if r.startswith(("bridge", "direct"))]
        return (bridged or routes or [""])[0]


def summary_rows(scores: pd.DataFrame, infos: Infos) -> list[SummaryRow]:
    """One row per (system, lang), in order of first appearance in scores.csv."""
    rows: dict[tuple[str, str], SummaryRow] = {}
    for rec in scores.to_dict("records"):
        key = (str(rec["system"]), str(rec["lang"]))
        row = rows.setdefault(key, SummaryRow(system=key[0], lang=key[1], kind=str(rec["kind"])))
        metric, status = str(rec["metric"]), str(rec["status"]) or "ok"
        info = info_of(infos, metric)
        text = fmt_score(info, rec["score"], rec["ci_low"], rec["ci_high"]) if status == "ok" else ""
        cell = Cell(
            metric=metric,
            status=status,
            text=text or STATUS_LABEL.get(status, status),
            route=str(rec.get("route", "") or ""),
            round_trip=bool(rec["round_trip"]) and status == "ok",
            reason=str(rec.get("reason", "") or ""),
            score=_num(rec["score"]) if status == "ok" else None,
        )
        old = row.cells.get(metric)
        if old is not None and _preference(old) <= _preference(cell):
            row.others.setdefault(metric, []).append(cell)
        else:
            if old is not None:
                row.others.setdefault(metric, []).append(old)
            row.cells[metric] = cell
    return list(rows.values())


def _preference(cell: Cell) -> int:
    """Which of two scores of one metric the summary shows: fair ok < round-trip ok < not ok."""
    if cell.status != "ok":
        return 2
    return 1 if cell.round_trip else 0


def rank_metric(rows: list[SummaryRow], rank_by: Iterable[str]) -> str | None:
    """The first metric of ``rank_by`` with a fair (ok, not round-trip) score for some version."""
    for metric in rank_by:
        for row in rows:
            cell = row.cells.get(metric)
            if cell is not None and cell.score is not None and not cell.round_trip:
                return metric
    return None


def ranked(rows: list[SummaryRow], metric: str | None, infos: Infos) -> tuple[list[SummaryRow], list[SummaryRow]]:
    """(fair versions best first, round-trip versions ranked apart). Ties keep the system name order."""

    def key(row: SummaryRow) -> tuple[float, str]:
        cell = row.cells.get(metric) if metric else None
        if cell is None or cell.score is None:
            return (math.inf, row.system)
        return (-cell.score if info_of(infos, cell.metric).higher_is_better else cell.score, row.system)

    fair = sorted((r for r in rows if not r.round_trip), key=key)
    apart = sorted((r for r in rows if r.round_trip), key=key)
    return fair, apart


def unavailable_notes(rows: list[SummaryRow]) -> list[str]:
    """One line per (status, reason): which metrics, for which versions ("all versions" when all)."""
    groups: dict[tuple[str, str], tuple[list[str], list[str]]] = {}
    for row in rows:
        for cell in row.cells.values():
            if cell.status == "ok":
                continue
            metrics, systems = groups.setdefault((cell.status, cell.reason or "no reason recorded"), ([], []))
            if cell.metric not in metrics:
                metrics.append(cell.metric)
            if row.system not in systems:
                systems.append(row.system)
    notes = []
    all_systems = {r.system for r in rows}
    for (status, reason), (metrics, systems) in groups.items():
        who = "all versions" if set(systems) == all_systems and len(all_systems) > 1 else ", ".join(systems)
        label = STATUS_LABEL.get(status, status)
        notes.append(f"{', '.join(metrics)} {label} for {who}: {reason}")
    return notes


# ---------------------------------------------------------------- matrix


@dataclass
class MatrixRow:
    """One language × metric: the published version(s) against the MT outputs in that language."""

    lang: str
    metric: str
    published: list[tuple[str, str]]
    mt: list[tuple[str, str, str]]  # (system, score text, delta vs the first published version)


def language_matrix(rows: list[SummaryRow], metrics: Iterable[str], infos: Infos) -> list[MatrixRow]:
    """Rows for every language with a published version and an ok score in one of ``metrics``."""
    out: list[MatrixRow] = []
    langs = sorted({r.lang for r in rows if r.kind != "reference"})
    for lang in langs:
        in_lang = [r for r in rows if r.lang == lang and r.kind != "reference"]
        for metric in metrics:
            cells = [(r, r.cells.get(metric)) for r in in_lang]
            if not any(c is not None and c.status == "ok" for _, c in cells):
                continue
            pub = [(r.system, c.text if c else "—") for r, c in cells if r.kind == "published"]
            base = next((c.score for r, c in cells if r.kind == "published" and c and c.score is not None), None)
            mt = []
            for r, c in cells:
                if r.kind != "mt":
                    continue
                text = (c.text + (" ↺" if c.round_trip else "")) if c else "—"
                delta = ""
                if c is not None and c.score is not None and base is not None:
                    delta = info_of(infos, metric).fmt_delta(c.score - base)
                mt.append((r.system, text, delta))
            out.append(MatrixRow(lang=lang, metric=metric, published=pub, mt=mt))
    return out


# ---------------------------------------------------------------- spans


def parse_ids(value: Any) -> tuple[int, ...]:
    """ "3;4" → (3, 4); empty/NaN → (); lists pass through."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(int(v) for v in value)
    text = str(value).strip()
    if not text:
        return ()
    return tuple(int(float(v)) for v in text.replace(",", ";").split(";") if v.strip())


def severity_rank(span: Mapping[str, Any]) -> int:
    return SEVERITY_RANK.get(str(span.get("severity", "")), 0)


def _side_start(side: Any) -> int:
    return int(side.get("start", 0)) if isinstance(side, Mapping) else 0


def sort_findings(spans: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Most severe first, then most confident, then position; deterministic."""
    return sorted(
        spans,
        key=lambda s: (
            -severity_rank(s),
            -(_num(s.get("confidence")) or 0.0),
            tuple(s.get("ref_segment_ids") or ()),
            _side_start(s.get("ref")),
            _side_start(s.get("hyp")),
            str(s.get("category", "")),
        ),
    )


def top_findings(spans: list[dict[str, Any]], n: int) -> dict[str, list[Mapping[str, Any]]]:
    """The ``n`` most severe findings per system, systems in order of first appearance."""
    per: dict[str, list[Mapping[str, Any]]] = {}
    for span in spans:
        per.setdefault(str(span["system"]), []).append(span)
    return {system: sort_findings(found)[:n] for system, found in per.items()}


def snippet(text: str, limit: int) -> str:
    """Collapse whitespace and cut at ``limit`` characters with an ellipsis."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: max(limit - 1, 1)].rstrip() + "…"


def finding_pair(span: Mapping[str, Any], limit: int = 60) -> str:
    """'"congelación" ↔ "enrôlement"' with the omitted / added side spelled out."""
    hyp, ref = span.get("hyp"), span.get("ref")
    left = f"“{snippet(hyp['text'], limit)}”" if isinstance(hyp, Mapping) else "(omitted)"
    right = f"“{snippet(ref['text'], limit)}”" if isinstance(ref, Mapping) else "(not in the reference)"
    return f"{left} ↔ {right}"


def finding_place(span: Mapping[str, Any]) -> str:
    """' [unit welcome, doc d2]': where a CAT tool finds it (XLIFF/TMX/PO unit ids, the document), or ''."""
    parts = []
    units = span.get("unit_ids") or []
    if isinstance(units, list) and units:
        parts.append(f"unit {', '.join(map(str, units))}")
    if span.get("doc"):
        parts.append(f"doc {span['doc']}")
    return f" [{', '.join(parts)}]" if parts else ""


BeadKey = tuple[str, int]


@dataclass
class PlacedSpan:
    """A span located in a bead: character ranges on each side (None when the side is absent)."""

    sid: str
    span: Mapping[str, Any]
    hyp: tuple[int, int] | None
    ref: tuple[int, int] | None


def locate(text: str, side: Any) -> tuple[int, int] | None:
    """Trust the offsets when they match the text, else find the span text; None when absent."""
    if not isinstance(side, Mapping):
        return None
    want = str(side.get("text", ""))
    start, end = side.get("start"), side.get("end")
    if isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= len(text):  # noqa: SIM102
        if not want or text[start:end] == want:
            return (start, end)
    if want:
        found = text.find(want)
        if found >= 0:
            return (found, found + len(want))
    return None


def place_spans(
    alignment: pd.DataFrame, spans: list[dict[str, Any]]
) -> tuple[dict[BeadKey, list[PlacedSpan]], list[dict[str, Any]]]:
    """Match each span to its bead (system + segment ids) and its offsets to the bead texts.

    Exact id match first, then the bead whose ids contain the span's ids. Spans that fit no bead, or
    whose text is not in the bead, are returned apart so the report can still list them.
    """
    beads: dict[str, list[tuple[int, tuple[int, ...], tuple[int, ...], str, str]]] = {}
    for rec in alignment.to_dict("records"):
        beads.setdefault(str(rec["system"]), []).append(
            (
                int(rec["bead"]),
                parse_ids(rec["ref_ids"]),
                parse_ids(rec["hyp_ids"]),
                str(rec["ref_text"]),
                str(rec["hyp_text"]),
            )
        )
    placed: dict[BeadKey, list[PlacedSpan]] = {}
    unplaced: list[dict[str, Any]] = []
    for idx, span in enumerate(spans):
        r_ids, h_ids = parse_ids(span.get("ref_segment_ids")), parse_ids(span.get("hyp_segment_ids"))
        cands = beads.get(str(span["system"]), [])
        exact = [b for b in cands if b[1] == r_ids and b[2] == h_ids]
        inside = [
            b
            for b in cands
            if (r_ids or h_ids) and set(r_ids) <= set(b[1]) and set(h_ids) <= set(b[2]) and b not in exact
        ]
        for bead, _, _, ref_text, hyp_text in exact + inside:
            hyp, ref = locate(hyp_text, span.get("hyp")), locate(ref_text, span.get("ref"))
            if (span.get("hyp") is None or hyp) and (span.get("ref") is None or ref) and (hyp or ref):
                placed.setdefault((str(span["system"]), bead), []).append(PlacedSpan(f"s{idx}", span, hyp, ref))
                break
        else:
            log.warning("span %d of %s (%s) fits no bead of alignment.csv", idx, span["system"], span["category"])
            unplaced.append(span)
    return placed, unplaced


# ---------------------------------------------------------------- provenance


def signatures(scores: pd.DataFrame, manifest: Mapping[str, Any]) -> dict[str, str]:
    """Every signature: the manifest's, plus any other one found in scores.csv (metric name → signature)."""
    out = {str(k): str(v) for k, v in (manifest.get("signatures") or {}).items() if v}
    for rec in scores[["metric", "signature"]].drop_duplicates().to_dict("records"):
        sig = str(rec["signature"] or "")
        if sig and sig not in out.values():
            name = str(rec["metric"])
            out[name if name not in out else f"{name} ({len(out)})"] = sig
    return out


def cleaning_summary(cleaning: pd.DataFrame) -> pd.DataFrame:
    """Lines dropped/stripped per document, rule and action (the audit at a glance)."""
    if cleaning.empty:
        return pd.DataFrame(columns=["document", "lang", "rule", "action", "lines"])
    grouped = cleaning.groupby(["document", "lang", "rule", "action"], sort=True).size()
    return grouped.reset_index(name="lines")


def mqm_categories(mqm: pd.DataFrame) -> list[str]:
    """The ``cat:<category>`` columns of mqm.csv, without the prefix, that carry any penalty."""
    return [c[4:] for c in mqm.columns if c.startswith("cat:") and float(mqm[c].sum()) > 0]
