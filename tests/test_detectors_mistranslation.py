"""Mistranslation judged from dictionary evidence (real Apertium) with a fake similarity."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from eval.detectors.base import AlignedPair
from eval.detectors.mistranslation import MistranslationDetector, context_template
from tests.test_detectors_core import L, fake_aligner, word

REF = "les menaces d'enrôlement et les attaques terroristes via des drones"
HYP = "las amenazas de congelación y los ataques terroristas con aviones"


def aligner(ref: str, hyp: str) -> list[L]:
    links = fake_aligner(ref, hyp)
    for a, b in [("menaces", "amenazas"), ("enrôlement", "congelación"), ("enrôlement", "reclutamiento")]:
        if a in ref and b in hyp:
            links.append(L(word(ref, a), word(hyp, b), 0.7))
    return links


def fake_similarity(items: list[tuple[str, str, str]]) -> list[float]:
    """Synonyms score high, the rest low: stands in for the calibrated e5 score."""
    good = {("enrôlement", "recrutement")}
    return [0.6 if (a, b) in good else 0.05 for _, a, b in items]


def test_context_template() -> None:
    assert context_template("a b c {x} d", 6, 9, window=1) == "c {{x}} d".replace("{{x}}", "{}")


@pytest.mark.integration
@pytest.mark.skipif(
    shutil.which("lt-proc") is None or not Path("/usr/share/apertium/apertium-fr-es").is_dir(),
    reason="Apertium fr-es not installed",
)
def test_finds_congelacion_and_aviones_clears_synonym() -> None:
    det = MistranslationDetector(aligner=aligner, word_similarity=fake_similarity)
    bad = AlignedPair("es", "fr", "es", (0,), (0,), REF, HYP, 0.9)
    good = AlignedPair(
        "mt", "fr", "es", (0,), (0,), REF, HYP.replace("congelación", "reclutamiento").replace("aviones", "drones"), 0.9
    )
    found = {(s.ref.text, s.hyp.text) for s in det.detect([bad]) if s.ref and s.hyp}
    assert found == {("enrôlement", "congelación"), ("drones", "aviones")}
    assert det.detect([good]) == []
    (s,) = [s for s in det.detect([bad]) if s.hyp and s.hyp.text == "aviones"]
    assert s.evidence["back_translation"] == ["avion"]


class _Vectors:
    """A fake embedder: the anchor word's context is e1, others at chosen cosines to it."""

    def __init__(self, cosines: dict[str, float]) -> None:
        self.cosines = cosines
        self.embedded: list[str] = []

    def embed(self, texts: list[str]) -> Any:
        import numpy as np

        self.embedded += texts
        word = [t.split()[1] for t in texts]
        c = np.array([self.cosines.get(w, 1.0) for w in word])
        return np.stack([c, np.sqrt(1.0 - c**2), np.zeros_like(c)], axis=1).astype(np.float32)


def test_decide_stops_cleared_links_early_and_keeps_flagged_values_exact() -> None:
    from eval.detectors.mistranslation import DISTRACTORS, ContextSimilarity, clear_memo

    clear_memo()
    cosines = {"recrutement": 0.99, "congélation": 0.6, **dict.fromkeys(DISTRACTORS, 0.5)}
    fake = _Vectors(cosines)
    sim = ContextSimilarity(fake)
    cleared = ([("x {} y", "enrôlement", "recrutement")], 0.28)
    flagged = ([("p {} q", "enrôlement", "congélation")], 0.28)
    got = sim.decide([cleared, flagged])
    assert got[0] is None
    [exact] = sim(flagged[0])
    assert got[1] == exact and exact < 0.28  # (0.6 - 0.5) / (1 - 0.5) = 0.2
    assert sum(t.startswith("x ") for t in fake.embedded) == 4  # anchor, substitute, 2 of 8 distractors
    assert sum(t.startswith("p ") for t in fake.embedded) == 10
    clear_memo()
