"""The run-folder schema: file names, table columns and their types, and the schema version.

Why one module: the run folder is the contract other tools read (reports, meta-evaluation, sweeps,
your own scripts). Writers, readers and tests take file names and columns from here, so a column is
added in one place and ``manifest.json`` says which version of the contract a folder follows.
Columns are only ever added (at the end), never renamed or reordered.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd

# 1: the tables before the schema existed; 2: manifest.json gains schema_version, metrics, detectors,
# stages_not_run and timings.
SCHEMA_VERSION = 2

ColumnType = Literal["str", "int", "float", "bool", "ids"]  # ids: sentence indices joined by ";" ("3;4")


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    required: bool = True  # a reader refuses a table without it (older folders may lack the others)


@dataclass(frozen=True)
class Table:
    """One CSV of the run folder: its file name and its columns, in the order they are written.

    ``prefix``: further columns, one per value seen, named ``<prefix><value>`` (mqm.csv's
    ``cat:<category>`` counts and ``pen:<category>`` penalty points), written after the fixed ones.
    """

    file: str
    columns: tuple[Column, ...]
    prefix: str | tuple[str, ...] = ""

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def numeric(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.type in ("int", "float"))

    @property
    def optional_text(self) -> tuple[str, ...]:
        """Text columns a reader creates empty when an older folder lacks them."""
        return tuple(c.name for c in self.columns if not c.required and c.type == "str")


def _cols(spec: str) -> tuple[Column, ...]:
    """``"system lang score:float reason:str?"``: name[:type][?], ``?`` = not required by readers."""
    out = []
    for item in spec.split():
        required = not item.endswith("?")
        name, _, kind = item.rstrip("?").partition(":")
        out.append(Column(name, kind or "str", required))  # type: ignore[arg-type]
    return tuple(out)


SCORES = Table(
    "scores.csv",
    _cols(
        "system lang kind metric score:float ci_low:float ci_high:float route round_trip:bool status reason? signature?"
    ),
)
SEGMENTS = Table(
    "segments.csv", _cols("system lang bead:int ref_ids:ids? hyp_ids:ids? metric score:float unit_ids? doc?")
)
ALIGNMENT = Table(
    "alignment.csv",
    _cols(
        "system lang bead:int bead_type? ref_ids:ids hyp_ids:ids similarity:float? ref_text hyp_text bridge_text? "
        "unit_ids? doc?"
    ),
)
# many documents per corpus (eval.multidoc): each metric's score over each document's segments
DOCUMENTS = Table("documents.csv", _cols("system lang kind doc metric score:float segments:int"))
CLEANING = Table("cleaning.csv", _cols("document lang line_no:int? rule action text"))
SIGNIFICANCE = Table(
    "significance.csv",
    _cols(
        "lang metric method? baseline system baseline_score:float? system_score:float? delta:float "
        "ci_low:float? ci_high:float? p_value:float?"
    ),
)
MQM = Table(
    "mqm.csv",
    _cols(
        "system lang eval_words:int? n_minor:int? n_major:int? n_critical:int? apt:float? npt:float? oqs:float? "
        "threshold:float? verdict? npt_limit:float?"
    ),
    prefix=("cat:", "pen:"),
)
TABLES: tuple[Table, ...] = (SCORES, SEGMENTS, ALIGNMENT, CLEANING, SIGNIFICANCE, MQM, DOCUMENTS)
TABLE_BY_FILE: dict[str, Table] = {t.file: t for t in TABLES}

SPANS_FILE = "spans.jsonl"  # one eval.detectors.base.Span per line (Span.to_dict, + unit ids: eval.formats)
MANIFEST_FILE = "manifest.json"
CONFIG_FILE = "config.resolved.yaml"
LOG_FILE = "run.log"

REQUIRED_FILES: tuple[str, ...] = (
    SCORES.file,
    ALIGNMENT.file,
    SEGMENTS.file,
    SPANS_FILE,
    MQM.file,
    CLEANING.file,
    MANIFEST_FILE,
)
OPTIONAL_FILES: tuple[str, ...] = (SIGNIFICANCE.file, DOCUMENTS.file)

# manifest.json: the keys every run writes, in this order (readers use .get for the ones added later).
MANIFEST_KEYS: tuple[str, ...] = (
    "schema_version",
    "harness_version",
    "created",
    "tag",
    "command",
    "python",
    "packages",
    "apertium",  # the translator's package versions (Translator.package_versions)
    "inputs",
    "signatures",
    "models",
    "metrics",  # metric name -> MetricInfo.to_dict(): direction, scale, display precision, ...
    "detectors",  # detector name -> DetectorNeeds.to_dict(): inputs, languages
    "skipped",
    "detector_stats",
    "config_fingerprint",  # eval.resume: a sweep job with the same fingerprint and a complete folder is skipped
    "xliff_findings",  # XLIFF versions re-emitted with ITS 2.0 findings (eval.formats)
    "systems",
    "reference",
    "stages_not_run",  # [{stage, reason}]: what the runner did not run and why
    "timings",  # stage -> seconds, in run order, and "total" (the stages before the run folder is written)
)


def table_columns(table: Table, rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """The fixed columns, then the prefixed ones in order of first appearance."""
    extra: dict[str, None] = {}
    if table.prefix:
        for row in rows:
            extra.update(dict.fromkeys(k for k in row if k.startswith(table.prefix)))
    return [*table.names, *extra]


def write_table(path: Path, table: Table, rows: list[dict[str, Any]]) -> None:
    """One CSV (``path``: usually ``folder / table.file``), columns in schema order: the one writer of
    every table."""
    pd.DataFrame(rows, columns=table_columns(table, rows)).to_csv(path, index=False)


class TableWriter:
    """A table written as its rows are produced, chunk by chunk, for the long per-segment tables (segments.csv,
    alignment.csv): a run of many documents never holds all their rows as Python dicts. Same bytes as
    ``write_table`` for tables without prefix columns (each chunk goes through the same pandas writer)."""

    def __init__(self, path: Path, table: Table) -> None:
        self.path, self.table, self.rows = path, table, 0
        pd.DataFrame(columns=table.names).to_csv(path, index=False)  # the header: an empty table until rows come

    def append(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        with self.path.open("a", encoding="utf-8", newline="") as fh:
            pd.DataFrame(rows, columns=self.table.names).to_csv(fh, header=False, index=False)
        self.rows += len(rows)


def write_spans(folder: Path, spans: Iterable[Mapping[str, Any]]) -> None:
    with (folder / SPANS_FILE).open("w", encoding="utf-8") as fh:
        for span in spans:
            fh.write(json.dumps(span, ensure_ascii=False) + "\n")


def write_manifest(folder: Path, manifest: Mapping[str, Any]) -> None:
    """manifest.json in MANIFEST_KEYS order; ``schema_version`` is always SCHEMA_VERSION."""
    ordered = {"schema_version": SCHEMA_VERSION, **{k: manifest[k] for k in MANIFEST_KEYS if k in manifest}}
    ordered.update({k: v for k, v in manifest.items() if k not in ordered})
    (folder / MANIFEST_FILE).write_text(json.dumps(ordered, ensure_ascii=False, indent=2), encoding="utf-8")
