"""Documents as sentences, the language way: curated/library splitting, or lines kept as given.

Why here: whether a text is split, and by which rules, depends on its language (eval.languages.sentences)
and on the manifest (``segmented: true``); the corpus stage only asks for sentences.
"""

from __future__ import annotations

import logging

from eval.errors import InputError
from eval.languages.identify import declared_language_problem
from eval.languages.sentences import segment_lines

log = logging.getLogger(__name__)

LANGUAGE_CHECKS = ("off", "warn", "strict")


def given_lines(text: str) -> list[str]:
    """A segmented document's sentences: every line, stripped, blank ones kept so ids stay line numbers
    (0-based); only trailing blank lines go."""
    lines = [line.strip() for line in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def sentences_of(lines: list[str], lang: str, segmented: bool) -> list[str]:
    return lines if segmented else segment_lines(lines, lang)


def check_declared_language(text: str, lang: str, where: str, mode: str) -> str | None:
    """The declared-language check (lingua): a warning, or with ``mode="strict"`` an InputError."""
    if mode not in LANGUAGE_CHECKS:
        raise InputError(f"corpus.language_check={mode!r} is unknown; use one of {', '.join(LANGUAGE_CHECKS)}")
    if mode == "off":
        return None
    problem = declared_language_problem(text, lang, where)
    if problem and mode == "strict":
        raise InputError(problem + " (or set corpus.language_check=warn)")
    if problem:
        log.warning("%s", problem)
    return problem


def check_declared_languages(texts: list[tuple[str, str, str]], mode: str) -> list[str]:
    """The check over (where, text, lang) triples (a line-aligned set's reference, source and systems)."""
    return [p for where, text, lang in texts if (p := check_declared_language(text, lang, where, mode))]
