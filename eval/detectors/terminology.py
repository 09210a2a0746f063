"""Terminology: a glossary term of the reference whose approved translation is absent from the version.

Why: a localization lead's glossary is the cheapest, most trusted check ("enrôlement" must be
"reclutamiento", not "congelación"); the span links to the word the version used instead, found
through the word alignment.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval.detectors.base import AlignedPair, Detector, DetectorNeeds, DetectorSkipped, Span, TextSpan
from eval.detectors.names_numbers import fold
from eval.detectors.stopwords import is_content
from eval.errors import GlossaryError, InputError
from eval.languages.codes import base_language, normalize_code
from eval.languages.wordchars import NON_WORD_CHAR, WORD_CHAR

_NOTE = "note"


@dataclass(frozen=True)
class Term:
    """One glossary entry: the term in the reference language and its approved translations per language."""

    source: str
    targets: dict[str, tuple[str, ...]]
    note: str = ""
    source_lang: str = ""

    def approved(self, lang: str) -> tuple[str, ...]:
        """Approved translations for ``lang`` ("es-ES" falls back to an "es" column)."""
        return self.targets.get(lang) or self.targets.get(base_language(lang), ())


def _column_lang(value: str, where: str) -> str:
    try:
        return normalize_code(value, where)
    except InputError as exc:
        raise GlossaryError(str(exc)) from exc


def _rows_with_start_line(reader: csv.DictReader[str], path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Each row with the line it starts on; a quote left open is reported where it opened, not at the
    end of the file where the reader stops."""
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise GlossaryError(f"{path}:{start}: {exc}; check the quotes on this line") from exc
        fields = [f for v in row.values() for f in (v if isinstance(v, list) else [v]) if isinstance(f, str)]
        if any("\n" in f for f in fields):
            raise GlossaryError(
                f"{path}:{start}: a quoted field opened on this line is not closed (the reader ran on to line "
                f"{reader.line_num}); close the quote or remove it"
            )
        yield start, row


def _read_csv(path: Path) -> list[Term]:
    from eval.textio import read_raw

    terms: list[Term] = []
    text, _ = read_raw(path)  # the same encoding detection as documents (UTF-8, BOMs, latin-1, cp1256…)
    with io.StringIO(text, newline="") as fh:
        reader = csv.DictReader(fh)
        header = list(reader.fieldnames or [])
        if not header or not header[0].startswith("term_"):
            raise GlossaryError(
                f"{path}:1: header must start with term_<reference language> (e.g. term_fr, term_en), then one "
                "column per language code and an optional note column"
            )
        source_col = header[0]
        source_lang = _column_lang(source_col[len("term_") :], f"{path}:1: column {source_col}")
        columns = {c: _column_lang(c, f"{path}:1: column {c}") for c in header[1:] if c != _NOTE}
        for line, row in _rows_with_start_line(reader, path):
            if None in row or any(v is None for v in row.values()):
                raise GlossaryError(f"{path}:{line}: wrong number of fields (expected {len(header)})")
            src = (row.get(source_col) or "").strip()
            if not src:
                raise GlossaryError(f"{path}:{line}: empty {source_col}")
            targets = {
                lang: tuple(t.strip() for t in (row.get(col) or "").split("|") if t.strip())
                for col, lang in columns.items()
            }
            terms.append(Term(src, targets, (row.get(_NOTE) or "").strip(), source_lang))
    return terms


