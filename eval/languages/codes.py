"""Language codes: any BCP-47 / ISO 639 tag, normalised once with langcodes.

Why: a corpus names its languages however its author learnt to ("de", "deu", "ger", "de_DE", "iw",
"zh-Hans"); the harness compares codes as strings (is this version in the reference language?), so
every code is normalised at the edge (manifest, line-aligned reader, config) and nowhere else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import langcodes

from eval.errors import InputError

_RTL_SCRIPTS = frozenset({"Arab", "Hebr", "Syrc", "Thaa", "Nkoo", "Adlm", "Rohg", "Samr", "Mand", "Yezi"})
# Scripts with a case distinction: only there can a capital letter say anything about a word.
_CASED_SCRIPTS = frozenset({"Latn", "Cyrl", "Grek", "Armn", "Copt", "Glag", "Adlm", "Osge", "Dsrt"})
# Languages whose orthography capitalises every noun (German and its relatives): a capital is no name there.
_NOUN_CAPITALISING = frozenset({"de", "lb", "gsw", "bar", "nds", "ksh", "pfl", "vmf"})


@dataclass(frozen=True)
class LanguageInfo:
    """What a report and a stage need to know about a code, from CLDR data through langcodes."""

    code: str  # the normalised tag ("de", "zh-Hant", "pt-BR")
    language: str  # the language subtag alone ("zh", "pt")
    name: str  # English display name ("Chinese (Traditional)")
    script: str  # ISO 15924 script, explicit or likely ("Hans", "Latn", "Hebr")
    rtl: bool  # written right to left
    cased: bool  # its script has upper and lower case
    capitalises_nouns: bool  # its orthography capitalises common nouns too (German)

    @property
    def names_by_capital(self) -> bool:
        """Whether a capital inside a sentence can mark a proper name."""
        return self.cased and not self.capitalises_nouns

    @property
    def direction(self) -> str:
        return "rtl" if self.rtl else "ltr"


def _parse(value: str) -> langcodes.Language | None:
    """The tag as langcodes reads it (deprecated and ISO 639-2/3 forms mapped), or None if malformed/unknown."""
    try:
        tag = langcodes.standardize_tag(value.replace("_", "-"), macro=True)
        lang = langcodes.Language.get(tag)
    except (langcodes.tag_parser.LanguageTagError, ValueError):
        return None
    if not lang.is_valid() or not lang.language or not lang.has_name_data():
        return None
    return lang


def code_or_none(value: str) -> str | None:
    """The normalised form of ``value``, or None when it is not a valid code (for names found in files)."""
    lang = _parse(value)
    return None if lang is None else str(lang)


def nearest_code(value: str) -> str | None:
    """The valid code a mistyped one most likely meant: a language name ("German"), a tag with stray
    punctuation ("fr."), or its first two letters when those form a code ("frn" → "fr")."""
    cleaned = re.sub(r"[^A-Za-z0-9-]", "", value.replace("_", "-")).strip("-")
    if cleaned and cleaned != value and _parse(cleaned) is not None:
        return str(_parse(cleaned))
    try:
        return str(langcodes.find(value.strip()))
    except LookupError:
        pass
    prefix = cleaned[:2]
    return str(_parse(prefix)) if len(cleaned) > 2 and _parse(prefix) is not None else None


def normalize_code(value: object, where: str) -> str:
    """The standard form of a language code; raises InputError naming ``where`` and the nearest valid code."""
    text = str(value if value is not None else "").strip()
    lang = _parse(text) if text else None
    if lang is None:
        hint = nearest_code(text) if text else None
        suggestion = f"did you mean {hint!r}? " if hint else ""
        raise InputError(
            f"{where}: unknown language code {text!r}; {suggestion}use a BCP-47 / ISO 639 code such as de, en, zh-Hans"
        )
    return str(lang)


@lru_cache(maxsize=512)
def language_info(code: str) -> LanguageInfo:
    """Name, script and direction of a (normalised) code."""
    lang = langcodes.Language.get(code)
    script = lang.script or lang.maximize().script or ""
    return LanguageInfo(
        code=str(lang),
        language=str(lang.language),
        name=lang.display_name(),
        script=script,
        rtl=script in _RTL_SCRIPTS,
        cased=script in _CASED_SCRIPTS,
        capitalises_nouns=str(lang.language) in _NOUN_CAPITALISING,
    )


def text_direction(code: str) -> str:
    """ "rtl" or "ltr" for an HTML dir attribute; "ltr" for a string that is not a valid code."""
    normal = code_or_none(code)
    return language_info(normal).direction if normal else "ltr"


def code_set(text: str) -> frozenset[str]:
    """A set of codes written as one space-separated string (the lists libraries publish)."""
    return frozenset(text.split())


def base_language(code: str) -> str:
    """The language subtag alone: per-language resources (stop words, rules, engines) are keyed by it."""
    return language_info(code).language
