"""Bad input through the CLI: one clear line on stderr, a non-zero exit, no traceback, no run folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.clirun import completed_runs, run_cli

pytestmark = pytest.mark.integration

CORPUS = Path(__file__).resolve().parent.parent / "data" / "corpora" / "dgsn-interpol-mena"
QUICK = ["experiment=quick", "detector=[]"]


def corpus_copy(tmp_path: Path) -> Path:
    dst = tmp_path / "corpus"
    shutil.copytree(CORPUS, dst)
    return dst


def assert_clean_failure(results: Path, res, pattern: str, code: int = 2) -> None:  # type: ignore[no-untyped-def]
    assert res.code == code, (res.stdout[-2000:], res.stderr[-2000:])
    assert "Traceback" not in res.stderr
    import re

    errors = [line for line in res.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, res.stderr[-2000:]
    assert re.search(pattern, errors[0]), errors[0]
    assert completed_runs(results) == []
    assert not list((results / ".tmp").glob("*")) if (results / ".tmp").exists() else True


def test_missing_document(tmp_path: Path) -> None:
    corpus = corpus_copy(tmp_path)
    (corpus / "es.txt").unlink()
    res = run_cli(tmp_path / "results", f"corpus.dir={corpus}", *QUICK)
    assert_clean_failure(tmp_path / "results", res, r"es\.txt: file not found")


def test_empty_document(tmp_path: Path) -> None:
    corpus = corpus_copy(tmp_path)
    (corpus / "it.txt").write_text("\n\n", encoding="utf-8")
    res = run_cli(tmp_path / "results", f"corpus.dir={corpus}", *QUICK)
    assert_clean_failure(tmp_path / "results", res, r"it\.txt: the document is empty")


def test_unknown_language_in_manifest(tmp_path: Path) -> None:
    corpus = corpus_copy(tmp_path)
    manifest = corpus / "manifest.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("lang: it", "lang: xx"), encoding="utf-8")
    res = run_cli(tmp_path / "results", f"corpus.dir={corpus}", *QUICK)
    assert_clean_failure(tmp_path / "results", res, r"manifest\.yaml: document it\.txt: unknown language code 'xx'")


def test_all_boilerplate_document(tmp_path: Path) -> None:
    corpus = corpus_copy(tmp_path)
    (corpus / "es.txt").write_text("Menu\nSearch\nSeguici su Facebook\nCommenti (0)\n", encoding="utf-8")
    res = run_cli(tmp_path / "results", f"corpus.dir={corpus}", *QUICK)
    assert_clean_failure(tmp_path / "results", res, r"es\.txt: all 4 lines were dropped as boilerplate")


def test_line_aligned_count_mismatch(tmp_path: Path) -> None:
    src = Path(__file__).parent / "data" / "linealigned" / "lines"
    corpus = tmp_path / "lines"
    shutil.copytree(src, corpus)
    lines = (corpus / "sysB.es").read_text(encoding="utf-8").splitlines()
    (corpus / "sysB.es").write_text("\n".join(lines[:4]) + "\n", encoding="utf-8")
    res = run_cli(
        tmp_path / "results",
        "corpus=line-aligned",
        f"corpus.dir={corpus}",
        "~embedder",
        "~translator",
        "detector=[]",
        "metric=[bleu,chrf]",
    )
    assert_clean_failure(tmp_path / "results", res, r"system sysB \(sysB\.es\) has 4 segments vs 7 in the reference")


def test_missing_apertium_package(tmp_path: Path) -> None:
    res = run_cli(tmp_path / "results", "translator.apertium_bin=/nonexistent/apertium", *QUICK)
    assert_clean_failure(tmp_path / "results", res, r"apt-get install .*apertium-fr-es", code=3)


def test_missing_model_directory_names_make_setup(tmp_path: Path) -> None:
    res = run_cli(tmp_path / "results", f"embedder.model_dir={tmp_path / 'no-model'}", *QUICK)
    assert_clean_failure(tmp_path / "results", res, r"make setup", code=3)


def test_unknown_detector_precision_fails_before_any_work(tmp_path: Path) -> None:
    res = run_cli(tmp_path / "results", "detector_precision=fp16", *QUICK)
    pattern = r"detector_precision='fp16' is invalid: expected one of float32, bfloat16, auto"
    assert_clean_failure(tmp_path / "results", res, pattern)
    assert "skipped" not in res.stdout + res.stderr  # raised before MT and alignment, which log what they skip


def test_bad_metric_parameter_fails_before_any_work(tmp_path: Path) -> None:
    res = run_cli(tmp_path / "results", "metric.bleu.smooth_method=bogus", *QUICK)
    pattern = r"metric\.bleu\.smooth_method='bogus' is invalid: expected one of none, floor, add-k, exp"
    assert_clean_failure(tmp_path / "results", res, pattern)
    assert "skipped" not in res.stdout + res.stderr


def test_bad_glossary_line_fails_before_any_work(tmp_path: Path) -> None:
    corpus = corpus_copy(tmp_path)
    (corpus / "glossary.csv").write_text("term_fr,es,en,it,ar,note\ndrones,drones,drones,droni,x,,extra\n", "utf-8")
    res = run_cli(tmp_path / "results", f"corpus.dir={corpus}", "experiment=quick", "detector=[terminology]")
    assert_clean_failure(tmp_path / "results", res, r"glossary\.csv:2: wrong number of fields")
    assert "skipped" not in res.stdout + res.stderr  # raised before MT and alignment, which log what they skip


def test_unknown_embedder_name(tmp_path: Path) -> None:
    res = run_cli(tmp_path / "results", "embedder=nope", *QUICK)
    assert res.code != 0 and "Traceback" not in res.stderr
    assert "Could not find 'embedder/nope'" in res.stderr and "Available options" in res.stderr
    assert completed_runs(tmp_path / "results") == []


UNRELATED_ES = (
    "Para preparar la tortilla, bate seis huevos con una pizca de sal. Pela las patatas y córtalas en láminas "
    "finas. Fríelas a fuego lento en abundante aceite de oliva hasta que estén tiernas. Escúrrelas y mézclalas "
    "con el huevo batido. Cuaja la mezcla en una sartén y dale la vuelta con la ayuda de un plato.\n"
)


@pytest.mark.slow
def test_nothing_alignable_is_an_error_when_asked(tmp_path: Path) -> None:
    corpus = corpus_copy(tmp_path)
    (corpus / "es.txt").write_text(UNRELATED_ES, encoding="utf-8")
    res = run_cli(
        tmp_path / "results", f"corpus.dir={corpus}", *QUICK, "align.on_unalignable=error", "mt.enabled=false"
    )
    assert_clean_failure(tmp_path / "results", res, r"version es has nothing alignable")


@pytest.mark.slow
def test_nothing_alignable_is_reported_not_force_aligned(tmp_path: Path) -> None:
    import pandas as pd

    corpus = corpus_copy(tmp_path)
    (corpus / "es.txt").write_text(UNRELATED_ES, encoding="utf-8")
    res = run_cli(tmp_path / "results", f"corpus.dir={corpus}", *QUICK, "mt.enabled=false")
    assert res.code == 0, res.stderr[-2000:]
    assert res.run_dir is not None
    scores = pd.read_csv(res.run_dir / "scores.csv", keep_default_na=False)
    es = scores[scores.system == "es"]
    assert set(es.status) == {"unavailable"} and "nothing alignable" in es.reason.iloc[0]
    align = pd.read_csv(res.run_dir / "alignment.csv")
    assert "es" not in set(align.system)
