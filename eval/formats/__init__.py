"""Localization formats (XLIFF 1.2/2.0, TMX, PO) in, and XLIFF with ITS 2.0 quality-issue markup out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eval.formats.units import BilingualFile, BilingualSet, entry_options, to_line_aligned

BILINGUAL_FORMATS = ("xliff", "tmx", "po")


def load_bilingual(root: Path, spec: dict[str, Any], fmt: str, where: str) -> BilingualSet:
    """The manifest's bilingual files as one line-aligned set (``where`` is the manifest, for messages)."""
    from eval.errors import InputError

    files: list[BilingualFile] = []
    if fmt == "tmx":
        from eval.formats.tmx import read_tmx

        if not spec.get("file"):
            raise InputError(f"{where}: format tmx needs 'file' (the memory) and 'reference_lang'")
        files = read_tmx(root / str(spec["file"]), spec, where)
    else:
        entries = spec.get("files")
        if not isinstance(entries, list) or not entries:
            raise InputError(f"{where}: format {fmt} needs 'files', a non-empty list of {fmt} files")
        for entry in entries:
            options = entry_options(entry, where)
            path = root / str(options["file"])
            if fmt == "xliff":
                from eval.formats.xliff import read_xliff

                files.extend(read_xliff(path, options, where))
            else:
                from eval.formats.po import read_po

                files.append(read_po(path, options, str(spec.get("source_lang") or ""), where))
    return to_line_aligned(files, where)
