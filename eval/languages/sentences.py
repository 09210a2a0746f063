"""Sentence splitting for any language: curated rules, else a maintained library, else one per line.

Why an order: the curated rules (sentence_rules.py) are tuned and tested on the project's corpora and
win where they exist; pysbd and then sentencex bring abbreviation lists for the languages they ship
rules for; any other language gets sentencex's fallback (the end marks of every script, the
abbreviations of a related language or English), and the capability table says so. Until session 26
such a language kept one sentence per paragraph: a Ukrainian version's three-sentence paragraph became
one sentence, aligned 3-1 against the reference, and a sentence of it was reported as a major
omission. A fallback that splits at an abbreviation it does not know costs less: the aligner joins the
pieces back into one bead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from eval.languages.codes import base_language, code_set
from eval.languages.sentence_rules import CURATED, split_paragraph

SplitterKind = Literal["curated", "pysbd", "sentencex", "spaces"]

# The languages sentencex ships its own rules for (sentencex/languages/*); any other code makes it fall
# back to English abbreviations, which is not a rule for that language.
SENTENCEX_LANGS: frozenset[str] = code_set(
    "am ar bg bn ca da de el en es fi fr gu hi hy it ja kk kn ml mr my nl pa pl pt sk ta"
)
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
# Thai and Lao end a sentence with a space, not a mark (PyThaiNLP's "whitespace" sentence splitter): a
# space between two letters of the script is a boundary. It also ends some clauses, which the aligner
# merges back; a space next to a digit or a Latin word ("ในปี 2031") is not one.
SPACE_SENTENCE_LANGS = frozenset({"th", "lo"})
_SCRIPT_SPACE = re.compile(r"(?<=[\u0e00-\u0eff])\s+(?=[\u0e00-\u0eff])")


@dataclass(frozen=True)
class Splitter:
    """Which splitter a language gets, and the sentence for the capability table."""

    kind: SplitterKind
    lang: str
    note: str


def _pysbd_langs() -> frozenset[str]:
    from pysbd.languages import LANGUAGE_CODES

    return frozenset(LANGUAGE_CODES)


@lru_cache(maxsize=256)
def splitter_for(lang: str) -> Splitter:
    base = base_language(lang)
    if base in CURATED:
        return Splitter("curated", base, "the project's curated rules")
    if base in _pysbd_langs():
        return Splitter("pysbd", base, f"pysbd rules for {base}")
    if base in SENTENCEX_LANGS:
        return Splitter("sentencex", base, f"sentencex rules for {base}")
    if base in SPACE_SENTENCE_LANGS:
        return Splitter("spaces", base, "a space between two words of the script ends a sentence (no end marks)")
    return Splitter(
        "sentencex",
        base,
        f"no rules of its own for {base}: sentencex's fallback (every script's end marks, a related language's or "
        "English abbreviations); a split at an unknown abbreviation is joined back by the aligner",
    )


@lru_cache(maxsize=32)
def _pysbd(lang: str) -> object:
    import pysbd

    return pysbd.Segmenter(language=lang, clean=False)


def _split(text: str, splitter: Splitter) -> list[str]:
    if splitter.kind == "curated":
        return split_paragraph(text, splitter.lang)
    if splitter.kind == "spaces":
        parts = _SCRIPT_SPACE.split(text)
    elif splitter.kind == "pysbd":
        parts = list(_pysbd(splitter.lang).segment(text))  # type: ignore[attr-defined]
    else:
        import sentencex

        parts = list(sentencex.segment(splitter.lang, text))
    return [p.strip() for p in parts if p.strip()]


def split_sentences(text: str, lang: str) -> list[str]:
    """Split ``text`` into sentences; blank lines are hard breaks, single newlines are spaces."""
    splitter = splitter_for(lang)
    out: list[str] = []
    for paragraph in _PARAGRAPH_BREAK.split(text):
        out.extend(_split(paragraph, splitter))
    return out


def segment_lines(lines: list[str], lang: str) -> list[str]:
    """Sentences of every line (one paragraph per line), in order, stripped, no empties.

    A line never continues into the next one: scraped paragraphs and headlines lack end
    punctuation, so line ends are always boundaries.
    """
    splitter = splitter_for(lang)
    out: list[str] = []
    for line in lines:
        out.extend(_split(line, splitter))
    return out
