"""Bilingual files as a line-aligned set: units pair by id, so no sentence alignment is needed.

Every reader (XLIFF, TMX, PO) yields ``BilingualFile`` records; ``to_line_aligned`` checks them against each
other (same units, same source text, a target everywhere) and builds the structure the line-aligned path scores.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval.corpus import System, SystemKind
from eval.errors import InputError


@dataclass(frozen=True)
class Unit:
    """One translation unit: its id as the CAT tool shows it, plain source and target (None: no target)."""

    id: str
    source: str
    target: str | None


@dataclass
class BilingualFile:
    """One version read from a bilingual file: the units' source is the reference, their target the version."""

    path: Path
    sha256: str
    source_lang: str
    target_lang: str
    name: str
    kind: SystemKind = "published"
    units: list[Unit] = field(default_factory=list)
    writeback: bool = False  # XLIFF versions are re-emitted with ITS markup in the run folder
    doc: str = ""  # many documents: the document this file holds (manifest entry 'doc')
    offset: int = 0  # index of its first unit in the corpus's concatenated segments


@dataclass
class BilingualSet:
    """What the line-aligned path consumes, plus the unit ids and where each version came from."""

    ref_lang: str
    references: list[str]
    segment_ids: list[str]
    systems: list[System]
    inputs: dict[str, str]
    files: dict[str, list[BilingualFile]]  # system → its files, one per document
    doc_ranges: list[Any] = field(default_factory=list)  # eval.multidoc.DocRange per document, when 'doc' is given


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def version_file(
    path: Path, data: bytes, options: dict[str, Any], langs: tuple[str, str], units: list[Unit], writeback: bool
) -> BilingualFile:
    """A version read from one file; ``options`` is its manifest entry (name, kind, doc), ``langs`` (source, target).
    With documents, a version's files share one name: its target language unless named."""
    doc = str(options.get("doc") or "")
    return BilingualFile(
        path=path,
        sha256=sha256_bytes(data),
        source_lang=langs[0],
        target_lang=langs[1],
        name=str(options.get("name") or (langs[1] if doc else path.stem)),
        kind=options.get("kind", "published"),
        units=units,
        writeback=writeback,
        doc=doc,
    )


def unique_ids(ids: list[str], qualified: list[str]) -> list[str]:
    """Bare unit ids when they are unique in the file, else the qualified ones (file/unit), numbered if need be."""
    if len(set(ids)) == len(ids):
        return ids
    if len(set(qualified)) == len(qualified):
        return qualified
    seen: dict[str, int] = {}
    out = []
    for q in qualified:
        seen[q] = seen.get(q, 0) + 1
        out.append(q if seen[q] == 1 else f"{q}/{seen[q]}")
    return out


def entry_options(entry: Any, where: str) -> dict[str, Any]:
    """A ``files:`` entry: a path, or a mapping {file, name?, lang?, kind?}."""
    if isinstance(entry, str):
        return {"file": entry}
    if isinstance(entry, dict) and entry.get("file"):
        return dict(entry)
    raise InputError(f"{where}: each 'files' entry must be a path or a mapping with 'file', got {entry!r}")


def _check_against(first: BilingualFile, other: BilingualFile) -> None:
    ref = {u.id: u.source for u in first.units}
    ids = {u.id for u in other.units}
    for unit in other.units:
        if unit.id not in ref:
            raise InputError(
                f"{other.path}: unit {unit.id} is not in {first.path.name}; every file must hold the same units"
            )
        if unit.source != ref[unit.id]:
            raise InputError(
                f"{other.path}: unit {unit.id} has source {unit.source!r} but {first.path.name} has "
                f"{ref[unit.id]!r}; every file must translate the same source text"
            )
    missing = [u.id for u in first.units if u.id not in ids]
    if missing:
        raise InputError(
            f"{other.path}: unit {missing[0]} of {first.path.name} is missing ({len(missing)} missing in all); "
            "every file must hold the same units"
        )


def _check_group(files: list[BilingualFile], where: str) -> None:
    """The files of one document: units and sources as in its first file, a target everywhere, unique names."""
    first = files[0]
    if not first.units:
        raise InputError(f"{first.path}: no translation units")
    for f in files:
        for unit in f.units:
            if unit.target is None or not unit.target.strip():
                raise InputError(f"{f.path}: unit {unit.id} has no target; translate it or remove the unit")
        if f is not first:
            _check_against(first, f)
    names = [f.name for f in files]
    if len(set(names)) != len(names):
        doc = f" of doc {first.doc!r}" if first.doc else ""
        raise InputError(f"{where}: version names{doc} must be unique, got {names}; give each file a 'name'")


def to_line_aligned(files: list[BilingualFile], where: str) -> BilingualSet:
    """Reference = each document's first file's sources, documents in order of first mention; each version's
    targets, in the reference's unit order and document by document, are one system."""
    from eval.multidoc import DocRange

    if not files:
        raise InputError(f"{where}: no bilingual files listed; add them under 'files'")
    for f in files:
        if f.source_lang != files[0].source_lang:
            raise InputError(
                f"{f.path}: source language {f.source_lang!r} differs from {files[0].path.name}'s "
                f"{files[0].source_lang!r}; all files must translate one source"
            )
    docs = list(dict.fromkeys(f.doc for f in files))
    if len(docs) > 1 and "" in docs:
        first = next(f for f in files if not f.doc)
        raise InputError(f"{where}: {first.path.name} has no 'doc' id; give every file one, or none")
    references: list[str] = []
    order: list[str] = []
    ranges: list[DocRange] = []
    for doc in docs:
        group = [f for f in files if f.doc == doc]
        _check_group(group, where)
        ranges.append(DocRange(doc, len(order), len(order) + len(group[0].units)))
        references += [u.source for u in group[0].units]
        order += [u.id for u in group[0].units]
    versions: dict[str, dict[str, BilingualFile]] = {}
    for f in files:
        versions.setdefault(f.name, {})[f.doc] = f
    systems = []
    for name, by_doc in versions.items():
        missing = [d for d in docs if d not in by_doc]
        if missing:
            raise InputError(f"{where}: version {name} lacks document {missing[0]!r}; give it one file per doc")
        segments: list[str] = []
        for r in ranges:
            f = by_doc[r.doc]
            f.offset = r.start
            by_id = {u.id: u.target or "" for u in f.units}
            segments += [by_id[i] for i in order[r.start : r.end]]
        first = next(iter(by_doc.values()))
        systems.append(System(name=name, lang=first.target_lang, kind=first.kind, segments=segments, route="file"))
    return BilingualSet(
        ref_lang=files[0].source_lang,
        references=references,
        segment_ids=order,
        systems=systems,
        inputs={str(f.path): f.sha256 for f in files},
        files={name: list(by_doc.values()) for name, by_doc in versions.items()},
        doc_ranges=ranges if docs != [""] else [],
    )
