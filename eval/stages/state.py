"""The run's record: what each stage adds, and what the run folder will hold.

Grouped by the stage that fills it; every later stage only reads what an earlier one wrote.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from omegaconf import DictConfig

from eval.align.sentences import Bead
from eval.corpus import System
from eval.detectors.base import AlignedPair, Span
from eval.multidoc import DocRange
from eval.runfolder import SEGMENTS, TableWriter

log = logging.getLogger(__name__)


@dataclass
class Bridged:
    """A system's segments in the reference language, or the reason there are none."""

    lines: list[str] | None
    route: str
    round_trip: bool = False
    reason: str = ""


@dataclass
class RunState:
    """Everything the run folder will hold, accumulated stage by stage."""

    cfg: DictConfig
    run_dir: Path
    # ingest
    ref_lang: str = ""
    ref_sents: list[str] = field(default_factory=list)
    sources: list[str] | None = None  # line-aligned sets: the source segment of each reference line
    src_lang: str = ""  # line-aligned sets: the sources' language (a candidate for the untranslated check)
    line_aligned: bool = False
    segment_ids: list[str] = field(default_factory=list)  # unit ids of an XLIFF/TMX/PO corpus, per reference line
    bilingual: dict[str, Any] = field(default_factory=dict)  # system → eval.formats.BilingualFile it came from
    doc_ranges: list[DocRange] = field(default_factory=list)  # many documents: the reference's, in order
    hyp_doc_ranges: dict[str, list[DocRange]] = field(default_factory=dict)  # ... and each published version's
    inputs: dict[str, str] = field(default_factory=dict)
    cleaning_rows: list[dict[str, Any]] = field(default_factory=list)
    # systems (published, then MT) and bridge
    systems: list[System] = field(default_factory=list)
    uncovered: list[tuple[str, str, str]] = field(default_factory=list)  # (system, lang, reason) of MT not produced
    bridged: dict[str, Bridged] = field(default_factory=dict)
    # align
    beads: dict[str, list[Bead]] = field(default_factory=dict)
    pairs: dict[str, list[AlignedPair]] = field(default_factory=dict)
    # metrics, significance
    score_rows: list[dict[str, Any]] = field(default_factory=list)
    segments_table: TableWriter | None = None  # segments.csv, streamed: written as each system is scored
    stats: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)  # (system, metric) → per-bead statistics
    document_rows: list[dict[str, Any]] = field(default_factory=list)  # documents.csv: per-document scores
    signatures: dict[str, str] = field(default_factory=dict)
    significance_rows: list[dict[str, Any]] = field(default_factory=list)
    # detectors, scorecard
    spans: list[Span] = field(default_factory=list)
    # system → detector → its counters (links judged, cleared, re-checked…): how a finding count came about
    detector_stats: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    mqm_rows: list[dict[str, Any]] = field(default_factory=list)
    # every stage
    models: dict[str, str] = field(default_factory=dict)
    skipped: list[dict[str, str]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # stage → seconds, in run order
    not_run: list[dict[str, str]] = field(default_factory=list)  # stages the runner did not run, and why

    def doc_ranges_of(self, system: System) -> list[DocRange]:
        """A system's documents: a published version's own, else (MT of the reference, 1-1) the reference's."""
        return self.hyp_doc_ranges.get(system.name, self.doc_ranges)

    def add_segment_rows(self, rows: list[dict[str, Any]]) -> None:
        """Rows of segments.csv, appended to the run folder now rather than held to the end of the run."""
        if self.segments_table is None:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            self.segments_table = TableWriter(self.run_dir / SEGMENTS.file, SEGMENTS)
        self.segments_table.append(rows)

    def skip(self, stage: str, system: str, lang: str, reason: str) -> None:
        """Record a skip; the console hears of it once per reason, when the stage ends (``warn_skipped``)."""
        self.skipped.append({"stage": stage, "system": system, "lang": lang, "reason": reason})


def warn_skipped(skipped: list[dict[str, str]]) -> None:
    """One warning per (stage, reason), naming every system it applies to: a COMET model missing for
    seven versions is one line, not fourteen."""
    groups: dict[tuple[str, str], list[str]] = {}
    for s in skipped:
        groups.setdefault((s["stage"], s["reason"]), []).append(f"{s['system']} ({s['lang']})")
    for (stage, reason), systems in groups.items():
        log.warning("%s skipped for %s: %s", stage, ", ".join(dict.fromkeys(systems)), reason)


class ProgressBar:
    """A bar counting real units (systems, languages, detectors) on stderr, or nothing when disabled.
    ``eta=False`` where the units differ too much in cost for a remaining-time guess to mean anything
    (the detectors); ``note`` names the unit in progress."""

    def __init__(self, items: Iterable[Any], desc: str, enabled: bool, total: int | None, unit: str, eta: bool) -> None:
        self._items = items
        self._bar: Any = None
        if enabled:
            from tqdm import tqdm

            fmt = None if eta else "{desc}: {n_fmt}/{total_fmt} {unit}s [{elapsed}]{postfix}"
            self._bar = tqdm(items, desc=desc, total=total, unit=unit, file=sys.stderr, leave=False, bar_format=fmt)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._bar if self._bar is not None else self._items)

    def note(self, text: str) -> None:
        if self._bar is not None:
            self._bar.set_postfix_str(text, refresh=True)


def progress(
    items: Iterable[Any], desc: str, enabled: bool, total: int | None = None, unit: str = "system", eta: bool = True
) -> ProgressBar:
    """The items, counted on a bar when ``enabled`` (see ProgressBar)."""
    return ProgressBar(items, desc, enabled, total, unit, eta)


def ids_text(ids: Iterable[int]) -> str:
    """Sentence indices as the run folder writes them: "3;4"."""
    return ";".join(str(i) for i in ids)


def status_row(
    system: str, lang: str, kind: str, metric: str, status: str, reason: str, route: str = "", round_trip: bool = False
) -> dict[str, Any]:
    """A scores.csv row without a score: ``status`` says why (unavailable, not_covered)."""
    return {
        "system": system,
        "lang": lang,
        "kind": kind,
        "metric": metric,
        "score": None,
        "ci_low": None,
        "ci_high": None,
        "route": route,
        "round_trip": round_trip,
        "status": status,
        "reason": reason,
        "signature": "",
    }
