"""Precision/recall of detectors against a hand annotation (tests/data/gold_spans_dgsn.json).

Why: thresholds are only honest when measured; a detected span counts as correct when its hyp or
ref text overlaps a gold span's text of the same system (category-agnostic, as in span-level
MQM agreement studies), and a gold span is recalled when any detected span overlaps it.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.detectors.base import AlignedPair, Span
from eval.detectors.names_numbers import fold
from eval.errors import InputError


@dataclass(frozen=True)
class PR:
    """Counts and figures of one detector on one annotation."""

    detector: str
    n_detected: int
    n_gold: int
    true_detected: int
    recalled_gold: int

    @property
    def precision(self) -> float:
        return self.true_detected / self.n_detected if self.n_detected else 0.0

    @property
    def recall(self) -> float:
        return self.recalled_gold / self.n_gold if self.n_gold else 0.0


def _ref_lang(bead: dict[str, Any], path: str | Path) -> str:
    if "ref_lang" not in bead:
        raise InputError(f'{path}: bead {bead.get("bead", "?")} of {bead.get("system", "?")} has no "ref_lang"')
    return str(bead["ref_lang"])


def load_gold(path: str | Path) -> tuple[dict[str, list[AlignedPair]], dict[str, list[dict[str, Any]]]]:
    """Hand-aligned beads per system (system name = language code) and the gold spans."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if "ref_lang" not in data:
        raise InputError(f'{path}: no "ref_lang"; add the reference language code, e.g. "ref_lang": "fr"')
    ref_lang = str(data["ref_lang"])
    beads = {
        sys: [
            AlignedPair(
                sys,
                ref_lang,
                sys,
                tuple(b["ref_ids"]),
                tuple(b["hyp_ids"]),
                b["ref"],
                b["hyp"],
                1.0 if b["ref"] and b["hyp"] else 0.0,
            )
            for b in bs
        ]
        for sys, bs in data["beads"].items()
    }
    return beads, data["spans"]


MIN_COVER = 0.25  # a span of another category must cover this share of the gold text (or be covered by it)


def _hits(a: str | None, b: str | None, same_category: bool) -> bool:
    if not a or not b:
        return False
    fa, fb = fold(a).strip(" .,;"), fold(b).strip(" .,;")
    if not fa or not fb or not (fa in fb or fb in fa):
        return False
    return same_category or min(len(fa), len(fb)) / max(len(fa), len(fb)) >= MIN_COVER


def matches(span: Span, gold: dict[str, Any]) -> bool:
    """Text overlap on the hyp side, or on the ref side.

    Overlap is containment of one text in the other. A span of the gold's category may be a small part
    of it (five omitted words of an omitted sentence); a span of another category must be a good part
    of it, so that one word ("réunion") flagged inside a sentence annotated as omitted is no hit.
    """
    same = span.category == gold.get("category")
    return _hits(span.hyp.text if span.hyp else None, gold.get("hyp"), same) or _hits(
        span.ref.text if span.ref else None, gold.get("ref"), same
    )


# The gold categories each detector sets out to find: its recall is measured on those only (an
# omission detector is not "missing" a mistranslation). Precision counts a span as true when it
# points at any annotated problem, as a reviewer reading the report would.
TARGETS: dict[str, tuple[str, ...]] = {
    "mistranslation": ("accuracy/mistranslation",),
    "names_numbers": ("accuracy/mistranslation", "accuracy/omission"),
    "omission_addition": ("accuracy/omission", "accuracy/addition"),
    "untranslated": ("accuracy/untranslated",),
    "terminology": ("terminology", "accuracy/mistranslation"),
}


