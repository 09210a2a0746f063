"""Scoring a sentence alignment: against vecalign-format gold (strict/lax), or a prefix-named gold file.

``strict_lax`` follows the scorer vecalign and bertalign share (``score_multiple``): precision
counts every predicted bead, including 1-0/0-1 ones, as right when it equals a gold bead
(strict) or when its reference side overlaps a gold bead whose version side overlaps its own
(lax); recall is the same count with gold and prediction swapped and null beads left out.

The prefix-named gold:

Gold names sentences by the first ~40 characters of their text rather than by id, so it survives
changes to cleaning and segmentation; ``load_gold`` maps prefixes to the current ids and fails
loudly (naming the prefix) when a sentence is gone. Links are (ref_id, hyp_id) pairs as in
vecalign's scoring: a 2-1 bead gives two links. Gold may add "possible" links (Och & Ney's
sure/possible): predicting them is not an error, missing them is not a miss.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from eval.align.sentences import Bead, bead_links
from eval.errors import InputError


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).replace("’", "'").split())


def _find(prefix: str, sentences: Sequence[str], side: str, where: str) -> int:
    """Id of the sentence starting with ``prefix``, else the single one containing it."""
    key = _norm(prefix)
    normed = [_norm(s) for s in sentences]
    starts = [i for i, s in enumerate(normed) if s.startswith(key)]
    if len(starts) == 1:
        return starts[0]
    contains = starts or [i for i, s in enumerate(normed) if key in s]
    if len(contains) == 1:
        return contains[0]
    if not contains:
        raise InputError(
            f"{where}: gold {side} sentence {prefix!r} matches none of the {len(sentences)} {side} "
            "sentences; fix the gold prefix or check cleaning/segmentation"
        )
    raise InputError(
        f"{where}: gold {side} prefix {prefix!r} matches {len(contains)} sentences (ids {contains}); make it longer"
    )


def _read(path: str | Path, lang: str) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read gold alignment {path}: {exc}") from exc
    langs = data.get("languages", {})
    if lang not in langs:
        raise InputError(f"gold alignment {path} has no language {lang!r} (has: {', '.join(sorted(langs))})")
    entry: dict[str, Any] = langs[lang]
    return entry


def load_gold(
    path: str | Path,
    ref_sents: Sequence[str],
    hyp_sents: Sequence[str],
    *,
    lang: str,
    possible: bool = False,
) -> set[tuple[int, int]]:
    """Sure (ref_id, hyp_id) links of ``lang`` in the gold file; with ``possible=True`` the possible ones.

    Every prefix, including those of 1-0/0-1 beads, must match a sentence (InputError otherwise).
    """
    entry = _read(path, lang)
    where = f"{path} [{lang}]"
    sure: set[tuple[int, int]] = set()
    for bead in entry.get("beads", []):
        refs = [_find(p, ref_sents, "reference", where) for p in bead.get("ref", [])]
        hyps = [_find(p, hyp_sents, "version", where) for p in bead.get("hyp", [])]
        sure.update((i, j) for i in refs for j in hyps)
    if not possible:
        return sure
    extra = {
        (_find(r, ref_sents, "reference", where), _find(h, hyp_sents, "version", where))
        for r, h in entry.get("possible", [])
    }
    return extra - sure


def alignment_prf(
    pred_beads: Sequence[Bead],
    gold_links: set[tuple[int, int]],
    possible_links: set[tuple[int, int]] | None = None,
) -> tuple[float, float, float]:
    """Precision (against sure + possible), recall (against sure) and F1 over (ref, hyp) links."""
    pred = bead_links(pred_beads)
    allowed = gold_links | (possible_links or set())
    precision = len(pred & allowed) / len(pred) if pred else 0.0
    recall = len(pred & gold_links) / len(gold_links) if gold_links else 0.0
    return precision, recall, _f1(precision, recall)


BeadIds = tuple[tuple[int, ...], tuple[int, ...]]
_BEAD_LINE = re.compile(r"^\s*\[([\d,\s]*)\]\s*:\s*\[([\d,\s]*)\](?:\s*:\s*(\S+))?\s*$")


@dataclass(frozen=True)
class StrictLax:
    """Precision, recall and F1, strict (exact beads) and lax (overlapping beads)."""

    precision_strict: float
    recall_strict: float
    f1_strict: float
    precision_lax: float
    recall_lax: float
    f1_lax: float


def _ids(field: str) -> tuple[int, ...]:
    return tuple(int(x) for x in field.replace(",", " ").split())


def read_vecalign(path: str | Path) -> list[BeadIds]:
    """Beads of a vecalign/bertalign file: one ``[src ids]:[tgt ids]`` (``:score`` optional) per line."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read alignment file {path}: {exc}") from exc
    beads: list[BeadIds] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        match = _BEAD_LINE.match(line)
        if match is None:
            raise InputError(f"{path}:{number}: not a bead line {line[:60]!r}; expected [0, 1]:[2] (vecalign format)")
        beads.append((_ids(match.group(1)), _ids(match.group(2))))
    if not beads:
        raise InputError(f"alignment file {path} has no beads; expected lines like [0]:[0]")
    return beads


def format_bead(ref_ids: Sequence[int], hyp_ids: Sequence[int], score: float) -> str:
    """One bead as vecalign prints it: ``[0, 1]:[2]:0.812``."""
    return f"[{', '.join(map(str, ref_ids))}]:[{', '.join(map(str, hyp_ids))}]:{score:.6f}"


def _hits(gold: Iterable[BeadIds], test: Iterable[BeadIds]) -> tuple[int, int, int, int]:
    """Strict and lax (right, wrong) counts of ``test`` beads against ``gold`` (vecalign's _precision)."""
    gold_set = {(tuple(x), tuple(y)) for x, y in gold if x or y}
    test_set = {(tuple(x), tuple(y)) for x, y in test if x or y}
    src_to_tgt: dict[int, set[int]] = defaultdict(set)
    for src, tgt in gold_set:
        for i in src:
            src_to_tgt[i].update(tgt)
    strict_right = strict_wrong = lax_right = lax_wrong = 0
    for src, tgt in test_set:
        if (src, tgt) in gold_set:
            strict_right += 1
            lax_right += 1
            continue
        strict_wrong += 1
        linked = set().union(*(src_to_tgt[i] for i in src)) if src else set()
        if linked & set(tgt):
            lax_right += 1
        else:
            lax_wrong += 1
    return strict_right, strict_wrong, lax_right, lax_wrong


def _ratio(right: int, wrong: int) -> float:
    return right / (right + wrong) if right + wrong else 0.0


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def strict_lax(pairs: Iterable[tuple[Sequence[BeadIds], Sequence[BeadIds]]]) -> StrictLax:
    """Vecalign's strict/lax P/R/F1 over (gold, test) document pairs, counts pooled over documents."""
    p = np.zeros(4, dtype=np.int64)
    r = np.zeros(4, dtype=np.int64)
    for gold, test in pairs:
        p += _hits(gold, test)
        r += _hits([b for b in test if b[0] and b[1]], [b for b in gold if b[0] and b[1]])
    ps, pl = _ratio(int(p[0]), int(p[1])), _ratio(int(p[2]), int(p[3]))
    rs, rl = _ratio(int(r[0]), int(r[1])), _ratio(int(r[2]), int(r[3]))
    return StrictLax(ps, rs, _f1(ps, rs), pl, rl, _f1(pl, rl))


def bead_ids(beads: Sequence[Bead]) -> list[BeadIds]:
    """The (ref ids, hyp ids) of beads, for ``strict_lax``."""
    return [(b.ref_ids, b.hyp_ids) for b in beads]
