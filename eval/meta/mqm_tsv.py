"""Google's MQM TSV (google/wmt-mqm-human-evaluation; Freitag et al. 2021).

One row per rated error (or ``No-error``), tab-separated, no quoting:
``system doc doc_id seg_id rater source target category severity comment``. The error is marked
``<v>…</v>`` in ``target``, or in ``source`` for an omission. Every row of one (system, doc, doc_id)
carries the same texts; ``seg_id`` numbers the segments across documents and fixes the line order.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from eval.errors import InputError
from eval.textio import normalize_line, read_raw

COLUMNS = ("system", "doc", "doc_id", "seg_id", "rater", "source", "target", "category", "severity", "comment")
OPEN, CLOSE = "<v>", "</v>"
_MARKS = re.compile(f"({re.escape(OPEN)}|{re.escape(CLOSE)})")  # split keeps the marks as pieces
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
    """A whole TSV: segments in ``seg_id`` order and, per system, its rated outputs; ``notes`` says what
    the reader worked round (see ``parse_mqm_tsv``)."""

    path: str
    sha256: str
    segments: list[SegmentKey]
    outputs: dict[str, dict[SegmentKey, SystemSegment]]
    notes: list[str] = field(default_factory=list)

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


@dataclass(frozen=True)
class Unmarked:
    """A cell without its ``<v>…</v>`` marks: the text, the marked span's offsets in it (None when
    unmarked) and, when the marks were not one well-formed pair, what was made of them."""

    text: str
    start: int | None
    end: int | None
    problem: str = ""


def read_marks(marked: str) -> Unmarked:
    """The text and span of a cell, for any marks a rater's tool wrote.

    One ``<v>…</v>`` pair is the span. Several pairs give their extent (first ``<v>`` to last ``</v>``),
    a ``<v>`` without ``</v>`` runs to the end of the text, a ``</v>`` alone marks nothing; each of
    these says so in ``problem``. Text and offsets are those of the line a run reads (``_normalized``).
    """
    if OPEN not in marked and CLOSE not in marked:
        return _normalized(marked, None, None)
    text, opens, closes, pos = [], [], [], 0
    for piece in _MARKS.split(marked):
        if piece == OPEN:
            opens.append(pos)
        elif piece == CLOSE:
            closes.append(pos)
        else:
            text.append(piece)
            pos += len(piece)
    plain = "".join(text)
    if not opens:
        return _normalized(plain, None, None, f"'{CLOSE}' without '{OPEN}': no span")
    after = [c for c in closes if c >= opens[0]]
    if not after:
        return _normalized(plain, opens[0], len(plain), f"'{OPEN}' without '{CLOSE}': the span runs to the end")
    if len(opens) > 1 or len(closes) > 1:
        several = "more than one <v>…</v> span in one row: their extent is the span"
        return _normalized(plain, opens[0], after[-1], several)
    return _normalized(plain, opens[0], after[-1])


def _normalized(text: str, start: int | None, end: int | None, problem: str = "") -> Unmarked:
    """The cell as a run reads the line (``eval.textio.normalize_line``: NFC, single spaces, stripped), with
    the span's offsets moved into it, so human spans and detector spans count the same characters."""
    plain = normalize_line(text)
    if start is None or end is None or plain == text:
        return Unmarked(plain, start, end, problem)

    def moved(i: int) -> int:  # a sentinel keeps the prefix's trailing space from being stripped
        return min(len(plain), max(0, len(normalize_line(text[:i] + "x")) - 1))

    first = moved(start)
    return Unmarked(plain, first, max(first, moved(end)), problem)