def _read_tbx(path: Path, source_lang: str) -> list[Term]:
    """TBX entries; the term in ``source_lang`` (the reference language; by default the file's
    xml:lang, else each entry's first language) is the source, the others are its translations."""
    from translate.storage import tbx

    try:
        store = tbx.tbxfile.parsefile(str(path))
    except Exception as exc:  # translate-toolkit raises lxml errors carrying the line
        line = getattr(exc, "lineno", None) or "?"
        raise GlossaryError(f"{path}:{line}: TBX does not parse: {exc}") from exc
    xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
    root_lang = store.document.getroot().get(xml_lang) if store.document is not None else None
    wanted = source_lang or (_column_lang(root_lang, f"{path}: martif xml:lang") if root_lang else "")
    terms: list[Term] = []
    for unit in store.units:
        by_lang: dict[str, list[str]] = {}
        for lang_set in unit.xmlelement.iter("{*}langSet", "langSet"):
            lang = _column_lang(lang_set.get(xml_lang) or "", f"{path}:{lang_set.sourceline}: langSet xml:lang")
            for term in lang_set.iter("{*}term", "term"):
                if (term.text or "").strip():
                    by_lang.setdefault(lang, []).append((term.text or "").strip())
        src_lang = next((k for k in by_lang if k == wanted or base_language(k) == wanted), None)
        if src_lang is None and not wanted and by_lang:
            src_lang = next(iter(by_lang))
        if src_lang is not None:
            source, *_ = by_lang.pop(src_lang)
            terms.append(Term(source, {k: tuple(v) for k, v in by_lang.items()}, "", src_lang))
    return terms


def load_glossary(path: str | Path, source_lang: str = "") -> list[Term]:
    """Read a glossary (.csv or .tbx); a file that does not parse raises GlossaryError(file:line).

    A CSV names its source language in its first column (term_<code>); ``source_lang`` picks the
    source among a TBX entry's languages."""
    p = Path(path)
    if not p.is_file():
        raise GlossaryError(f"{p}: glossary file not found; set detector.terminology.glossary to a .csv or .tbx")
    if p.suffix.lower() == ".tbx":
        return _read_tbx(p, source_lang)
    if p.suffix.lower() == ".csv":
        return _read_csv(p)
    raise GlossaryError(f"{p}:1: unknown glossary format {p.suffix!r}; use .csv or .tbx")


def _pattern(term: str) -> re.Pattern[str]:
    """Case/accent-insensitive match of a term, tolerating a plural/inflection ending per word."""
    words = [re.escape(fold(w)) for w in re.split(r"[\s]+", term.strip())]
    body = f"{NON_WORD_CHAR}+".join(w + WORD_CHAR + "{0,3}" for w in words)
    return re.compile(rf"(?<!{WORD_CHAR}){body}(?!{WORD_CHAR})")


def find_term(text: str, term: str) -> list[TextSpan]:
    """Occurrences of ``term`` in ``text`` (folded matching; fold keeps offsets for Latin text)."""
    folded = fold(text)
    if len(folded) != len(text):
        folded = text.lower()
    return [TextSpan(text[m.start() : m.end()], m.start(), m.end()) for m in _pattern(term).finditer(folded)]


def used_span(hyp: str, links: list[Any], max_words: int = 6) -> TextSpan | None:
    """The words the version used for a term: the best-linked contiguous run of linked words.

    Alignment links of one term can land on scattered words; spanning from the first to the last
    would quote whole clauses, so only the run (words separated by at most a space or punctuation)
    with the highest total link similarity is kept, and within it the best window of ``max_words``.
    """
    if not links:
        return None
    words = sorted({(lk.hyp.start, lk.hyp.end): lk for lk in links}.values(), key=lambda lk: lk.hyp.start)
    runs: list[list[Any]] = [[words[0]]]
    for lk in words[1:]:
        gap = hyp[runs[-1][-1].hyp.end : lk.hyp.start]
        if len(gap) <= 3 and not any(ch.isalnum() for ch in gap):
            runs[-1].append(lk)
        else:
            runs.append([lk])
    best = max(runs, key=lambda run: sum(float(lk.similarity) for lk in run))
    if len(best) > max_words:
        windows = [best[i : i + max_words] for i in range(len(best) - max_words + 1)]
        best = max(windows, key=lambda run: sum(float(lk.similarity) for lk in run))
    start, end = best[0].hyp.start, best[-1].hyp.end
    return TextSpan(hyp[start:end], start, end)