def precision_recall(
    detector: str,
    spans: list[Span],
    gold: dict[str, list[dict[str, Any]]],
    categories: tuple[str, ...] | None = None,
) -> PR:
    """P/R of ``spans`` (all systems) against the gold spans of the systems they cover.

    ``categories`` restricts the recall to gold spans of those categories (None: every span).
    """
    systems = sorted(gold)
    found = [s for s in spans if s.system in gold]
    true = sum(1 for s in found if any(matches(s, g) for g in gold[s.system]))
    target = {sys: [g for g in gold[sys] if categories is None or g.get("category") in categories] for sys in systems}
    n_gold = sum(len(target[sys]) for sys in systems)
    recalled = sum(1 for sys in systems for g in target[sys] if any(matches(s, g) for s in found if s.system == sys))
    return PR(detector, len(found), n_gold, true, recalled)


def simple_aligner(embedder: Any, layer: int = 8, threshold: float = 0.0) -> Any:
    """Mutual-argmax word aligner over token states; used only when eval.align.words is absent."""
    import numpy as np

    from eval.detectors.stopwords import tokens

    class W:
        def __init__(self, text: str, start: int, end: int) -> None:
            self.text, self.start, self.end = text, start, end

    class L:
        def __init__(self, ref: W, hyp: W, similarity: float) -> None:
            self.ref, self.hyp, self.similarity = ref, hyp, similarity

    def word_vecs(ts: Any) -> tuple[list[W], Any]:
        words = [W(*t) for t in tokens(ts.text)]
        rows = []
        for w in words:
            idx = [i for i, (s, e) in enumerate(ts.offsets) if s < w.end and w.start < e]
            v = ts.vectors[idx].mean(0) if idx else np.zeros(ts.vectors.shape[1])
            rows.append(v / (np.linalg.norm(v) or 1.0))
        return words, np.array(rows)

    def align(ref: str, hyp: str) -> list[Any]:
        a, b = embedder.token_states([ref, hyp], layer=layer)
        rw, rv = word_vecs(a)
        hw, hv = word_vecs(b)
        if not rw or not hw:
            return []
        sim = rv @ hv.T
        out = []
        for i in range(len(rw)):
            j = int(sim[i].argmax())
            if int(sim[:, j].argmax()) == i and sim[i, j] >= threshold:
                out.append(L(rw[i], hw[j], float(sim[i, j])))
        return out

    return align


def load_beads(path: str | Path) -> dict[str, list[AlignedPair]]:
    """Aligned beads as the runner feeds them (one JSON object per line, as in alignment.csv)."""
    out: dict[str, list[AlignedPair]] = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        b = json.loads(line)
        out.setdefault(b["system"], []).append(
            AlignedPair(
                b["system"],
                _ref_lang(b, path),
                b["hyp_lang"],
                tuple(b["ref_ids"]),
                tuple(b["hyp_ids"]),
                b["ref"],
                b["hyp"],
                float(b.get("similarity", 0.0)),
                b.get("bridge") or None,
            )
        )
    return out


def reachable_gold(
    gold: dict[str, list[dict[str, Any]]], beads: dict[str, list[AlignedPair]]
) -> tuple[dict[str, list[dict[str, Any]]], list[dict[str, Any]]]:
    """Gold spans whose text is still in the cleaned beads, and those cleaning removed (ticker lines).

    Why: recall is a detector's figure; a gold span on page furniture that the cleaning stage
    dropped cannot be found by any detector and is reported apart, not counted as a miss.
    """
    kept: dict[str, list[dict[str, Any]]] = {}
    gone: list[dict[str, Any]] = []
    for sys, spans in gold.items():
        hyp_text = fold(" ".join(p.hyp for p in beads.get(sys, [])))
        ref_text = fold(" ".join(p.ref for p in beads.get(sys, [])))
        for g in spans:
            side = (g.get("hyp"), hyp_text) if g.get("hyp") else (g.get("ref"), ref_text)
            if side[0] and fold(side[0]) in side[1]:
                kept.setdefault(sys, []).append(g)
            else:
                gone.append({"system": sys, **g})
    return kept, gone


@dataclass(frozen=True)
class Injection:
    """One word replaced on purpose: where, what was there, and what was put instead."""

    bead: int
    start: int
    original: str
    replacement: str


