"""Proper names, numbers, ordinals and dates of the reference, each checked against the version.

Why: names and figures are the errors readers notice first ("Rione" for Lyon, "Niall Gutton" for
Neal Jetton) and they need no translation model, only forms: the same spelling, the language's
exonym, a transliteration in another script (Arabic by its own consonant table, the rest romanized
by anyascii; compared as consonant skeletons), or the same number
written as digits, as number words (text2num) or an ordinal word.

The reference may be in any language. A capital is evidence of a name only where the script has case
and the language does not capitalise common nouns too (German does; the language layer knows), and the
reference text confirms it: in a text of 100+ words inside sentences, a fifth or more of them capitalised
means common nouns are (German text: 0.22-0.27; French, English, Spanish, Italian: 0.03-0.12). Never for
the first word of a sentence or line, nor for a word the reference also writes in lower case. Elsewhere
names come from the exonym table only; numbers and dates always.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from anyascii import anyascii

from eval.detectors.base import AlignedPair, Detector, Severity, Span, TextSpan
from eval.detectors.lexicon import Lexicon
from eval.detectors.stopwords import is_stopword, tokens
from eval.languages.codes import base_language, language_info
from eval.languages.numbers import words_to_digits
from eval.languages.places import places_for
from eval.languages.stopwords import library_stopwords
from eval.languages.wordchars import WORD_CHAR

# Exonyms: French form → forms in the other languages (lower-case, accents kept).
EXONYMS: dict[str, tuple[str, ...]] = {
    "lyon": ("lyon", "lione", "ليون"),
    "maroc": ("marruecos", "morocco", "marocco", "المغرب", "المغربية", "المملكة المغربية"),
    "djibouti": ("yibuti", "djibouti", "gibuti", "جيبوتي"),
    "comores": ("comoras", "comoros", "comore", "جزر القمر", "القمر"),
    "somalie": ("somalia", "الصومال"),
    "soudan": ("sudán", "sudan", "السودان"),
    "mauritanie": ("mauritania", "موريتانيا"),
    "france": ("francia", "france", "فرنسا"),
    "paris": ("parís", "parigi", "باريس"),
    "rabat": ("rabat", "الرباط"),
    "moyen-orient": ("oriente medio", "medio oriente", "middle east", "الشرق الأوسط"),
    "afrique": ("áfrica", "africa", "إفريقيا", "أفريقيا"),
    "interpol": ("interpol", "الأنتربول", "الإنتربول", "الانتربول"),
    "espagne": ("españa", "spain", "spagna", "إسبانيا"),
    "italie": ("italia", "italy", "إيطاليا"),
    "algérie": ("argelia", "algeria", "الجزائر"),
    "tunisie": ("túnez", "tunisia", "تونس"),
    "égypte": ("egipto", "egypt", "egitto", "مصر"),
}
MONTHS: dict[str, tuple[str, ...]] = {
    "janvier": ("enero", "january", "gennaio", "يناير", "جانفي"),
    "février": ("febrero", "february", "febbraio", "فبراير"),
    "mars": ("marzo", "march", "مارس"),
    "avril": ("abril", "april", "aprile", "أبريل"),
    "mai": ("mayo", "may", "maggio", "ماي", "مايو"),
    "juin": ("junio", "june", "giugno", "يونيو"),
    "juillet": ("julio", "july", "luglio", "يوليوز", "يوليو"),
    "août": ("agosto", "august", "غشت", "أغسطس"),
    "septembre": ("septiembre", "september", "settembre", "شتنبر", "سبتمبر"),
    "octobre": ("octubre", "october", "ottobre", "أكتوبر"),
    "novembre": ("noviembre", "november", "نونبر", "نوفمبر"),
    "décembre": ("diciembre", "december", "dicembre", "دجنبر", "ديسمبر"),
}
# Ordinal word stems 1–20 per language (gender/number endings are matched by prefix).
ORDINALS: dict[str, list[tuple[str, ...]]] = {
    "fr": [
        ("premi",),
        ("deuxi", "second"),
        ("troisi",),
        ("quatri",),
        ("cinqui",),
        ("sixi",),
        ("septi",),
        ("huiti",),
        ("neuvi",),
        ("dixi",),
        ("onzi",),
        ("douzi",),
        ("treizi",),
        ("quatorzi",),
        ("quinzi",),
        ("seizi",),
        ("dix-septi",),
        ("dix-huiti",),
        ("dix-neuvi",),
        ("vingti",),
    ],
    "es": [
        ("primer",),
        ("segund",),
        ("tercer",),
        ("cuart",),
        ("quint",),
        ("sext",),
        ("séptim", "septim"),
        ("octav",),
        ("noven",),
        ("décim", "decim"),
        ("undécim", "decimoprimer"),
        ("duodécim", "decimosegund"),
        ("decimotercer",),
        ("decimocuart",),
        ("decimoquint",),
        ("decimosext",),
        ("decimoséptim",),
        ("decimoctav",),
        ("decimonoven",),
        ("vigésim", "vigesim"),
    ],
    "en": [
        ("first",),
        ("second",),
        ("third",),
        ("fourth",),
        ("fifth",),
        ("sixth",),
        ("seventh",),
        ("eighth",),
        ("ninth",),
        ("tenth",),
        ("eleventh",),
        ("twelfth",),
        ("thirteenth",),
        ("fourteenth",),
        ("fifteenth",),
        ("sixteenth",),
        ("seventeenth",),
        ("eighteenth",),
        ("nineteenth",),
        ("twentieth",),
    ],
    "it": [
        ("prim",),
        ("second",),
        ("terz",),
        ("quart",),
        ("quint",),
        ("sest",),
        ("settim",),
        ("ottav",),
        ("nono", "nona", "noni", "none"),
        ("decim",),
        ("undicesim",),
        ("dodicesim",),
        ("tredicesim",),
        ("quattordicesim",),
        ("quindicesim",),
        ("sedicesim",),
        ("diciassettesim",),
        ("diciottesim",),
        ("diciannovesim",),
        ("ventesim",),
    ],
    "ar": [
        ("الأول", "الاول"),
        ("الثاني",),
        ("الثالث",),
        ("الرابع",),
        ("الخامس",),
        ("السادس",),
        ("السابع",),
        ("الثامن",),
        ("التاسع",),
        ("العاشر",),
        ("الحادي عشر", "الحادية عشرة"),
        ("الثاني عشر", "الثانية عشرة"),
        ("الثالث عشر",),
        ("الرابع عشر",),
        ("الخامس عشر",),
        ("السادس عشر",),
        ("السابع عشر",),
        ("الثامن عشر",),
        ("التاسع عشر",),
        ("العشرون", "العشرين"),
    ],
}
_ORD_SUFFIX = re.compile(r"^(\d+)(?:er|ère|re|ème|eme|e|th|st|nd|rd|º|ª|°|a|o)?$", re.IGNORECASE)
_AR_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_LETTER_PREFIX = re.compile(r"^[^\W\d_]+[-‑](?=\d+$)")
_ACRONYM = re.compile(r"^[A-Z]{2,}$")
_LATIN2SKEL = [
    ("sch", "s"),
    ("ch", "s"),
    ("sh", "s"),
    ("ph", "f"),
    ("th", "t"),
    ("dj", "j"),
    ("gu", "g"),
    ("qu", "k"),
    ("ck", "k"),
    ("x", "ks"),
]
_LATIN_CLASS = {"c": "k", "q": "k", "g": "j", "p": "b", "v": "f", "z": "s", "y": "", "w": "", "h": "h"}
_AR_CLASS = {
    "ب": "b",
    "ت": "t",
    "ث": "t",
    "ج": "j",
    "ح": "h",
    "خ": "k",
    "د": "d",
    "ذ": "d",
    "ر": "r",
    "ز": "s",
    "س": "s",
    "ش": "s",
    "ص": "s",
    "ض": "d",
    "ط": "t",
    "ظ": "s",
    "غ": "j",
    "ف": "f",
    "ق": "k",
    "ك": "k",
    "ل": "l",
    "م": "m",
    "ن": "n",
    "ه": "h",
    "گ": "j",
    "ڤ": "f",
    "پ": "b",
}

# Hebrew writes a foreign name's vowels with alef, he, vav, yod and ayin (matres lectionis: חמושי
# Hammouchi, ליון Lyon) and its v as a double vav, so those letters carry no consonant; romanized
# by anyascii they read as v and y (חמושי → "hmvshy", skeleton "hmfs" against "hms").
_HE_CLASS = {
    "ב": "b",
    "ג": "j",
    "ד": "d",
    "ה": "h",
    "ז": "s",
    "ח": "h",
    "ט": "t",
    "כ": "k",
    "ך": "k",
    "ל": "l",
    "מ": "m",
    "ם": "m",
    "נ": "n",
    "ן": "n",
    "ס": "s",
    "פ": "b",
    "ף": "f",
    "צ": "s",
    "ץ": "s",
    "ק": "k",
    "ר": "r",
    "ש": "s",
    "ת": "t",
}
_HE_FINAL_HE = re.compile("\u05d4(?![\u05d0-\u05ea])")  # a word-final he is a vowel (Kenya קניה)


def _hebrew_consonants(text: str) -> str:
    t = _HE_FINAL_HE.sub("", text).replace("וו", "v")
    return "".join("f" if c == "v" else _HE_CLASS.get(c, "") for c in t)


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Case- and accent-insensitive form for comparing Latin names (memoised: the span detectors
    fold the same few thousand words hundreds of thousands of times)."""
    if text.isascii():
        return text.casefold()  # no accents to strip (NFD leaves ASCII as is): most words
    nfd = unicodedata.normalize("NFD", text.casefold())
    return "".join(c for c in nfd if not unicodedata.combining(c))


