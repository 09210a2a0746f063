"""The same-language reference_edits detector and its calibration (no encoder: consensus and chrF features)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize

from eval.align.words import words_of
from eval.detectors.base import AlignedPair
from eval.detectors.reference_edits import Calibration, ReferenceEditsDetector, absent_runs
from eval.errors import ConfigError
from eval.meta.calibrate import fit_logistic

REF = "Ich möchte Sie bitten, die einfache Tatsache zu bedenken."
HYPS = {
    "a": "Ich möchte Sie bitten, die einfache Tatsache zu bedenken.",
    "b": "Ich möchte Sie bitten, die simple Tatsache zu bedenken.",
    "c": "Ich möchte Sie bitten, die simple Tatsache zu bedenken.",
    "d": "Ich möchte Sie fragen, die einfache Katze zu bedenken.",
}
# flags runs that few peers share: support_min 0 -> p = sigmoid(2) = 0.88; support_min 1 -> sigmoid(-2) = 0.12
CAL = {"bias": 0.0, "weights": {"support_min": -4.0}, "mean": {"support_min": 0.5}, "scale": {"support_min": 1.0}}


def _pair(system: str, hyp: str, lang: str = "de") -> AlignedPair:
    return AlignedPair(system, "de", lang, (0,), (0,), REF, hyp, 1.0)


def test_absent_runs() -> None:
    hyp = words_of("Ich möchte euch fragen, ob die Katze schläft.")
    assert [[hyp[i].text for i in run] for run in absent_runs(hyp, words_of(REF))] == [
        ["euch", "fragen", "ob"],  # punctuation does not end a run (words_of skips it)
        ["Katze", "schläft"],
    ]


def test_absent_runs_merged_across_one_reference_word() -> None:
    hyp = words_of("Ich möchte euch fragen, ob die Katze schläft.")
    ref = words_of(REF)
    merged = absent_runs(hyp, ref, merge_gap=1)
    # "die" (a reference word) lies between the runs: one candidate from "euch" to "schläft" whose
    # indices are the absent words only
    assert [[hyp[i].text for i in run] for run in merged] == [["euch", "fragen", "ob", "Katze", "schläft"]]
    assert absent_runs(hyp, ref, merge_gap=0) == absent_runs(hyp, ref)
    det = ReferenceEditsDetector(calibration=CAL, threshold=0.0, merge_gap=1)
    (span,) = det.detect_systems({"x": [_pair("x", "Ich möchte euch fragen, ob die Katze schläft.")]})["x"].spans
    assert span.hyp is not None and span.hyp.text == "euch fragen, ob die Katze schläft"
    assert span.evidence["features"]["n_words"] == 5.0
    with pytest.raises(ConfigError, match="merge_gap"):
        ReferenceEditsDetector(calibration=CAL, merge_gap=-1)


def test_flags_what_peers_do_not_share_and_skips_other_languages() -> None:
    det = ReferenceEditsDetector(calibration=CAL, threshold=0.5, major_threshold=0.8)
    systems = {s: [_pair(s, h)] for s, h in HYPS.items()}
    systems["en"] = [_pair("en", "I want to ask you to consider the simple fact.", "en")]
    out = det.detect_systems(systems)
    assert out["a"].spans == [] and out["a"].stats == {"pairs": 1, "candidates": 0, "flagged": 0}
    # "simple" is shared by one of the three peers of b: support 1/3 -> p = sigmoid(0.67) = 0.66, minor
    assert [(s.hyp.text if s.hyp else None, s.severity) for s in out["b"].spans] == [("simple", "minor")]
    assert [s.hyp.text if s.hyp else None for s in out["d"].spans] == ["fragen", "Katze"]
    assert {s.severity for s in out["d"].spans} == {"major"}
    span = out["d"].spans[1]
    assert (span.hyp and span.hyp.start, span.category, span.detector) == (
        REF.index("Tatsache"),
        "accuracy/mistranslation",
        "reference_edits",
    )
    assert span.evidence["features"]["support_min"] == 0.0 and span.confidence == pytest.approx(0.8808, abs=1e-4)
    assert out["en"].skipped is not None and "reference in the version's language (en)" in out["en"].skipped


def test_a_lone_system_gets_the_training_mean_for_the_peer_features() -> None:
    """One version of a segment has no peers: its support features are absent, and the calibration reads
    them at their training mean (a neutral value), so the spans come from the other features alone."""
    det = ReferenceEditsDetector(calibration=CAL, threshold=0.4, major_threshold=0.8)
    out = det.detect_systems({"d": [_pair("d", HYPS["d"])]})
    assert [s.hyp.text if s.hyp else None for s in out["d"].spans] == ["fragen", "Katze"]
    for span in out["d"].spans:
        assert "support_min" not in span.evidence["features"]
        assert span.confidence == pytest.approx(0.5) and span.severity == "minor"  # sigmoid(0): the mean
    many = {f"s{i}": [_pair(f"s{i}", HYPS["b"] if i % 2 else HYPS["a"])] for i in range(20)}
    spans = det.detect_systems(many)["s1"].spans
    assert [s.evidence["features"]["support_min"] for s in spans] == [pytest.approx(9 / 19, abs=1e-4)]


def test_calibration_errors() -> None:
    with pytest.raises(ConfigError, match="lacks"):
        Calibration.from_dict({"weights": {}})
    with pytest.raises(ConfigError, match="unknown features"):
        Calibration.from_dict({**CAL, "weights": {"colour": 1.0}})
    with pytest.raises(ConfigError, match="threshold"):
        ReferenceEditsDetector(calibration=CAL, threshold=0.9, major_threshold=0.5)


def test_fit_logistic_equals_scipy_minimiser() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 3))
    y = (rng.random(300) < 1 / (1 + np.exp(-(x @ np.array([1.5, -2.0, 0.0]) + 0.3)))).astype(float)
    w = fit_logistic(x, y, l2=1.0)

    def loss(v: np.ndarray) -> float:
        z = x @ v[:-1] + v[-1]
        return float(np.sum(np.logaddexp(0, z) - y * z) + 0.5 * np.sum(v[:-1] ** 2))

    ref = optimize.minimize(loss, np.zeros(4), method="BFGS", options={"gtol": 1e-10}).x
    assert w == pytest.approx(ref, abs=1e-4)
