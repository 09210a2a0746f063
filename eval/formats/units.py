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


@dataclass
class BilingualSet:
    """What the line-aligned path consumes, plus the unit ids and where each version came from."""

    ref_lang: str
    references: list[str]
    segment_ids: list[str]
    systems: list[System]
    inputs: dict[str, str]
    files: dict[str, BilingualFile]


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def version_file(
    path: Path, data: bytes, options: dict[str, Any], langs: tuple[str, str], units: list[Unit], writeback: bool
) -> BilingualFile:
    """A version read from one file; ``options`` is its manifest entry (name, kind), ``langs`` (source, target)."""
    return BilingualFile(
        path=path,
        sha256=sha256_bytes(data),
        source_lang=langs[0],
        target_lang=langs[1],
        name=str(options.get("name") or path.stem),
        kind=options.get("kind", "published"),
        units=units,
        writeback=writeback,
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


def to_line_aligned(files: list[BilingualFile], where: str) -> BilingualSet:
    """Reference = the first file's sources; each file's targets, in the reference's unit order, are a version."""
    if not files:
        raise InputError(f"{where}: no bilingual files listed; add them under 'files'")
    first = files[0]
    if not first.units:
        raise InputError(f"{first.path}: no translation units")
    for f in files:
        if f.source_lang != first.source_lang:
            raise InputError(
                f"{f.path}: source language {f.source_lang!r} differs from {first.path.name}'s "
                f"{first.source_lang!r}; all files must translate one source"
            )
        for unit in f.units:
            if unit.target is None or not unit.target.strip():
                raise InputError(f"{f.path}: unit {unit.id} has no target; translate it or remove the unit")
        if f is not first:
            _check_against(first, f)
    names = [f.name for f in files]
    if len(set(names)) != len(names):
        raise InputError(f"{where}: version names must be unique, got {names}; give each file a 'name'")
    order = [u.id for u in first.units]
    systems = []
    for f in files:
        by_id = {u.id: u.target or "" for u in f.units}
        systems.append(
            System(name=f.name, lang=f.target_lang, kind=f.kind, segments=[by_id[i] for i in order], route="file")
        )
    return BilingualSet(
        ref_lang=first.source_lang,
        references=[u.source for u in first.units],
        segment_ids=order,
        systems=systems,
        inputs={str(f.path): f.sha256 for f in files},
        files={f.name: f for f in files},
    )