def _non_latin(c: str) -> bool:
    """A letter of another script than Latin (with its extensions and Vietnamese)."""
    o = ord(c)
    return o > 0x24F and c.isalpha() and not 0x1E00 <= o <= 0x1EFF


# Letters romanized before anyascii, where its spelling would read as another Latin consonant. Indic
# nasalisation signs (anusvara, candrabindu, bindi, tippi): anyascii writes "m", but in a name they stand
# for the nasal Latin writes "n" (Lyon ≈ ल्यों). Greek chi: anyascii writes "ch", which the Latin table
# reads as French "ch" (s); it is the /x/ Latin names write h or kh (Χαμούσι ≈ Hammouchi).
_BEFORE_ROMANIZE = {
    **{
        cp: "n"
        for cp in range(0x900, 0xE00)
        if any(k in unicodedata.name(chr(cp), "") for k in ("ANUSVARA", "CANDRABINDU", "BINDI", "TIPPI"))
    },
    ord("χ"): "h",
    ord("Χ"): "H",
}


@lru_cache(maxsize=200_000)
def skeleton(text: str) -> str:
    """Consonant skeleton shared by spellings across scripts (Hammouchi ≈ حموشي → hms; Lyon ≈ ल्यों ≈ Лион).

    Arabic and Hebrew letters go through their consonant tables above (their vowel letters carry no
    consonant); other non-Latin scripts (Cyrillic, Greek, Devanagari, Hangul, Thai, Han...) are romanized
    by anyascii first, then skeletonised as Latin.
    """
    if any("\u0600" <= c <= "\u06ff" for c in text):
        out = "".join(_AR_CLASS.get(c, "") for c in text)
    elif any("\u05d0" <= c <= "\u05ea" for c in text):
        out = _hebrew_consonants(text)
    else:
        romanized = any(_non_latin(c) for c in text)  # no Arabic or Hebrew: the branches above took them
        t = fold(anyascii(text.translate(_BEFORE_ROMANIZE))) if romanized else fold(text)
        if romanized:
            t = t.replace("kh", "h")  # Cyrillic Х, Devanagari ख: the h of a Latin spelling
        for a, b in _LATIN2SKEL:
            t = t.replace(a, b)
        if not romanized:  # a silent h (Thomas, Mohamed); romanized abugidas drop vowels, so "hm" is not one
            t = re.sub(r"h(?=[^aeiou]|$)", "", t)
        out = "".join(_LATIN_CLASS.get(c, c) for c in t if c.isalpha() and c not in "aeiou")
    return re.sub(r"(.)\1+", r"\1", out)


