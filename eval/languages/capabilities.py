"""What the harness can do for a language and for a (reference, version) pair on this machine.

Why: a stage that cannot run for a language must say so before the run, not produce a silent zero
after it. Every row comes from the libraries and installed resources (langcodes, pysbd/sentencex,
stopwordsiso, text2num, lingua, the encoders' training languages, ``apertium -l``).
"""

from __future__ import annotations

from dataclasses import dataclass

from eval.languages.apertium_modes import Mode, list_modes, pair_modes, shortest_route
from eval.languages.codes import base_language, language_info
from eval.languages.encoders import encoder_covers
from eval.languages.identify import lingua_covers
from eval.languages.numbers import number_words_supported
from eval.languages.sentences import splitter_for
from eval.languages.stopwords import stopword_source


@dataclass(frozen=True)
class Capability:
    """One row: a component for a language (or pair), whether it runs, and what it uses or why not."""

    subject: str  # "de" or "en→de"
    component: str
    available: bool
    detail: str


def installed_pair_modes(apertium_bin: str = "apertium") -> list[Mode] | None:
    listed = list_modes(apertium_bin)
    return None if listed is None else pair_modes(listed)


def language_capabilities(code: str, modes: list[Mode] | None) -> list[Capability]:
    info = language_info(code)
    base = info.language
    split = splitter_for(code)
    stop = stopword_source(code)
    rows = [
        Capability(code, "language", True, f"{info.name}; script {info.script}, {info.direction}"),
        Capability(
            code,
            "names by capitals",
            info.names_by_capital,
            "cased script: a capital inside a sentence can mark a name"
            if info.names_by_capital
            else (
                "every noun is capitalised: capitals mark no name"
                if info.cased
                else f"script {info.script} has no case: names are not found by capitals"
            ),
        ),
        Capability(code, "sentence splitting", True, split.note),  # every language has a splitter
        Capability(
            code,
            "stop words",
            stop != "none",
            {
                "curated": "the project's curated list",
                "stopwordsiso": "stopwordsiso",
                "none": "no list: every word counts as a content word",
            }[stop],
        ),
        Capability(
            code,
            "number words",
            number_words_supported(code),
            "text2num" if number_words_supported(code) else "text2num lacks it: numbers are matched as digits only",
        ),
        Capability(
            code,
            "language identification",
            lingua_covers(code),
            "lingua" if lingua_covers(code) else "lingua lacks it: no language check, no untranslated clause check",
        ),
    ]
    for encoder in ("e5", "use"):
        covered = bool(encoder_covers(encoder, code))
        rows.append(
            Capability(code, f"encoder {encoder}", covered, "trained on it" if covered else "not among its languages")
        )
    if modes is None:
        rows.append(Capability(code, "apertium", False, "the apertium binary is not installed"))
    else:
        names = sorted(m.name for m in modes if base in (m.src, m.tgt))
        rows.append(
            Capability(
                code, "apertium", bool(names), ", ".join(names) if names else "no installed mode has this language"
            )
        )
    return rows


def pair_capabilities(ref: str, hyp: str, modes: list[Mode] | None) -> list[Capability]:
    """Stages for a version in ``hyp`` scored against a reference in ``ref``."""
    subject = f"{hyp}→{ref}"
    same = base_language(ref) == base_language(hyp)
    route = None if same or modes is None else shortest_route(hyp, ref, modes, prefer="es")
    if same:
        bridge = Capability(subject, "bridge", True, "not needed: same language")
    elif route:
        hops = "→".join([hyp, *(m.tgt for m in route[:-1]), ref])
        bridge = Capability(subject, "bridge", True, f"apertium {hops} ({', '.join(m.name for m in route)})")
    else:
        why = "apertium is not installed" if modes is None else "no chain of installed apertium modes"
        bridge = Capability(subject, "bridge", False, f"{why}: BLEU/chrF/TER and COMET-ref are not scored")
    e5 = bool(encoder_covers("e5", ref)) and bool(encoder_covers("e5", hyp))
    rows = [
        bridge,
        Capability(
            subject,
            "BLEU/chrF/TER",
            bridge.available,
            "same language" if same else ("on the bridge" if bridge.available else "needs a bridge"),
        ),
        Capability(
            subject,
            "sentence alignment (e5)",
            e5,
            "both languages in e5" if e5 else "e5 lacks one of them: documents cannot be aligned",
        ),
        Capability(
            subject,
            "detector omission_addition",
            e5,
            "word links from e5" if e5 else "e5 lacks one of them: skipped",
        ),
        Capability(
            subject,
            "detector mistranslation",
            e5,
            ("e5 context similarity" + ("" if same else " on the bridge"))
            if e5 and (same or bridge.available)
            else (
                "runs, but without a bridge a link with no dictionary evidence is not judged (no_evidence)"
                if e5
                else "e5 lacks one of them: skipped"
            ),
        ),
        Capability(
            subject,
            "detector names_numbers",
            True,
            "numbers always; names by capitals"
            + ("" if language_info(ref).names_by_capital else " not possible for this reference language"),
        ),
        Capability(
            subject,
            "detector untranslated",
            lingua_covers(hyp),
            "lingua clause check" if lingua_covers(hyp) else f"lingua lacks {hyp}: skipped",
        ),
    ]
    return rows


def capability_table(codes: list[str], apertium_bin: str = "apertium") -> list[Capability]:
    """Rows for each code, then for each later code as a version of the first (the reference)."""
    modes = installed_pair_modes(apertium_bin)
    rows = [row for code in codes for row in language_capabilities(code, modes)]
    for hyp in codes[1:]:
        rows.extend(pair_capabilities(codes[0], hyp, modes))
    return rows


def format_table(rows: list[Capability]) -> str:
    width_s = max((len(r.subject) for r in rows), default=0)
    width_c = max((len(r.component) for r in rows), default=0)
    lines = []
    for r in rows:
        mark = "yes" if r.available else "no "
        lines.append(f"{r.subject:<{width_s}}  {r.component:<{width_c}}  {mark}  {r.detail}")
    return "\n".join(lines)