def _int(value: str, column: str, where: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise InputError(f"{where}: column {column} is {value!r}, not an integer") from None


class _Notes:
    """Problems the reader worked round, counted by kind with the first place each was seen."""

    def __init__(self) -> None:
        self.first: dict[str, str] = {}
        self.count: dict[str, int] = {}

    def add(self, kind: str, where: str) -> None:
        self.first.setdefault(kind, where)
        self.count[kind] = self.count.get(kind, 0) + 1

    def lines(self) -> list[str]:
        return [f"{n} row(s): {kind} (first: {self.first[kind]})" for kind, n in self.count.items()]


def _placed(span: str, start: int, text: str) -> tuple[int, int] | None:
    """Where ``span`` (marked at ``start`` in another copy of the segment) sits in ``text``: the occurrence
    nearest ``start``, None when it does not occur."""
    found = [m.start() for m in re.finditer(re.escape(span), text)] if span else []
    if not found:
        return None
    best = min(found, key=lambda i: abs(i - start))
    return best, best + len(span)


def _error_span(cell: Unmarked, kept: str, where: str, notes: _Notes) -> tuple[int | None, int | None]:
    """The span of ``cell`` in ``kept`` (the segment's text, see ``_segment``)."""
    if cell.problem:
        notes.add(cell.problem, where)
    if cell.start is None or cell.end is None or cell.text == kept:
        return cell.start, cell.end
    placed = _placed(cell.text[cell.start : cell.end], cell.start, kept)
    if placed is None:
        notes.add("a span not found in the segment's kept text: the error is kept without a span", where)
        return None, None
    return placed


def _complete(
    outputs: dict[str, dict[SegmentKey, SystemSegment]], order: list[SegmentKey], path: str
) -> tuple[dict[str, dict[SegmentKey, SystemSegment]], list[SegmentKey], list[str]]:
    """Systems and segments that make a complete table (every kept system rated on every kept segment).

    A system rated on fewer than half of the segments is left out; of the others, the segments they all
    have are kept (what mt-metrics-eval compares systems on). Each choice is a note."""
    notes = []
    half = len(order) / 2
    sparse = sorted(s for s, segs in outputs.items() if len(segs) < half)
    if sparse and len(sparse) < len(outputs):
        for s in sparse:
            notes.append(f"system {s} is rated on {len(outputs[s])} of {len(order)} segments (< half): left out")
        outputs = {s: segs for s, segs in outputs.items() if s not in sparse}
    common = [k for k in order if all(k in segs for segs in outputs.values())]
    if not common:
        raise InputError(f"{path}: no segment is rated for every system; every system needs the same segments")
    if len(common) < len(order):
        lacking = {s: len(order) - len(segs) for s, segs in outputs.items() if len(segs) < len(order)}
        detail = ", ".join(f"{s} lacks {n}" for s, n in sorted(lacking.items()))
        notes.append(
            f"{len(order) - len(common)} of {len(order)} segments are not rated for every system ({detail}): "
            f"left out, {len(common)} kept"
        )
        wanted = set(common)
        outputs = {s: {k: v for k, v in segs.items() if k in wanted} for s, segs in outputs.items()}
    return outputs, common, notes


@dataclass(frozen=True)
class _Row:
    """One TSV row as read: where it is, its rater, its two cells and its rating."""

    where: str
    rater: str
    source: Unmarked
    target: Unmarked
    category: str
    severity: str

    @property
    def texts(self) -> tuple[str, str]:
        return self.source.text, self.target.text


def _segment(system: str, key: SegmentKey, seg_id: int, rows: list[_Row], notes: _Notes) -> SystemSegment:
    """One system's segment from its rows. Its texts are the ones most of the rows carry (the first
    row's on a tie): one rater's tool that altered a copy does not decide the text the others rated."""
    source, target = Counter(r.texts for r in rows).most_common(1)[0][0]
    seg = SystemSegment(system, key, seg_id, rows[0].rater, source, target)
    for row in rows:
        if row.texts != (source, target):
            notes.add("a text that differs from the one most rows of its segment carry: that one is kept", row.where)
        if row.rater not in seg.raters:
            seg.raters.append(row.rater)
        category, severity = row.category.strip(), row.severity.strip()
        if category.lower() == NO_ERROR or severity.lower() == NO_ERROR:
            continue
        on_source = row.source.start is not None
        cell, kept, side = (row.source, source, "source") if on_source else (row.target, target, "target")
        start, end = _error_span(cell, kept, row.where, notes)
        text = kept[start:end] if start is not None else ""
        seg.errors.append(HumanError(system, key, row.rater, category, severity, side, start, end, text))
    return seg


def parse_mqm_tsv(raw: str, path: str, sha256: str = "") -> MqmRatings:
    """Parse the text of an MQM TSV; every error names the file and line.

    Structure (header, integer ids, one seg_id per segment) is required. Content that releases and
    rating tools get wrong is worked round and reported in ``notes``: marks that are not one
    ``<v>…</v>`` pair (see ``read_marks``), a row whose text differs from the segment's other rows (the
    text most rows carry is kept and the span placed by its text, see ``_segment``), and systems or
    segments without a rating for every system (see ``_complete``)."""
    reader = csv.reader(io.StringIO(raw), delimiter="\t", quoting=csv.QUOTE_NONE)
    header = next(reader, None)
    if header is None:
        raise InputError(f"{path}: empty file; expected a header {' '.join(COLUMNS)}")
    header = [h.strip() for h in header]
    missing = [c for c in COLUMNS[:-1] if c not in header]
    if missing:
        raise InputError(f"{path}:1: missing column(s) {', '.join(missing)}; expected {' '.join(COLUMNS)}")
    col = {c: header.index(c) for c in COLUMNS if c in header}
    rows: dict[tuple[str, SegmentKey], list[_Row]] = {}
    seg_ids: dict[SegmentKey, int] = {}
    for lineno, fields in enumerate(reader, 2):
        if not fields or not any(fields):
            continue
        where = f"{path}:{lineno}"
        if len(fields) < len(col):
            raise InputError(f"{where}: {len(fields)} tab-separated fields vs {len(col)} in the header")
        get = {c: fields[i] for c, i in col.items()}
        key = SegmentKey(get["doc"], _int(get["doc_id"], "doc_id", where))
        seg_id = _int(get["seg_id"], "seg_id", where)
        if seg_ids.setdefault(key, seg_id) != seg_id:
            raise InputError(f"{where}: {key.doc} segment {key.doc_id} has seg_id {seg_id} and {seg_ids[key]}")
        source, target = read_marks(get["source"]), read_marks(get["target"])
        row = _Row(where, get["rater"], source, target, get["category"], get["severity"])
        rows.setdefault((get["system"], key), []).append(row)
    notes = _Notes()
    outputs: dict[str, dict[SegmentKey, SystemSegment]] = {}
    for (system, key), seg_rows in rows.items():
        outputs.setdefault(system, {})[key] = _segment(system, key, seg_ids[key], seg_rows, notes)
    if not outputs:
        raise InputError(f"{path}: no rows after the header")
    order = sorted(seg_ids, key=lambda k: (seg_ids[k], k.doc, k.doc_id))
    outputs, order, kept_notes = _complete(outputs, order, path)
    return MqmRatings(path, sha256, order, outputs, notes.lines() + kept_notes)


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
