"""report.xlsx: the issue list localization QA tools export (one row per span), the MQM scorecard
and the scores, for a reviewer who works in a spreadsheet.

Why xlsxwriter: it writes the file in one pass with filters, frozen headers and wrapped text, and
nothing else is needed to open it. The workbook's dates come from the run's manifest, so a
rebuild from the same run folder gives the same sheets.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eval.reports.evidence import evidence_text
from eval.reports.runfolder import RunData
from eval.reports.tables import place_spans, sort_findings

ISSUE_COLUMNS: tuple[tuple[str, int], ...] = (
    ("version", 14),
    ("language", 9),
    ("segment id", 10),
    ("reference segment id", 11),
    ("category", 22),
    ("severity", 9),
    ("version text", 28),
    ("reference text", 28),
    ("version segment", 50),
    ("reference segment", 50),
    ("evidence", 60),
    ("detector", 18),
    ("confidence", 10),
    ("unit id", 14),  # XLIFF/TMX/PO unit ids: the finding as the CAT tool finds it
    ("document", 12),  # many documents per corpus
)


def _ids(value: Any) -> str:
    return ";".join(str(v) for v in value) if isinstance(value, (list, tuple)) else str(value or "")


def _side(span: Mapping[str, Any], key: str, absent: str) -> str:
    side = span.get(key)
    return str(side.get("text", "")) if isinstance(side, Mapping) else absent


def issue_rows(run: RunData) -> list[list[Any]]:
    """One row per span, most severe first within each version (versions in spans.jsonl order)."""
    placed, _ = place_spans(run.alignment, run.spans)
    texts = {
        (str(r["system"]), int(r["bead"])): (str(r["hyp_text"]), str(r["ref_text"]))
        for r in run.alignment.to_dict("records")
    }
    bead_of = {id(p.span): key for key, found in placed.items() for p in found}
    order = list(dict.fromkeys(str(s["system"]) for s in run.spans))
    rows = []
    for system in order:
        for span in sort_findings([s for s in run.spans if str(s["system"]) == system]):
            hyp_seg, ref_seg = texts.get(bead_of.get(id(span), ("", -1)), ("", ""))
            rows.append(
                [
                    system,
                    str(span.get("lang", "")),
                    _ids(span.get("hyp_segment_ids")),
                    _ids(span.get("ref_segment_ids")),
                    str(span.get("category", "")),
                    str(span.get("severity", "")),
                    _side(span, "hyp", "(omitted)"),
                    _side(span, "ref", "(not in the reference)"),
                    hyp_seg,
                    ref_seg,
                    evidence_text(span.get("evidence")),
                    str(span.get("detector", "")),
                    span.get("confidence"),
                    _ids(span.get("unit_ids")),
                    str(span.get("doc", "") or ""),
                ]
            )
    return rows


def _created(manifest: Mapping[str, Any]) -> datetime:
    try:
        return datetime.fromisoformat(str(manifest.get("created", ""))).replace(tzinfo=None)
    except ValueError:
        return datetime(2000, 1, 1)


def _frame_sheet(book: Any, name: str, frame: pd.DataFrame, head: Any) -> None:
    sheet = book.add_worksheet(name)
    cols = [str(c) for c in frame.columns]
    for j, col in enumerate(cols):
        sheet.write(0, j, col, head)
        sheet.set_column(j, j, max(10, min(40, len(col) + 2)))
    for i, rec in enumerate(frame.itertuples(index=False), start=1):
        for j, value in enumerate(rec):
            if value is None or (isinstance(value, float) and value != value):
                continue
            sheet.write(i, j, value.item() if isinstance(value, np.generic) else value)
    sheet.freeze_panes(1, 0)
    if len(frame):
        sheet.autofilter(0, 0, len(frame), len(cols) - 1)


def write_workbook(run: RunData, path: Path) -> Path:
    """Write the three sheets (Issues, Scorecard, Scores) to ``path``."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    title = f"Issues — {run.manifest.get('tag', run.path.name)}"
    book.set_properties({"title": title, "created": _created(run.manifest)})
    head = book.add_format({"bold": True, "bg_color": "#EEEEEE", "text_wrap": True, "valign": "top"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    issues = book.add_worksheet("Issues")
    for j, (name, width) in enumerate(ISSUE_COLUMNS):
        issues.write(0, j, name, head)
        issues.set_column(j, j, width, wrap)
    rows = issue_rows(run)
    for i, row in enumerate(rows, start=1):
        for j, value in enumerate(row):
            if value is not None:
                issues.write(i, j, value, wrap)
    issues.freeze_panes(1, 0)
    issues.autofilter(0, 0, max(len(rows), 1), len(ISSUE_COLUMNS) - 1)
    _frame_sheet(book, "Scorecard", run.mqm, head)
    _frame_sheet(book, "Scores", run.scores, head)
    book.close()
    return path
