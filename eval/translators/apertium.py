"""Apertium (rule-based MT from Debian packages) behind the ``Translator`` interface.

One ``apertium <mode>`` process per hop translates the whole document: process start and
dictionary loading cost far more than a sentence (see benchmarks/bench_apertium.py). Apertium's
txt format keeps newlines, so lines go in separated by a blank line (a sentence boundary, so
no context leaks between lines) and come back split the same way; the count is checked on every
hop. Unknown-word marks (``*`` unknown, ``@`` no bilingual entry,
``#`` generation error) are kept as data and removed from the text, which is why ``-u`` is
never used.
"""

from __future__ import annotations

import logging
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

from eval.cache import Cache, content_key
from eval.errors import ConfigError, MissingApertiumError, ResourceError
from eval.languages.apertium_modes import list_modes, pair_modes, parse_mode, shortest_route
from eval.translators.base import Translation, Translator

log = logging.getLogger(__name__)

MARKS = "*@#"

#: Modes the Debian packages below offer, so a missing install can be told from a pair nobody covers;
#: routes are searched over the modes ``apertium -l`` lists (eval.languages.apertium_modes).
MODE_PACKAGES: dict[str, tuple[str, ...]] = {
    "fr-es": ("apertium-fr-es",),
    "es-fr": ("apertium-fr-es",),
    "eng-spa": ("apertium-eng-spa",),
    "spa-eng": ("apertium-eng-spa",),
    "spa-ita": ("apertium-spa-ita", "cg3"),
    "ita-spa": ("apertium-spa-ita", "cg3"),
}
#: Packages whose versions determine the output (recorded in manifest.json and cache keys).
VERSIONED_PACKAGES: tuple[str, ...] = (
    "apertium",
    "lttoolbox",
    "apertium-lex-tools",
    "cg3",
    "apertium-fr-es",
    "apertium-eng-spa",
    "apertium-spa-ita",
)
_WORD = r"\w(?:[\w'’-]*\w)?"
_MARKED = re.compile(rf"(?<![{re.escape(MARKS)}])([{re.escape(MARKS)}]+)({_WORD})")


def install_hint(modes: Sequence[str]) -> str:
    """The exact apt-get command that installs ``modes``."""
    pkgs = ["apertium"]
    for mode in modes:
        for pkg in MODE_PACKAGES.get(mode, (f"apertium-{mode}",)):
            if pkg not in pkgs:
                pkgs.append(pkg)
    return f"run `sudo apt-get install {' '.join(pkgs)}` (or as root without sudo)"


def missing_mode_message(modes: Sequence[str]) -> str:
    what = f"apertium mode {modes[0]} is" if len(modes) == 1 else f"apertium modes {', '.join(modes)} are"
    return f"{what} not installed: {install_hint(modes)}"


def _literal_runs(source: str, word: str) -> set[str]:
    """Runs of mark characters that precede ``word`` (as a whole word) in ``source``."""
    pat = re.compile(rf"(?<![{re.escape(MARKS)}])([{re.escape(MARKS)}]*)(?<!\w){re.escape(word)}(?!\w)")
    return {m.group(1) for m in pat.finditer(source)}


def strip_marks(source: str, output: str) -> tuple[str, list[str]]:
    """Remove Apertium's unknown-word marks from ``output``; return (clean text, marked words).

    Literal ``*@#`` in the source survive translation, so the number of marks of each kind is
    (count in output - count in source); the marks are then assigned to the candidate runs
    most likely to be marks: the word appears verbatim in the source (unknown words are
    copied) preceded by one mark character fewer than in the output.
    """
    matches = list(_MARKED.finditer(output))
    if not matches:
        return output, []
    budget = {c: max(0, output.count(c) - source.count(c)) for c in MARKS}
    if not any(source.count(c) for c in MARKS):
        chosen = set(range(len(matches)))  # nothing literal: every run is a mark
    else:
        ranked: list[tuple[int, int]] = []
        for i, m in enumerate(matches):
            run, word = m.group(1), m.group(2)
            runs = _literal_runs(source, word)
            plausible = run[:-1] in runs
            literal = run in runs
            ranked.append((0 if plausible and not literal else 1 if plausible else 2, i))
        chosen = set()
        for _, i in sorted(ranked):
            mark = matches[i].group(1)[-1]
            if budget[mark] > 0:
                budget[mark] -= 1
                chosen.add(i)
    pieces: list[str] = []
    words: list[str] = []
    last = 0
    for i, m in enumerate(matches):
        if i not in chosen:
            continue
        run = m.group(1)
        # "**x" with nothing literal in the source: all marks; otherwise the last char is the mark.
        keep = "" if len(run) > 1 and not any(source.count(c) for c in MARKS) else run[:-1]
        pieces.append(output[last : m.start(1)] + keep)
        words.append(m.group(2))
        last = m.start(2)
    pieces.append(output[last:])
    return "".join(pieces), words