def inject_substitutions(
    texts: list[str], candidates: list[list[tuple[int, int]]], pool: list[str], per_text: int, seed: int
) -> tuple[list[str], list[Injection]]:
    """Replace up to ``per_text`` candidate words of each text with a different word from ``pool``.

    Why: the hand annotation has 9 mistranslations, on the corpus the thresholds were tuned on. Known
    wrong words planted into a fresh version measure recall on errors nobody tuned for (a controlled,
    synthetic check: real errors are subtler than a random noun). ``candidates`` are (start, end)
    character spans per text; the replacement keeps the original's capitalisation and is never a
    word of the same text (a swap inside one sentence is a reordering, not a wrong word).
    """
    rng = random.Random(seed)
    out: list[str] = []
    planted: list[Injection] = []
    for i, (text, spans) in enumerate(zip(texts, candidates, strict=True)):
        chosen = sorted(rng.sample(spans, min(per_text, len(spans))), reverse=True)
        present = {w.lower() for w in text.split()} | {w.strip(".,;:()«»\"'").lower() for w in text.split()}
        for start, end in chosen:  # right to left: earlier offsets stay valid
            word = text[start:end]
            options = [w for w in pool if w.lower() != word.lower() and w.lower() not in present]
            new = rng.choice(options)
            new = new.capitalize() if word[:1].isupper() else new
            text = text[:start] + new + text[end:]
            planted.append(Injection(i, start, word, new))
        out.append(text)
    # offsets of later injections in a text shift with earlier replacements: recompute from the final text
    fixed: list[Injection] = []
    for inj in planted:
        shift = sum(len(o.replacement) - len(o.original) for o in planted if o.bead == inj.bead and o.start < inj.start)
        fixed.append(Injection(inj.bead, inj.start + shift, inj.original, inj.replacement))
    return out, sorted(fixed, key=lambda x: (x.bead, x.start))


def inject_clauses(texts: list[str], clauses: list[str], seed: int) -> tuple[list[str], list[Injection]]:
    """Insert one clause from ``clauses`` into each text, after a random comma (else before the end).

    Why: the annotation has few additions inside aligned sentences, the kind MT hallucinates. A known
    clause planted into a fresh version measures the addition check's recall on text nobody tuned for.
    Each Injection has an empty ``original`` and the clause as ``replacement``, at its offset in the output.
    """
    rng = random.Random(seed)
    out: list[str] = []
    planted: list[Injection] = []
    for i, text in enumerate(texts):
        commas = [k for k, ch in enumerate(text) if ch == ","] or [len(text.rstrip(" .!?"))]
        at = rng.choice(commas)
        clause = rng.choice(clauses)
        out.append(f"{text[:at]}, {clause}{text[at:]}")
        planted.append(Injection(i, at + 2, "", clause))
    return out, planted


def inject_deletions(
    texts: list[str], seed: int, min_words: int = 6, max_words: int = 10
) -> tuple[list[str], list[Injection]]:
    """Delete a run of ``min_words``–``max_words`` words from each text, starting at a random word.

    Why: the omission check is tuned on the annotation; known deletions from a fresh version measure
    its recall on text nobody tuned for. Each Injection has the deleted text as ``original``, an empty
    ``replacement``, and ``start`` where it was in the input text.
    """
    from eval.detectors.bridge_links import cached_words

    rng = random.Random(seed)
    out: list[str] = []
    planted: list[Injection] = []
    for i, text in enumerate(texts):
        words = list(cached_words(text))
        if len(words) <= max_words:
            out.append(text)
            continue
        k = rng.randrange(len(words) - max_words)
        n = rng.randint(min_words, max_words)
        s, e = words[k].start, words[k + n - 1].end
        out.append(text[:s] + text[e:].lstrip())
        planted.append(Injection(i, s, text[s:e], ""))
    return out, planted
