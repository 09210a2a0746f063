"""Gettext PO through translate-toolkit: msgids are the reference (in ``source_lang``), each file's msgstrs a
version in its Language header (or the entry's ``lang``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from translate.storage import po

from eval.errors import InputError
from eval.formats.inline import strip_placeholders
from eval.formats.units import BilingualFile, Unit, version_file


def read_po(path: Path, options: dict[str, Any], source_lang: str, where: str) -> BilingualFile:
    """One PO file as a version; ids are ``msgctxt::msgid`` (or the msgid), as a CAT tool or grep finds them."""
    if not path.is_file():
        raise InputError(f"{path}: file not found; check 'files' in the corpus manifest")
    data = path.read_bytes()
    try:
        store = po.pofile.parsestring(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a readable PO file ({exc})") from exc
    units = [u for u in store.units if not u.isheader() and not u.isobsolete()]
    if not source_lang:
        first = units[0].getid() if units else "(none)"
        raise InputError(
            f"{where}: format po needs 'source_lang' (the language of the msgids) for {path.name}, "
            f"unit {first!r}; add e.g. source_lang: en"
        )
    lang = str(options.get("lang") or store.gettargetlanguage() or "")
    if not lang:
        raise InputError(f"{path}: no Language header; add it to the PO header or give 'lang' in {where}")
    out = []
    for unit in units:
        target = str(unit.target) if unit.istranslated() or unit.isfuzzy() else ""
        out.append(
            Unit(
                id=str(unit.getid()).replace("\x04", "::"),
                source=strip_placeholders(str(unit.source)),
                target=strip_placeholders(target) if target else None,
            )
        )
    return version_file(path, data, options, (source_lang, lang), out, writeback=False)
