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


def file_element(unit: LISAunit) -> etree._Element | None:
    """The <file> element a unit belongs to."""
    return next((a for a in unit_element(unit).iterancestors() if local_name(a) == "file"), None)


def file_key(file_el: etree._Element | None) -> str:
    """A <file>'s name: its id (2.0, and 1.2 where given), else its original; empty when it has neither."""
    return "" if file_el is None else str(file_el.get("id") or file_el.get("original") or "")


def unit_id(unit: LISAunit) -> tuple[str, str]:
    """(bare id, id qualified by its <file>): the bare one when unique, so the CAT tool's search finds it."""
    element = unit_element(unit)
    owner = element if local_name(element) == "trans-unit" else element.getparent()
    bare = str(owner.get("id") if owner is not None and owner.get("id") else unit.getid())
    key = file_key(file_element(unit))
    return bare, f"{key}/{bare}" if key else bare


def identified_units(store: LISAfile) -> list[tuple[str, LISAunit]]:
    """(segment id, unit) in document order: the one id scheme the reader and the write-back share."""
    units = [u for u in store.units if not u.isheader()]
    if not units:
        return []
    bare, qualified = zip(*(unit_id(u) for u in units), strict=True)
    return list(zip(unique_ids(list(bare), list(qualified)), units, strict=True))


def read_xliff(path: Path, options: dict[str, Any], where: str) -> list[BilingualFile]:
    """One XLIFF file as a version: plain source and target text per unit (inline tags and placeholders out).

    A file of several ``<file>`` elements, listed without a ``doc``, is one document per ``<file>`` (doc id: its
    id or original, else ``#n``), as a CAT tool's project export bundles documents; otherwise it is one document.
    """
    store, data = parse_store(path)
    out: list[Unit] = []
    owners: list[etree._Element | None] = []
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
        owners.append(file_element(unit))
    source_lang = str(options.get("source_lang") or store.getsourcelanguage() or "")
    target_lang = str(options.get("lang") or store.gettargetlanguage() or "")
    if not source_lang or not target_lang:
        missing = "source" if not source_lang else "target"
        raise InputError(
            f"{path}: no {missing} language (source-language/target-language or srcLang/trgLang); "
            f"set it in the file or give 'lang' for this entry in {where}"
        )
    langs = (source_lang, target_lang)
    parts = list(dict.fromkeys(owners))
    if options.get("doc") or len(parts) < 2:
        return [version_file(path, data, options, langs, out, writeback=True)]
    docs = [file_key(el) or f"#{n}" for n, el in enumerate(parts, 1)]
    twice = [d for i, d in enumerate(docs) if d in docs[:i]]
    if twice:
        raise InputError(f"{path}: two <file> elements share the id {twice[0]!r}; give each <file> its own id")
    named = {**options, "name": options.get("name") or path.stem}
    return [
        version_file(
            path, data, {**named, "doc": doc}, langs, [u for u, o in zip(out, owners, strict=True) if o is el], True
        )
        for doc, el in zip(docs, parts, strict=True)
    ]