def _sanitize(line: str) -> str:
    """Newlines would break the one-line-per-segment framing; NUL is Apertium's flush byte."""
    return line.replace("\r\n", " ").replace("\n", " ").replace("\x00", "")


@dataclass(frozen=True)
class _Result:
    line: str
    unknown: list[str]


class ApertiumTranslator(Translator):
    """Apertium modes from Debian packages, chained through ``pivot`` where no direct mode exists."""

    name = "apertium"

    def __init__(
        self,
        apertium_bin: str = "apertium",
        timeout_s: float = 600,
        cache: Cache | None = None,
        pivot: str = "es",
    ) -> None:
        self.apertium_bin = apertium_bin
        self.timeout_s = timeout_s
        self.cache = cache
        self.pivot = pivot
        self._modes: frozenset[str] | None = None
        self._binary_missing = False
        self._versions: dict[str, str] | None = None

    # -- discovery ---------------------------------------------------------------------------
    def installed_modes(self) -> frozenset[str]:
        """Mode names from ``apertium -l`` (called once). Empty when the binary is missing."""
        if self._modes is None:
            listed = list_modes(self.apertium_bin)
            self._binary_missing = listed is None
            self._modes = frozenset(listed or ())
        return self._modes

    def _route(self, src: str, tgt: str, installed: frozenset[str] | None) -> list[str] | None:
        """Fewest installed modes from src to tgt (ties through ``pivot``). ``installed=None`` plans over
        the installed and the packaged modes (what *could* be installed) to tell "not covered" from
        "not installed"."""
        names = installed if installed is not None else self.installed_modes() | frozenset(MODE_PACKAGES)
        route = shortest_route(src, tgt, pair_modes(names), prefer=self.pivot)
        return [mode.name for mode in route] if route else None

    def pairs(self) -> set[tuple[str, str]]:
        installed = self.installed_modes()
        langs = {lang for mode in pair_modes(installed | frozenset(MODE_PACKAGES)) for lang in (mode.src, mode.tgt)}
        return {(a, b) for a in langs for b in langs if self._route(a, b, installed)}

    def missing_install(self, src: str, tgt: str) -> str | None:
        planned = self._route(src, tgt, None)
        if planned is None:
            return None
        missing = [m for m in planned if m not in self.installed_modes()]
        return missing_mode_message(missing) if self._binary_missing or missing else None

    def not_covered_reason(self, src: str, tgt: str) -> str:
        planned = self._route(src, tgt, None)
        if planned is not None:
            installed = self.installed_modes()
            missing = [m for m in planned if m not in installed]
            if self._binary_missing or missing:
                return missing_mode_message(missing or planned)
        return super().not_covered_reason(src, tgt)

    def package_versions(self) -> dict[str, str]:
        """Debian package versions (for manifest.json and cache keys); "" when not installed."""
        if self._versions is None:
            versions = dict.fromkeys(VERSIONED_PACKAGES, "")
            try:
                proc = subprocess.run(
                    ["dpkg-query", "-W", "-f=${Package}\t${Version}\t${db:Status-Abbrev}\n", *VERSIONED_PACKAGES],
                    capture_output=True,
                    text=True,
                    timeout=60,
                    check=False,
                )
            except (FileNotFoundError, subprocess.TimeoutExpired):
                proc = None
            if proc is not None:
                for row in proc.stdout.splitlines():
                    fields = row.split("\t")
                    if len(fields) == 3 and fields[0] in versions and fields[2].startswith("ii"):
                        versions[fields[0]] = fields[1]
            self._versions = versions
        return dict(self._versions)

    # -- translation -------------------------------------------------------------------------
    def resolve_route(self, src: str, tgt: str) -> list[str]:
        """The installed modes for src→tgt, or the typed error that says what to do."""
        route = self._route(src, tgt, self.installed_modes())
        if route is not None:
            return route
        planned = self._route(src, tgt, None)
        if planned is None:
            raise ConfigError(self.not_covered_reason(src, tgt))
        if self._binary_missing:
            raise MissingApertiumError(
                f"the apertium binary {self.apertium_bin!r} was not found: {install_hint(planned)}"
            )
        installed = self.installed_modes()
        raise MissingApertiumError(missing_mode_message([m for m in planned if m not in installed]))

    def route_name(self, src: str, tgt: str) -> str:
        hops = [parse_mode(name) for name in self.resolve_route(src, tgt)]
        pivots = [hop.tgt for hop in hops[:-1] if hop is not None]
        return "apertium " + "→".join([src, *pivots, tgt])

    def translate(self, lines: list[str], src: str, tgt: str) -> Translation:
        modes = self.resolve_route(src, tgt)
        route = self.route_name(src, tgt)
        clean = [_sanitize(line) for line in lines]
        results: list[_Result | None] = [None] * len(clean)
        keys: list[str] = []
        if self.cache is not None:
            versions = self.package_versions()
            for i, line in enumerate(clean):
                key = content_key("apertium", versions, modes, line)
                keys.append(key)
                hit = self.cache.get_json(key)
                if isinstance(hit, dict) and isinstance(hit.get("line"), str):
                    results[i] = _Result(hit["line"], [str(w) for w in hit.get("unknown", [])])
        todo = [i for i, r in enumerate(results) if r is None]
        if todo:
            fresh = self._translate_chain([clean[i] for i in todo], modes)
            for i, res in zip(todo, fresh, strict=True):
                results[i] = res
                if self.cache is not None:
                    self.cache.put_json(keys[i], {"line": res.line, "unknown": res.unknown})
        done = [r for r in results if r is not None]
        return Translation(lines=[r.line for r in done], unknown=[r.unknown for r in done], route=route)

    def _translate_chain(self, lines: list[str], modes: list[str]) -> list[_Result]:
        """Run every hop over all lines; hop n+1 reads the cleaned output of hop n."""
        current = lines
        unknown: list[list[str]] = [[] for _ in lines]
        for mode in modes:
            raw = self.run_mode(mode, current)
            nxt: list[str] = []
            for i, (inp, out) in enumerate(zip(current, raw, strict=True)):
                text, words = strip_marks(inp, out)
                nxt.append(text)
                unknown[i].extend(w for w in words if w not in unknown[i])
            current = nxt
        return [_Result(line, words) for line, words in zip(current, unknown, strict=True)]

    def run_mode(self, mode: str, lines: list[str]) -> list[str]:
        """One ``apertium <mode>`` process over all ``lines``; raw output lines, marks kept."""
        if not lines:
            return []
        # A blank line between segments is a sentence boundary for the tagger, so every line is
        # translated exactly as it would be alone (a single newline lets context leak across).
        payload = "\n\n".join(lines) + "\n"
        try:
            proc = subprocess.run(
                [self.apertium_bin, mode],
                input=payload.encode("utf-8"),
                capture_output=True,
                timeout=self.timeout_s,
                check=False,
            )
        except FileNotFoundError as exc:
            raise MissingApertiumError(
                f"the apertium binary {self.apertium_bin!r} was not found: {install_hint([mode])}"
            ) from exc
        except subprocess.TimeoutExpired as exc:
            raise ResourceError(
                f"apertium mode {mode} did not finish {len(lines)} lines within {self.timeout_s} s: "
                "raise translator.timeout_s"
            ) from exc
        stderr = proc.stderr.decode("utf-8", "replace").strip()
        tail = stderr[-500:]
        if proc.returncode != 0:
            raise ResourceError(
                f"apertium mode {mode} failed (exit {proc.returncode}): {tail or 'no stderr'}; "
                f"check the installation ({install_hint([mode])})"
            )
        text = proc.stdout.decode("utf-8", "replace")
        out = text.removesuffix("\n").split("\n\n")
        if len(out) != len(lines):
            raise ResourceError(
                f"apertium mode {mode} returned {len(out)} lines vs {len(lines)} input lines"
                + (f"; stderr: {tail}" if tail else "")
            )
        if stderr:
            log.warning("apertium mode %s wrote to stderr: %s", mode, tail)
        return out
