"""Read a run folder (the contract in design.md) into pandas frames.

Why: reports are built from the run folder only, never by recomputing, so that a report can be
regenerated years later from the tables alone. Every CSV is read as text first (ids such as "3;4",
empty cells, segment texts like "NA" must survive), then the known numeric columns are converted.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from eval.errors import RunFolderError

log = logging.getLogger(__name__)

REQUIRED_FILES: tuple[str, ...] = (
    "scores.csv",
    "alignment.csv",
    "segments.csv",
    "spans.jsonl",
    "mqm.csv",
    "cleaning.csv",
    "manifest.json",
)
OPTIONAL_FILES: tuple[str, ...] = ("significance.csv",)

# Columns a report needs (the contract may carry more; extra columns are kept).
_COLUMNS: dict[str, tuple[str, ...]] = {
    "scores.csv": ("system", "lang", "kind", "metric", "score", "ci_low", "ci_high", "route", "round_trip", "status"),
    "alignment.csv": ("system", "lang", "bead", "ref_ids", "hyp_ids", "ref_text", "hyp_text"),
    "segments.csv": ("system", "lang", "bead", "metric", "score"),
    "mqm.csv": ("system", "lang"),
    "cleaning.csv": ("document", "lang", "rule", "action", "text"),
    "significance.csv": ("lang", "metric", "baseline", "system", "delta"),
}
_NUMERIC: dict[str, tuple[str, ...]] = {
    "scores.csv": ("score", "ci_low", "ci_high"),
    "alignment.csv": ("bead", "similarity"),
    "segments.csv": ("bead", "score"),
    "mqm.csv": ("eval_words", "n_minor", "n_major", "n_critical", "apt", "npt", "oqs", "threshold"),
    "cleaning.csv": ("line_no",),
    "significance.csv": ("baseline_score", "system_score", "delta", "ci_low", "ci_high", "p_value"),
}
# Optional text columns a report reads; created empty when a run folder lacks them.
_DEFAULT_TEXT: dict[str, tuple[str, ...]] = {
    "scores.csv": ("reason", "signature"),
    "alignment.csv": ("bead_type", "bridge_text"),
    "significance.csv": ("method",),
}


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
    if name == "scores.csv":
        frame["round_trip"] = frame["round_trip"].str.strip().str.lower().isin(("true", "1", "yes"))
    if name == "mqm.csv":
        for col in frame.columns:
            if col.startswith("cat:"):
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
    sig_path = root / "significance.csv"
    return RunData(
        path=root,
        scores=_read_csv(root / "scores.csv"),
        segments=_read_csv(root / "segments.csv"),
        alignment=_read_csv(root / "alignment.csv"),
        spans=_read_spans(root / "spans.jsonl"),
        mqm=_read_csv(root / "mqm.csv"),
        cleaning=_read_csv(root / "cleaning.csv"),
        manifest=_read_manifest(root / "manifest.json"),
        significance=_read_csv(sig_path) if sig_path.is_file() else None,
    )
