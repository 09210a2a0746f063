"""Number words ("twenty-one", "einundzwanzig") as digits, through text2num where it covers the language.

Why: a reference with "21" and a version with "einundzwanzig" agree; a detector that compares digits
only would call that an omission. text2num says itself which languages it parses (it raises on the others).
"""

from __future__ import annotations

from functools import lru_cache

from eval.languages.codes import base_language


@lru_cache(maxsize=256)
def number_words_supported(lang: str) -> bool:
    """True when text2num parses number words of ``lang`` (asked of the library, not a table)."""
    from text_to_num import alpha2digit

    try:
        alpha2digit("1", base_language(lang))
    except ValueError:
        return False
    return True


@lru_cache(maxsize=50_000)
def words_to_digits(text: str, lang: str) -> str:
    """``text`` with its number words written as digits; unchanged for a language text2num lacks."""
    if not number_words_supported(lang):
        return text
    from text_to_num import alpha2digit

    return str(alpha2digit(text, base_language(lang)))
