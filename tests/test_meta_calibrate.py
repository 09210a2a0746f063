"""python -m eval.meta.calibrate on a made-up run whose reference_edits candidates carry their features."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from eval.errors import InputError
from eval.meta.calibrate import calibrate, candidates, held_out_curve, main
from eval.meta.mqm_tsv import parse_mqm_tsv
from eval.reports.runfolder import load_run
from tests.test_meta_evaluate import ERRORS, SYSTEMS, _run_folder, _tsv


def _separable(system: str, line: int, marked: bool) -> float:
    return 0.0 if marked else 1.0


def _candidates(run_dir: Path, support: Callable[[str, int, bool], float] = _separable) -> None:
    """One candidate per word of each version: by default support 0 on the words humans marked, 1 elsewhere."""
    spans = []
    for system, hyps in SYSTEMS.items():
        for line, hyp in enumerate(hyps):
            start = 0
            for word in hyp.split():
                a = hyp.index(word, start)
                b = start = a + len(word)
                marked = any(x < b and a < y for x, y, *_ in ERRORS.get((system, line), []))
                feats = {"n_words": 1.0, "support_min": support(system, line, marked), "chrf": 0.5}
                spans.append({"system": system, "lang": "de", "ref_segment_ids": [line], "hyp_segment_ids": [line],
                              "hyp": {"text": word, "start": a, "end": b}, "ref": None,
                              "category": "accuracy/mistranslation", "severity": "minor", "detector": "reference_edits",
                              "confidence": 0.5, "evidence": {"features": feats}})  # fmt: skip
    (run_dir / "spans.jsonl").write_text("\n".join(json.dumps(s) for s in spans) + "\n", encoding="utf-8")


def test_calibration_learns_the_separating_feature(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tsv = tmp_path / "mqm.tsv"
    tsv.write_text(_tsv(), encoding="utf-8")
    run_dir = _run_folder(tmp_path / "run")
    _candidates(run_dir)
    fitted = calibrate(load_run(run_dir), parse_mqm_tsv(tsv.read_text(encoding="utf-8"), str(tsv)))
    assert fitted.calibration.weights["support_min"] < -1.0
    assert fitted.precision == 1.0 and fitted.recall == 1.0  # the threshold keeps exactly the marked words
    assert fitted.threshold <= fitted.major_threshold
    assert main([str(run_dir), "--mqm", str(tsv)]) == 0
    assert "threshold:" in capsys.readouterr().out


def test_held_out_curve(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tsv = tmp_path / "mqm.tsv"
    tsv.write_text(_tsv(), encoding="utf-8")
    run_dir = _run_folder(tmp_path / "run")
    _candidates(run_dir)
    run, ratings = load_run(run_dir), parse_mqm_tsv(tsv.read_text(encoding="utf-8"), str(tsv))
    fitted = calibrate(run, ratings)
    curve = held_out_curve(fitted, candidates(run, ratings, "ref", None))
    name, thr, ov, pa = curve[0]
    assert pa.precision is not None and pa.precision > 0.95  # words inside the marked spans, nearly every character
    assert (name, thr, ov.precision, ov.recall) == ("fitted threshold", fitted.threshold, 1.0, 1.0)
    everything = next(c for c in curve if c[0] == "top 100%")
    assert everything[2].detected == sum(len(h.split()) for hs in SYSTEMS.values() for h in hs)
    assert everything[2].precision is not None and everything[2].precision < 0.5
    assert main([str(run_dir), "--mqm", str(tsv), "--held-out", "talk"]) == 0
    assert "# held out (talk)" in capsys.readouterr().out


def test_calibration_needs_candidates(tmp_path: Path) -> None:
    tsv = tmp_path / "mqm.tsv"
    tsv.write_text(_tsv(), encoding="utf-8")
    run_dir = _run_folder(tmp_path / "run")  # its spans come from other detectors
    with pytest.raises(InputError, match="threshold=0"):
        calibrate(load_run(run_dir), parse_mqm_tsv(tsv.read_text(encoding="utf-8"), str(tsv)))


def test_f_beta_weighs_precision_below_one() -> None:
    from eval.meta.spanmatch import PRF

    prf = PRF(detected=4, human=2, correct_detected=2, found_human=2, detected_units=4, human_units=2)  # P .5, R 1
    assert prf.f_beta(1.0) == prf.f1 == pytest.approx(2 / 3)
    assert prf.f_beta(0.5) == pytest.approx(1.25 * 0.5 / (0.25 * 0.5 + 1))  # 0.556: the false alarms weigh more
    assert prf.f_beta(2.0) == pytest.approx(5 * 0.5 / (4 * 0.5 + 1))  # 0.833: recall weighs more


def _overlapping(system: str, line: int, marked: bool) -> float:
    """Support 0.5 on the worst system's marked words and on good's first three lines, else separable:
    keeping the 0.5 words finds every human span (R 1, P 15/24), leaving them is exact (P 1, R 0.5)."""
    if (system == "worst" and marked) or (system == "good" and line < 3):
        return 0.5
    return _separable(system, line, marked)


def test_the_threshold_maximises_f_beta(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tsv = tmp_path / "mqm.tsv"
    tsv.write_text(_tsv(), encoding="utf-8")
    run_dir = _run_folder(tmp_path / "run")
    _candidates(run_dir, _overlapping)
    run, ratings = load_run(run_dir), parse_mqm_tsv(tsv.read_text(encoding="utf-8"), str(tsv))
    precise, balanced = calibrate(run, ratings), calibrate(run, ratings, beta=1.0)  # F0.5 the default
    assert (precise.precision, precise.recall) == (1.0, 0.5)  # F0.5 0.833 against 0.676 with the 0.5 words
    assert (balanced.precision, balanced.recall) == (15 / 24, 1.0)  # F1 0.769 against 0.667 without them
    assert precise.threshold > balanced.threshold
    with pytest.raises(InputError, match="--beta must be positive"):
        calibrate(run, ratings, beta=0.0)
    assert main([str(run_dir), "--mqm", str(tsv), "--beta", "1"]) == 0
    assert "threshold for F1;" in capsys.readouterr().out
