"""Row counts of a run folder's tables, recorded in manifest.json and checked by every reader.

Why: a half-written or truncated table can still parse (the rows up to the cut), and a report built from
it silently lacks systems. The writer records how many rows each table holds when complete; a reader
that parses a different number refuses the folder.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from eval.errors import RunFolderError
from eval.runfolder import SPANS_FILE, TABLES

#: The tables whose row counts manifest.json records (``tables: {name: rows}``).
COUNTED = (*(t.file for t in TABLES), SPANS_FILE)


def count_rows(path: Path) -> int:
    """Rows of one table as a reader parses it: CSV records after the header, or non-blank JSONL lines."""
    if path.suffix == ".jsonl":
        with path.open(encoding="utf-8") as fh:
            return sum(1 for line in fh if line.strip())
    return len(pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8"))


def table_rows(run_dir: Path) -> dict[str, int]:
    """``{table: rows}`` for the counted tables present in ``run_dir`` (written into manifest.json)."""
    return {name: count_rows(run_dir / name) for name in COUNTED if (run_dir / name).is_file()}


def check_rows(run_dir: Path, manifest: Mapping[str, Any], parsed: Mapping[str, int]) -> None:
    """RunFolderError when a table parsed to another row count than manifest.json records.

    A run folder written before the counts were recorded has no ``tables`` entry and is accepted.
    """
    recorded = manifest.get("tables")
    if not isinstance(recorded, dict):
        return
    for name, rows in parsed.items():
        expected = recorded.get(name)
        if isinstance(expected, int) and rows != expected:
            raise RunFolderError(
                f"{run_dir / name} parses to {rows} rows but manifest.json records {expected}: the table is "
                "incomplete or was edited; rerun the evaluation (or restore the file) before building reports"
            )
