"""Apertium modes as language pairs, and the shortest chain of installed modes between two languages.

Why a search instead of a table: what a machine can translate is whatever Apertium packages are installed
(``apertium -l``); a mode's name spells its languages in ISO 639-1 or 639-3 ("fr-es", "eng-spa"), which
langcodes reads. A pair with no direct mode goes through pivots, fewest hops first.
"""

from __future__ import annotations

import re
import subprocess
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from eval.languages.codes import base_language, code_or_none

_PLAIN_MODE = re.compile(r"([a-z]{2,3})-([a-z]{2,3})")  # variants ("spa-eng_US") and extras ("eco-fr-es") skipped


@dataclass(frozen=True)
class Mode:
    """An Apertium mode and the languages (base subtags) it translates between."""

    name: str
    src: str
    tgt: str


def parse_mode(name: str) -> Mode | None:
    """``eng-spa`` → Mode(eng-spa, en, es); None for a variant or a name that is not two language codes."""
    match = _PLAIN_MODE.fullmatch(name.strip())
    if not match:
        return None
    src, tgt = (code_or_none(code) for code in match.groups())
    if src is None or tgt is None:
        return None
    return Mode(name.strip(), base_language(src), base_language(tgt))


def list_modes(apertium_bin: str = "apertium") -> list[str] | None:
    """Mode names from ``apertium -l``; None when the binary is missing."""
    try:
        proc = subprocess.run([apertium_bin, "-l"], capture_output=True, text=True, timeout=60, check=False)
    except FileNotFoundError:
        return None
    # `apertium -l` exits non-zero on some versions; the listing is what counts.
    return [line.strip() for line in proc.stdout.splitlines() if line.strip()]


def pair_modes(names: Iterable[str]) -> list[Mode]:
    return [mode for mode in map(parse_mode, names) if mode is not None]


def shortest_route(src: str, tgt: str, modes: Iterable[Mode], prefer: str = "") -> list[Mode] | None:
    """The fewest modes that chain ``src`` to ``tgt`` (breadth-first); ties go through ``prefer`` first,
    then alphabetically, so a route is the same on every run. None when unreachable or src == tgt."""
    start, goal = base_language(src), base_language(tgt)
    if start == goal:
        return None
    edges: dict[str, list[Mode]] = {}
    for mode in modes:
        edges.setdefault(mode.src, []).append(mode)
    for out in edges.values():
        out.sort(key=lambda m: (m.tgt != prefer, m.tgt, m.name))
    previous: dict[str, Mode] = {}
    queue = deque([start])
    seen = {start}
    while queue:
        here = queue.popleft()
        for mode in edges.get(here, []):
            if mode.tgt in seen:
                continue
            previous[mode.tgt] = mode
            if mode.tgt == goal:
                route = [mode]
                while route[0].src != start:
                    route.insert(0, previous[route[0].src])
                return route
            seen.add(mode.tgt)
            queue.append(mode.tgt)
    return None
