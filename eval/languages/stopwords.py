"""Function words per language, so detectors judge content words only.

Why: a missing article or a preposition swapped by a paraphrase is not an accuracy error; counting
them would flood the English (paraphrased) version with false alarms. The curated closed lists below
(tuned on the DGSN corpus) override stopwordsiso for their languages; every other language gets
stopwordsiso's list (58 languages), and a language it lacks has none (the capability table says so).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

from eval.languages.codes import base_language
from eval.languages.wordchars import WORD

StopwordSource = Literal["curated", "stopwordsiso", "none"]

_LISTS: dict[str, str] = {
    "fr": """le la les l un une des du de d au aux à a et ou ni mais donc or car que qu qui quoi dont où
        ce cet cette ces se s son sa ses leur leurs notre nos votre vos mon ma mes il elle ils elles on
        nous vous je j tu lui y en ne n pas plus par pour sur sous dans avec sans entre vers via chez
        est sont été être avoir ont a eu fait cela ceci comme ainsi aussi également tout tous toute
        toutes même autres autre lors dont afin outre selon très bien sis m""",
    "es": """el la los las lo un una unos unas de del al a y e o u ni pero que quien cual cuyo donde
        este esta estos estas ese esa esos esas se su sus le les nos os me te mi mis tu tus él ella
        ellos ellas en no más por para sobre bajo con sin entre hacia desde hasta es son fue ser
        estar ha han haber hizo como así también todo todos toda todas mismo misma otros otras otro
        otra durante según muy ante tras días""",
    "en": """the a an of to in on at by for with from and or nor but that which who whom whose where
        this these those it its their his her our your my he she they we you i is are was were be
        been being have has had do does did as also such than then there into onto over under
        between through via about not no more most all any each other same so very well both""",
    "it": """il lo la i gli le un uno una di del dello della dei degli delle da dal dallo dalla dai
        dagli dalle a al allo alla ai agli alle in nel nello nella nei negli nelle su sul sullo
        sulla sui sugli sulle con per tra fra e ed o ma che chi cui dove questo questa questi
        queste quello quella si suo sua suoi sue loro non più è sono era stato stata essere avere
        ha hanno come anche tutto tutti tutta tutte stesso altri altre altro altra l d""",
    "ar": """في من إلى على عن مع هذا هذه ذلك تلك الذي التي الذين و أو ثم كما قد لقد أن إن كان كانت
        هو هي هم بين حول عبر بعد قبل خلال حيث التي أيضا أيضًا كل""",
}
STOPWORDS: dict[str, frozenset[str]] = {k: frozenset(v.split()) for k, v in _LISTS.items()}
#: Proclitics written joined to the next word ("و" and, in Arabic): stripped once before the lookup.
_PROCLITICS: dict[str, tuple[str, ...]] = {"ar": ("و",), "he": ("ו", "ה", "ב", "ל", "מ", "ש")}
_NUMBER = re.compile(r"^\d+([.,]\d+)*(er|ère|ème|e|th|st|nd|rd|º|ª|°|a|o)?$", re.IGNORECASE)


def stopword_source(lang: str) -> StopwordSource:
    """Where ``lang``'s function words come from."""
    import stopwordsiso

    base = base_language(lang)
    if base in STOPWORDS:
        return "curated"
    return "stopwordsiso" if stopwordsiso.has_lang(base) else "none"


@lru_cache(maxsize=256)
def stopword_set(lang: str) -> frozenset[str]:
    """The function words of ``lang`` (lower case): curated list, else stopwordsiso, else empty."""
    base = base_language(lang)
    return STOPWORDS[base] if base in STOPWORDS else library_stopwords(base)


@lru_cache(maxsize=256)
def library_stopwords(lang: str) -> frozenset[str]:
    """stopwordsiso's full list for ``lang`` (wider than the curated ones: "may" in English), or empty."""
    import stopwordsiso

    base = base_language(lang)
    return frozenset(w.lower() for w in stopwordsiso.stopwords(base)) if stopwordsiso.has_lang(base) else frozenset()


def is_stopword(word: str, lang: str) -> bool:
    """True for a function word of ``lang`` (case-insensitive; elided forms like l' count)."""
    words = stopword_set(lang)
    w = word.lower().strip("'’")
    for clitic in _PROCLITICS.get(base_language(lang), ()):
        if len(w) > len(clitic) + 1 and w.startswith(clitic) and w[len(clitic) :] in words:
            return True
    return w in words


def is_number(word: str) -> bool:
    return bool(_NUMBER.match(word))


@lru_cache(maxsize=200_000)
def is_content(word: str, lang: str) -> bool:
    """A word worth judging: not a function word, not a number, has a letter, at least 2 chars."""
    return len(word) >= 2 and any(c.isalpha() for c in word) and not is_stopword(word, lang) and not is_number(word)


_TOKEN = re.compile(rf"{WORD}(?:[-‑]{WORD})*")


def tokens(text: str) -> list[tuple[str, int, int]]:
    """Words of ``text`` as (text, start, end); apostrophes split elisions (d'enrôlement → d, enrôlement)."""
    return [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(text)]