def _lengths_allow(la: int, lb: int, threshold: float) -> bool:
    """``SequenceMatcher.real_quick_ratio() >= threshold`` for strings of these lengths."""
    total = la + lb
    return not total or 2.0 * min(la, lb) / total >= threshold


@lru_cache(maxsize=4096)
def _lengths_allowed(length: int, threshold: float) -> frozenset[int]:
    """The lengths that ``_lengths_allow`` with ``length`` (a set test is cheaper than a call per
    pair; longer strings only lower the bound, so the search stops past 2·length/threshold)."""
    return frozenset(n for n in range(int(2 * length / threshold) + 2) if _lengths_allow(n, length, threshold))


def may_reach(a: str, b: str, threshold: float) -> bool:
    """False when ``difflib.SequenceMatcher(None, a, b).ratio()`` is surely below ``threshold``.

    Why: most compared pairs are far apart, and difflib is the detectors' slowest step. The bounds
    are SequenceMatcher's own exact ones (real_quick_ratio: matches ≤ the shorter length;
    quick_ratio: matches ≤ the shared characters), computed without building a matcher.
    """
    if not _lengths_allow(len(a), len(b), threshold):
        return False
    total = len(a) + len(b)
    if not total:
        return True
    left: dict[str, int] = {}  # characters of b not yet matched
    for c in b:
        left[c] = left.get(c, 0) + 1
    shared = 0
    for c in a:
        n = left.get(c, 0)
        if n:
            left[c] = n - 1
            shared += 1
    return 2.0 * shared / total >= threshold


