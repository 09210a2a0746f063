"""The main job on the DGSN corpus, end to end, as `make eval` runs it (COMET unavailable offline)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.clirun import run_cli

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

FURNITURE = {
    "fr": ["Menu", "S'abonner", "Lundi 25 Novembre 2024", "No Image", "Lisez nos e-Papers", "cookies"],
    "es": ["Bandera electrónica"],
    "en": ["Your go-to source"],
    "ar": ["Thank you for reading", "subscribe"],
    "it": ["Netflix", "Bill Gates", "Seguici su Facebook", "Commenti (0)", "17:00"],
}
ARTICLE = {
    "fr": ["Hammouchi prend part à la 8ème réunion", "M. Abdellatif Hammouchi", "conclut le communiqué."],
    "es": ["Abdellatif Hammouchi, director general", "amenazas de congelación", "seguridad y la estabilidad globales."],
    "en": ["Abdellatif Hammouchi, the Director General", "Nile Cotton", "organized crime and terrorism."],
    "ar": ["شارك المدير العام للأمن الوطني", "ترأس حموشي وفد المملكة المغربية", "للجريمة المنظمة والإرهاب."],
    "it": ["Il Marocco mette in mostra", "Marrakech nel 2025", "combattere la criminalità transnazionale."],
}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The main job with tiny COMET checkpoints built here (real ones cannot be fetched offline)."""
    from tests.comet_fixtures import build_checkpoint

    base = tmp_path_factory.mktemp("comet")
    ref_ckpt = build_checkpoint(base / "ref", "ref")
    qe_ckpt = build_checkpoint(base / "qe", "qe", encoder_dir=base / "ref" / "encoder", seed=11)
    results = tmp_path_factory.mktemp("results")
    res = run_cli(
        results,
        "tag=e2e",
        f"cache.dir={results / 'cache'}",
        f"metric.comet-ref.model={ref_ckpt}",
        f"metric.comet-qe.model={qe_ckpt}",
    )
    assert res.code == 0, res.stderr[-3000:]
    assert res.run_dir is not None and res.run_dir.parent == results / "runs"
    assert not any((results / ".tmp").glob("*_e2e")), "the temporary run folder must be renamed away"
    return res.run_dir


def test_run_folder_contract(run_dir: Path) -> None:
    for name in (
        "scores.csv",
        "segments.csv",
        "alignment.csv",
        "cleaning.csv",
        "spans.jsonl",
        "mqm.csv",
        "significance.csv",
        "manifest.json",
        "run.log",
        "report.html",
        "report.md",
        ".hydra/config.yaml",
    ):
        assert (run_dir / name).is_file(), name


@pytest.mark.parametrize("lang", ["fr", "es", "en", "ar", "it"])
def test_furniture_gone_article_kept(run_dir: Path, lang: str) -> None:
    align = pd.read_csv(run_dir / "alignment.csv", keep_default_na=False)
    if lang == "fr":
        text = " ".join(align[align.system == "es"].ref_text)
    else:
        text = " ".join(align[align.system == lang].hyp_text)
    for junk in FURNITURE[lang]:
        assert junk not in text, f"{lang}: furniture {junk!r} survived cleaning"
    for keep in ARTICLE[lang]:
        assert keep in text, f"{lang}: article text {keep!r} was lost"


def test_cleaning_audit_names_rules(run_dir: Path) -> None:
    cleaning = pd.read_csv(run_dir / "cleaning.csv", keep_default_na=False)
    assert {"news-ticker", "cookie-notice", "subscribe-banner", "site-tagline"} <= set(cleaning.rule)
    assert (cleaning[cleaning.lang == "it"].rule == "news-ticker").sum() == 9


def _row(scores: pd.DataFrame, system: str, metric: str) -> pd.Series:
    rows = scores[(scores.system == system) & (scores.metric == metric)]
    assert len(rows) == 1, f"{system}/{metric}: {len(rows)} rows"
    return rows.iloc[0]


def test_scores_rows_and_routes(run_dir: Path) -> None:
    scores = pd.read_csv(run_dir / "scores.csv", keep_default_na=False)
    for lang, route in [
        ("es", "bridge es→fr apertium"),
        ("en", "bridge en→es→fr apertium"),
        ("it", "bridge it→es→fr apertium"),
    ]:
        for metric in ("bleu", "chrf", "chrf++", "ter"):
            pub = _row(scores, lang, metric)
            assert (pub.status, pub.route, str(pub.round_trip)) == ("ok", route, "False")
            assert float(pub.ci_low) <= float(pub.score) <= float(pub.ci_high)
            mt = _row(scores, f"apertium-{lang}", metric)
            assert (mt.status, mt.route, str(mt.round_trip)) == ("ok", route, "True")
    for metric in ("bleu", "chrf", "ter"):
        ar = _row(scores, "ar", metric)
        assert ar.status == "not_covered" and "ar→fr" in ar.reason
        assert _row(scores, "apertium-ar", metric).status == "not_covered"
    for system in ("es", "en", "ar", "it"):
        adequacy = _row(scores, system, "adequacy-e5")
        assert adequacy.status == "ok" and adequacy.route == "cross-lingual"
        qe = _row(scores, system, "comet-qe")
        assert (qe.status, qe.route) == ("ok", "cross-lingual") and "mode:qe" in qe.signature
        assert _row(scores, system, "mqm").status == "ok"
    for system, route in [("es", "bridge es→fr apertium"), ("apertium-es", "bridge es→fr apertium")]:
        ref = _row(scores, system, "comet-ref")
        assert (ref.status, ref.route) == ("ok", route) and "mode:ref" in ref.signature
    assert _row(scores, "ar", "comet-ref").status == "not_covered"
    assert str(_row(scores, "apertium-es", "comet-ref").round_trip) == "True"


def test_manifest_provenance(run_dir: Path) -> None:
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(Path(p).name for p in manifest["inputs"]) == ["ar.txt", "en.txt", "es.txt", "fr.txt", "it.txt"]
    assert all(len(h) == 64 for h in manifest["inputs"].values())
    assert manifest["apertium"]["apertium-fr-es"]
    assert manifest["packages"]["sacrebleu"] == "2.6.0"
    assert "bleu" in manifest["signatures"]
    es = manifest["detector_stats"]["es"]["mistranslation"]  # how the findings came about, per system
    assert es["flagged"] >= 2 and es["to_embed"] >= es["flagged"] and es["links"] >= es["to_embed"]
    assert es["context_links"] == es["to_embed"]


def test_signature_finding_in_spans(run_dir: Path) -> None:
    spans = [json.loads(line) for line in (run_dir / "spans.jsonl").read_text(encoding="utf-8").splitlines()]
    assert spans, "no spans at all"
    es = [s for s in spans if s["system"] == "es"]
    assert any(s["hyp"] and "aviones" in s["hyp"]["text"] and s["ref"] and "drones" in s["ref"]["text"] for s in es)


def test_report_renders_in_a_real_browser(run_dir: Path) -> None:
    from eval.reports.browser_check import check_report_in_browser

    shot = check_report_in_browser(run_dir)
    assert shot.is_file() and shot.stat().st_size > 10_000
