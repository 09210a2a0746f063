"""XLIFF 1.2 and 2.0 through translate-toolkit: each file is one version, its units' sources the reference."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lxml import etree
from translate.storage import xliff, xliff2
from translate.storage.lisa import LISAfile, LISAunit

from eval.errors import InputError
from eval.formats.inline import local_name, plain_text
from eval.formats.units import BilingualFile, Unit, unique_ids, version_file

XLIFF2_NS = "urn:oasis:names:tc:xliff:document:2."


def parse_store(path: Path) -> tuple[LISAfile, bytes]:
    """The translate-toolkit store of an XLIFF file (1.2 or 2.x, told apart by its namespace)."""
    if not path.is_file():
        raise InputError(f"{path}: file not found; check 'files' in the corpus manifest")
    data = path.read_bytes()
    store_class = xliff2.Xliff2File if XLIFF2_NS.encode() in data[:4096] else xliff.xlifffile
    try:
        return store_class.parsestring(data), data
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise InputError(f"{path}: not a readable XLIFF file ({exc}); check it opens in the CAT tool") from exc


def unit_element(unit: LISAunit) -> etree._Element:
    """The element holding <source>/<target>: trans-unit (1.2) or segment (2.0)."""
    element: etree._Element = unit.xmlelement
    return element


def child(element: etree._Element, name: str) -> etree._Element | None:
    return next((c for c in element if local_name(c) == name), None)


def unit_id(unit: LISAunit) -> tuple[str, str]:
    """(bare id, id qualified by its <file>): the bare one when unique, so the CAT tool's search finds it."""
    element = unit_element(unit)
    owner = element if local_name(element) == "trans-unit" else element.getparent()
    bare = str(owner.get("id") if owner is not None and owner.get("id") else unit.getid())
    file_el = next((a for a in element.iterancestors() if local_name(a) == "file"), None)
    file_key = "" if file_el is None else str(file_el.get("id") or file_el.get("original") or "")
    return bare, f"{file_key}/{bare}" if file_key else bare


def identified_units(store: LISAfile) -> list[tuple[str, LISAunit]]:
    """(segment id, unit) in document order: the one id scheme the reader and the write-back share."""
    units = [u for u in store.units if not u.isheader()]
    if not units:
        return []
    bare, qualified = zip(*(unit_id(u) for u in units), strict=True)
    return list(zip(unique_ids(list(bare), list(qualified)), units, strict=True))


def read_xliff(path: Path, options: dict[str, Any], where: str) -> BilingualFile:
    """One XLIFF file as a version: plain source and target text per unit (inline tags and placeholders out)."""
    store, data = parse_store(path)
    out: list[Unit] = []
    for uid, unit in identified_units(store):
        element = unit_element(unit)
        source, target = child(element, "source"), child(element, "target")
        out.append(
            Unit(
                id=uid,
                source=plain_text(source).text if source is not None else "",
                target=plain_text(target).text if target is not None else None,
            )
        )
    source_lang = str(options.get("source_lang") or store.getsourcelanguage() or "")
    target_lang = str(options.get("lang") or store.gettargetlanguage() or "")
    if not source_lang or not target_lang:
        missing = "source" if not source_lang else "target"
        raise InputError(
            f"{path}: no {missing} language (source-language/target-language or srcLang/trgLang); "
            f"set it in the file or give 'lang' for this entry in {where}"
        )
    return version_file(path, data, options, (source_lang, target_lang), out, writeback=True)
