"""The keys a corpus manifest may hold, checked before any file is opened.

Why: a typo'd key (``refrence:``, ``fiel:``) was silently ignored and surfaced later as a misleading
"file not found" for the corpus folder. An unknown key is now named with its manifest line and the
nearest known key ("did you mean 'reference'?"), and a missing required key is named as missing.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from eval.errors import InputError

DOCUMENTS_TOP = ("name", "description", "format", "documents", "glossary", "notes")
DOCUMENT_ENTRY = ("file", "lang", "role", "origin", "licence", "license", "name", "notes", "segmented", "doc")
LINES_TOP = ("name", "description", "format", "source", "reference", "systems", "notes")
FILE_ENTRY = ("file", "lang")
SYSTEM_ENTRY = ("name", "file", "lang", "kind", "engine")
TABLE_TOP = (
    "name",
    "description",
    "format",
    "file",
    "ref_lang",
    "src_lang",
    "reference_column",
    "source_column",
    "systems",
    "notes",
)
TABLE_SYSTEM = ("lang", "kind", "engine")
BILINGUAL_TOP = {
    "xliff": ("name", "description", "format", "files", "notes"),
    "po": ("name", "description", "format", "files", "source_lang", "notes"),
    "tmx": ("name", "description", "format", "file", "reference_lang", "notes"),
}
BILINGUAL_ENTRY = {
    "xliff": ("file", "name", "lang", "source_lang", "kind", "doc"),
    "po": ("file", "name", "lang", "kind", "doc"),
}


def key_line(path: Path, key: str) -> int | None:
    """The first line of ``path`` where ``key:`` appears (block or flow style); None when not found."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    pattern = re.compile(rf"(^|[\s{{,-]){re.escape(key)}\s*:")
    for number, line in enumerate(lines, 1):
        if pattern.search(line.split("#", 1)[0]):
            return number
    return None


def _where(path: Path, key: str, context: str) -> tuple[str, str]:
    line = key_line(path, key)
    return f"{path}:{line}" if line else str(path), f" {context}" if context else ""


def check_keys(data: Mapping[Any, Any], allowed: Iterable[str], path: Path, context: str = "") -> None:
    """InputError for the first key of ``data`` not in ``allowed``, with the nearest allowed key."""
    known = tuple(allowed)
    for key in data:
        if str(key) in known:
            continue
        where, inside = _where(path, str(key), context)
        close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(known)}"
        raise InputError(f"{where}: unknown key {str(key)!r}{inside}; {hint}")


def require_mapping(data: Mapping[str, Any], key: str, path: Path, example: str) -> dict[str, Any]:
    """``data[key]`` as a mapping; InputError naming the key when it is missing or not a mapping."""
    value = data.get(key)
    if value is None:
        raise InputError(f"{path}: key {key!r} is missing; add e.g. {key}: {example}")
    if not isinstance(value, dict):
        raise InputError(f"{path}: {key!r} must be a mapping like {example}, got {type(value).__name__}")
    return value


def require_file(entry: Mapping[str, Any], path: Path, context: str) -> str:
    """``entry['file']``; InputError naming the entry when it is missing or empty."""
    value = entry.get("file")
    if not value:
        raise InputError(f"{path}: {context} has no 'file'; give the file name relative to {path.parent}")
    return str(value)


def check_line_aligned(spec: Mapping[str, Any], fmt: str, path: Path) -> None:
    """The keys of a lines/tsv/jsonl/xliff/tmx/po manifest and of its entries (unknown formats are named later)."""
    if fmt == "lines":
        check_keys(spec, LINES_TOP, path)
        reference = require_mapping(spec, "reference", path, "{file: ref.es, lang: es}")
        check_keys(reference, FILE_ENTRY, path, "under 'reference'")
        require_file(reference, path, "'reference'")
        if spec.get("source") is not None:
            source = require_mapping(spec, "source", path, "{file: src.fr, lang: fr}")
            check_keys(source, FILE_ENTRY, path, "under 'source'")
            require_file(source, path, "'source'")
        systems = spec.get("systems") or []
        if not isinstance(systems, list):
            raise InputError(f"{path}: 'systems' must be a list of {{name, file, lang}} entries")
        for i, entry in enumerate(systems, 1):
            if not isinstance(entry, dict):
                raise InputError(f"{path}: system #{i} must be a mapping like {{name: sysA, file: sysA.es}}")
            check_keys(entry, SYSTEM_ENTRY, path, f"in system #{i}")
            require_file(entry, path, f"system #{i}")
    elif fmt in ("tsv", "jsonl"):
        check_keys(spec, TABLE_TOP, path)
        require_file(spec, path, "the manifest")
        systems = spec.get("systems") or {}
        if not isinstance(systems, dict):
            raise InputError(f"{path}: 'systems' of a {fmt} set must map column names to {{lang, kind}}")
        for column, meta in systems.items():
            if isinstance(meta, dict):
                check_keys(meta, TABLE_SYSTEM, path, f"under systems.{column}")
    elif fmt in BILINGUAL_TOP:
        check_keys(spec, BILINGUAL_TOP[fmt], path)
        files = spec.get("files")
        for i, entry in enumerate(files if isinstance(files, list) else [], 1):
            if isinstance(entry, dict):
                check_keys(entry, BILINGUAL_ENTRY[fmt], path, f"in files #{i}")
