"""What bilingual corpora add to the run folder: unit ids beside segment indices, and the XLIFF write-back."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from eval.detectors.base import Span

WRITEBACK_DIR = "xliff"


def unit_ids(indices: Iterable[int], segment_ids: Sequence[str]) -> str:
    """The CAT tool's ids of segment indices ("u7;u8"), empty when the corpus has none (plain line files)."""
    return ";".join(segment_ids[i] for i in indices if i < len(segment_ids)) if segment_ids else ""


def span_record(span: Span, segment_ids: Sequence[str], doc: str = "") -> dict[str, Any]:
    """A spans.jsonl line: the span, plus the unit ids of its reference (or, for an addition, version) segments
    and, in a corpus of many documents, its document."""
    record = span.to_dict()
    ids = unit_ids(span.ref_segment_ids or span.hyp_segment_ids, segment_ids)
    record["unit_ids"] = ids.split(";") if ids else []
    record["doc"] = doc
    return record


def write_xliff_findings(
    bilingual: dict[str, list[Any]], spans: list[Span], segment_ids: list[str], run_dir: Path
) -> dict[str, str]:
    """Each XLIFF file of a version with its findings as ITS 2.0 markup under ``<run>/xliff/``
    (``<version>.xlf``, or ``<version>.<doc>.xlf`` with many documents); file written → source file."""
    from eval.formats.writeback import write_back

    written = {}
    for name, sources in bilingual.items():
        by_file: dict[Path, list[Any]] = {}
        for source in sources:
            if source.writeback:
                by_file.setdefault(source.path, []).append(source)  # a file's <file> elements: one output
        own = [s for s in spans if s.system == name]
        for parts in by_file.values():
            path = write_back(parts, own, segment_ids, run_dir / WRITEBACK_DIR)
            written[str(path.relative_to(run_dir))] = parts[0].path.name
    return written