@lru_cache(maxsize=200_000)
def translit_similarity(a: str, b: str) -> float:
    """Similarity of two spellings, possibly in different scripts, by consonant skeleton."""
    sa, sb = skeleton(a), skeleton(b)
    if not sa or not sb:
        return 0.0
    return difflib.SequenceMatcher(None, sa, sb).ratio()


def _translit_reaches(a: str, b: str, threshold: float) -> bool:
    """``translit_similarity(a, b) >= threshold`` (threshold > 0), difflib only when the bounds allow."""
    sa, sb = skeleton(a), skeleton(b)
    return bool(sa and sb) and may_reach(sa, sb, threshold) and translit_similarity(a, b) >= threshold


@lru_cache(maxsize=200_000)
def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, fold(a), fold(b)).ratio()


def ratio_reaches(a: str, b: str, threshold: float) -> bool:
    """``_ratio(a, b) >= threshold`` (difflib on the folded forms, memoised), difflib only when the bounds allow."""
    return may_reach(fold(a), fold(b), threshold) and _ratio(a, b) >= threshold


# Lookups for number_value: every ordinal stem per language (one startswith rejects most words),
# and each Arabic ordinal form (also with the feminine ة) → its value (built backwards: the first listed wins).
_ORDINAL_STEMS: dict[str, tuple[str, ...]] = {
    lang: tuple(s for stems in table for s in stems) for lang, table in ORDINALS.items()
}
_AR_ORDINALS: dict[str, int] = {
    form: i + 1 for i, stems in reversed(list(enumerate(ORDINALS["ar"]))) for s in stems for form in (s, s + "ة")
}


@lru_cache(maxsize=200_000)
def number_value(word: str, lang: str) -> int | None:
    """Value of a digit token (8, 8ème, 8th, ٨) or an ordinal word (octava, الثامن), else None."""
    lang = base_language(lang)
    w = word.translate(_AR_DIGITS)
    if lang == "ar":
        w = re.sub(r"^[وب](?=\d)", "", w)
    w = _LETTER_PREFIX.sub("", w)  # Hebrew "ב-12" (in 12), "COVID-19": the figure is the number
    m = _ORD_SUFFIX.match(w)
    if m:
        return int(m.group(1))
    low = word.lower()
    if lang == "ar":
        return _AR_ORDINALS.get(re.sub(r"^[وبل](?=ال)", "", low))
    if not low.startswith(_ORDINAL_STEMS.get(lang, ())):
        return None  # no stem at all: most words
    for i, stems in enumerate(ORDINALS.get(lang, [])):
        if any(low.startswith(s) and len(low) <= len(s) + 3 for s in stems):
            return i + 1
    return None


@dataclass(frozen=True)
class Entity:
    """A name, number or month of the reference with its kind and its accepted target forms."""

    span: TextSpan
    kind: str  # name | number | date
    value: str
    forms: tuple[str, ...] = ()  # its other accepted forms (exonyms, the month in other languages)


