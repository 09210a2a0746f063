"""Google's MQM TSV (google/wmt-mqm-human-evaluation; Freitag et al. 2021).

One row per rated error (or ``No-error``), tab-separated, no quoting:
``system doc doc_id seg_id rater source target category severity comment``. The error is marked
``<v>…</v>`` in ``target``, or in ``source`` for an omission. Every row of one (system, doc, doc_id)
carries the same texts; ``seg_id`` numbers the segments across documents and fixes the line order.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from eval.errors import InputError
from eval.textio import read_raw

COLUMNS = ("system", "doc", "doc_id", "seg_id", "rater", "source", "target", "category", "severity", "comment")
OPEN, CLOSE = "<v>", "</v>"
NO_ERROR = "no-error"


@dataclass(frozen=True)
class SegmentKey:
    """A segment of the test set: its document and its number inside the document."""

    doc: str
    doc_id: int


@dataclass(frozen=True)
class HumanError:
    """One rated error. ``start``/``end`` are character offsets in the unmarked text of ``side``
    (``target`` or ``source``); both are None when the rater marked no span."""

    system: str
    key: SegmentKey
    rater: str
    category: str
    severity: str
    side: str
    start: int | None
    end: int | None
    text: str

    @property
    def major_category(self) -> str:
        """The first level of the MQM typology, lower case (``accuracy``, ``fluency``, ``style``…)."""
        return self.category.split("/", 1)[0].strip().lower()


@dataclass
class SystemSegment:
    """One system's output for one segment and the errors its raters found (empty: no error).

    ``rater`` is the first rater of the segment; ``raters`` all of them, in file order. Most releases
    have one rater per system and segment; some rate every segment by several (WMT20: 3), whose errors
    are all in ``errors`` (each names its rater) and whose penalties ``segment_penalty`` averages."""

    system: str
    key: SegmentKey
    seg_id: int
    rater: str
    source: str
    target: str
    errors: list[HumanError] = field(default_factory=list)
    raters: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.raters:
            self.raters = [self.rater]


@dataclass
class MqmRatings:
    """A whole TSV: segments in ``seg_id`` order and, per system, its rated outputs."""

    path: str
    sha256: str
    segments: list[SegmentKey]
    outputs: dict[str, dict[SegmentKey, SystemSegment]]

    @property
    def systems(self) -> list[str]:
        return sorted(self.outputs)

    def errors(self, systems: Iterable[str] | None = None) -> list[HumanError]:
        chosen = self.systems if systems is None else list(systems)
        return [e for s in chosen for seg in self.outputs[s].values() for e in seg.errors]

    def select_docs(self, docs: Iterable[str]) -> MqmRatings:
        """The same ratings restricted to some documents (a split between talks)."""
        wanted = set(docs)
        unknown = wanted - {k.doc for k in self.segments}
        if unknown:
            known = sorted({k.doc for k in self.segments})
            raise InputError(f"{self.path}: no document {sorted(unknown)}; the file has {', '.join(known)}")
        return MqmRatings(
            self.path,
            self.sha256,
            [k for k in self.segments if k.doc in wanted],
            {s: {k: v for k, v in segs.items() if k.doc in wanted} for s, segs in self.outputs.items()},
        )


def unmark(marked: str, where: str) -> tuple[str, int | None, int | None]:
    """Text without the ``<v>…</v>`` marks, and the marked span's offsets in it (None when unmarked)."""
    i = marked.find(OPEN)
    if i < 0:
        if CLOSE in marked:
            raise InputError(f"{where}: '{CLOSE}' without '{OPEN}'")
        return marked, None, None
    j = marked.find(CLOSE, i)
    if j < 0:
        raise InputError(f"{where}: '{OPEN}' without '{CLOSE}'; mark the span as <v>…</v>")
    inner = marked[i + len(OPEN) : j]
    text = marked[:i] + inner + marked[j + len(CLOSE) :]
    if OPEN in text or CLOSE in text:
        raise InputError(f"{where}: more than one <v>…</v> span in one row; one error per row")
    return text, i, i + len(inner)


