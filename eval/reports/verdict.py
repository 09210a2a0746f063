"""The decision per language and version: MQM pass/fail against the configured threshold, the OQS,
the worst findings and the main scores with their intervals.

Why: a localization lead decides from this, so it is computed once, from mqm.csv, scores.csv and
spans.jsonl, and shown first in report.html and report.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from eval.reports.tables import Cell, SummaryRow, sort_findings


@dataclass
class VersionVerdict:
    """One version's first-screen card."""

    system: str
    lang: str
    kind: str
    verdict: str  # "pass" | "fail" | "" (no MQM scorecard)
    oqs: float | None
    threshold: float | None
    penalty: float | None
    severities: dict[str, int]
    scores: list[Cell]
    findings: list[Mapping[str, Any]] = field(default_factory=list)
    round_trip: bool = False
    note: str = ""  # why there is no verdict (the version was not produced, not covered)


def _num(value: Any) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return None if out != out else out


def verdicts(
    rows: Iterable[SummaryRow],
    mqm: pd.DataFrame,
    spans: list[dict[str, Any]],
    headline: Iterable[str],
    top: int,
) -> dict[str, list[VersionVerdict]]:
    """Cards grouped by language (languages sorted), versions in ``rows`` order within a language."""
    cards = {str(r["system"]): r for r in mqm.to_dict("records")}
    per_system: dict[str, list[Mapping[str, Any]]] = {}
    for span in spans:
        per_system.setdefault(str(span["system"]), []).append(span)
    wanted = [m for m in headline if m != "mqm"]
    out: dict[str, list[VersionVerdict]] = {}
    for row in rows:
        card: Mapping[str, Any] = cards.get(row.system, {})
        found = per_system.get(row.system, [])
        severities = {sev: sum(1 for s in found if s.get("severity") == sev) for sev in ("critical", "major", "minor")}
        scores = [row.cells[m] for m in wanted if m in row.cells and row.cells[m].status == "ok"]
        out.setdefault(row.lang, []).append(
            VersionVerdict(
                system=row.system,
                lang=row.lang,
                kind=row.kind,
                verdict=str(card.get("verdict", "") or ""),
                oqs=_num(card.get("oqs")),
                threshold=_num(card.get("threshold")),
                penalty=_num(card.get("apt")),
                severities={k: v for k, v in severities.items() if v},
                scores=scores,
                findings=sort_findings(found)[:top],
                round_trip=row.round_trip,
                note=_no_verdict_reason(row) if not card else "",
            )
        )
    return dict(sorted(out.items()))


def _no_verdict_reason(row: SummaryRow) -> str:
    reasons = [c.reason for c in row.cells.values() if c.status != "ok" and c.reason]
    return reasons[0] if reasons and all(c.status != "ok" for c in row.cells.values()) else ""


def verdict_line(v: VersionVerdict) -> str:
    """ "MQM OQS 84.2 < 90 · 66 penalty points" in words, the same in HTML and Markdown."""
    if not v.verdict or v.oqs is None:
        return v.note or "no MQM scorecard for this version"
    cmp = "≥" if v.verdict == "pass" else "<"
    limit = f" {cmp} {v.threshold:g}" if v.threshold is not None else ""
    pts = f" · {v.penalty:g} penalty point{'' if v.penalty == 1 else 's'}" if v.penalty is not None else ""
    return f"MQM OQS {v.oqs:.1f}{limit}{pts}"
