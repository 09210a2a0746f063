"""TMX through translate-toolkit: the reference language's variants are the reference, every other language a
version. A unit lacking a language is an error naming it: the set is line-aligned by construction."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lxml import etree
from translate.storage import tmx

from eval.errors import InputError
from eval.formats.inline import local_name, plain_text
from eval.formats.units import BilingualFile, Unit, sha256_bytes, unique_ids

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _variants(tu: etree._Element) -> dict[str, str]:
    """language (as written, lower-case) → plain text of its <seg>."""
    out = {}
    for tuv in tu:
        if local_name(tuv) != "tuv":
            continue
        lang = str(tuv.get(XML_LANG) or tuv.get("lang") or "").lower()
        seg = next((c for c in tuv if local_name(c) == "seg"), None)
        if lang and seg is not None:
            out[lang] = plain_text(seg).text
    return out


def read_tmx(path: Path, spec: dict[str, Any], where: str) -> list[BilingualFile]:
    """One version per language of the memory other than ``reference_lang``."""
    ref_lang = str(spec.get("reference_lang") or "")
    if not ref_lang:
        raise InputError(f"{where}: format tmx needs 'reference_lang' (the language scored against), e.g. fr")
    if not path.is_file():
        raise InputError(f"{path}: file not found; check 'file' in the corpus manifest")
    data = path.read_bytes()
    try:
        store = tmx.tmxfile.parsestring(data)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise InputError(f"{path}: not a readable TMX file ({exc})") from exc
    tus = [u.xmlelement for u in store.units]
    if not tus:
        raise InputError(f"{path}: no translation units (<tu>)")
    numbered = [str(tu.get("tuid") or f"#{i}") for i, tu in enumerate(tus, 1)]
    ids = unique_ids(numbered, [f"{n}@{i}" for i, n in enumerate(numbered, 1)])
    variants = [_variants(tu) for tu in tus]
    key = ref_lang.lower()
    langs = list(dict.fromkeys(lang for v in variants for lang in v if lang != key))
    for uid, v in zip(ids, variants, strict=True):
        if key not in v:
            raise InputError(
                f"{path}: unit {uid} has no {ref_lang!r} variant (reference_lang); languages there: "
                f"{', '.join(sorted(v)) or 'none'}"
            )
    if not langs:
        raise InputError(f"{path}: only {ref_lang!r} in the memory; a version needs another language")
    sha = sha256_bytes(data)
    return [
        BilingualFile(
            path=path,
            sha256=sha,
            source_lang=ref_lang,
            target_lang=lang,
            name=lang,
            units=[Unit(id=uid, source=v[key], target=v.get(lang)) for uid, v in zip(ids, variants, strict=True)],
        )
        for lang in langs
    ]
