"""Mistranslation judged from dictionary evidence (real Apertium) with a fake similarity."""

from __future__ import annotations

import shutil
from pathlib import Path

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
