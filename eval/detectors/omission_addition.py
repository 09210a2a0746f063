"""Omissions and additions: unmatched sentences (1-0 / 0-1 beads) and unlinked runs of content words.

Why: sentence alignment already knows which reference sentences have no counterpart; inside an
aligned bead, a run of reference content words that the word aligner links to nothing (or only
weakly) is material the version dropped ("la Mauritanie", "le financement par les crypto-monnaies").
The mirror, a run of version content words with no counterpart, is material it added: what MT
hallucinates inside a sentence, and what a sentence aligner hides when it pairs an omitted
sentence with an added one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from eval.detectors.base import AlignedPair, Detector, DetectorNeeds, Severity, Span, SystemResult, TextSpan
from eval.detectors.names_numbers import fold
from eval.detectors.stopwords import is_content, tokens
from eval.embedders.base import TokenStates


def make_aligner(embedder: Any, layer: int | None = None) -> Callable[[str, str], list[Any]]:
    """Bind the batched, memoised word aligner to an embedder (kept here for older imports)."""
    from eval.detectors.wordlinks import make_aligner as bind

    return bind(embedder, layer)


def _severity(n_content: int) -> Severity:
    return "major" if n_content >= 4 else "minor"


@dataclass
class OmissionAdditionDetector(Detector):
    """Whole-sentence omissions/additions from the beads, and dropped or added runs inside aligned beads.

    ``aligner(ref, hyp) -> [WordLink]`` is injected (tests pass fakes); None disables the
    within-bead check. ``min_run`` content words make a run; links below ``min_similarity`` count
    as no counterpart.
    """

    name: str = "omission_addition"
    aligner: Callable[[str, str], list[Any]] | None = None
    embedder: Any = None
    min_run: int = 2
    # Links weaker than this count as no counterpart, on both sides: Itermax links every word somewhere,
    # dropped and inserted words too (an inserted clause's words: median 0.59; in a faithful version,
    # under 1 % of links are below 0.5).
    min_similarity: float = 0.5
    # The same without a bridge (no dictionary pair, e.g. Arabic): absence then rests on e5 token similarity
    # alone, so every link counts (0.5 there added 4 omissions to the Arabic version, none annotated).
    min_similarity_without_bridge: float = 0.0
    min_bead_similarity: float = 0.0
    # Semantic absence: a run is reported only if its words are not found, by bridge/string or by
    # e5 token similarity (mean over the run of the best match), in this bead or a neighbour.
    window: int = 1
    max_presence: float = 0.5
    max_token_similarity: float = 0.60
    layer: int | None = None
    # Also runs of version content words with no counterpart nearby (accuracy/addition).
    additions: bool = True
    # Counters of the last ``detect``: pairs examined, and how many of them had their words linked.
    stats: dict[str, int] = field(default_factory=dict, init=False, repr=False, compare=False)
    # Version text → (its token states, its word vectors), for one ``detect`` call (see _text_vectors).
    _vectors: dict[str, tuple[TokenStates, np.ndarray]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def needs(self) -> DetectorNeeds:
        return DetectorNeeds(inputs=("bridge", "token_states"))

    def __post_init__(self) -> None:
        if self.aligner is None and self.embedder is not None:
            self.aligner = make_aligner(self.embedder, self.layer)

    def _span(
        self,
        p: AlignedPair,
        hyp: TextSpan | None,
        ref: TextSpan | None,
        cat: str,
        sev: Severity,
        conf: float,
        ev: dict[str, Any],
    ) -> Span:
        return Span(p.system, p.hyp_lang, list(p.ref_ids), list(p.hyp_ids), hyp, ref, cat, sev, self.name, conf, ev)

    def detect_systems(self, systems: dict[str, list[AlignedPair]]) -> dict[str, SystemResult]:
        """Every system's texts encoded in one batched call first (the links and the absence check then
        read the memo), then each system as ``detect``."""
        self._encode([p for pairs in systems.values() for p in pairs])
        return super().detect_systems(systems)

    def _encode(self, pairs: list[AlignedPair]) -> None:
        if self.embedder is not None:
            from eval.detectors.wordlinks import token_states

            token_states(self.embedder, [t for p in pairs for t in (p.ref, p.hyp) if t.strip()], self.layer)

    def detect(self, pairs: list[AlignedPair]) -> list[Span]:
        self._vectors.clear()
        try:
            return self._detect(pairs)
        finally:
            self._vectors.clear()

    def _detect(self, pairs: list[AlignedPair]) -> list[Span]:
        spans: list[Span] = []
        self.stats = {"pairs_examined": len(pairs), "pairs_linked": 0}
        self._encode(pairs)  # one batched encoder call for every text this system needs (links + absence check)
        for k, p in enumerate(pairs):
            near = pairs[max(0, k - self.window) : k + self.window + 1]
            if p.ref.strip() and not p.hyp.strip():
                n = sum(is_content(t, p.ref_lang) for t, _, _ in tokens(p.ref))
                spans.append(
                    self._span(
                        p,
                        None,
                        TextSpan(p.ref, 0, len(p.ref)),
                        "accuracy/omission",
                        _severity(n),
                        0.9,
                        {"reason": "reference sentence has no counterpart (1-0 bead)"},
                    )
                )
            elif p.hyp.strip() and not p.ref.strip():
                n = sum(is_content(t, p.hyp_lang) for t, _, _ in tokens(p.hyp))
                spans.append(
                    self._span(
                        p,
                        TextSpan(p.hyp, 0, len(p.hyp)),
                        None,
                        "accuracy/addition",
                        _severity(n),
                        0.9,
                        {"reason": "version sentence has no counterpart (0-1 bead)"},
                    )
                )
            elif self.aligner is not None and self._aligned(p):
                self.stats["pairs_linked"] += 1
                spans.extend(self._runs(p, self.aligner, near))
        return spans

    def _aligned(self, p: AlignedPair) -> bool:
        """A bead whose words are worth linking. A line-aligned pair has no similarity (NaN): it is aligned
        by construction, so it is always linked (a NaN compared with the floor would skip every pair)."""
        return math.isnan(p.similarity) or p.similarity >= self.min_bead_similarity

    def _runs(self, p: AlignedPair, aligner: Callable[[str, str], list[Any]], near: list[AlignedPair]) -> list[Span]:
        bridged = bool(p.bridge) or p.ref_lang == p.hyp_lang
        floor = self.min_similarity if bridged else self.min_similarity_without_bridge
        links = [lk for lk in aligner(p.ref, p.hyp) if lk.similarity >= floor]
        spans = self._side_runs(p, "ref", {(lk.ref.start, lk.ref.end) for lk in links}, near)
        if self.additions:
            spans += self._side_runs(p, "hyp", {(lk.hyp.start, lk.hyp.end) for lk in links}, near)
        return spans

    def _side_runs(
        self, p: AlignedPair, side: str, linked: set[tuple[int, int]], near: list[AlignedPair]
    ) -> list[Span]:
        """Runs of ``side``'s content words that no link reaches and that are absent nearby: reference
        runs are omissions, version runs additions."""
        text, lang = (p.ref, p.ref_lang) if side == "ref" else (p.hyp, p.hyp_lang)
        spans: list[Span] = []
        run: list[tuple[str, int, int]] = []

        def close() -> None:
            content = [t for t in run if is_content(t[0], lang)]
            absent, presence = False, 0.0
            if len(content) >= self.min_run:
                absent, presence = self._absent(text, content, *self._neighbours(p, side, near))
            if absent:
                s, e = content[0][1], content[-1][2]
                where = TextSpan(text[s:e], s, e)
                ev = {
                    "reason": f"{'reference' if side == 'ref' else 'version'} words with no aligned counterpart",
                    "words": [t[0] for t in content],
                    "token_similarity": round(presence, 4),
                }
                cat = "accuracy/omission" if side == "ref" else "accuracy/addition"
                sev, conf = _severity(len(content)), min(0.9, 0.4 + 0.1 * len(content))
                hyp, ref = (None, where) if side == "ref" else (where, None)
                spans.append(self._span(p, hyp, ref, cat, sev, conf, ev))
            run.clear()

        for tok in tokens(text):
            word, s, e = tok
            if not is_content(word, lang):
                if run:
                    run.append(tok)
                continue
            if any(ls < e and s < le for ls, le in linked):
                close()
            else:
                run.append(tok)
        close()
        return spans

    @staticmethod
    def _neighbours(p: AlignedPair, side: str, near: list[AlignedPair]) -> tuple[list[str], list[str]]:
        """What a run of ``side`` is looked for in: texts in its language (a reference run: the version
        when it is in the reference language, else the bridges; a version run: the references, only in
        the same-language case) and the other side's texts, for e5."""
        same = p.ref_lang == p.hyp_lang
        if side == "ref":
            return [(q.hyp if same else q.bridge) or "" for q in near], [q.hyp for q in near if q.hyp.strip()]
        refs = [q.ref for q in near if q.ref.strip()]
        return (refs if same else []), refs

    def _text_vectors(self, text: str, states: TokenStates) -> np.ndarray:
        """Word vectors of a text, computed once per ``detect``: a text is the neighbour of up to three
        beads, and every run of those beads compares against it. Reused only for the very same token
        states object, so the vectors are those ``word_vectors`` returns."""
        got = self._vectors.get(text)
        if got is None or got[0] is not states:
            from eval.detectors.wordlinks import word_vectors

            got = self._vectors[text] = (states, word_vectors(states, [(s, e) for _, s, e in tokens(text)]))
        return got[1]

    def _absent(
        self, text: str, content: list[tuple[str, int, int]], strings: list[str], others: list[str]
    ) -> tuple[bool, float]:
        """True when the run ``content`` of ``text`` is not rendered nearby, with the measure that decided.

        First by string: the run's words (5-letter folded prefixes) among ``strings``, texts in the run's
        language (the bridges for a reference run). Else by e5 token similarity against ``others``, the
        texts on the other side (mean over the run of each word's best match).
        """
        joined = " ".join(strings)
        if joined.strip():
            keys = {fold(t[0])[:5] for t in tokens(joined) if len(t[0]) > 3}
            present = sum(fold(w)[:5] in keys for w, _, _ in content) / len(content)
            if present >= self.max_presence:
                return False, present
        if self.embedder is None:
            return True, 0.0
        from eval.detectors.wordlinks import token_states, word_vectors

        states = token_states(self.embedder, [text, *others], self.layer)
        run_vecs = word_vectors(states[text], [(s, e) for _, s, e in content])
        rows = [self._text_vectors(o, states[o]) for o in others]
        if not any(len(r) for r in rows):
            return True, 0.0
        sim = float((run_vecs @ np.vstack([r for r in rows if len(r)]).T).max(axis=1).mean())
        return sim < self.max_token_similarity, sim