_SENTENCE_OPENERS = ".!?:;\"«“„‚(—–-…'‘¿¡"
#: Above this share of capitalised words inside sentences, the reference capitalises common nouns...
NOUN_CAPITALS_SHARE = 0.18
#: ...provided it has this many words inside sentences; a shorter text (a few names in a line) says nothing.
NOUN_CAPITALS_MIN_WORDS = 100
# Every form of a known place or month (any language) → the forms of that entity, for any reference language.
_GROUPS: dict[str, tuple[str, ...]] = {
    form: (key, *forms) for table in (EXONYMS, MONTHS) for key, forms in table.items() for form in (key, *forms)
}
_MONTH_FORMS: frozenset[str] = frozenset(form for key, forms in MONTHS.items() for form in (key, *forms))


def _sentence_initial(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    return not before or before[-1] in _SENTENCE_OPENERS


def mid_sentence_capitals(refs: list[str]) -> tuple[float, int]:
    """Share of the words inside sentences (not first, not all-caps) that start with a capital, and their number."""
    words = capitals = 0
    for ref in refs:
        for word, start, _ in tokens(ref):
            if word[:1].isalpha() and not _sentence_initial(ref, start):
                words += 1
                capitals += word[:1].isupper() and not word.isupper()
    return (capitals / words if words else 0.0), words


@dataclass(frozen=True)
class NameEvidence:
    """What says a capitalised reference word is a name: ``by_capital`` (capitals mark names in this
    reference) and ``common``, the capitalised words known to be common words, lower-cased (lower-case
    elsewhere in the reference, a function word, or a dictionary word that is not a proper noun)."""

    lang: str
    by_capital: bool
    common: frozenset[str]
    places: dict[str, tuple[str, ...]] = field(default_factory=dict)  # CLDR region names, reference + version languages

    def forms(self, low: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*_GROUPS.get(low, ()), *self.places.get(low, ()))))


def name_evidence(refs: list[str], lang: str, lexicon: Lexicon | None, hyp_langs: tuple[str, ...] = ()) -> NameEvidence:
    """The evidence for one reference (all its segments): its script, its capitals, its own lower-case words."""
    share, n_words = mid_sentence_capitals(refs)
    measured = n_words < NOUN_CAPITALS_MIN_WORDS or share < NOUN_CAPITALS_SHARE
    by_capital = language_info(lang).names_by_capital and measured
    words = [t for ref in refs for t, _, _ in tokens(ref)]
    lower = {w for w in words if w.islower()}
    caps = sorted({w for w in words if w[:1].isupper()})
    common = {w.lower() for w in caps if w.lower() in lower or is_stopword(w, lang)}
    if lexicon is not None and lexicon.has_analyser(lang):
        for w, readings in lexicon.analyse(lang, caps).items():
            if readings and not any(r.pos == "np" for r in readings):
                common.add(w.lower())
    return NameEvidence(lang, by_capital, frozenset(common), places_for([lang, *hyp_langs]))


def _is_name_start(word: str, low: str, ref: str, start: int, evidence: NameEvidence) -> bool:
    capital = word[:1].isupper() or not language_info(evidence.lang).cased  # "réunion" is no island
    if capital and (low in _GROUPS or low in evidence.places) and low not in _MONTH_FORMS:
        return True
    return (
        evidence.by_capital
        and word[:1].isupper()
        and low not in evidence.common
        and not _sentence_initial(ref, start)
        and len(word) > 1
    )


