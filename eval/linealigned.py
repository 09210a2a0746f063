"""Line-aligned test sets (WMT style): one line is one segment, in plain files, TSV or JSONL.

Such a corpus skips cleaning and alignment; its segment counts must match exactly, and a mismatch
is an error that gives both counts (mt-metrics-eval style: repair only when asked).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval.corpus import System
from eval.errors import InputError
from eval.formats import BILINGUAL_FORMATS, load_bilingual
from eval.languages.codes import normalize_code
from eval.manifest import load_yaml_mapping
from eval.manifest_keys import check_line_aligned
from eval.textio import normalize_text, read_lines, read_raw


@dataclass
class LineAlignedSet:
    name: str
    ref_lang: str
    references: list[str]
    sources: list[str] | None = None
    src_lang: str = ""
    systems: list[System] = field(default_factory=list)
    inputs: dict[str, str] = field(default_factory=dict)
    segment_ids: list[str] = field(default_factory=list)  # unit ids of bilingual files (XLIFF/TMX/PO), else empty
    bilingual: dict[str, Any] = field(default_factory=dict)  # system → its eval.formats.BilingualFile list
    doc_ranges: list[Any] = field(default_factory=list)  # eval.multidoc.DocRange per document ('doc' entries)


def _check_count(name: str, where: str, n: int, expected: int) -> None:
    if n != expected:
        raise InputError(
            f"{where}: {name} has {n} segments vs {expected} in the reference; line-aligned sets need one "
            "line per segment in every file"
        )


def _from_lines(root: Path, spec: dict[str, Any], where: str, out: LineAlignedSet) -> None:
    ref = spec.get("reference") or {}
    ref_path = root / str(ref.get("file", ""))
    out.references, out.inputs[str(ref_path)] = read_lines(ref_path)
    out.ref_lang = normalize_code(ref.get("lang"), f"{where}: reference")
    if spec.get("source"):
        src_path = root / str(spec["source"].get("file", ""))
        out.sources, out.inputs[str(src_path)] = read_lines(src_path)
        out.src_lang = normalize_code(spec["source"].get("lang"), f"{where}: source")
        _check_count("source " + src_path.name, where, len(out.sources), len(out.references))
    for sysspec in spec.get("systems") or []:
        path = root / str(sysspec.get("file", ""))
        lines, out.inputs[str(path)] = read_lines(path)
        name = str(sysspec.get("name") or path.stem)
        _check_count(f"system {name} ({path.name})", where, len(lines), len(out.references))
        out.systems.append(
            System(
                name=name,
                lang=normalize_code(sysspec.get("lang", out.ref_lang), f"{where}: system {name}"),
                kind=sysspec.get("kind", "mt"),
                segments=lines,
                route="file",
            )
        )


def _rows_from_table(root: Path, spec: dict[str, Any], fmt: str, where: str) -> tuple[list[dict[str, str]], str, str]:
    path = root / str(spec.get("file", ""))
    raw, sha = read_raw(path)  # not whitespace-normalized: tabs must survive until the fields are split
    rows: list[dict[str, str]] = []
    if fmt == "tsv":
        reader = csv.DictReader(io.StringIO(raw), delimiter="\t", quoting=csv.QUOTE_NONE)
        for row in reader:
            lineno = reader.line_num  # the file's line (blank lines are skipped by the reader)
            if None in row or any(v is None for v in row.values()):
                raise InputError(f"{path}:{lineno}: the number of tab-separated fields differs from the header")
            rows.append({normalize_text(k): normalize_text(v) for k, v in row.items() if k is not None})
    else:
        for lineno, line in enumerate(raw.split("\n"), 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{lineno}: invalid JSON ({exc.msg}); one object per line") from exc
            if not isinstance(obj, dict) or not isinstance(obj.get("systems") or {}, dict):
                got = type(obj).__name__ if not isinstance(obj, dict) else "'systems' that is not an object"
                raise InputError(
                    f"{path}:{lineno}: expected one JSON object per line, like "
                    f'{{"reference": "...", "systems": {{"sysA": "..."}}}}, got {got}'
                )
            flat = {k: v for k, v in obj.items() if k != "systems"}
            flat.update(obj.get("systems") or {})
            rows.append({k: normalize_text(str(v)) for k, v in flat.items()})
    return rows, str(path), sha


def _from_table(root: Path, spec: dict[str, Any], fmt: str, where: str, out: LineAlignedSet) -> None:
    rows, path, sha = _rows_from_table(root, spec, fmt, where)
    out.inputs[path] = sha
    if not rows:
        raise InputError(f"{path}: no segments")
    ref_col, src_col = spec.get("reference_column", "reference"), spec.get("source_column", "source")
    columns = list(rows[0])
    if ref_col not in columns:
        raise InputError(f"{path}: no {ref_col!r} column (columns: {', '.join(columns)})")
    out.ref_lang = normalize_code(spec.get("ref_lang"), f"{where}: ref_lang")
    out.references = [r.get(ref_col, "") for r in rows]
    if src_col in columns:
        out.sources = [r.get(src_col, "") for r in rows]
        out.src_lang = normalize_code(spec.get("src_lang"), f"{where}: src_lang")
    declared = spec.get("systems") or {}
    for col in columns:
        if col in (ref_col, src_col):
            continue
        meta = declared.get(col, {}) if isinstance(declared, dict) else {}
        values = [r[col] for r in rows if col in r]
        _check_count(f"system {col}", path, len(values), len(out.references))
        out.systems.append(
            System(
                name=col,
                lang=normalize_code(meta.get("lang", out.ref_lang), f"{where}: system {col}"),
                kind=meta.get("kind", "mt"),
                segments=values,
                route="file",
            )
        )


def _from_bilingual(root: Path, spec: dict[str, Any], fmt: str, where: str, out: LineAlignedSet) -> None:
    data = load_bilingual(root, spec, fmt, where)
    out.ref_lang = normalize_code(data.ref_lang, f"{where}: reference language")
    out.references, out.segment_ids = data.references, data.segment_ids
    for system in data.systems:
        system.lang = normalize_code(system.lang, f"{data.files[system.name][0].path}")
    out.systems, out.inputs, out.bilingual = data.systems, data.inputs, dict(data.files)
    out.doc_ranges = data.doc_ranges


def load_line_aligned(corpus_dir: str | Path) -> LineAlignedSet:
    """Read a line-aligned set described by ``<corpus_dir>/manifest.yaml`` (format: lines | tsv | jsonl)."""
    root = Path(corpus_dir)
    mpath = root / "manifest.yaml"
    spec = load_yaml_mapping(mpath)
    fmt = str(spec.get("format", "lines"))
    check_line_aligned(spec, fmt, mpath)
    out = LineAlignedSet(name=str(spec.get("name") or root.name), ref_lang="", references=[])
    if fmt == "lines":
        _from_lines(root, spec, str(mpath), out)
    elif fmt in ("tsv", "jsonl"):
        _from_table(root, spec, fmt, str(mpath), out)
    elif fmt in BILINGUAL_FORMATS:
        _from_bilingual(root, spec, fmt, str(mpath), out)
    else:
        raise InputError(f"{mpath}: unknown format {fmt!r}; use lines, tsv, jsonl, xliff, tmx or po")
    if not out.systems:
        raise InputError(f"{mpath}: no systems to score; list them under 'systems'")
    return out
