"""Mistranslation judged from dictionary evidence (real Apertium) with a fake similarity."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from eval.detectors.base import AlignedPair
from eval.detectors.mistranslation import MistranslationDetector, context_template
from eval.embedders.base import Embedder
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


@pytest.mark.integration
@pytest.mark.skipif(
    shutil.which("lt-proc") is None or not Path("/usr/share/apertium/apertium-spa-ita").is_dir(),
    reason="Apertium spa-ita not installed",
)
def test_substitute_of_another_part_of_speech_is_no_evidence() -> None:
    """Apertium reads "incontro" only as the verb incontrare (→ "trouver"); substituting a verb for the
    noun "réunion" would flag a correct translation. A wrong noun in the same slot is still flagged."""
    ref = "la réunion des chefs de police"

    def link_meeting(r: str, h: str) -> list[L]:
        return [L(word(r, "réunion"), word(h, x), 0.8) for x in ("incontro", "formaggio") if x in h]

    det = MistranslationDetector(aligner=link_meeting, word_similarity=fake_similarity)
    right = AlignedPair("it", "fr", "it", (0,), (0,), ref, "l'incontro dei capi della polizia", 0.9)
    wrong = AlignedPair("it", "fr", "it", (0,), (0,), ref, "il formaggio dei capi della polizia", 0.9)
    assert det.detect([right]) == [] and det.stats["cross_pos"] == 1
    (s,) = det.detect([wrong])
    assert (s.ref and s.ref.text, s.hyp and s.hyp.text) == ("réunion", "formaggio")
    assert "fromage" in s.evidence["back_translation"]


def test_coarse_parts_of_speech_let_participles_stand_for_adjectives() -> None:
    from eval.detectors.lexicon import Analysis
    from eval.detectors.mistranslation import _coarse

    assert _coarse(Analysis("organiser", "<vblex><pp><m><sg>")) == {"v", "adj"}
    assert _coarse(Analysis("trouver", "<vblex><inf>")) == {"v"}
    assert _coarse(Analysis("Maroc", "<np><loc>")) == {"n"}
    assert _coarse(Analysis("réunion", "<n><f><sg>")) == {"n"}


def test_links_without_a_back_translation_are_not_judged_by_default() -> None:
    """No dictionary and no bridge (Arabic): nothing to substitute but the version word itself, a test that never
    fired on the corpus; by default those links are counted as ``no_evidence`` and cost no encoder pass."""
    bad = AlignedPair("xx", "fr", "es", (0,), (0,), REF, HYP, 0.9)
    asked: list[tuple[str, str, str]] = []

    def similarity(items: list[tuple[str, str, str]]) -> list[float]:
        asked.extend(items)
        return fake_similarity(items)

    det = MistranslationDetector(aligner=aligner, word_similarity=similarity, use_lexicon=False, use_bridge=False)
    assert det.detect([bad]) == [] and asked == []
    skipped = det.stats["no_evidence"]
    assert skipped >= 2  # enrôlement/congelación and drones/aviones at least
    det.embedding_only_threshold = 0.1  # opt in: the version word itself in the reference context
    found = {(s.ref.text, s.hyp.text) for s in det.detect([bad]) if s.ref and s.hyp}
    assert {("enrôlement", "congelación"), ("drones", "aviones")} <= found
    assert len(asked) == skipped and all(b in HYP for _, _, b in asked)  # one query per link: the version word


class _Vectors(Embedder):
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


class _PrecisionVectors(_Vectors):
    """A fake embedder with precision views: the bfloat16 view moves some cosines by ``shift``."""

    @property
    def sha(self) -> str:
        return "fake"

    def __init__(self, cosines: dict[str, float], precision: str, shift: dict[str, float]) -> None:
        super().__init__(cosines if precision == "float32" else {w: c + shift.get(w, 0.0) for w, c in cosines.items()})
        self.precision = precision
        self.base, self.shift = cosines, shift
        self.views: dict[str, _PrecisionVectors] = {precision: self}

    def with_precision(self, precision: str) -> _PrecisionVectors:
        if precision not in self.views:
            self.views[precision] = _PrecisionVectors(self.base, precision, self.shift)
        return self.views[precision]


def test_bfloat16_screen_rechecks_only_borderline_links_in_float32() -> None:
    from eval.detectors.mistranslation import BF16_COSINE_MARGIN, DISTRACTORS, ContextSimilarity, clear_memo

    clear_memo()
    # calibrated = (cos - 0.5) / 0.5 with the distractors at 0.5: threshold 0.35 sits at cosine 0.675
    cosines = {"recrutement": 0.95, "congélation": 0.55, "engagement": 0.674, **dict.fromkeys(DISTRACTORS, 0.5)}
    fast = _PrecisionVectors(cosines, "bfloat16", {"engagement": 1.2e-3, "congélation": 1e-3})
    assert BF16_COSINE_MARGIN > 1.2e-3  # the fake's bfloat16 error is within the bound
    sim = ContextSimilarity(fast)
    groups = [
        ([("a {} b", "enrôlement", "recrutement")], 0.35),  # far above: cleared by the screen
        ([("c {} d", "enrôlement", "congélation")], 0.35),  # far below: flagged by the screen
        ([("e {} f", "enrôlement", "engagement")], 0.35),  # 0.348 in float32, 0.351 in bfloat16
    ]
    got = sim.decide(groups)
    exact = ContextSimilarity(fast.with_precision("float32"))
    assert got[0] is None and got[1] is not None and got[1] < 0.35
    assert got[2] == exact([groups[2][0][0]])[0] < 0.35  # the screen alone would have cleared it
    rechecked = fast.views["float32"].embedded
    assert rechecked and all(t.startswith("e ") for t in rechecked)
    assert sim.stats == {"links": 3, "rechecked_float32": 1}
    clear_memo()


def test_memoised_distractors_tighten_the_bound_from_the_start() -> None:
    """A second version of the same reference pays only for its first substitute: the neutral contexts
    are memoised, and the base they give clears a link that the two-distractor bound alone would not."""
    from eval.detectors.mistranslation import DISTRACTORS, ContextSimilarity, clear_memo

    clear_memo()
    # distractors: two close ones first, then six far ones; exact base 0.3, so 0.9 clears at 0.35
    cosines = {"engagement": 0.9, "recrue": 0.92, "gel": 0.4, **dict.fromkeys(DISTRACTORS, 0.1)}
    cosines.update(dict.fromkeys(DISTRACTORS[:2], 0.9))
    fake = _Vectors(cosines)
    sim = ContextSimilarity(fake)
    assert sim.decide([([("x {} y", "enrôlement", "engagement")], 0.35)]) == [None]
    assert len(fake.embedded) == 6  # anchor, substitute, then distractors in stages until the bound clears
    clear_memo(version_side_only=True)  # the next version of the same reference
    fake.embedded.clear()
    two = [("x {} y", "enrôlement", "recrue"), ("x {} y", "enrôlement", "autre")]  # the bridge word, a dictionary's
    assert sim.decide([(two, 0.35)]) == [None]
    # The anchor and the 4 memoised distractors are reused, and the first substitute then clears the link:
    # the second is never embedded (the two-distractor bound would have asked for it).
    assert fake.embedded == ["x recrue y"]
    fake.embedded.clear()
    [got] = sim.decide([([("x {} y", "enrôlement", "gel")], 0.35)])
    assert fake.embedded[0] == "x gel y" and len(fake.embedded) == 5  # a flagged link gets every distractor…
    assert got is not None and got < 0.35
    fake.embedded.clear()
    assert got == sim([("x {} y", "enrôlement", "gel")])[0]  # …and the flagged value is the exact one
    clear_memo()
