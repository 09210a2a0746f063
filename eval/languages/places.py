"""Country and territory names in every language, from CLDR (through langcodes and language_data).

Why: "Greenland" is "Grönland" in German and "Groenlandia" in Italian; a names detector that does not
know the exonym calls a correct translation an altered name. CLDR has these names for ~275 regions in
every language it covers, so no per-language table is needed for them.
"""

from __future__ import annotations

import itertools
import string
from collections.abc import Iterable
from functools import lru_cache

import langcodes

from eval.languages.codes import base_language

# ISO 3166 user-assigned and private-use codes: no real place.
_PRIVATE = {"AA", "ZZ", *(f"Q{c}" for c in "MNOPQRSTUVWXYZ"), *(f"X{c}" for c in string.ascii_uppercase)}


@lru_cache(maxsize=1)
def region_codes() -> tuple[str, ...]:
    """The two-letter regions CLDR names (all letter pairs, asked of langcodes; user-assigned ones dropped)."""
    out = []
    for a, b in itertools.product(string.ascii_uppercase, repeat=2):
        code = a + b
        name = langcodes.Language.make(territory=code).territory_name("en")
        if code not in _PRIVATE and name != code and not name.startswith("Unknown"):
            out.append(code)
    return tuple(out)


@lru_cache(maxsize=64)
def place_groups(langs: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Each region's name in each of ``langs`` (lower case) → all its names in those languages."""
    bases = sorted({base_language(lang) for lang in langs})
    groups: dict[str, tuple[str, ...]] = {}
    for code in region_codes():
        region = langcodes.Language.make(territory=code)
        names = tuple(dict.fromkeys(region.territory_name(base).lower() for base in bases))
        for name in names:
            groups.setdefault(name, names)
    return groups


def places_for(langs: Iterable[str]) -> dict[str, tuple[str, ...]]:
    return place_groups(tuple(sorted(set(langs))))
