"""Read a run folder (the contract: eval.runfolder) into pandas frames.

Why: reports are built from the run folder only, never by recomputing, so that a report can be
regenerated years later from the tables alone. Every CSV is read as text first (ids such as "3;4",
empty cells, segment texts like "NA" must survive), then the known numeric columns are converted.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from eval.errors import RunFolderError
from eval.reports.metricinfo import MetricInfo, metric_infos
from eval.runfolder import (
    ALIGNMENT,
    CLEANING,
    MANIFEST_FILE,
    MQM,
    REQUIRED_FILES,
    SCORES,
    SEGMENTS,
    SIGNIFICANCE,
    SPANS_FILE,
    TABLES,
)
from eval.tablerows import check_rows

log = logging.getLogger(__name__)

# Columns a report needs (the contract may carry more; extra columns are kept): eval.runfolder.
_COLUMNS: dict[str, tuple[str, ...]] = {t.file: t.required for t in TABLES}
_NUMERIC: dict[str, tuple[str, ...]] = {t.file: t.numeric for t in TABLES}
# Optional text columns a report reads; created empty when a run folder lacks them.
_DEFAULT_TEXT: dict[str, tuple[str, ...]] = {t.file: t.optional_text for t in TABLES}


@dataclass
class RunData:
    """Everything a report shows, as read from one run folder."""

    path: Path
    scores: pd.DataFrame
    segments: pd.DataFrame
    alignment: pd.DataFrame
    spans: list[dict[str, Any]]
    mqm: pd.DataFrame
    cleaning: pd.DataFrame
    manifest: dict[str, Any]
    significance: pd.DataFrame | None = None
    metrics: dict[str, MetricInfo] = field(default_factory=dict)

    @property
    def ref_lang(self) -> str:
        """The reference language, from the manifest's reference entry (or a reference row in scores)."""
        ref = self.manifest.get("reference")
        if isinstance(ref, dict) and ref.get("lang"):
            return str(ref["lang"])
        for sys_ in self.manifest.get("systems", []):
            if sys_.get("kind") == "reference":
                return str(sys_.get("lang", "und"))
        refs = self.scores.loc[self.scores["kind"] == "reference", "lang"]
        return str(refs.iloc[0]) if len(refs) else "und"


def _read_csv(path: Path) -> pd.DataFrame:
    name = path.name
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise RunFolderError(f"{path} is not a valid UTF-8 CSV with a header ({exc}); regenerate the run") from exc
    missing = [c for c in _COLUMNS.get(name, ()) if c not in frame.columns]
    if missing:
        raise RunFolderError(
            f"{path} lacks column(s) {', '.join(missing)} required by the run-folder contract; regenerate the run"
        )
    for col in _DEFAULT_TEXT.get(name, ()):
        if col not in frame.columns:
            frame[col] = ""
    for col in _NUMERIC.get(name, ()):
        if col in frame.columns:
            frame[col] = pd.to_numeric(frame[col].replace("", None), errors="coerce")
    if name == SCORES.file:
        frame["round_trip"] = frame["round_trip"].str.strip().str.lower().isin(("true", "1", "yes"))
    if name == MQM.file:
        for col in frame.columns:
            if col.startswith(("cat:", "pen:")):
                frame[col] = pd.to_numeric(frame[col].replace("", None), errors="coerce").fillna(0.0)
    return frame


def _read_spans(path: Path) -> list[dict[str, Any]]:
    spans: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise RunFolderError(f"{path}:{line_no} is not valid JSON ({exc.msg}); regenerate the run") from exc
            if not isinstance(record, dict) or "system" not in record or "category" not in record:
                raise RunFolderError(f"{path}:{line_no} is not a Span record (needs system, category, ...)")
            spans.append(record)
    return spans


def _read_manifest(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise RunFolderError(f"{path} is not valid JSON ({exc.msg}); regenerate the run") from exc
    if not isinstance(data, dict):
        raise RunFolderError(f"{path} must hold a JSON object")
    return data


def load_run(path: str | Path) -> RunData:
    """Read a complete run folder; raise RunFolderError naming every missing file at once."""
    root = Path(path)
    if not root.is_dir():
        raise RunFolderError(f"{root} is not a run folder: no such directory (give results/runs/<run>)")
    missing = [name for name in REQUIRED_FILES if not (root / name).is_file()]
    if missing:
        raise RunFolderError(f"{root} is not a complete run folder: missing {', '.join(missing)}")
    sig_path = root / SIGNIFICANCE.file
    scores = _read_csv(root / SCORES.file)
    manifest = _read_manifest(root / MANIFEST_FILE)
    data = RunData(
        path=root,
        scores=scores,
        segments=_read_csv(root / SEGMENTS.file),
        alignment=_read_csv(root / ALIGNMENT.file),
        spans=_read_spans(root / SPANS_FILE),
        mqm=_read_csv(root / MQM.file),
        cleaning=_read_csv(root / CLEANING.file),
        manifest=manifest,
        significance=_read_csv(sig_path) if sig_path.is_file() else None,
        metrics=metric_infos(manifest, scores),
    )
    check_rows(root, data.manifest, parsed_rows(data))
    return data


def parsed_rows(data: RunData) -> dict[str, int]:
    """Rows of each table as read, to compare with the counts manifest.json records."""
    rows = {
        SCORES.file: len(data.scores),
        SEGMENTS.file: len(data.segments),
        ALIGNMENT.file: len(data.alignment),
        SPANS_FILE: len(data.spans),
        MQM.file: len(data.mqm),
        CLEANING.file: len(data.cleaning),
    }
    if data.significance is not None:
        rows[SIGNIFICANCE.file] = len(data.significance)
    return rows