def reference_entities(ref: str, evidence: NameEvidence) -> list[Entity]:
    """Names, numbers and months of one reference segment, by the reference's own evidence."""
    toks = tokens(ref)
    lang = evidence.lang
    out: list[Entity] = []
    grouped = {m.start(): m.end() for m in _GROUPED.finditer(ref)}  # 40 000 is one number, not 40 and 0
    i = 0
    while i < len(toks):
        word, s, e = toks[i]
        low = word.lower()
        if s in grouped:
            end = grouped[s]
            out.append(Entity(TextSpan(ref[s:end], s, end), "number", _figure_value(ref[s:end])))
            while i + 1 < len(toks) and toks[i + 1][1] < end:
                i += 1
        elif number_value(word, lang) is not None and any(c.isdigit() for c in word):
            out.append(Entity(TextSpan(word, s, e), "number", str(number_value(word, lang))))
        elif low in _MONTH_FORMS and low not in library_stopwords(lang):  # English "may" is a verb first
            out.append(Entity(TextSpan(word, s, e), "date", low, _GROUPS[low]))
        elif _ACRONYM.match(word):
            pass  # acronyms are legitimately expanded in translations; no reliable check
        elif _is_name_start(word, low, ref, s, evidence):
            j = i
            # Join adjacent capitalized unknown tokens into one name (Neal Jetton).
            while (
                evidence.by_capital
                and j + 1 < len(toks)
                and toks[j + 1][0][:1].isupper()
                and toks[j + 1][0].lower() not in evidence.common
                and not evidence.forms(toks[j + 1][0].lower())
                and ref[toks[j][2] : toks[j + 1][1]] == " "
                and not evidence.forms(low)
            ):
                j += 1
            e = toks[j][2]
            value = ref[s:e].lower()
            out.append(Entity(TextSpan(ref[s:e], s, e), "name", value, evidence.forms(value)))
            i = j
        i += 1
    covered = [(e.span.start, e.span.end) for e in out if e.kind == "number"]
    for value, span in _figures(ref):  # figures inside a Han/Kana run, which tokens() returns whole
        if not any(a <= span.start and span.end <= b for a, b in covered):
            out.append(Entity(span, "number", value))
    out.sort(key=lambda e: e.span.start)
    return out


# ISO 15924 scripts written without spaces between words.
UNSPACED_SCRIPTS = frozenset({"Thai", "Laoo", "Khmr", "Mymr", "Hans", "Hant", "Hani", "Jpan", "Tibt"})


def _variants(ent: Entity) -> tuple[str, ...]:
    return (ent.value, *ent.forms)


def _ngrams(hyp: str, n_max: int) -> list[TextSpan]:
    toks = tokens(hyp)
    grams: list[TextSpan] = []
    for n in range(1, n_max + 1):
        for i in range(len(toks) - n + 1):
            s, e = toks[i][1], toks[i + n - 1][2]
            grams.append(TextSpan(hyp[s:e], s, e))
    return grams


# A thousands separator: point, comma, apostrophe, or a space (French and ISO 31-0 write 40 000; a
# run reads an NBSP as a space). Joining only adds readings (see _has_number), never removes one.
_SEPARATOR = "[.,\u00a0\u202f'’ ]"
_THOUSANDS = re.compile(rf"(?<=\d){_SEPARATOR}(?=\d{{3}}(?!\d))")
# A figure written in thousands groups: 1-3 digits, then groups of 3 (40 000, 40.000, 1,250,000).
_GROUPS_OF_3 = rf"\d{{1,3}}(?:{_SEPARATOR}\d{{3}}(?!\d))+"
_GROUPED = re.compile(rf"(?<![\d.,]){_GROUPS_OF_3}")


def _figure_value(figure: str) -> str:
    """The value of a figure as the entities write it (40 000 → "40000")."""
    return str(int(re.sub(r"\D", "", figure)))


def _has_number(value: str, hyp: str, hyp_lang: str) -> bool:
    """``value`` among the version's numbers, as written or with thousands separators removed (40.000 = 40000)."""
    joined = _THOUSANDS.sub("", hyp)
    if joined != hyp and _has_number(value, joined, hyp_lang):
        return True
    return (
        any(str(number_value(t, hyp_lang)) == value for t, _, _ in tokens(hyp))
        or any(str(number_value(g.text, hyp_lang)) == value for g in _ngrams(hyp, 2))
        or any(v == value for v, _ in _figures(hyp))  # inside a Han/Kana run the tokens hold no number
    )


