"""report.md: the summary, the worst findings per version and the MQM scorecard, short enough for a ticket.

Why: a localization ticket needs the verdict and the three worst errors, not the whole run; the
output is deterministic (no clock, stable sort) so it can be snapshot-tested.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eval.reports.runfolder import RunData
from eval.reports.tables import (
    Infos,
    ReportConfig,
    SummaryRow,
    finding_pair,
    finding_place,
    fmt_value,
    info_of,
    metrics_present,
    rank_metric,
    ranked,
    summary_rows,
    top_findings,
    unavailable_notes,
)
from eval.reports.verdict import verdict_line, verdicts

_CELL_MARK = {"unavailable": "n/a", "not_covered": "—"}


def _md(text: Any) -> str:
    """A table cell: one line, pipes escaped."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _verdict(run: RunData, rows: list[SummaryRow], cfg: ReportConfig) -> list[str]:
    """Pass/fail per language and version, first: what a lead decides from."""
    groups = verdicts(rows, run.mqm, run.spans, cfg.matrix_metrics, 0)
    if not groups:
        return []
    out = ["## Verdict", ""]
    for lang, cards in groups.items():
        for v in cards:
            scores = ", ".join(f"{c.metric} {c.text}{' ↺' if c.round_trip else ''}" for c in v.scores)
            state = v.verdict.upper() or "NO VERDICT"
            line = f"- **{_md(v.system)}** ({lang}, {v.kind}) **{state}**: {_md(verdict_line(v))}"
            out.append(line + (f"; {scores}" if scores else ""))
    return [*out, ""]


def _summary(rows: list[SummaryRow], metrics: list[str], rank_by: tuple[str, ...], infos: Infos) -> list[str]:
    metric = rank_metric(rows, rank_by)
    fair, apart = ranked(rows, metric, infos)
    ranking = f"ranked by {metric}" if metric else "unranked"
    out = [
        f"## Summary ({ranking}; ↺ = round-trip score, ranked apart)",
        "",
        _row(["version", "lang", "kind", "route", *metrics]),
        _row(["---"] * (4 + len(metrics))),
    ]

    def line(row: SummaryRow, mark: str = "") -> str:
        cells = []
        for m in metrics:
            cell = row.cells.get(m)
            if cell is None:
                cells.append("")
            elif cell.status != "ok":
                cells.append(_CELL_MARK.get(cell.status, cell.status))
            else:
                cells.append(cell.text + (" ↺" if cell.round_trip else ""))
        return _row([_md(row.system + mark), row.lang, row.kind, _md(row.route), *cells])

    out += [line(r) for r in fair]
    if apart:
        out.append(_row(["*round-trip, ranked apart*", *[""] * (3 + len(metrics))]))
        out += [line(r, " ↺") for r in apart]
    notes = unavailable_notes(rows)
    if notes:
        out += ["", "n/a = unavailable, — = not covered:"]
        out += [f"- {_md(n)}" for n in notes]
    return out


def _findings(run: RunData, order: list[str], cfg: ReportConfig) -> list[str]:
    top = top_findings(run.spans, cfg.top_findings)
    counts: dict[str, int] = {}
    for span in run.spans:
        counts[str(span["system"])] = counts.get(str(span["system"]), 0) + 1
    verdicts = {str(r["system"]): r for r in run.mqm.to_dict("records")}
    out = ["## Top findings (most severe first)"]
    for system in order + sorted(set(top) - set(order)):
        mqm: Mapping[str, Any] = verdicts.get(system, {})
        head = f"**{system}** — {counts.get(system, 0)} span(s)"
        if mqm:
            head += f", MQM {fmt_value(info_of(run.metrics, 'mqm'), mqm.get('oqs'))} {mqm.get('verdict', '')}".rstrip()
        out += ["", head]
        found = top.get(system, [])
        if not found:
            out.append("- no findings")
        for finding in found:
            pair = finding_pair(finding, cfg.snippet_chars)
            detector = finding.get("detector", "?")
            where = finding_place(finding)
            out.append(f"- {finding['severity']} · {finding['category']}: {pair} ({detector}){where}")
    return out


def _scorecard(run: RunData) -> list[str]:
    if run.mqm.empty:
        return ["## MQM scorecard", "", "No MQM scorecard in this run."]
    out = [
        "## MQM scorecard",
        "",
        _row(["version", "lang", "words", "minor", "major", "critical", "penalty", "per 100 w", "OQS", "verdict"]),
        _row(["---"] * 10),
    ]
    for rec in run.mqm.to_dict("records"):

        def num(col: str, rec: Mapping[str, Any] = rec) -> str:
            value = rec.get(col)
            return "" if value is None or value != value else f"{float(value):g}"

        verdict = str(rec.get("verdict", ""))
        if rec.get("threshold") == rec.get("threshold") and rec.get("threshold") is not None:
            verdict += f" (≥ {num('threshold')})"
        out.append(
            _row(
                [
                    _md(rec["system"]),
                    _md(rec["lang"]),
                    num("eval_words"),
                    num("n_minor"),
                    num("n_major"),
                    num("n_critical"),
                    num("apt"),
                    num("npt"),
                    num("oqs"),
                    _md(verdict),
                ]
            )
        )
    return out


def render_markdown(run: RunData, cfg: ReportConfig | None = None) -> str:
    """The whole report.md as a string."""
    cfg = cfg or ReportConfig()
    man = run.manifest
    rows = [r for r in summary_rows(run.scores, run.metrics) if r.kind != "reference"]
    metrics = metrics_present(run.scores)
    fair, apart = ranked(rows, rank_metric(rows, cfg.rank_by), run.metrics)
    tag = man.get("tag") or run.path.name
    lines = [
        f"# {cfg.title} — {tag}",
        "",
        f"Run `{run.path.name}` · created {man.get('created', '?')} · reference: {run.ref_lang}"
        f" · harness {man.get('harness_version', '?')} · full detail in report.html",
        "",
    ]
    lines += _verdict(run, fair + apart, cfg)
    lines += _summary(rows, metrics, cfg.rank_by, run.metrics)
    lines += [""]
    lines += _findings(run, [r.system for r in fair + apart], cfg)
    lines += [""]
    lines += _scorecard(run)
    skipped = man.get("skipped") or []
    if skipped:
        lines += ["", f"Skipped stages: {len(skipped)} (reasons in report.html, Provenance)."]
    return "\n".join(lines) + "\n"