def _int(value: str, column: str, where: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise InputError(f"{where}: column {column} is {value!r}, not an integer") from None


def parse_mqm_tsv(raw: str, path: str, sha256: str = "") -> MqmRatings:
    """Parse the text of an MQM TSV; every error names the file and line."""
    reader = csv.reader(io.StringIO(raw), delimiter="\t", quoting=csv.QUOTE_NONE)
    header = next(reader, None)
    if header is None:
        raise InputError(f"{path}: empty file; expected a header {' '.join(COLUMNS)}")
    header = [h.strip() for h in header]
    missing = [c for c in COLUMNS[:-1] if c not in header]
    if missing:
        raise InputError(f"{path}:1: missing column(s) {', '.join(missing)}; expected {' '.join(COLUMNS)}")
    col = {c: header.index(c) for c in COLUMNS if c in header}
    outputs: dict[str, dict[SegmentKey, SystemSegment]] = {}
    seg_ids: dict[SegmentKey, int] = {}
    for lineno, row in enumerate(reader, 2):
        if not row or not any(row):
            continue
        where = f"{path}:{lineno}"
        if len(row) < len(col):
            raise InputError(f"{where}: {len(row)} tab-separated fields vs {len(col)} in the header")
        get = {c: row[i] for c, i in col.items()}
        key = SegmentKey(get["doc"], _int(get["doc_id"], "doc_id", where))
        seg_id = _int(get["seg_id"], "seg_id", where)
        if seg_ids.setdefault(key, seg_id) != seg_id:
            raise InputError(f"{where}: {key.doc} segment {key.doc_id} has seg_id {seg_id} and {seg_ids[key]}")
        source, s0, s1 = unmark(get["source"], where + " (source)")
        target, t0, t1 = unmark(get["target"], where + " (target)")
        system = get["system"]
        seg = outputs.setdefault(system, {}).setdefault(
            key, SystemSegment(system, key, seg_id, get["rater"], source, target)
        )
        if (seg.source, seg.target) != (source, target):
            raise InputError(
                f"{where}: {system} {key.doc} segment {key.doc_id} has a different text than on an earlier row"
            )
        if get["rater"] not in seg.raters:
            seg.raters.append(get["rater"])
        category, severity = get["category"].strip(), get["severity"].strip()
        if category.lower() == NO_ERROR or severity.lower() == NO_ERROR:
            continue
        side, start, end = ("source", s0, s1) if s0 is not None else ("target", t0, t1)
        text = (source if side == "source" else target)[start:end] if start is not None else ""
        seg.errors.append(HumanError(system, key, get["rater"], category, severity, side, start, end, text))
    if not outputs:
        raise InputError(f"{path}: no rows after the header")
    order = sorted(seg_ids, key=lambda k: (seg_ids[k], k.doc, k.doc_id))
    for system, segs in outputs.items():
        if len(segs) != len(order):
            lacking = [k for k in order if k not in segs]
            raise InputError(
                f"{path}: system {system} has {len(segs)} segments vs {len(order)} in the file "
                f"(first missing: {lacking[0].doc} {lacking[0].doc_id}); every system needs every segment"
            )
    return MqmRatings(path, sha256, order, outputs)


def read_mqm_tsv(path: str | Path) -> MqmRatings:
    """Read an MQM TSV file (UTF-8)."""
    raw, sha = read_raw(Path(path))
    return parse_mqm_tsv(raw, str(path), sha)


def penalty(category: str, severity: str) -> float:
    """Freitag et al. (2021) weights: Major 5, Minor 1, Minor Fluency/Punctuation 0.1,
    Non-translation 25 (whatever its severity); Critical (WMT22+ releases) counts as Major;
    anything else (e.g. Neutral) 0."""
    cat, sev = category.strip().lower(), severity.strip().lower()
    if cat.startswith("non-translation"):
        return 25.0
    if sev in ("major", "critical"):
        return 5.0
    if sev == "minor":
        return 0.1 if cat == "fluency/punctuation" else 1.0
    return 0.0


def segment_penalty(seg: SystemSegment) -> float:
    """A segment's human MQM penalty (lower is better): the sum of its errors' weights, averaged over its
    raters when several rated it (Freitag et al. 2021 average the raters' scores)."""
    return sum(penalty(e.category, e.severity) for e in seg.errors) / max(1, len(seg.raters))
