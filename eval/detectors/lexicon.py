"""Apertium dictionary access through ``lt-proc``: morphological analysis and bilingual lookup.

Why: the mistranslation and names detectors need lexical evidence ("is *aviones* a dictionary
translation of *drones*?"), and Apertium's compiled dictionaries give it for fr↔es, en↔es and
it↔es; en/it reach French by composing through Spanish. Lookups are batched and cached in
memory, and each dictionary is served by one long-lived ``lt-proc -z`` process (null-flush mode):
starting lt-proc costs ~0.14 s, a batched lookup in a running process well under a millisecond.
"""

from __future__ import annotations

import atexit
import itertools
import logging
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from eval.errors import MissingApertiumError

log = logging.getLogger(__name__)

APERTIUM_DIR = Path("/usr/share/apertium")
# ISO 639-1 → the codes each Apertium package uses for the language.
_PACKAGES: dict[frozenset[str], tuple[str, dict[str, str]]] = {
    frozenset({"fr", "es"}): ("apertium-fr-es", {"fr": "fr", "es": "es"}),
    frozenset({"en", "es"}): ("apertium-eng-spa", {"en": "eng", "es": "spa"}),
    frozenset({"it", "es"}): ("apertium-spa-ita", {"it": "ita", "es": "spa"}),
}
_UNIT = re.compile(r"\^((?:[^$\\]|\\.)*)\$")
_TAGS = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Analysis:
    """One reading of a surface form: lemma and its tag string (``<n><m><pl>``)."""

    lemma: str
    tags: str

    @property
    def pos(self) -> str:
        m = re.match(r"<([^>]+)>", self.tags)
        return m.group(1) if m else ""


def _analysis(reading: str) -> Analysis:
    """One lt-proc reading (``lemma<n><f><sg>``; a bare lemma has no tags) as an ``Analysis``."""
    return Analysis(reading[: reading.index("<")] if "<" in reading else reading, "".join(_TAGS.findall(reading)))


def _order(a: Analysis) -> tuple[str, str]:
    return a.lemma, a.tags


def _direct_pair(src: str, tgt: str) -> tuple[Path, Path] | None:
    """(automorf of src, autobil src→tgt) of an installed package, or None."""
    entry = _PACKAGES.get(frozenset({src, tgt}))
    if entry is None:
        return None
    pkg, codes = entry
    base = APERTIUM_DIR / pkg / f"{codes[src]}-{codes[tgt]}"
    morf, bil = Path(f"{base}.automorf.bin"), Path(f"{base}.autobil.bin")
    if morf.is_file() and bil.is_file():
        return morf, bil
    return None


_CHUNK_BYTES = 32_768  # per request: a write that fits the pipe buffer can never deadlock with lt-proc's output


@dataclass
class _LtProcServer:
    """One ``lt-proc -z`` process: a request is text + NUL, the answer ends at the NUL lt-proc echoes."""

    command: list[str]
    proc: subprocess.Popen[bytes] | None = None

    def ask(self, text: str) -> str:
        if self.proc is None or self.proc.poll() is not None:
            self.proc = subprocess.Popen(
                self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0
            )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        data = memoryview(text.replace("\0", "").encode("utf-8") + b"\0")
        while data:  # unbuffered pipe: a write may be partial
            data = data[self.proc.stdin.write(data) or 0 :]
        buf = b""
        while not buf.endswith(b"\0"):
            chunk = self.proc.stdout.read(1 << 16)  # unbuffered: returns what is there
            if not chunk:
                raise MissingApertiumError(f"{' '.join(self.command)} stopped answering (exit {self.proc.poll()})")
            buf += chunk
            buf = buf.lstrip(b"\0")
        return buf[:-1].decode("utf-8", errors="replace")

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            if self.proc.stdin is not None:
                self.proc.stdin.close()
            self.proc.wait(timeout=5)
        self.proc = None


_SERVERS: dict[tuple[str, str], _LtProcServer] = {}


@atexit.register
def close_servers() -> None:
    """Stop the lt-proc processes (at exit, or in tests that count processes)."""
    for server in _SERVERS.values():
        server.close()
    _SERVERS.clear()


def _requests(units: list[str], max_chars: int) -> Iterator[list[str]]:
    """Consecutive units in groups whose joined text (with the 3-character separators) stays under ``max_chars``."""
    batch: list[str] = []
    size = 0
    for unit in units:
        if batch and size + len(unit) + 3 > max_chars:
            yield batch
            batch, size = [], 0
        batch.append(unit)
        size += len(unit) + 3
    if batch:
        yield batch


