"""Same-language mode: where a version departs from a reference translation in its own language.

Why: on a WMT-style set (English source, German reference, German MT outputs) the cross-lingual
detectors have nothing to bridge, and the plain "words absent from the reference" baseline flags
everything a translator may legitimately rephrase (human MQM, TED dev: precision 0.21). A departure
is more likely an error when the other versions of the same segment do not make it and when its
words' e5 token states are far from the reference's. Each run of absent words gets those
features; a logistic model, fitted on human MQM of one talk and frozen in the config
(``python -m eval.meta.calibrate``, docs/meta-evaluation.md), turns them into a probability.
Runs above ``threshold`` are spans; above ``major_threshold`` they are major.

Needs the version and the reference in one language (``base_language``); other pairs are left
to the cross-lingual detectors (the system is reported as skipped).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sacrebleu

from eval.align.words import Word, words_of
from eval.detectors.base import (
    AlignedPair,
    Detector,
    DetectorNeeds,
    DetectorSkipped,
    Span,
    SystemResult,
    TextSpan,
)
from eval.errors import ConfigError
from eval.languages.codes import base_language

FEATURES: tuple[str, ...] = (
    "n_words",
    "log_words",
    "support_min",
    "support_mean",
    "ref_similarity_min",
    "ref_similarity_mean",
    "peer_similarity_min",
    "peer_similarity_mean",
    "chrf",
)


@dataclass(frozen=True)
class Calibration:
    """A frozen logistic model: p = sigmoid(bias + Σ weight · (feature − mean) / scale)."""

    weights: dict[str, float]
    mean: dict[str, float]
    scale: dict[str, float]
    bias: float

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Calibration:
        missing = [k for k in ("weights", "mean", "scale", "bias") if k not in d]
        if missing:
            raise ConfigError(
                f"detector.reference_edits.calibration lacks {missing}; run python -m eval.meta.calibrate"
            )
        for part in ("weights", "mean", "scale"):
            unknown = sorted(set(d[part]) - set(FEATURES))
            if unknown:
                raise ConfigError(f"calibration {part}: unknown features {unknown}; known: {', '.join(FEATURES)}")
        return cls(
            {k: float(v) for k, v in d["weights"].items()},
            {k: float(v) for k, v in d["mean"].items()},
            {k: float(v) for k, v in d["scale"].items()},
            float(d["bias"]),
        )

    def probability(self, features: dict[str, float]) -> float:
        z = self.bias
        for name, w in self.weights.items():
            value = features.get(name, self.mean.get(name, 0.0))
            z += w * (value - self.mean.get(name, 0.0)) / (self.scale.get(name, 1.0) or 1.0)
        return 1.0 / (1.0 + math.exp(-z))


def flagged_runs(flags: Sequence[bool], merge_gap: int = 0) -> list[list[int]]:
    """Indices of each run of consecutive flagged words; runs separated by at most ``merge_gap`` unflagged
    words become one run (its indices are the flagged words only). Shared with the naive baseline of
    eval.meta, so that the detector and its baseline have one span shape."""
    runs: list[list[int]] = []
    for i, flagged in enumerate(flags):
        if not flagged:
            continue
        if runs and i - runs[-1][-1] - 1 <= merge_gap:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def absent_runs(hyp_words: list[Word], ref_words: list[Word], merge_gap: int = 0) -> list[list[int]]:
    """Indices of each run of consecutive version words the reference lacks (case-folded).

    ``merge_gap``: runs separated by at most that many reference words become one candidate (its
    indices are the absent words only, so the features still describe what departs). Why: human
    raters mark phrases ("sehr schnell <v>er</v> kam" is rare; "<v>kam er sehr schnell</v>" common).
    """
    present = {w.text.casefold() for w in ref_words}
    absent = [w.text.casefold() not in present and any(c.isalnum() for c in w.text) for w in hyp_words]
    return flagged_runs(absent, merge_gap)


def _same_language(p: AlignedPair) -> bool:
    return bool(p.ref_lang) and base_language(p.hyp_lang) == base_language(p.ref_lang)


@dataclass
class ReferenceEditsDetector(Detector):
    """Runs of version words absent from a same-language reference, scored by a frozen calibration."""

    name = "reference_edits"
    embedder: Any = None
    layer: int | None = None
    calibration: dict[str, Any] = field(default_factory=dict)
    threshold: float = 0.5
    major_threshold: float = 0.9
    merge_gap: int = 0
    category: str = "accuracy/mistranslation"
    _model: Calibration | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if not 0.0 <= self.threshold <= self.major_threshold <= 1.0:
            raise ConfigError(
                f"detector.reference_edits: need 0 <= threshold ({self.threshold}) <= major_threshold "
                f"({self.major_threshold}) <= 1"
            )
        if self.merge_gap < 0:
            raise ConfigError(f"detector.reference_edits.merge_gap is {self.merge_gap}; use 0 (no merging) or more")
        self._model = Calibration.from_dict(dict(self.calibration))

    def needs(self) -> DetectorNeeds:
        return DetectorNeeds(inputs=("token_states",))

    def detect(self, pairs: list[AlignedPair]) -> list[Span]:
        name = pairs[0].system if pairs else "system"
        result = self.detect_systems({name: pairs})[name]
        if result.skipped:
            raise DetectorSkipped(result.skipped)
        return result.spans

    def detect_systems(self, systems: dict[str, list[AlignedPair]]) -> dict[str, SystemResult]:
        """Every system at once: the other versions of a reference segment are each other's peers."""
        same = {
            s: [p for p in pairs if _same_language(p) and p.ref.strip() and p.hyp.strip()]
            for s, pairs in systems.items()
        }
        peers: dict[tuple[str, tuple[int, ...]], list[AlignedPair]] = defaultdict(list)
        for pairs in same.values():
            for p in pairs:
                peers[(base_language(p.hyp_lang), p.ref_ids)].append(p)
        states = self._states([t for pairs in same.values() for p in pairs for t in (p.ref, p.hyp)])
        out: dict[str, SystemResult] = {}
        for system, pairs in systems.items():
            if not same[system]:
                lang = pairs[0].hyp_lang if pairs else "?"
                ref = pairs[0].ref_lang if pairs else "?"
                out[system] = SystemResult(
                    skipped=f"needs a reference in the version's language ({lang}); the reference is {ref}"
                )
                continue
            spans: list[Span] = []
            stats = {"pairs": len(same[system]), "candidates": 0, "flagged": 0}
            for p in same[system]:
                others = [q for q in peers[(base_language(p.hyp_lang), p.ref_ids)] if q.system != p.system]
                for run, feats in self.candidates(p, others, states):
                    stats["candidates"] += 1
                    prob = self._probability(feats)
                    if prob < self.threshold:
                        continue
                    stats["flagged"] += 1
                    spans.append(self._span(p, run, feats, prob))
            out[system] = SystemResult(spans, stats)
        return out

    def _probability(self, feats: dict[str, float]) -> float:
        if self._model is None:
            raise ConfigError("detector.reference_edits has no calibration")
        return self._model.probability(feats)

    def _states(self, texts: list[str]) -> dict[str, Any]:
        if self.embedder is None:
            return {}
        from eval.detectors.wordlinks import token_states

        return token_states(self.embedder, texts, self.layer)

    def candidates(
        self, p: AlignedPair, others: list[AlignedPair], states: dict[str, Any]
    ) -> list[tuple[TextSpan, dict[str, float]]]:
        """Every absent-word run of one pair with its features (peers: other versions of the segment)."""
        hyp_words, ref_words = words_of(p.hyp), words_of(p.ref)
        runs = absent_runs(hyp_words, ref_words, self.merge_gap)
        if not runs:
            return []
        peer_bags = [{w.text.casefold() for w in words_of(q.hyp)} for q in others]
        chrf = sacrebleu.sentence_chrf(p.hyp, [p.ref]).score / 100.0
        sims = self._similarities(p, others, hyp_words, ref_words, states)
        out: list[tuple[TextSpan, dict[str, float]]] = []
        for run in runs:
            words = [hyp_words[i].text.casefold() for i in run]
            feats: dict[str, float] = {"n_words": float(len(run)), "log_words": math.log1p(len(run)), "chrf": chrf}
            if peer_bags:
                support = [sum(w in bag for bag in peer_bags) / len(peer_bags) for w in words]
                feats.update(support_min=min(support), support_mean=float(np.mean(support)))
            if sims is not None:
                ref_sim, peer_sim = sims
                feats.update(
                    ref_similarity_min=float(ref_sim[run].min()), ref_similarity_mean=float(ref_sim[run].mean())
                )
                if peer_sim is not None:
                    feats.update(
                        peer_similarity_min=float(peer_sim[run].min()), peer_similarity_mean=float(peer_sim[run].mean())
                    )
            start, end = hyp_words[run[0]].start, hyp_words[run[-1]].end
            out.append((TextSpan(p.hyp[start:end], start, end), {k: round(v, 4) for k, v in feats.items()}))
        return out

    def _similarities(
        self,
        p: AlignedPair,
        others: list[AlignedPair],
        hyp_words: list[Word],
        ref_words: list[Word],
        states: dict[str, Any],
    ) -> tuple[np.ndarray, np.ndarray | None] | None:
        """Per version word: best cosine to a reference word, and the mean over peers of its best cosine
        to each peer's words (e5 token states, mean over subwords)."""
        if not states or p.hyp not in states or p.ref not in states or not ref_words:
            return None
        from eval.detectors.wordlinks import word_vectors

        hv = word_vectors(states[p.hyp], [(w.start, w.end) for w in hyp_words])
        rv = word_vectors(states[p.ref], [(w.start, w.end) for w in ref_words])
        ref_sim = (hv @ rv.T).max(axis=1)
        peer_rows = []
        for q in others:
            qw = words_of(q.hyp)
            if qw and q.hyp in states:
                peer_rows.append((hv @ word_vectors(states[q.hyp], [(w.start, w.end) for w in qw]).T).max(axis=1))
        return ref_sim, (np.mean(peer_rows, axis=0) if peer_rows else None)

    def _span(self, p: AlignedPair, run: TextSpan, feats: dict[str, float], prob: float) -> Span:
        evidence: dict[str, Any] = {"probability": round(prob, 4), "features": feats}
        major = prob >= self.major_threshold
        return Span.on(p, run, None, self.category, "major" if major else "minor", self.name, round(prob, 4), evidence)
