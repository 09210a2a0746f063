"""XLIFF, TMX and PO corpora through the CLI: unit ids in every table, chrF equal to sacrebleu on the plain
texts, findings written back into the XLIFF, and bad files refused on one line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import sacrebleu
from translate.storage import factory

from eval.reports import ReportConfig, build_reports
from tests.clirun import run_cli
from tests.test_cli_errors import assert_clean_failure

pytestmark = pytest.mark.integration
DATA = Path(__file__).parent / "data" / "formats"
ARGS = ("corpus=line-aligned", "~embedder", "detector=[names_numbers]", "metric=[chrf]", "~report", "tag=fmt")


@pytest.mark.parametrize("fmt", ["xliff", "tmx", "po"])
def test_bilingual_corpus_run(tmp_path: Path, fmt: str) -> None:
    res = run_cli(tmp_path / "results", f"corpus.dir={DATA / fmt}", f"corpus.format={fmt}", *ARGS)
    assert res.code == 0, res.stderr[-3000:]
    assert res.run_dir is not None
    ids = ["intro", "welcome", "close"] if fmt != "po" else None
    alignment = pd.read_csv(res.run_dir / "alignment.csv", keep_default_na=False)
    if ids:
        assert list(alignment[alignment.system == "es"].unit_ids) == ids
    scores = pd.read_csv(res.run_dir / "scores.csv").set_index(["system", "metric"])
    for system, rows in alignment.groupby("system"):
        expected = sacrebleu.corpus_chrf(list(rows.bridge_text), [list(rows.ref_text)]).score
        assert scores.loc[(system, "chrf"), "score"] == pytest.approx(expected, abs=1e-9)
    segments = pd.read_csv(res.run_dir / "segments.csv", keep_default_na=False)
    assert set(segments.unit_ids) == set(alignment.unit_ids)
    spans = [json.loads(line) for line in (res.run_dir / "spans.jsonl").read_text(encoding="utf-8").splitlines()]
    number = [s for s in spans if s["system"] == "es" and s["ref"] and s["ref"]["text"] == "300"]
    assert number, spans  # the Spanish says 200 where the source says 300
    assert number[0]["unit_ids"] == [alignment.unit_ids.iloc[0]]
    manifest = json.loads((res.run_dir / "manifest.json").read_text(encoding="utf-8"))
    if fmt == "xliff":
        assert manifest["xliff_findings"] == {"xliff/es.xlf": "es.xlf", "xliff/it-vendor.xlf": "it.xlf"}
        written = res.run_dir / "xliff" / "es.xlf"
        assert "its:locQualityIssueType=" in written.read_text(encoding="utf-8")
        store = factory.getobject(str(written))
        assert [str(u.target) for u in store.units] == [
            str(u.target) for u in factory.getobject(str(DATA / "xliff" / "es.xlf")).units
        ]
        html, md = build_reports(res.run_dir, ReportConfig(charts=False))
        assert "(names_numbers) [unit intro]" in md.read_text(encoding="utf-8")  # found in the CAT tool by id
        assert "unit intro" in html.read_text(encoding="utf-8")
        from openpyxl import load_workbook

        issues = list(load_workbook(res.run_dir / "report.xlsx", read_only=True)["Issues"].iter_rows(values_only=True))
        unit = issues[0].index("unit id")
        assert {row[unit] for row in issues[1:] if row[0] == "es"} >= {"intro"}  # the issue list names the unit
    else:
        assert manifest["xliff_findings"] == {}


def test_xliff_unit_without_target_fails_on_one_line(tmp_path: Path) -> None:
    corpus = Path(shutil.copytree(DATA / "xliff", tmp_path / "xliff"))
    path = corpus / "es.xlf"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            '<target state="translated">Bienvenidos <x id="2"/> a %s, dijo el director.</target>', ""
        ),
        encoding="utf-8",
    )
    res = run_cli(tmp_path / "results", f"corpus.dir={corpus}", "corpus.format=xliff", *ARGS)
    assert_clean_failure(tmp_path / "results", res, r"es\.xlf: unit welcome has no target")


def test_xliff_documents_run(tmp_path: Path) -> None:
    from tests.test_formats import _two_documents

    corpus = _two_documents(tmp_path)
    res = run_cli(tmp_path / "results", f"corpus.dir={corpus}", "corpus.format=xliff", *ARGS)
    assert res.code == 0, res.stderr[-3000:]
    assert res.run_dir is not None
    per_doc = pd.read_csv(res.run_dir / "documents.csv")
    total = pd.read_csv(res.run_dir / "scores.csv").set_index(["system", "metric"])
    assert set(zip(per_doc.system, per_doc.doc, strict=True)) == {
        ("es", "d1"),
        ("es", "d2"),
        ("it", "d1"),
        ("it", "d2"),
    }
    for row in per_doc.itertuples():  # the two documents hold the same text: each scores as the whole
        assert row.score == pytest.approx(total.loc[(row.system, row.metric), "score"], abs=1e-9)
    alignment = pd.read_csv(res.run_dir / "alignment.csv", keep_default_na=False)
    assert list(alignment[alignment.system == "es"].doc) == ["d1"] * 3 + ["d2"] * 3
    assert sorted(p.name for p in (res.run_dir / "xliff").iterdir()) == [
        "es.d1.xlf",
        "es.d2.xlf",
        "it.d1.xlf",
        "it.d2.xlf",
    ]


def test_xliff_file_elements_as_documents_run(tmp_path: Path) -> None:
    """An XLIFF of two <file> elements, listed without 'doc': documents.csv has a row per <file>, and the
    version is written back as one file."""
    from tests.test_formats import _bundle

    corpus = _bundle(tmp_path, {"es.xlf": "es.xlf", "es-b.xlf": "es.xlf"})
    res = run_cli(tmp_path / "results", f"corpus.dir={corpus}", "corpus.format=xliff", *ARGS)
    assert res.code == 0, res.stderr[-3000:]
    assert res.run_dir is not None
    per_doc = pd.read_csv(res.run_dir / "documents.csv")
    assert sorted(zip(per_doc.system, per_doc.doc, per_doc.segments, strict=True)) == [
        ("es", "annexe.html", 1),
        ("es", "communique.html", 2),
        ("es-b", "annexe.html", 1),
        ("es-b", "communique.html", 2),
    ]
    alignment = pd.read_csv(res.run_dir / "alignment.csv", keep_default_na=False)
    assert list(alignment[alignment.system == "es"].doc) == ["communique.html"] * 2 + ["annexe.html"]
    assert sorted(p.name for p in (res.run_dir / "xliff").iterdir()) == ["es-b.xlf", "es.xlf"]
