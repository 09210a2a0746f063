"""Terminology: a glossary term of the reference whose approved translation is absent from the version.

Why: a localization lead's glossary is the cheapest, most trusted check ("enrôlement" must be
"reclutamiento", not "congelación"); the span links to the word the version used instead, found
through the word alignment.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval.detectors.base import AlignedPair, Detector, Span, TextSpan
from eval.detectors.names_numbers import fold
from eval.detectors.stopwords import is_content
from eval.errors import GlossaryError

LANGS = ("es", "en", "it", "ar")


@dataclass(frozen=True)
class Term:
    """One glossary entry: the French term and its approved translations per language."""

    source: str
    targets: dict[str, tuple[str, ...]]
    note: str = ""


def _read_csv(path: Path) -> list[Term]:
    terms: list[Term] = []
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames is None or "term_fr" not in reader.fieldnames:
            raise GlossaryError(f"{path}:1: header must start with term_fr (columns: term_fr, es, en, it, ar, note)")
        for row in reader:
            line = reader.line_num
            if None in row or any(v is None for v in row.values()):
                raise GlossaryError(f"{path}:{line}: wrong number of fields (expected {len(reader.fieldnames)})")
            src = (row.get("term_fr") or "").strip()
            if not src:
                raise GlossaryError(f"{path}:{line}: empty term_fr")
            targets = {
                lang: tuple(t.strip() for t in (row.get(lang) or "").split("|") if t.strip())
                for lang in LANGS
                if lang in row
            }
            terms.append(Term(src, targets, (row.get("note") or "").strip()))
    return terms


def _read_tbx(path: Path) -> list[Term]:
    from translate.storage import tbx

    try:
        store = tbx.tbxfile.parsefile(str(path))
    except Exception as exc:  # translate-toolkit raises lxml errors carrying the line
        line = getattr(exc, "lineno", None) or "?"
        raise GlossaryError(f"{path}:{line}: TBX does not parse: {exc}") from exc
    terms: list[Term] = []
    for unit in store.units:
        targets: dict[str, list[str]] = {}
        source = ""
        for lang_set in unit.xmlelement.iter("{*}langSet", "langSet"):
            lang = (lang_set.get("{http://www.w3.org/XML/1998/namespace}lang") or "").split("-")[0]
            for term in lang_set.iter("{*}term", "term"):
                text = (term.text or "").strip()
                if lang == "fr" and not source:
                    source = text
                elif text:
                    targets.setdefault(lang, []).append(text)
        if source:
            terms.append(Term(source, {k: tuple(v) for k, v in targets.items()}))
    return terms


def load_glossary(path: str | Path) -> list[Term]:
    """Read a glossary (.csv or .tbx); a file that does not parse raises GlossaryError(file:line)."""
    p = Path(path)
    if not p.is_file():
        raise GlossaryError(f"{p}: glossary file not found; set detector.terminology.glossary to a .csv or .tbx")
    if p.suffix.lower() == ".tbx":
        return _read_tbx(p)
    if p.suffix.lower() == ".csv":
        return _read_csv(p)
    raise GlossaryError(f"{p}:1: unknown glossary format {p.suffix!r}; use .csv or .tbx")


def _pattern(term: str) -> re.Pattern[str]:
    """Case/accent-insensitive match of a term, tolerating a plural/inflection ending per word."""
    words = [re.escape(fold(w)) for w in re.split(r"[\s]+", term.strip())]
    body = r"\W+".join(w + r"\w{0,3}" for w in words)
    return re.compile(rf"(?<!\w){body}(?!\w)")


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

    def __post_init__(self) -> None:
        if self.glossary and not self.terms:
            self.terms = load_glossary(self.glossary)
        if self.aligner is None and self.embedder is not None:
            from eval.detectors.omission_addition import make_aligner

            self.aligner = make_aligner(self.embedder)

    def detect(self, pairs: list[AlignedPair]) -> list[Span]:
        spans: list[Span] = []
        for p in pairs:
            if not p.ref.strip() or not p.hyp.strip():
                continue
            links: list[Any] | None = None
            for term in self.terms:
                approved = term.targets.get(p.hyp_lang, ())
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
