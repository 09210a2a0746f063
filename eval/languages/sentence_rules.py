"""The project's curated sentence-splitting rules for fr, es, en, it and ar (they win over libraries).

Own rules rather than sentencex/pysbd: sentencex splits French after "M." and pysbd splits Spanish
after "Sr." and Arabic on "،"; a wrong split shifts every alignment bead after it, so the rules
below are tuned on the corpus text and covered by tests in tests/test_segmenting.py.

A candidate boundary is a run of end punctuation (. ! ? … ؟ ۔) plus any closing quotes or
brackets, followed by whitespace or the end of the text. It is NOT a boundary when:

- the next word starts with a lowercase letter (scraped Spanish has "el combate. delincuencia");
- the run is a single period after a title ("M.", "Sr.", "Dr.") that always precedes a name;
- the run is a single period after another abbreviation ("etc.", "Inc.", "S.A."), an initial
  ("J. F. Kennedy") or a dotted acronym, unless the next word is a common sentence opener
  ("Le", "The", "El", "Il"...) for the language.

Periods inside tokens ("3.5", "1.000", URLs, e-mail addresses) never have whitespace after them
and so are never candidates. The Arabic comma "،" and semicolon "؛" end nothing.
"""

from __future__ import annotations

import re

from eval.languages.wordchars import WORD

_END = ".!?…؟۔"
_CLOSERS = "\"'»”’)]}›"
# Closers that can only close, so they may follow the end punctuation after a space (French "fin. »").
_SPACED_CLOSERS = "»”)]}›"
_OPENERS = "\"'«“‘([{‹¿¡—–-"

_BOUNDARY = re.compile(rf"[{re.escape(_END)}]+[{re.escape(_CLOSERS)}]*(?:\s+[{re.escape(_SPACED_CLOSERS)}]+)*(?=\s|$)")
_WORD = re.compile(WORD)
_LEADING_OPENERS = re.compile(rf"^[\s{re.escape(_OPENERS)}]*")
_DOTTED_ACRONYM = re.compile(r"^(?:[^\W\d_]{1,2}\.)+[^\W\d_]{1,2}$")

# Titles precede a name: a period after them never ends a sentence.
_COMMON_TITLES = frozenset(
    {"Dr", "Dra", "Pr", "Prof", "St", "Sr", "Sra", "Sres", "Srta", "Mr", "Mrs", "Ms", "Gen", "Col", "Lt"}
)
_TITLES: dict[str, frozenset[str]] = {
    "fr": _COMMON_TITLES | {"M", "MM", "Mme", "Mmes", "Mlle", "Mlles", "Me", "Mgr"},
    "es": _COMMON_TITLES | {"D", "Dña", "Ud", "Uds", "Vd", "Vds", "Excmo", "Excma", "Ilmo", "Ilma"},
    "en": _COMMON_TITLES | {"Messrs", "Rev", "Hon", "Sen", "Rep", "Gov", "Capt", "Sgt"},
    "it": _COMMON_TITLES | {"Sig", "Sigg", "Dott", "Dott.ssa", "Ing", "Avv", "On", "Geom", "Rag"},
    "ar": frozenset({"د", "أ.د"}),
}

# Other abbreviations: usually mid-sentence, but they can end one ("..., etc. Le lendemain").
_COMMON_ABBREVIATIONS = frozenset(
    {"etc", "Inc", "Ltd", "Co", "Corp", "Jr", "No", "Nº", "vs", "cf", "ca", "approx", "vol", "p", "pp", "n"}
)
_ABBREVIATIONS: dict[str, frozenset[str]] = {
    "fr": _COMMON_ABBREVIATIONS | {"p.ex", "av", "bd", "env", "art", "chap", "hab", "S.A", "S.A.R.L"},
    "es": _COMMON_ABBREVIATIONS | {"S.A", "S.L", "núm", "art", "pág", "av", "avda", "aprox", "EE.UU"},
    "en": _COMMON_ABBREVIATIONS | {"e.g", "i.e", "a.m", "p.m", "U.S", "U.K", "Dept", "Fig", "est"},
    "it": _COMMON_ABBREVIATIONS | {"ecc", "S.p.A", "S.r.l", "art", "pag", "cit", "es", "nn"},
    "ar": frozenset(),
}

#: Languages (base subtags) with curated rules.
CURATED: frozenset[str] = frozenset(_TITLES)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that typically open a sentence: after an abbreviation they signal a real sentence end.
_OPENER_WORDS: dict[str, frozenset[str]] = {
    "fr": _words(
        "le la les l un une des du ce cet cette ces il elle ils elles on nous vous je en au aux dans "
        "par pour selon mais et ainsi cependant puis lors après avant depuis son sa ses leur leurs "
        "tout tous c ça qui quand si or donc d"
    ),
    "es": _words(
        "el la los las un una unos unas lo este esta estos estas ese esa en por para según pero y "
        "también además sin durante tras al del su sus se es no hoy ayer luego después cuando si "
        "como él ella ellos ellas"
    ),
    "en": _words(
        "the a an this that these those it he she they we i in on at by for but and also however "
        "after before during his her their its there as when if our"
    ),
    "it": _words(
        "il lo la i gli le l un una uno questo questa questi queste in per secondo ma e anche "
        "inoltre dopo durante nel nella al alla del della suo sua loro si è non oggi ieri poi "
        "quando se come lui lei"
    ),
    "ar": frozenset(),
}


def _token_before(text: str, end: int) -> str:
    """The whitespace-delimited token that ends at ``end`` (the period), without opening punctuation."""
    start = end
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    return text[start:end].lstrip(_OPENERS)


def _next_word(text: str, pos: int) -> str:
    """The next word after ``pos``, skipping whitespace and opening quotes/brackets/dashes."""
    rest = _LEADING_OPENERS.sub("", text[pos:], count=1)
    match = _WORD.match(rest)
    return match.group(0) if match else rest[:1]


def _is_boundary(text: str, match: re.Match[str], lang: str) -> bool:
    nxt = _next_word(text, match.end())
    if not nxt:
        return True
    if nxt[0].islower():
        return False
    if match.group(0) != ".":
        return True
    token = _token_before(text, match.start())
    if token in _TITLES[lang]:
        return False
    is_initial = len(token) == 1 and token.isalpha() and token.isupper()
    if token in _ABBREVIATIONS[lang] or is_initial or _DOTTED_ACRONYM.match(token):
        if nxt[0].isdigit():
            return False
        return nxt.lower() in _OPENER_WORDS[lang]
    return True


def split_paragraph(text: str, lang: str) -> list[str]:
    """Sentences of one paragraph by the curated rules of ``lang`` (a key of CURATED)."""
    sentences: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        if _is_boundary(text, match, lang):
            sentences.append(text[start : match.end()].strip())
            start = match.end()
    sentences.append(text[start:].strip())
    return [s for s in sentences if s]
