"""Scoring a sentence alignment against a gold file whose sentences are named by text prefixes.

Gold names sentences by the first ~40 characters of their text rather than by id, so it survives
changes to cleaning and segmentation; ``load_gold`` maps prefixes to the current ids and fails
loudly (naming the prefix) when a sentence is gone. Links are (ref_id, hyp_id) pairs as in
vecalign's scoring: a 2-1 bead gives two links. Gold may add "possible" links (Och & Ney's
sure/possible): predicting them is not an error, missing them is not a miss.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

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
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1
