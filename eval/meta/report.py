"""The meta-evaluation tables as Markdown (console) and CSV (``--out``)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from eval.meta.evaluate import MetaReport
from eval.meta.spanmatch import PRF


def _f(x: float | None, digits: int = 3) -> str:
    return "-" if x is None or x != x else f"{x:.{digits}f}"


def _prf(p: PRF) -> list[str]:
    return [_f(p.precision), _f(p.recall), _f(p.f1)]


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def system_rows(r: MetaReport) -> list[dict[str, Any]]:
    return [
        {
            "metric": a.metric,
            "systems": a.n_systems,
            "pearson": a.pearson.value,
            "pearson_low": a.pearson.ci_low,
            "pearson_high": a.pearson.ci_high,
            "kendall": a.kendall.value,
            "kendall_low": a.kendall.ci_low,
            "kendall_high": a.kendall.ci_high,
        }
        for a in r.system_level
    ]


def segment_rows(r: MetaReport) -> list[dict[str, Any]]:
    return [
        {"metric": a.metric, "pairs": a.n_pairs, "kendall_flat": a.kendall_flat, "kendall_item": a.kendall_item}
        for a in r.segment_level
    ]


def span_rows(r: MetaReport) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for row in r.spans:
        d: dict[str, Any] = {
            "group": row.group,
            "name": row.name,
            "detected": row.overlap.detected,
            "human": row.overlap.human,
        }
        for kind, p in (("overlap", row.overlap), ("partial", row.partial)):
            d.update({f"{kind}_p": p.precision, f"{kind}_r": p.recall, f"{kind}_f1": p.f1})
        out.append(d)
    return out


def write_tables(r: MetaReport, out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, rows in (
        ("meta_system.csv", system_rows(r)),
        ("meta_segment.csv", segment_rows(r)),
        ("meta_spans.csv", span_rows(r)),
    ):
        with (out_dir / name).open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]) if rows else ["metric"])
            writer.writeheader()
            writer.writerows(rows)


def format_report(r: MetaReport) -> str:
    parts = [
        f"{len(r.systems)} systems × {r.segments} segments, {r.human_spans} human error spans",
        "",
        "System level (metric vs −MQM; 95% bootstrap CI over segments)",
        _table(
            ["metric", "Pearson", "CI", "Kendall", "CI"],
            [
                [
                    a.metric,
                    _f(a.pearson.value),
                    f"{_f(a.pearson.ci_low)}–{_f(a.pearson.ci_high)}",
                    _f(a.kendall.value),
                    f"{_f(a.kendall.ci_low)}–{_f(a.kendall.ci_high)}",
                ]
                for a in r.system_level
            ],
        ),
        "",
        "Segment level (Kendall tau-b vs −MQM penalty; flat over all pairs, and mean per segment)",
        _table(
            ["metric", "pairs", "flat", "per segment"],
            [[a.metric, str(a.n_pairs), _f(a.kendall_flat), _f(a.kendall_item)] for a in r.segment_level],
        ),
        "",
        "Spans (same system and segment; overlap: any shared character; partial: character credit)",
        _table(
            ["group", "name", "detected", "human", "P", "R", "F1", "P chars", "R chars", "F1 chars"],
            [
                [s.group, s.name, str(s.overlap.detected), str(s.overlap.human), *_prf(s.overlap), *_prf(s.partial)]
                for s in r.spans
            ],
        ),
        "",
        f"Omissions (no target characters; matched by segment): detected {r.omissions.detected}, "
        f"human {r.omissions.human}, P {_f(r.omissions.precision)}, R {_f(r.omissions.recall)}",
    ]
    parts += [f"note: {n}" for n in r.notes]
    return "\n".join(parts)
