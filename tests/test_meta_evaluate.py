"""python -m eval.meta on a small made-up run folder and ratings: correlations equal scipy's, span
precision/recall equal counts done by hand, baselines and errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sacrebleu
from scipy import stats as sps

from eval.errors import InputError
from eval.meta.__main__ import main
from eval.meta.baselines import absent_word_runs
from eval.meta.ceiling import rater_agreement
from eval.meta.evaluate import meta_evaluate
from eval.meta.mqm_tsv import parse_mqm_tsv
from eval.meta.spanmatch import CharSpan, overlap_prf, partial_prf
from eval.reports.runfolder import load_run

HEADER = "system\tdoc\tdoc_id\tseg_id\trater\tsource\ttarget\tcategory\tseverity\tcomment\n"
REF = ["der Hund schläft", "es regnet heute sehr", "danke schön", "wir gehen nach Hause", "das ist gut"]
SYSTEMS = {
    "good": ["der Hund schläft", "es regnet heute sehr", "danke schön", "wir gehen nach Hause", "das ist gut"],
    "mid": ["der Hund schlief", "es regnet heute", "danke schön", "wir laufen nach Hause", "das ist gut"],
    "bad": ["die Katze schläft", "heute Regen", "danke", "wir gehen heim", "das ist schlecht"],
    "worst": ["Katze", "Regen Regen", "thanks", "go home", "this good"],
}
# (system, line) -> [(start, end, category, severity)] in the target
ERRORS = {
    ("mid", 0): [(10, 16, "Accuracy/Mistranslation", "Major")],
    ("mid", 3): [(4, 10, "Style/Awkward", "Minor")],
    ("bad", 0): [(0, 9, "Accuracy/Mistranslation", "Major")],
    ("bad", 1): [(0, 11, "Accuracy/Mistranslation", "Major")],
    ("bad", 4): [(8, 16, "Accuracy/Mistranslation", "Major")],
    ("worst", 0): [(0, 5, "Accuracy/Mistranslation", "Major")],
    ("worst", 1): [(0, 11, "Fluency/Grammar", "Major")],
    ("worst", 2): [(0, 6, "Accuracy/Untranslated text", "Major")],
    ("worst", 3): [(0, 7, "Accuracy/Untranslated text", "Major")],
    ("worst", 4): [(0, 9, "Fluency/Punctuation", "Minor")],
}
# detected spans: (system, line, start, end, severity, detector)
DETECTED = [
    ("mid", 0, 10, 16, "major", "mistranslation"),  # exact hit
    ("bad", 0, 4, 9, "major", "mistranslation"),  # inside a human span
    ("bad", 2, 0, 5, "minor", "names_numbers"),  # no human span there
    ("worst", 2, 0, 6, "major", "untranslated+mistranslation"),  # hit, merged
]


def _tsv() -> str:
    rows = []
    for line, ref in enumerate(REF):
        rows.append(f"ref\ttalk\t{line + 1}\t{line + 1}\tr\tsrc {line}\t{ref}\tNo-error\tNo-error\t")
        for system, hyps in SYSTEMS.items():
            hyp = hyps[line]
            errs = ERRORS.get((system, line), [])
            if not errs:
                rows.append(f"{system}\ttalk\t{line + 1}\t{line + 1}\tr\tsrc {line}\t{hyp}\tNo-error\tNo-error\t")
            for a, b, cat, sev in errs:
                marked = hyp[:a] + "<v>" + hyp[a:b] + "</v>" + hyp[b:]
                rows.append(f"{system}\ttalk\t{line + 1}\t{line + 1}\tr\tsrc {line}\t{marked}\t{cat}\t{sev}\t")
    return HEADER + "\n".join(rows) + "\n"


def _penalty(system: str, line: int) -> float:
    weights = {"Major": 5.0, "Minor": 1.0}
    return sum(
        0.1 if c == "Fluency/Punctuation" and s == "Minor" else weights[s]
        for *_, c, s in ERRORS.get((system, line), [])
    )


def _run_folder(root: Path) -> Path:
    root.mkdir()
    align, segs, scores = [], [], []
    for system, hyps in SYSTEMS.items():
        for i, (hyp, ref) in enumerate(zip(hyps, REF, strict=True)):
            align.append(
                {
                    "system": system,
                    "lang": "de",
                    "bead": i,
                    "bead_type": "1-1",
                    "ref_ids": i,
                    "hyp_ids": i,
                    "similarity": 1.0,
                    "ref_text": ref,
                    "hyp_text": hyp,
                    "bridge_text": "",
                }
            )
            bead = {"system": system, "lang": "de", "bead": i, "ref_ids": i, "hyp_ids": i}
            segs.append({**bead, "metric": "chrf", "score": sacrebleu.sentence_chrf(hyp, [ref]).score})
            segs.append({**bead, "metric": "len", "score": float(len(hyp))})
        for metric in ("chrf", "len", "bleu"):
            scores.append(
                {
                    "system": system,
                    "lang": "de",
                    "kind": "mt",
                    "metric": metric,
                    "score": 0.0,
                    "ci_low": "",
                    "ci_high": "",
                    "route": "direct",
                    "round_trip": False,
                    "status": "ok",
                    "reason": "",
                    "signature": "",
                }
            )
    pd.DataFrame(align).to_csv(root / "alignment.csv", index=False)
    pd.DataFrame(segs).to_csv(root / "segments.csv", index=False)
    pd.DataFrame(scores).to_csv(root / "scores.csv", index=False)
    pd.DataFrame([{"system": s, "lang": "de"} for s in SYSTEMS]).to_csv(root / "mqm.csv", index=False)
    pd.DataFrame(columns=["document", "lang", "rule", "action", "text"]).to_csv(root / "cleaning.csv", index=False)
    (root / "manifest.json").write_text("{}", encoding="utf-8")
    spans = [
        {
            "system": s,
            "lang": "de",
            "ref_segment_ids": [ln],
            "hyp_segment_ids": [ln],
            "hyp": {"text": SYSTEMS[s][ln][a:b], "start": a, "end": b},
            "ref": None,
            "category": "accuracy/mistranslation",
            "severity": sev,
            "detector": det,
            "confidence": 1.0,
            "evidence": {},
        }
        for s, ln, a, b, sev, det in DETECTED
    ]
    spans.append(
        {
            "system": "bad",
            "lang": "de",
            "ref_segment_ids": [3],
            "hyp_segment_ids": [],
            "hyp": None,
            "ref": {"text": "gehen", "start": 4, "end": 9},
            "category": "accuracy/omission",
            "severity": "minor",
            "detector": "omission_addition",
            "confidence": 1.0,
            "evidence": {},
        }
    )
    (root / "spans.jsonl").write_text("\n".join(json.dumps(s) for s in spans) + "\n", encoding="utf-8")
    return root


@pytest.fixture
def report_inputs(tmp_path: Path) -> tuple[Path, Path]:
    tsv = tmp_path / "mqm.tsv"
    tsv.write_text(_tsv(), encoding="utf-8")
    return _run_folder(tmp_path / "run"), tsv


def test_system_and_segment_level_equal_scipy(report_inputs: tuple[Path, Path]) -> None:
    run_dir, tsv = report_inputs
    report = meta_evaluate(load_run(run_dir), parse_mqm_tsv(tsv.read_text(encoding="utf-8"), str(tsv)), n_samples=200)
    systems = sorted(SYSTEMS)
    assert report.systems == systems and report.segments == 5 and report.human_spans == 10
    human = np.array([-np.mean([_penalty(s, i) for i in range(5)]) for s in systems])
    chrf = np.array([sacrebleu.corpus_chrf(SYSTEMS[s], [REF]).score for s in systems])
    by_name = {a.metric: a for a in report.system_level}
    assert set(by_name) == {"chrf", "len", "mqm scorecard (spans)"}  # bleu has no segment scores: left out
    assert by_name["chrf"].pearson.value == pytest.approx(sps.pearsonr(chrf, human).statistic, abs=1e-9)
    assert by_name["chrf"].kendall.value == pytest.approx(sps.kendalltau(chrf, human).statistic, abs=1e-9)
    assert by_name["chrf"].pearson.ci_low <= by_name["chrf"].pearson.value <= by_name["chrf"].pearson.ci_high
    length = np.array([np.mean([len(h) for h in SYSTEMS[s]]) for s in systems])
    assert by_name["len"].pearson.value == pytest.approx(sps.pearsonr(length, human).statistic, abs=1e-9)
    seg = {a.metric: a for a in report.segment_level}
    x = np.array([sacrebleu.sentence_chrf(SYSTEMS[s][i], [REF[i]]).score for s in systems for i in range(5)])
    y = np.array([-_penalty(s, i) for s in systems for i in range(5)])
    assert seg["chrf"].kendall_flat == pytest.approx(sps.kendalltau(x, y).statistic, abs=1e-9)
    assert seg["chrf"].n_pairs == 20


def test_span_table_counts(report_inputs: tuple[Path, Path]) -> None:
    run_dir, tsv = report_inputs
    report = meta_evaluate(load_run(run_dir), parse_mqm_tsv(tsv.read_text(encoding="utf-8"), str(tsv)), n_samples=50)
    rows = {(r.group, r.name): r for r in report.spans}
    merged = rows[("all", "all detectors")]
    assert (merged.overlap.detected, merged.overlap.human) == (4, 10)
    assert merged.overlap.precision == pytest.approx(3 / 4) and merged.overlap.recall == pytest.approx(3 / 10)
    # characters: detected 6 + 5 + 5 + 6 = 22, of which 6 + 5 + 6 inside human spans
    human_chars = sum(b - a for errs in ERRORS.values() for a, b, *_ in errs)
    assert merged.partial.precision == pytest.approx(17 / 22) and merged.partial.recall == pytest.approx(
        17 / human_chars
    )
    mis = rows[("detector", "mistranslation")]
    assert (mis.overlap.detected, mis.overlap.precision) == (3, 1.0)
    assert rows[("detector", "names_numbers")].overlap.precision == 0.0
    assert rows[("human severity", "minor")].overlap.recall == 0.0
    assert ("baseline", "random placement of mistranslation") in rows
    edit = rows[("baseline", "edit spans (words absent from the reference)")]
    assert edit.overlap.detected == sum(
        len(absent_word_runs(h, r)) for hs in SYSTEMS.values() for h, r in zip(hs, REF, strict=True)
    )
    assert (report.omissions.detected, report.omissions.human, report.omissions.precision) == (1, 0, 0.0)


def test_prf_by_hand() -> None:
    det = [CharSpan("s", 0, 0, 4, "c", "major", "d"), CharSpan("s", 0, 10, 12, "c", "major", "d")]
    hum = [CharSpan("s", 0, 2, 6, "c", "major", "r"), CharSpan("s", 1, 0, 3, "c", "minor", "r")]
    ov, pa = overlap_prf(det, hum), partial_prf(det, hum)
    assert (ov.precision, ov.recall, ov.f1) == (0.5, 0.5, 0.5)
    assert (pa.precision, pa.recall) == (pytest.approx(2 / 6), pytest.approx(2 / 7))


def test_absent_word_runs() -> None:
    assert absent_word_runs("der Hund frisst den Knochen", "der Hund schläft") == [(9, 27)]
    assert absent_word_runs("Der hund", "der Hund") == []
    # merged across at most one reference word ("den"), the detector's phrase shape; two words split it
    assert absent_word_runs("ein Hund der frisst den Knochen", "der Hund den", merge_gap=1) == [(0, 3), (13, 31)]
    assert absent_word_runs("ein Hund der frisst den Knochen", "der Hund den") == [(0, 3), (13, 19), (24, 31)]
    # Chinese: the changed characters, not the whole clause (one \\w+ run)
    assert absent_word_runs("我们昨天去了上海。", "我们今天去了北京。") == [(2, 3), (6, 8)]


def test_cli_prints_tables_and_refuses_other_texts(
    report_inputs: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir, tsv = report_inputs
    assert main([str(run_dir), "--mqm", str(tsv), "--bootstrap", "50", "--out", str(tmp_path / "meta")]) == 0
    out = capsys.readouterr().out
    assert "4 systems × 5 segments, 10 human error spans" in out and "| chrf |" in out
    assert (tmp_path / "meta" / "meta_spans.csv").is_file()
    al = pd.read_csv(run_dir / "alignment.csv")
    al.loc[(al.system == "mid") & (al.bead == 2), "hyp_text"] = "danke sehr"
    al.to_csv(run_dir / "alignment.csv", index=False)
    assert main([str(run_dir), "--mqm", str(tsv)]) == 2
    err = capsys.readouterr().err
    assert "system mid line 3 differs from its rated text" in err and "Traceback" not in err
    with pytest.raises(InputError, match="no reference system"):
        meta_evaluate(load_run(run_dir), parse_mqm_tsv(tsv.read_text(encoding="utf-8"), str(tsv)), reference="x")


def test_docs_scope(report_inputs: tuple[Path, Path]) -> None:
    run_dir, tsv = report_inputs
    ratings = parse_mqm_tsv(tsv.read_text(encoding="utf-8"), str(tsv))
    whole = meta_evaluate(load_run(run_dir), ratings, n_samples=20)
    scoped = meta_evaluate(load_run(run_dir), ratings, n_samples=20, docs=["talk"])
    assert [r.overlap for r in scoped.spans] == [r.overlap for r in whole.spans]
    with pytest.raises(InputError, match="no segment of document"):
        meta_evaluate(load_run(run_dir), ratings, docs=["talk.9"])


def test_rater_agreement_on_identical_outputs() -> None:
    text = "der Hund schläft"
    rows = [
        "x\tt\t1\t1\tA\tsrc\t<v>der</v> Hund schläft\tStyle/Awkward\tMinor\t",
        "x\tt\t1\t1\tA\tsrc\tder <v>Hund</v> schläft\tAccuracy/Mistranslation\tMajor\t",
        "y\tt\t1\t1\tB\tsrc\td<v>er </v>Hund schläft\tStyle/Awkward\tMinor\t",
        f"z\tt\t1\t1\tA\tsrc\t{text}\tNo-error\tNo-error\t",  # same text, same rater as x: not compared with x
        "w\tt\t1\t1\tB\tsrc\tein Hund\tNo-error\tNo-error\t",  # another text: not compared
    ]
    ratings = parse_mqm_tsv(HEADER + "\n".join(rows) + "\n", "hand.tsv")
    pairs, ov, pa = rater_agreement(ratings, ["w", "x", "y", "z"], ratings.segments)
    # ordered pairs (x,y), (y,x), (z,y), (y,z): x's 2 spans vs y's 1 (one overlaps), y's 1 vs x's 2 (found),
    # z (no span) vs y: y's span missed; y vs z: y's span is a false alarm
    assert pairs == 4
    assert (ov.detected, ov.correct_detected, ov.human, ov.found_human) == (4, 2, 4, 2)
    assert ov.precision == ov.recall == 0.5
    # characters: x marks "der" + "Hund" (7), y marks "er " (3); shared "er" (2)
    assert pa.precision == pytest.approx((2 + 2) / (7 + 3 + 3)) and pa.recall == pytest.approx((2 + 2) / (3 + 7 + 3))
