"""Reports from a run folder: loading, Markdown snapshot, self-contained HTML, span placement, CLI.

Regenerate the Markdown snapshot after an intended change with
``UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/test_reports.py -k snapshot``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from eval.errors import ConfigError, RunFolderError
from eval.reports import ReportConfig, build_reports, load_run, render_html, render_markdown
from eval.reports.__main__ import main
from eval.reports.html_report import Mark, highlight
from eval.reports.metricinfo import FALLBACK, MetricInfo, metric_infos
from eval.reports.tables import fmt_score, locate, place_spans, summary_rows, top_findings

DATA = Path(__file__).parent / "data"
FIXTURE = DATA / "run_fixture"
SNAPSHOT = DATA / "report_snapshot.md"
ROOT = Path(__file__).resolve().parents[1]
NO_CHARTS = ReportConfig(charts=False)  # matplotlib is the slow part; chart tests keep it on


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    """A writable copy of the fixture run, under the same folder name (the name appears in reports)."""
    dest = tmp_path / "run_fixture"
    shutil.copytree(FIXTURE, dest)
    for name in ("report.html", "report.md", "report.png"):
        (dest / name).unlink(missing_ok=True)
    return dest


# ---------------------------------------------------------------- run folder


def test_load_run_reads_every_table(run_dir: Path) -> None:
    run = load_run(run_dir)
    assert set(run.scores["system"]) == {"es", "es-apertium", "en", "it", "ar"}
    assert run.scores["round_trip"].dtype == bool
    assert run.scores.loc[run.scores["system"] == "es-apertium", "round_trip"].any()
    assert run.alignment["ref_ids"].tolist()[0] == "1"  # ids stay text ("3;4"), not numbers
    assert run.significance is not None and len(run.significance) == 3
    assert len(run.spans) == 15 and run.manifest["tag"] == "dgsn-fixture"
    assert run.ref_lang == "fr"


def test_missing_files_are_all_listed(run_dir: Path) -> None:
    (run_dir / "scores.csv").unlink()
    (run_dir / "mqm.csv").unlink()
    with pytest.raises(RunFolderError) as err:
        load_run(run_dir)
    assert str(err.value) == f"{run_dir} is not a complete run folder: missing scores.csv, mqm.csv"


def test_significance_is_optional(run_dir: Path) -> None:
    (run_dir / "significance.csv").unlink()
    run = load_run(run_dir)
    assert run.significance is None
    page = render_html(run, NO_CHARTS)
    assert 'id="significance"' not in page and 'id="summary-table"' in page


def test_missing_column_is_named(run_dir: Path) -> None:
    scores = pd.read_csv(run_dir / "scores.csv", dtype=str, keep_default_na=False)
    scores.drop(columns=["round_trip"]).to_csv(run_dir / "scores.csv", index=False)
    with pytest.raises(RunFolderError, match=r"scores\.csv lacks column\(s\) round_trip"):
        load_run(run_dir)


def test_bad_jsonl_line_is_located(run_dir: Path) -> None:
    with (run_dir / "spans.jsonl").open("a", encoding="utf-8") as fh:
        fh.write("{not json\n")
    with pytest.raises(RunFolderError, match=r"spans\.jsonl:16 is not valid JSON"):
        load_run(run_dir)


# ---------------------------------------------------------------- tables


def test_fmt_score() -> None:
    assert fmt_score(FALLBACK["bleu"], 32.123, 29.8, 34.46) == "32.1 [29.8–34.5]"
    assert fmt_score(FALLBACK["comet-qe"], 0.8741, 0.851, 0.893) == "0.874 [0.851–0.893]"
    assert fmt_score(FALLBACK["adequacy-e5"], 92.1, 91.04, 93.1) == "92.1 [91.0–93.1]"  # 0–100: one decimal
    assert fmt_score(FALLBACK["mqm"], 80.37, None, float("nan")) == "80.4"
    assert fmt_score(FALLBACK["bleu"], None) == ""


def test_metric_metadata_from_the_manifest_wins_over_the_fallback() -> None:
    scores = pd.DataFrame({"metric": ["ter", "newmetric", "chrf-c4"]})
    declared = {"metrics": {"newmetric": {"direction": "lower", "scale": [0, 1], "precision": 3}}}
    infos = metric_infos(declared, scores)
    assert infos["newmetric"] == MetricInfo("newmetric", False, (0.0, 1.0), 3, False)
    assert not infos["ter"].higher_is_better and infos["ter"].scale is None
    assert infos["chrf-c4"].same_language and infos["chrf-c4"].precision == 1


def test_fair_bridge_wins_over_round_trip(run_dir: Path) -> None:
    scores = pd.read_csv(run_dir / "scores.csv", dtype=str, keep_default_na=False)
    fair = scores[(scores["system"] == "es-apertium") & (scores["metric"] == "chrf")].copy()
    fair[["score", "ci_low", "ci_high", "route", "round_trip"]] = [
        "61.0",
        "58.0",
        "64.0",
        "bridge es→fr marian",
        "false",
    ]
    pd.concat([scores, fair]).to_csv(run_dir / "scores.csv", index=False)
    run = load_run(run_dir)
    rows = {r.system: r for r in summary_rows(run.scores, run.metrics)}
    cell = rows["es-apertium"].cells["chrf"]
    assert (cell.text, cell.route, cell.round_trip) == ("61.0 [58.0–64.0]", "bridge es→fr marian", False)
    assert [o.text for o in rows["es-apertium"].others["chrf"]] == ["78.9 [75.8–81.7]"]
    page = render_html(load_run(run_dir), NO_CHARTS)
    assert "also 78.9 [75.8–81.7] ↺ (bridge es→fr apertium)" in page


def test_top_findings_most_severe_first(run_dir: Path) -> None:
    top = top_findings(load_run(run_dir).spans, 3)
    assert [s["severity"] for s in top["es"]] == ["critical", "major", "major"]
    assert (top["es"][1]["hyp"]["text"], top["es"][1]["ref"]["text"]) == ("congelación", "enrôlement")


def test_place_spans_trusts_offsets_then_text(run_dir: Path) -> None:
    run = load_run(run_dir)
    spans = [dict(s) for s in run.spans]
    congelacion = next(s for s in spans if (s["hyp"] or {}).get("text") == "congelación")
    congelacion["hyp"] = {"text": "congelación", "start": 0, "end": 11}  # stale offsets
    lost = dict(congelacion, hyp={"text": "nowhere in the bead", "start": 0, "end": 19})
    spans.append(lost)
    placed, unplaced = place_spans(run.alignment, spans)
    es_bead = {p.span["hyp"]["text"]: p for p in placed[("es", 2)] if p.span["hyp"]}
    bead = run.alignment[(run.alignment["system"] == "es") & (run.alignment["bead"] == 2)].iloc[0]
    start, end = es_bead["congelación"].hyp or (0, 0)
    assert bead["hyp_text"][start:end] == "congelación"
    assert unplaced == [lost]
    assert locate("abc", None) is None


def test_highlight_escapes_and_links_sides() -> None:
    hyp = highlight(
        "a <b> error",
        [Mark(0, 5, "s1", "src", "accuracy/addition", "minor", "t<i>")],
    )
    assert "&lt;b&gt;" in hyp and "<b>" not in hyp and "t&lt;i&gt;" in hyp
    assert 'class="err cat-accuracy-addition sev-minor"' in hyp and 'data-sids="s1"' in hyp
    # omission: the error and its link are both on the reference side, overlapping a linked ref span
    ref = highlight(
        "les menaces atypiques",
        [
            Mark(4, 21, "s2", "src", "accuracy/omission", "major", "om"),
            Mark(4, 21, "s2", "tgt", "accuracy/omission", "major", "om"),
            Mark(12, 21, "s3", "tgt", "fluency", "minor", "fl"),
        ],
    )
    assert re.search(r'class="err cat-accuracy-omission sev-major ref-link"[^>]*data-for="s2">menaces ', ref)
    assert 'data-for="s2 s3">atypiques</span>' in ref


# ---------------------------------------------------------------- Markdown


def test_markdown_matches_snapshot(run_dir: Path) -> None:
    text = render_markdown(load_run(run_dir))
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(text, encoding="utf-8")
    assert text == SNAPSHOT.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 80


def test_markdown_content(run_dir: Path) -> None:
    text = render_markdown(load_run(run_dir))
    assert "“congelación” ↔ “enrôlement”" in text
    assert "(omitted) ↔ “le financement par les crypto-monnaies”" in text
    assert "| 21.4 [17.9–25.2] |" in text
    assert "*round-trip, ranked apart*" in text and "es-apertium ↺" in text
    assert "comet-qe unavailable for all versions: model not available offline" in text
    assert "bleu, chrf, chrf++, ter not covered for ar: ar: no Apertium pair" in text
    assert "| es | es | 214 | 2 | 3 | 1 | 42 | 19.63 | 80.37 | fail (≥ 90) |" in text


# ---------------------------------------------------------------- HTML


def test_html_is_self_contained(run_dir: Path) -> None:
    html_path, md_path = build_reports(run_dir)
    page = html_path.read_text(encoding="utf-8")
    assert md_path.read_text(encoding="utf-8") == SNAPSHOT.read_text(encoding="utf-8")
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert not re.search(r"<link\b|<script[^>]+src=|@import|url\((?!#)", page, re.I)
    assert 'id="summary-table"' in page
    assert "21.4 [17.9–25.2]" in page and "bridge es→fr apertium" in page
    assert page.count("<svg") == 2
    assert page.count('class="err ') >= 10
    assert 'class="badge rt"' in page and "ranked apart" in page
    assert 'id="signatures-table"' in page and "nrefs:1|case:mixed|eff:no|tok:13a" in page
    assert "e523d0449a59454628ce2361d6bf3fdcc9d816cf73b5b50f8f0de6f2adbbd6fc" in page  # fr.txt sha256
    assert "Lisez nos e-Papers" in page  # cleaning audit
    assert not list(run_dir.glob(".report*.tmp"))


def test_html_links_spans_to_reference_words(run_dir: Path) -> None:
    page = render_html(load_run(run_dir), NO_CHARTS)
    hyp = re.search(r'<span class="err [^"]*" data-sids="(s\d+)"[^>]*>congelación</span>', page)
    assert hyp, "congelación is not highlighted"
    assert re.search(rf'<span class="ref-link" data-for="{hyp.group(1)}">enrôlement</span>', page)
    # omission on the reference side, addition on the version side
    omission = r'<span class="err cat-accuracy-omission sev-major ref-link"[^>]*>ainsi que les menaces atypiques<'
    assert re.search(r'<td class="text ref"[^>]*>(?:(?!</td>).)*' + omission, page)
    addition = r'<span class="err cat-accuracy-addition sev-minor"[^>]*>Estas reuniones reflejan'
    assert re.search(r'<td class="text hyp"[^>]*>' + addition, page)


def test_html_arabic_rows_are_rtl(run_dir: Path) -> None:
    page = render_html(load_run(run_dir), NO_CHARTS)
    ar_cells = re.findall(r'<td class="text hyp" lang="ar" dir="rtl" data-label="version \(ar\)">', page)
    assert len(ar_cells) == 2
    assert re.search(r'lang="ar" dir="rtl" data-label="[^"]*">[^<]*<span class="err[^>]*>الجاري</span>', page)


def test_html_shows_unavailable_comet_reason(run_dir: Path) -> None:
    scores = pd.read_csv(run_dir / "scores.csv", dtype=str, keep_default_na=False)
    extra = scores[scores["metric"] == "comet-qe"].copy()
    extra["metric"] = "comet-ref"
    extra["reason"] = "model not available offline: Unbabel/wmt22-comet-da"
    pd.concat([scores, extra]).to_csv(run_dir / "scores.csv", index=False)
    page = render_html(load_run(run_dir), NO_CHARTS)
    assert "<th>comet-ref<" in page
    assert "comet-ref unavailable for all versions: model not available offline: Unbabel/wmt22-comet-da" in page
    assert "comet-qe unavailable for all versions: model not available offline" in page
    assert "not covered for ar: ar: no Apertium pair" in page


def test_html_escapes_run_folder_text(run_dir: Path) -> None:
    align = pd.read_csv(run_dir / "alignment.csv", dtype=str, keep_default_na=False)
    align.loc[1, "bridge_text"] = "<script>alert('x')</script>"
    align.to_csv(run_dir / "alignment.csv", index=False)
    page = render_html(load_run(run_dir), NO_CHARTS)
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#x27;x&#x27;)" in page


def test_charts_can_be_disabled(run_dir: Path) -> None:
    page = render_html(load_run(run_dir), ReportConfig(charts=False))
    assert "<svg" not in page and 'id="summary-table"' in page


def test_config_from_hydra_yaml_and_unknown_keys() -> None:
    from hydra.utils import instantiate
    from omegaconf import DictConfig, OmegaConf

    node = OmegaConf.load(ROOT / "conf" / "report" / "default.yaml")
    assert isinstance(node, DictConfig)
    cfg = instantiate(node)
    assert isinstance(cfg, ReportConfig) and cfg.rank_by[0] == "comet-qe"
    assert ReportConfig.from_any(node).top_findings == 3
    with pytest.raises(ConfigError, match="unknown key"):
        ReportConfig.from_any({"top_finding": 2})


# ---------------------------------------------------------------- CLI


def test_cli_prints_the_report_paths(run_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(run_dir), "--top-findings", "1"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [str(run_dir / name) for name in ("report.html", "report.md", "report.xlsx")]
    assert "“aviones”" not in (run_dir / "report.md").read_text(encoding="utf-8")  # only the worst finding


def test_cli_error_is_one_line_exit_2(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "manifest.json").write_text(json.dumps({}), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "eval.reports", str(tmp_path / "x")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.splitlines() == [
        f"error: {tmp_path / 'x'} is not a complete run folder: missing scores.csv, alignment.csv, "
        "segments.csv, spans.jsonl, mqm.csv, cleaning.csv"
    ]


# ---------------------------------------------------------------- decision, charts, workbook


def test_every_chart_axis_contains_its_table_values(run_dir: Path) -> None:
    from eval.reports import plots

    run = load_run(run_dir)
    chart = plots.scores_svg(run.scores, run.metrics)
    assert chart is not None
    axes = {a.panel: a for a in chart.axes}
    ok = run.scores[(run.scores.status == "ok") & (run.scores.metric != "mqm")]
    for metric, part in ok.groupby("metric"):
        axis = axes[str(metric)]
        values = pd.concat([part.score, part.ci_low.dropna(), part.ci_high.dropna()])
        assert axis.lo <= values.min() and values.max() <= axis.hi, metric
    assert (axes["adequacy-e5"].lo, axes["adequacy-e5"].hi) == (0.0, 100.0)  # its own 0–100 scale
    mqm = plots.mqm_svg(run.mqm)
    assert mqm is not None
    [axis] = mqm.axes
    assert axis.lo == 0 and run.mqm.npt.max() <= axis.hi and run.mqm.npt_limit.max() <= axis.hi


def test_mqm_chart_plots_penalty_points_not_counts(run_dir: Path) -> None:
    from eval.reports.plots import mqm_penalties

    run = load_run(run_dir)
    per = mqm_penalties(run.mqm)
    # es: 4 mistranslations worth 36 of its 42 penalty points; NPT 19.63 per 100 words
    assert per.sum(axis=1).round(2).tolist() == run.mqm.npt.round(2).tolist()
    assert per.loc[0, "accuracy/mistranslation"] == pytest.approx(36 * 19.63 / 42)


def test_verdict_comes_first_with_pass_and_fail(run_dir: Path) -> None:
    page = render_html(load_run(run_dir), NO_CHARTS)
    assert page.index('id="verdict"') < page.index('id="summary"')
    es = re.search(r'<article class="card v-fail" data-system="es">(.*?)</article>', page, re.S)
    assert es and "MQM OQS 80.4 &lt; 90 · 42 penalty points" in es.group(1)
    assert 'class="goto"' in es.group(1) and "congelación" in es.group(1)
    assert '<article class="card v-pass" data-system="en">' in page


def test_significance_in_words_with_both_tests(run_dir: Path) -> None:
    sig = run_dir / "significance.csv"
    rows = sig.read_text(encoding="utf-8").splitlines()
    # the chrf comparison again by approximate randomization, disagreeing with the bootstrap (p 0.001)
    rows.append("es,chrf,paired-ar,es,es-apertium,52.3,78.9,26.6,,,0.2")
    sig.write_text("\n".join(rows) + "\n", encoding="utf-8")
    page = render_html(load_run(run_dir), NO_CHARTS)
    assert "Null hypothesis:" in page and "95% CI is of the system score" in page
    assert page.count('<tr class="disagree">') == 1 and "The tests disagree (bootstrap p = 0.0010" in page
    assert "p, paired bootstrap" in page and "p, approximate randomization" in page


def test_significance_labels_scores_on_another_segment_set(run_dir: Path) -> None:
    sig = run_dir / "significance.csv"
    sig.write_text(sig.read_text(encoding="utf-8").replace("52.3,78.9,26.6", "52.3,79.6,27.3"), encoding="utf-8")
    page = render_html(load_run(run_dir), NO_CHARTS)
    assert "Scored on the segments of es" in page and "(es-apertium 78.9, each over its own alignment)" in page


def test_evidence_is_written_for_every_span(run_dir: Path) -> None:
    page = render_html(load_run(run_dir), NO_CHARTS)
    assert page.count('<template id="ev-s') == 15
    ev = re.search(r'<template id="ev-s0">(.*?)</template>', page, re.S)
    assert ev and "<dt>back-translation</dt><dd>congélation</dd>" in ev.group(1)
    assert "congelación → congélation, gel" in ev.group(1)  # dictionary entries in words, not JSON
    assert '{"' not in page.split("<template", 1)[1].split("</template>", 1)[0]


def test_pairwise_view_counts_wins_per_segment(run_dir: Path) -> None:
    from eval.reports.pairwise import pairwise_views

    run = load_run(run_dir)
    rows = summary_rows(run.scores, run.metrics)
    [view] = pairwise_views(rows, run.segments, run.alignment, run.metrics, ["adequacy-e5"])
    assert (view.a, view.b, view.metric) == ("es", "es-apertium", "adequacy-e5")
    a_wins, b_wins, ties = view.wins()
    assert a_wins + b_wins + ties == len(view.pairs) > 0
    assert sum(n for n, _ in view.buckets().values()) == len(view.pairs)
    assert "Two versions, segment by segment" in render_html(run, NO_CHARTS)


def test_workbook_has_one_issue_row_per_span(run_dir: Path) -> None:
    from openpyxl import load_workbook

    build_reports(run_dir, NO_CHARTS)
    book = load_workbook(run_dir / "report.xlsx", read_only=True)
    assert book.sheetnames == ["Issues", "Scorecard", "Scores"]
    issues = list(book["Issues"].iter_rows(values_only=True))
    assert issues[0][:8] == (
        "version",
        "language",
        "segment id",
        "reference segment id",
        "category",
        "severity",
        "version text",
        "reference text",
    )
    assert len(issues) - 1 == len(load_run(run_dir).spans)
    congelacion = next(r for r in issues if r[6] == "congelación")
    assert congelacion[7] == "enrôlement" and "back-translation congélation" in congelacion[10]
    assert len(list(book["Scorecard"].iter_rows())) == 1 + 5
    assert len(list(book["Scores"].iter_rows())) == 1 + len(load_run(run_dir).scores)