def _found(ent: Entity, hyp: str, hyp_lang: str) -> bool:
    if ent.kind == "number":
        if _has_number(ent.value, hyp, hyp_lang):
            return True
        digits = words_to_digits(hyp, hyp_lang)  # "einundzwanzig" → 21 where text2num covers the language
        return digits != hyp and _has_number(ent.value, digits, hyp_lang)
    folded = fold(hyp)
    info = language_info(hyp_lang)
    for v in _variants(ent):
        fv = fold(v)
        if not info.cased or any("\u0600" <= c <= "\u06ff" for c in v):  # no word case or spaces to anchor on
            if fv in folded:
                return True
        elif re.search(rf"(?<!{WORD_CHAR}){re.escape(fv)}(?!{WORD_CHAR})", folded):
            return True
    if ent.kind == "name":
        n = len(ent.value.split())
        # Each variant with its folded form and the n-gram lengths that can reach its threshold.
        variants = [(v, fv, _lengths_allowed(len(fv), 0.85)) for v in _variants(ent) for fv in (fold(v),)]
        # Either side in another script (a Latin version of a Cyrillic reference's name, or the reverse).
        cross_script = info.script != "Latn" or any(_non_latin(c) for c in ent.value)
        for g in _ngrams(hyp, n + 1):
            fg = fold(g.text)
            if any(len(fg) in ok and may_reach(fg, fv, 0.85) and _ratio(g.text, v) >= 0.85 for v, fv, ok in variants):
                return True
            if cross_script and _translit_reaches(g.text, ent.value, 0.8):
                return True
        if info.script in UNSPACED_SCRIPTS:
            return any(_in_unspaced(v, hyp) for v in _variants(ent))
    return False


def _in_unspaced(name: str, hyp: str) -> bool:
    """A name in a version written without spaces (Thai, Lao, Khmer, Burmese, Chinese, Japanese).

    There are no words to compare with, so the name's consonant skeleton is looked for inside the
    skeleton of the whole romanized version. A skeleton under 3 consonants (Lyon → "ln") would be
    found by chance in any sentence, so such a name counts as found: no omission is claimed that the
    version's writing system does not let the check see.
    """
    target = skeleton(name)
    return len(target) < 3 or target in skeleton(hyp)


_KNOWN_FORMS: frozenset[str] = frozenset(
    fold(w) for table in (EXONYMS, MONTHS) for key, forms in table.items() for f in (key, *forms) for w in f.split()
)


def _known_form(text: str) -> bool:
    """Part of a known place/month form (France, Oriente, September): never a garbled other name."""
    return any(fold(w) in _KNOWN_FORMS for w in re.split(r"[\s-]+", text))


def _wrong_counterpart(ent: Entity, hyp: str, hyp_lang: str, others: list[Entity]) -> TextSpan | None:
    """The version's look-alike of a missing name (Rione ~ Lione, Niall Gutton ~ Neal Jetton).

    A candidate must have as many words as the name, not be a known exonym/month form (a country
    in a list or a date is another entity, not this one garbled), not be another reference
    entity, and resemble the name by spelling (≥ 0.55) or by consonant skeleton (≥ 0.75).
    """
    if ent.kind != "name" or not language_info(hyp_lang).cased:
        return None
    n = len(ent.value.split())
    variants = _variants(ent)
    best: tuple[float, TextSpan] | None = None
    for g in _ngrams(hyp, n):
        if len(g.text.split()) != n or not all(w[:1].isupper() for w in g.text.split()):
            continue
        # The resemblance test below, asked first with the difflib-free bounds: most n-grams fail it.
        if not any(ratio_reaches(g.text, v, 0.55) or _translit_reaches(g.text, v, 0.75) for v in variants):
            continue
        if _known_form(g.text) or any(_found(o, g.text, hyp_lang) for o in others if o is not ent):
            continue
        spell = max(_ratio(g.text, v) for v in variants)
        skel = max(translit_similarity(g.text, v) for v in variants)
        score = max(spell, skel - 0.2)
        if (spell >= 0.55 or skel >= 0.75) and (best is None or score > best[0]):
            best = (score, g)
    return best[1] if best else None


# A figure of the version: digits, thousands groups (40.000, 40 000) read as one number.
# Not after a letter (G20), except after Han or Kana: Chinese and Japanese write figures inside a word run
# (来自40个国家的300多名代表), which the word tokenizer returns as one token.
_FIGURE = re.compile(
    r"(?<!\d)(?:(?<=[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])|(?<![^\W\d_]))"
    rf"(?:{_GROUPS_OF_3}|\d+)"
)


