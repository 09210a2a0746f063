"""Baselines a detector must beat, computed on the same segments as the detectors.

- ``edit_spans``: every maximal run of hypothesis words absent from the same-language reference
  (case-folded word match). Cheap, language-neutral, and what a human post-editor would touch first.
- ``random_placement``: the detected spans themselves, each moved to a random position of the same
  segment (same length), so precision is compared with chance on the same lines and span lengths.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Mapping

from eval.align.words import Word, word_units
from eval.detectors.reference_edits import flagged_runs
from eval.languages.wordchars import WORD
from eval.meta.spanmatch import CharSpan, SegmentRef

_WORD = re.compile(WORD)


def absent_word_runs(hyp: str, ref: str, merge_gap: int = 0) -> list[tuple[int, int]]:
    """(start, end) of each run of consecutive hypothesis words that the reference does not contain;
    runs separated by at most ``merge_gap`` reference words are one span (the phrase shape a detector
    may use: its baseline must have the same shape, or span counting alone would separate them)."""
    ref_words = {w.text.casefold() for w in _units(ref)}
    words = _units(hyp)
    runs = flagged_runs([w.text.casefold() not in ref_words for w in words], merge_gap)
    return [(words[run[0]].start, words[run[-1]].end) for run in runs]


def _units(text: str) -> list[Word]:
    """Word-character runs as the words of their script (as in ``eval.align.words.words_of``)."""
    return [u for m in _WORD.finditer(text) for u in word_units(Word(m.group(), m.start(), m.end()))]


def edit_spans(hyps: Mapping[SegmentRef, str], refs: Mapping[int, str], merge_gap: int = 0) -> list[CharSpan]:
    """The naive baseline over every (system, line) of ``hyps``; ``refs`` maps line → reference text."""
    return [
        CharSpan(system, line, a, b, "edit", "major", "edit-baseline")
        for (system, line), hyp in sorted(hyps.items())
        for a, b in absent_word_runs(hyp, refs[line], merge_gap)
    ]


def random_placement(spans: Iterable[CharSpan], lengths: Mapping[SegmentRef, int], seed: int) -> list[CharSpan]:
    """Each span moved to a uniformly random start in its segment (clipped to the segment's length)."""
    rng = random.Random(seed)
    out: list[CharSpan] = []
    for s in spans:
        n = lengths[(s.system, s.line)]
        width = min(s.end - s.start, n)
        start = rng.randint(0, n - width) if n > width else 0
        out.append(CharSpan(s.system, s.line, start, start + width, s.category, s.severity, s.source))
    return out