def placed_at(hit: TextSpan, used: list[Any], links: list[Any], ref_lang: str) -> list[Any]:
    """The links of ``used`` whose version word the alignment places at the term: its strongest link
    to a reference content word falls inside ``hit``.

    Why: Itermax links every word somewhere, so a term the version left out still gets links, to
    words that render something else ("cryptocurrencies" for "Sûreté nationale", when its strongest
    link is "crypto-monnaies"). Quoting such a word as "the word used" misleads the reviewer. Function
    words do not compete: Arabic proclitics ("و", and) tie a content word to "et".
    """
    best: dict[tuple[int, int], Any] = {}
    for lk in links:
        key = (lk.hyp.start, lk.hyp.end)
        if is_content(lk.ref.text, ref_lang) and (key not in best or lk.similarity > best[key].similarity):
            best[key] = lk
    kept = []
    for lk in used:
        top = best.get((lk.hyp.start, lk.hyp.end))
        if top is None or (hit.start <= top.ref.start < hit.end) or top.similarity <= lk.similarity:
            kept.append(lk)
    return kept


@dataclass
class TerminologyDetector(Detector):
    """Checks each glossary term found in the reference against the aligned version."""

    name: str = "terminology"
    glossary: str | None = None
    terms: list[Term] = field(default_factory=list)
    aligner: Callable[[str, str], list[Any]] | None = None
    embedder: Any = None
    ref_lang: str = ""

    def needs(self) -> DetectorNeeds:
        return DetectorNeeds(inputs=("glossary", "token_states"))

    def __post_init__(self) -> None:
        if self.glossary and not self.terms:
            self.terms = load_glossary(self.glossary, self.ref_lang)
        if self.aligner is None and self.embedder is not None:
            from eval.detectors.omission_addition import make_aligner

            self.aligner = make_aligner(self.embedder)

    def detect(self, pairs: list[AlignedPair]) -> list[Span]:
        if not self.terms:
            raise DetectorSkipped(f"{self.name}: no glossary (set corpus.glossary or detector.terminology.glossary)")
        spans: list[Span] = []
        for p in pairs:
            if not p.ref.strip() or not p.hyp.strip():
                continue
            terms = [
                t for t in self.terms if not t.source_lang or base_language(t.source_lang) == base_language(p.ref_lang)
            ]
            if not terms:
                raise DetectorSkipped(
                    f"{self.name}: the glossary's terms are in {self.terms[0].source_lang}, the reference is in "
                    f"{p.ref_lang}; give a glossary whose first column is term_{p.ref_lang}"
                )
            if not any(t.approved(p.hyp_lang) for t in terms):
                raise DetectorSkipped(f"{self.name}: the glossary has no {p.hyp_lang} column for {p.system}")
            links: list[Any] | None = None
            for term in terms:
                approved = term.approved(p.hyp_lang)
                if not approved:
                    continue
                hits = find_term(p.ref, term.source)
                if not hits or any(find_term(p.hyp, a) for a in approved):
                    continue
                if links is None:
                    links = self.aligner(p.ref, p.hyp) if self.aligner else []
                for hit in hits:
                    linked = [lk for lk in links if lk.ref.start < hit.end and hit.start < lk.ref.end]
                    used = placed_at(hit, linked, links, p.ref_lang)
                    hyp = used_span(p.hyp, used, max_words=max(3, 2 * len(term.source.split())))
                    quoted = [lk.similarity for lk in used if hyp and hyp.start <= lk.hyp.start < hyp.end]
                    spans.append(
                        Span.on(
                            p,
                            hyp,
                            hit,
                            "terminology",
                            "major" if hyp is not None else "minor",
                            self.name,
                            0.9 if hyp else 0.6,
                            {
                                "term": term.source,
                                "approved": list(approved),
                                "used": hyp.text if hyp else None,
                                # how strongly the word alignment ties the quoted words to the term
                                # (Itermax links: below ~0.5 the quote may be a neighbouring word)
                                "used_link_similarity": round(max(map(float, quoted)), 4) if quoted else None,
                                "note": term.note,
                            },
                        )
                    )
        return spans