@lru_cache(maxsize=4096)
def _figures(text: str) -> tuple[tuple[str, TextSpan], ...]:
    """The figures of a text with their values (Arabic-Indic digits read as digits); memoised, as
    ``_has_number`` asks for every entity of a bead."""
    digits = text.translate(_AR_DIGITS)  # one character for one: offsets hold
    return tuple(
        (_figure_value(m.group()), TextSpan(text[m.start() : m.end()], m.start(), m.end()))
        for m in _FIGURE.finditer(digits)
    )


def _wrong_figure(ent: Entity, ref: str, hyp: str, ref_values: set[str], taken: set[int]) -> TextSpan | None:
    """The version's rendering of a missing reference number: a figure of the version that is none of
    the reference segment's numbers (12 written 21, 2024 for 2023), as a reviewer pairs them. Of several,
    the one whose digits resemble the number most less how far apart the two sit (relative position)."""
    if ent.kind != "number":
        return None
    extra = [(v, t) for v, t in _figures(hyp) if v not in ref_values and t.start not in taken]
    if not extra:
        return None
    where = ent.span.start / max(1, len(ref))

    def fit(item: tuple[str, TextSpan]) -> float:
        v, t = item
        return difflib.SequenceMatcher(None, v, ent.value).ratio() - abs(t.start / max(1, len(hyp)) - where)

    return max(extra, key=fit)[1]


@dataclass
class NamesNumbersDetector(Detector):
    """Flags names/numbers/dates of the reference missing or altered in the aligned version."""

    name: str = "names_numbers"
    use_lexicon: bool = True
    lexicon: Lexicon | None = None
    window: int = 1

    def __post_init__(self) -> None:
        if not self.use_lexicon:
            self.lexicon = None  # a run offers its lexicon to every detector; use_lexicon=false declines it
        elif self.lexicon is None:
            self.lexicon = Lexicon()

    def detect(self, pairs: list[AlignedPair]) -> list[Span]:
        spans: list[Span] = []
        if not pairs:
            return spans
        hyp_langs = tuple(sorted({p.hyp_lang for p in pairs}))
        evidence = name_evidence([p.ref for p in pairs], pairs[0].ref_lang, self.lexicon, hyp_langs)
        self.stats = {"pairs_examined": sum(1 for p in pairs if p.ref.strip() and p.hyp.strip())}
        self.stats["names_by_capital"] = int(evidence.by_capital)
        for k, p in enumerate(pairs):
            if not p.ref.strip() or not p.hyp.strip():
                continue
            ents = reference_entities(p.ref, evidence)
            ref_values = {e.value for e in ents if e.kind == "number"}
            taken: set[int] = set()  # version figures already paired with a missing number
            # Sentence alignment of a paraphrase can put a name one bead away: look there too, unless the
            # pairing was given (a line-aligned set: "12 марта" in line 1 hid "12 %" written 21 in line 2).
            window = 0 if p.given else self.window
            near = " ".join(q.hyp for q in pairs[max(0, k - window) : k + window + 1])
            for ent in ents:
                if _found(ent, p.hyp, p.hyp_lang) or _found(ent, near, p.hyp_lang):
                    continue
                wrong = _wrong_counterpart(ent, p.hyp, p.hyp_lang, ents) or _wrong_figure(
                    ent, p.ref, p.hyp, ref_values, taken
                )
                if wrong is not None and ent.kind == "number":
                    taken.add(wrong.start)
                category = "accuracy/mistranslation" if wrong else "accuracy/omission"
                severity: Severity = "major" if ent.kind in ("name", "number") else "minor"
                spans.append(
                    Span(
                        system=p.system,
                        lang=p.hyp_lang,
                        ref_segment_ids=list(p.ref_ids),
                        hyp_segment_ids=list(p.hyp_ids),
                        hyp=wrong,
                        ref=ent.span,
                        category=category,
                        severity=severity,
                        detector=self.name,
                        confidence=0.8 if wrong else 0.6,
                        evidence={
                            "kind": ent.kind,
                            "expected": sorted(set(_variants(ent))) if ent.kind != "number" else [ent.value],
                            "found": wrong.text if wrong else None,
                        },
                    )
                )
        return spans
