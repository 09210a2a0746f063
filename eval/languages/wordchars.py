"""What a word character is, for every script: Python's ``\\w`` plus the combining marks.

Why: ``re``'s ``\\w`` matches letters and digits but not combining marks (Unicode Mn, Mc, Me), so
``\\w+`` cuts every word of an abugida into consonant fragments: Hindi "काहिरा" became "क", "ह",
"र", and a Thai word stopped at its first vowel sign; Arabic harakat and Hebrew points split words
too. UTS #18 counts marks as word characters, as the ``regex`` package's ``\\w`` does; this class
gives the standard ``re`` the same words.
"""

from __future__ import annotations

import unicodedata


def _mark_ranges(first: int = 0x300, last: int = 0x1FFFF) -> str:
    """The combining-mark code points of the BMP and SMP as a character-class body (about 300 ranges)."""
    ranges: list[tuple[int, int]] = []
    for cp in range(first, last + 1):
        if unicodedata.category(chr(cp)) in ("Mn", "Mc", "Me"):
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1] = (ranges[-1][0], cp)
            else:
                ranges.append((cp, cp))
    return "".join(f"\\U{a:08x}-\\U{b:08x}" if a != b else f"\\U{a:08x}" for a, b in ranges)


_MARKS = _mark_ranges()
#: One word character (a regular-expression class): use it where ``\w`` would be.
WORD_CHAR = rf"[\w{_MARKS}]"
#: Not a word character: use it where ``\W`` would be.
NON_WORD_CHAR = rf"[^\w{_MARKS}]"
#: A run of word characters, ``\w+`` for every script.
WORD = WORD_CHAR + "+"
