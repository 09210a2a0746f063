"""Mechanical QA checks of a version against its reference, as localization QA tools run them.

Why: Xbench and Okapi CheckMate run these checks on every delivery because they catch what a
reader notices first and what breaks software, and they need no model, so they hold in any
language. Humans mark such slips as Fluency errors (grammar, punctuation, character encoding),
which the "absent word" and cross-lingual detectors cannot see: the words are right, their form
or their surroundings are not. Each check looks at one aligned bead:

- ``repeated_word``: the same word twice in a row ("die die"), unless the reference has the same
  repetition (same-language pairs: "nous nous" where the reference has it too);
- ``unpaired_bracket``: a bracket opened and not closed (or closed and not opened) in the version
  while the reference's brackets pair up;
- ``end_punctuation``: the version ends as a question, an exclamation or a statement where the
  reference ends otherwise, or ends with no final punctuation where the reference has it
  (punctuation of each script: ``?`` ``؟`` ``？``, ``!`` ``！``, ``.`` ``。`` ``।`` ``۔`` ``។``...; Thai and Lao,
  which end sentences with no mark, are not asked for one);
- ``mixed_script``: one word written in two alphabets (a Cyrillic "а" inside a Latin word: a
  homoglyph that breaks search and spell checking);
- ``mojibake``: text decoded with the wrong character set ("Ã©", "â€™") or the replacement
  character U+FFFD; detected and repaired by ftfy (``fix_encoding``), whose repair is in the evidence;
- ``placeholder``: a placeholder or inline tag of the reference (``{0}``, ``%s``, ``%1$d``,
  ``{{name}}``, ``${x}``, ``<b>``) missing from the version (an omission, major: the software breaks),
  or one the version adds;
- ``foreign_script``: a run of words written in another script than the version language's that the
  reference does not have ("Cooperation между странами", "工厂" in an English version): source text
  left untranslated (accuracy/untranslated). Acronyms (NATO), words under 3 letters (2 for Han,
  Kana and Hangul), placeholders and tags, and words the reference also writes (brand names, URLs)
  are not findings; a version whose script the table below does not know is not checked.

Each finding's evidence names its check. Severities follow CheckMate's defaults: placeholders
major, the rest minor.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import ftfy

from eval.align.words import Word, word_units
from eval.detectors.base import AlignedPair, Detector, Span, TextSpan
from eval.errors import ConfigError
from eval.languages.codes import language_info
from eval.languages.wordchars import WORD, WORD_CHAR

CHECKS: tuple[str, ...] = (
    "repeated_word",
    "unpaired_bracket",
    "end_punctuation",
    "mixed_script",
    "mojibake",
    "placeholder",
    "foreign_script",
)

_WORD = re.compile(rf"{WORD}(?:[-'’]{WORD})*")
_REPEAT = re.compile(rf"(?<!{WORD_CHAR})({WORD})(\s+)(\1)(?!{WORD_CHAR})", re.IGNORECASE)
_BRACKETS = {"(": ")", "[": "]", "{": "}"}
_CLOSERS = {v: k for k, v in _BRACKETS.items()}
# Final punctuation by what it says, over the scripts' own marks (Latin, Arabic, CJK fullwidth, Devanagari, Urdu).
_FINAL_KIND = {
    "?": "question",
    "؟": "question",
    "？": "question",
    "¿": "question",
    "!": "exclamation",
    "！": "exclamation",
    "¡": "exclamation",
    ".": "statement",
    "。": "statement",
    "．": "statement",
    "।": "statement",
    "۔": "statement",
    "…": "statement",
    ";": "statement",  # Greek question mark is U+037E, normalised to ';' by NFKC: read as a statement mark
    ":": "colon",
    "：": "colon",
    "॥": "statement",  # Devanagari double danda
    "។": "statement",  # Khmer
    "။": "statement",  # Myanmar
    "།": "statement",  # Tibetan
    "።": "statement",  # Ethiopic
    "։": "statement",  # Armenian
}
# Scripts whose orthography ends a sentence with a space or nothing, not a mark (Thai, Lao): a version
# in them without a final mark is written as it should be.
_NO_FINAL_MARK_SCRIPTS = frozenset({"Thai", "Laoo"})
# Closing quotes and brackets that may follow the final mark ("… »", '…?"').
_TRAILING = " \t\"'’”»›)]}」』）"
_PLACEHOLDER = re.compile(
    r"%\d+\$[sdif]|%[sdif@]|\{\{\s*\w+\s*\}\}|\$\{\w+\}|\{\d+\}|\{\w+\}|</?[A-Za-z][\w:-]*(?:\s[^<>]*)?/?>"
)
_SCRIPTS_THAT_MIX_BADLY = ("LATIN", "CYRILLIC", "GREEK")
# The letters a version language's script writes with (ISO 15924 code → Unicode character name prefixes).
_OWN_LETTERS: dict[str, frozenset[str]] = {
    "Latn": frozenset({"LATIN"}),
    "Cyrl": frozenset({"CYRILLIC"}),
    "Grek": frozenset({"GREEK"}),
    "Arab": frozenset({"ARABIC"}),
    "Hebr": frozenset({"HEBREW"}),
    "Deva": frozenset({"DEVANAGARI"}),
    "Beng": frozenset({"BENGALI"}),
    "Taml": frozenset({"TAMIL"}),
    "Thai": frozenset({"THAI"}),
    "Armn": frozenset({"ARMENIAN"}),
    "Geor": frozenset({"GEORGIAN"}),
    "Ethi": frozenset({"ETHIOPIC"}),
    "Hans": frozenset({"CJK"}),
    "Hant": frozenset({"CJK"}),
    "Hani": frozenset({"CJK"}),
    "Jpan": frozenset({"CJK", "HIRAGANA", "KATAKANA"}),
    "Kore": frozenset({"HANGUL", "CJK"}),
}
_SHORT_WORD_SCRIPTS = frozenset({"CJK", "HIRAGANA", "KATAKANA", "HANGUL"})  # a word of 2 characters says much


def _span(text: str, start: int, end: int) -> TextSpan:
    return TextSpan(text[start:end], start, end)


def repeated_words(hyp: str, ref: str) -> list[TextSpan]:
    """Each word repeated right after itself in ``hyp`` (case-insensitive, whitespace between only), unless
    ``ref`` has the same repetition. Digits are left out ("10 10" is a list more often than a slip)."""
    in_ref = {m.group(1).casefold() for m in _REPEAT.finditer(ref)}
    out = []
    for m in _REPEAT.finditer(hyp):
        word = m.group(1)
        if word.isdigit() or word.casefold() in in_ref:
            continue
        out.append(_span(hyp, m.start(1), m.end(3)))
    return out


def unpaired_brackets(text: str) -> list[int]:
    """Offsets of brackets in ``text`` that have no partner (a stack per bracket kind)."""
    stacks: dict[str, list[int]] = {k: [] for k in _BRACKETS}
    unpaired = []
    for i, ch in enumerate(text):
        if ch in _BRACKETS:
            stacks[ch].append(i)
        elif ch in _CLOSERS:
            if stacks[_CLOSERS[ch]]:
                stacks[_CLOSERS[ch]].pop()
            else:
                unpaired.append(i)
    return sorted(unpaired + [i for s in stacks.values() for i in s])


def final_kind(text: str) -> tuple[str, int]:
    """What the text's last mark says (question, exclamation, statement, colon, or none) and its offset
    (for none: the offset of the last character), closing quotes and brackets skipped."""
    end = len(text.rstrip(_TRAILING))
    if end == 0:
        return "none", 0
    ch = unicodedata.normalize("NFKC", text[end - 1])[:1]
    return _FINAL_KIND.get(ch, "none"), end - 1


def end_punctuation(hyp: str, ref: str, hyp_marks_end: bool = True) -> tuple[TextSpan, str, str] | None:
    """The version's final character when its final punctuation says something else than the reference's:
    (span, version kind, reference kind). A reference with no final mark asks nothing of the version, and
    a version in a script that marks no sentence end (``hyp_marks_end`` false: Thai, Lao) may have none."""
    ref_kind, _ = final_kind(ref)
    hyp_kind, at = final_kind(hyp)
    if ref_kind in ("none", hyp_kind) or not hyp.strip() or (hyp_kind == "none" and not hyp_marks_end):
        return None
    if hyp_kind == "none":  # mark the last word, the place the missing mark belongs
        words = list(_WORD.finditer(hyp[: at + 1]))
        # The last word unit: a Chinese or Thai clause is one run, its last character or word is the unit.
        start = word_units(Word(words[-1].group(), words[-1].start(), words[-1].end()))[-1].start if words else at
        return _span(hyp, start, at + 1), hyp_kind, ref_kind
    return _span(hyp, at, at + 1), hyp_kind, ref_kind


def _letter_script(ch: str) -> str | None:
    if not ch.isalpha():
        return None
    name = unicodedata.name(ch, "")
    return next((s for s in _SCRIPTS_THAT_MIX_BADLY if name.startswith(s + " ")), None)


def mixed_script_words(text: str) -> list[tuple[TextSpan, list[str]]]:
    """Words whose letters come from two of Latin, Cyrillic and Greek (homoglyphs), with those scripts."""
    out = []
    for m in _WORD.finditer(text):
        scripts = sorted({s for ch in m.group(0) if (s := _letter_script(ch))})
        if len(scripts) > 1:
            out.append((_span(text, m.start(), m.end()), scripts))
    return out


def mojibake(text: str) -> list[tuple[TextSpan, str]]:
    """Runs of non-space characters ftfy repairs as a character-set error, or holding U+FFFD, with the repair."""
    out = []
    for m in re.finditer(r"\S+", text):
        token = m.group(0)
        fixed = ftfy.fix_encoding(token)
        if fixed != token or "\ufffd" in token:
            out.append((_span(text, m.start(), m.end()), fixed))
    return out


def placeholders(text: str) -> Counter[str]:
    """The placeholders and inline tags of a text, with their counts."""
    return Counter(m.group(0) for m in _PLACEHOLDER.finditer(text))


def _word_script(word: str) -> str | None:
    """The one script a word's letters are written in (Unicode name prefix: LATIN, CYRILLIC, CJK...), None
    for a word without letters or with letters of two scripts (mixed_script's case)."""
    scripts = {unicodedata.name(c, "").split(" ")[0] for c in word if c.isalpha()}
    return scripts.pop() if len(scripts) == 1 else None


def foreign_script_words(hyp: str, ref: str, script: str) -> list[TextSpan]:
    """Runs of ``hyp`` words in another script than the version's ``script`` (ISO 15924) that ``ref`` does
    not contain (case-insensitive); acronyms, short words, placeholders and tags are no findings."""
    own = _OWN_LETTERS.get(script)
    if own is None:
        return []
    masked = _PLACEHOLDER.sub(lambda m: " " * len(m.group(0)), hyp)
    folded_ref = ref.casefold()
    runs: list[tuple[str, int, int, bool]] = []  # script, start, end, has a telling word
    for m in _WORD.finditer(masked):
        word, kind = m.group(0), _word_script(m.group(0))
        if kind is None or kind in own:
            continue
        letters = sum(c.isalpha() for c in word)
        telling = letters >= (2 if kind in _SHORT_WORD_SCRIPTS else 3) and not word.isupper()
        telling = telling and word.casefold() not in folded_ref
        if runs and runs[-1][0] == kind and not masked[runs[-1][2] : m.start()].strip():
            runs[-1] = (kind, runs[-1][1], m.end(), runs[-1][3] or telling)
        else:
            runs.append((kind, m.start(), m.end(), telling))
    return [_span(hyp, a, b) for _, a, b, telling in runs if telling]


def _find_all(text: str, token: str) -> list[TextSpan]:
    return [_span(text, m.start(), m.end()) for m in re.finditer(re.escape(token), text)]


@dataclass
class QAChecksDetector(Detector):
    """Runs the ``checks`` named (all of ``CHECKS`` by default) on every bead with text on both sides."""

    name: str = "qa_checks"
    checks: list[str] = field(default_factory=lambda: list(CHECKS))

    def __post_init__(self) -> None:
        unknown = sorted(set(self.checks) - set(CHECKS))
        if unknown:
            raise ConfigError(f"detector.qa_checks.checks: unknown {unknown}; known: {list(CHECKS)}")

    def detect(self, pairs: list[AlignedPair]) -> list[Span]:
        runs: dict[str, Callable[[AlignedPair], list[Span]]] = {
            "repeated_word": self._repeated,
            "unpaired_bracket": self._brackets,
            "end_punctuation": self._end,
            "mixed_script": self._scripts,
            "mojibake": self._mojibake,
            "placeholder": self._placeholders,
            "foreign_script": self._foreign_script,
        }
        return [s for p in pairs if p.hyp.strip() and p.ref.strip() for c in self.checks for s in runs[c](p)]

    def _fluency(self, p: AlignedPair, hyp: TextSpan, confidence: float, evidence: dict[str, object]) -> Span:
        return Span.on(p, hyp, None, "fluency", "minor", self.name, confidence, evidence)

    def _repeated(self, p: AlignedPair) -> list[Span]:
        return [self._fluency(p, s, 0.6, {"check": "repeated_word"}) for s in repeated_words(p.hyp, p.ref)]

    def _brackets(self, p: AlignedPair) -> list[Span]:
        if unpaired_brackets(p.ref):
            return []
        return [
            self._fluency(p, _span(p.hyp, i, i + 1), 0.7, {"check": "unpaired_bracket"})
            for i in unpaired_brackets(p.hyp)
        ]

    def _end(self, p: AlignedPair) -> list[Span]:
        found = end_punctuation(p.hyp, p.ref, language_info(p.hyp_lang).script not in _NO_FINAL_MARK_SCRIPTS)
        if found is None:
            return []
        span, hyp_kind, ref_kind = found
        return [self._fluency(p, span, 0.5, {"check": "end_punctuation", "version": hyp_kind, "reference": ref_kind})]

    def _scripts(self, p: AlignedPair) -> list[Span]:
        return [
            self._fluency(p, s, 0.8, {"check": "mixed_script", "scripts": scripts})
            for s, scripts in mixed_script_words(p.hyp)
        ]

    def _mojibake(self, p: AlignedPair) -> list[Span]:
        return [self._fluency(p, s, 0.9, {"check": "mojibake", "repaired": fixed}) for s, fixed in mojibake(p.hyp)]

    def _placeholders(self, p: AlignedPair) -> list[Span]:
        ref, hyp = placeholders(p.ref), placeholders(p.hyp)
        spans = []
        for token in sorted((ref - hyp).keys()):
            for r in _first(_find_all(p.ref, token), (ref - hyp)[token]):
                spans.append(
                    Span.on(p, None, r, "accuracy/omission", "major", self.name, 0.9, {"check": "placeholder"})
                )
        for token in sorted((hyp - ref).keys()):
            for h in _first(_find_all(p.hyp, token)[::-1], (hyp - ref)[token]):
                spans.append(
                    Span.on(p, h, None, "accuracy/addition", "major", self.name, 0.9, {"check": "placeholder"})
                )
        return spans

    def _foreign_script(self, p: AlignedPair) -> list[Span]:
        return [
            Span.on(p, h, None, "accuracy/untranslated", "minor", self.name, 0.7, {"check": "foreign_script"})
            for h in foreign_script_words(p.hyp, p.ref, language_info(p.hyp_lang).script)
        ]


def _first(spans: Sequence[TextSpan], n: int) -> list[TextSpan]:
    return sorted(spans[:n], key=lambda s: s.start)