def run_lt_proc(flag: str, binary: Path, units: list[str]) -> list[str]:
    """Feed ``units`` (one per line) to the ``lt-proc`` server of ``binary``; return its ``^…$`` units in order."""
    exe = shutil.which("lt-proc")
    if exe is None:
        raise MissingApertiumError("lt-proc not found: install lttoolbox (apt-get install lttoolbox)")
    server = _SERVERS.setdefault((flag, str(binary)), _LtProcServer([exe, "-z", flag, str(binary)]))
    out: list[str] = []
    try:
        for batch in _requests(units, _CHUNK_BYTES // 4):  # ≤ 4 UTF-8 bytes per character
            # A full stop between units keeps lt-proc from joining neighbours into multiword entries.
            answer = server.ask("\n.\n".join(batch) + "\n")
            out += [u for u in _UNIT.findall(answer) if not u.startswith("./")]
    except OSError as exc:
        server.close()
        raise MissingApertiumError(f"lt-proc {flag} {binary} failed: {exc}") from exc
    return out


# Process-wide memos for a ``Lexicon()`` built without its own (direct use, tests, benchmarks): a word's
# analysis in an installed dictionary never changes. A run builds one ``Lexicon.for_run()`` shared by its
# detectors instead, so lt-proc sees each word form once per run and the memo ends with the run.
_ANALYSES: dict[tuple[str, str], list[Analysis]] = {}
_BIL: dict[tuple[str, str, str], list[Analysis]] = {}  # parsed once: a run looks them up per system


def clear_memo(keep: set[tuple[str, str]] | frozenset[tuple[str, str]] = frozenset()) -> None:
    """Forget memoised lookups (benchmarks measuring a cold run; a reinstalled dictionary).

    ``keep`` holds (lang, lower-cased word) pairs whose analyses stay, with every dictionary entry
    reachable from them (through the pivot too): what a run's reference words cost only once.
    """
    kept = {k: v for k, v in _ANALYSES.items() if k in keep}
    frontier = {(lang, a.lemma + a.tags) for (lang, _), readings in kept.items() for a in readings}
    bil: dict[tuple[str, str, str], list[Analysis]] = {}
    while frontier:
        found = {k: v for k, v in _BIL.items() if (k[0], k[2]) in frontier and k not in bil}
        bil.update(found)
        frontier = {(k[1], a.lemma + a.tags) for k, v in found.items() for a in v}
    _ANALYSES.clear()
    _ANALYSES.update(kept)
    _BIL.clear()
    _BIL.update(bil)


@dataclass
class Lexicon:
    """Cached Apertium lookups. ``available(src, tgt)`` says whether a (composed) route exists."""

    apertium_dir: Path = APERTIUM_DIR
    pivot: str = "es"
    _analyses: dict[tuple[str, str], list[Analysis]] = field(default_factory=lambda: _ANALYSES)
    _bil: dict[tuple[str, str, str], list[Analysis]] = field(default_factory=lambda: _BIL)

    @classmethod
    def for_run(cls) -> Lexicon:
        """A lexicon with its own memo: one per run, shared by the run's detectors, gone with the run."""
        return cls(_analyses={}, _bil={})

    def _morf(self, lang: str) -> Path | None:
        for other in ("es", "fr", "en", "it"):
            if other == lang:
                continue
            pair = _direct_pair(lang, other)
            if pair is not None:
                return pair[0]
        return None

    def has_analyser(self, lang: str) -> bool:
        return self._morf(lang) is not None

    def route(self, src: str, tgt: str) -> list[str] | None:
        """Languages visited from src to tgt (direct or through the pivot), or None."""
        if src == tgt:
            return [src]
        if _direct_pair(src, tgt) is not None:
            return [src, tgt]
        if _direct_pair(src, self.pivot) is not None and _direct_pair(self.pivot, tgt) is not None:
            return [src, self.pivot, tgt]
        return None

    def available(self, src: str, tgt: str) -> bool:
        return self.route(src, tgt) is not None and self.has_analyser(src)

    def analyse(self, lang: str, words: list[str]) -> dict[str, list[Analysis]]:
        """Readings of each word (lower-cased); unknown words map to an empty list."""
        morf = self._morf(lang)
        keys = sorted({w.lower() for w in words})
        if morf is None:
            return {w: [] for w in keys}
        todo = [w for w in keys if (lang, w) not in self._analyses and w.strip()]
        if todo:
            units = run_lt_proc("-a", morf, todo)
            got: dict[str, list[Analysis]] = {}
            for unit in units:
                surface, *readings = unit.split("/")
                got[surface.lower()] = [_analysis(r) for r in readings if not r.startswith("*") and "<" in r]
            for w in todo:
                self._analyses[(lang, w)] = got.get(w, [])
        return {w: self._analyses.get((lang, w), []) for w in keys}

    def _bilingual(self, src: str, tgt: str, analyses: list[Analysis]) -> dict[Analysis, list[Analysis]]:
        pair = _direct_pair(src, tgt)
        if pair is None:
            return {a: [] for a in analyses}
        bil = pair[1]
        todo = sorted({a for a in analyses if (src, tgt, a.lemma + a.tags) not in self._bil}, key=_order)
        if todo:
            units = run_lt_proc("-b", bil, [f"^{a.lemma}{a.tags}$" for a in todo])
            for a, unit in zip(todo, units, strict=False):
                outs = unit.split("/")[1:]
                self._bil[(src, tgt, a.lemma + a.tags)] = [_analysis(o) for o in outs if not o.startswith("@")]
        return {a: self._bil.get((src, tgt, a.lemma + a.tags), []) for a in analyses}

    def translate_lemmas(self, src: str, tgt: str, words: list[str]) -> dict[str, set[str]]:
        """Dictionary translations (lemmas, lower-cased) of each word's readings, src → tgt.

        Composes through the pivot when no direct dictionary exists; an empty set means the
        dictionary has no entry (not that the word is wrong).
        """
        keys = sorted({w.lower() for w in words})
        route = self.route(src, tgt)
        if route is None or not self.has_analyser(src):
            return {w: set() for w in keys}
        readings = self.analyse(src, keys)
        if src == tgt:
            return {w: {a.lemma.lower() for a in readings[w]} for w in keys}
        current: dict[str, set[Analysis]] = {w: set(readings[w]) for w in keys}
        for a_lang, b_lang in itertools.pairwise(route):
            flat = sorted({a for s in current.values() for a in s}, key=_order)
            table = self._bilingual(a_lang, b_lang, flat)
            current = {w: {t for a in s for t in table.get(a, [])} for w, s in current.items()}
        return {w: {a.lemma.lower() for a in s} for w, s in current.items()}

    def lemmas(self, lang: str, words: list[str]) -> dict[str, set[str]]:
        """Lemmas of each word (itself when unknown), lower-cased."""
        an = self.analyse(lang, words)
        return {w: ({a.lemma.lower() for a in r} or {w}) for w, r in an.items()}
