"""python -m eval.meta.calibrate on a made-up run whose reference_edits candidates carry their features."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.errors import InputError
from eval.meta.calibrate import calibrate, candidates, held_out_curve, main
from eval.meta.mqm_tsv import parse_mqm_tsv
from eval.reports.runfolder import load_run
from tests.test_meta_evaluate import ERRORS, SYSTEMS, _run_folder, _tsv


def _candidates(run_dir: Path) -> None:
    """One candidate per word of each version: support 0 on the words humans marked, 1 elsewhere."""
    spans = []
    for system, hyps in SYSTEMS.items():
        for line, hyp in enumerate(hyps):
            start = 0
            for word in hyp.split():
                a = hyp.index(word, start)
                b = start = a + len(word)
                marked = any(x < b and a < y for x, y, *_ in ERRORS.get((system, line), []))
                feats = {"n_words": 1.0, "support_min": 0.0 if marked else 1.0, "chrf": 0.5}
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
