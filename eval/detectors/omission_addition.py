"""Omissions and additions: unmatched sentences (1-0 / 0-1 beads) and unlinked runs of content words.

Why: sentence alignment already knows which reference sentences have no counterpart; inside an
aligned bead, a run of reference content words that the word aligner links to nothing (or only
weakly) is material the version dropped ("la Mauritanie", "le financement par les crypto-monnaies").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eval.detectors.base import AlignedPair, Detector, Severity, Span, TextSpan
from eval.detectors.stopwords import is_content, tokens


def make_aligner(embedder: Any, layer: int = 8, method: str = "itermax") -> Callable[[str, str], list[Any]]:
    """Bind eval.align.words.align_words to an embedder (imported lazily: it needs the model)."""
    from eval.align.words import align_words

    def aligner(ref: str, hyp: str) -> list[Any]:
        return align_words(ref, hyp, embedder, layer=layer, method=method)  # type: ignore[arg-type]

    return aligner


def _severity(n_content: int) -> Severity:
    return "major" if n_content >= 4 else "minor"


@dataclass
class OmissionAdditionDetector(Detector):
    """Whole-sentence omissions/additions from the beads, and dropped runs inside aligned beads.

    ``aligner(ref, hyp) -> [WordLink]`` is injected (tests pass fakes); None disables the
    within-bead check. ``min_run`` content words make a run; links below ``min_similarity`` count
    as no counterpart.
    """

    name: str = "omission_addition"
    aligner: Callable[[str, str], list[Any]] | None = None
    embedder: Any = None
    min_run: int = 2
    min_similarity: float = 0.0
    min_bead_similarity: float = 0.0

    def __post_init__(self) -> None:
        if self.aligner is None and self.embedder is not None:
            self.aligner = make_aligner(self.embedder)

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

    def detect(self, pairs: list[AlignedPair]) -> list[Span]:
        spans: list[Span] = []
        for p in pairs:
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
            elif self.aligner is not None and p.similarity >= self.min_bead_similarity:
                spans.extend(self._runs(p, self.aligner))
        return spans

    def _runs(self, p: AlignedPair, aligner: Callable[[str, str], list[Any]]) -> list[Span]:
        links = [lk for lk in aligner(p.ref, p.hyp) if lk.similarity >= self.min_similarity]
        linked = {(lk.ref.start, lk.ref.end) for lk in links}
        spans: list[Span] = []
        run: list[tuple[str, int, int]] = []

        def close() -> None:
            content = [t for t in run if is_content(t[0], p.ref_lang)]
            if len(content) >= self.min_run:
                s, e = content[0][1], content[-1][2]
                spans.append(
                    self._span(
                        p,
                        None,
                        TextSpan(p.ref[s:e], s, e),
                        "accuracy/omission",
                        _severity(len(content)),
                        min(0.9, 0.4 + 0.1 * len(content)),
                        {"reason": "reference words with no aligned counterpart", "words": [t[0] for t in content]},
                    )
                )
            run.clear()

        for tok in tokens(p.ref):
            word, s, e = tok
            if not is_content(word, p.ref_lang):
                if run:
                    run.append(tok)
                continue
            if any(ls < e and s < le for ls, le in linked):
                close()
            else:
                run.append(tok)
        close()
        return spans
