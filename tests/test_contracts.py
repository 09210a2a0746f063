"""The declared contracts: metric metadata, detector needs, translator/embedder views, run-folder schema."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from eval import runfolder as rf
from eval.detectors.base import AlignedPair, DetectorSkipped
from eval.detectors.xcomet_spans import XCometSpansDetector
from eval.embedders.base import Embedder
from eval.metrics.adequacy import AdequacyMetric
from eval.metrics.base import ScoringInput
from eval.metrics.bleu import BleuMetric
from eval.metrics.chrf import ChrfMetric
from eval.metrics.comet import CometMetric
from eval.metrics.ter import TerMetric
from eval.reports.runfolder import load_run
from eval.translators.base import Translation, Translator


def test_metrics_declare_direction_scale_and_what_they_read(tmp_path: Path) -> None:
    ter, bleu = TerMetric().info(), BleuMetric().info()
    assert (ter.direction, ter.scale, ter.reads_reference_language, ter.produces_stats) == (
        "lower",
        (0.0, None),
        True,
        True,
    )
    assert (bleu.direction, bleu.scale, bleu.precision) == ("higher", (0.0, 100.0), 1)
    qe = CometMetric(mode="qe", cache_dir=str(tmp_path), use_cache=False).info()
    ref = CometMetric(mode="ref", cache_dir=str(tmp_path), use_cache=False).info()
    xcomet = CometMetric(mode="xcomet", cache_dir=str(tmp_path), use_cache=False).info()
    assert (qe.reads_reference_language, ref.reads_reference_language, xcomet.reads_reference_language) == (
        False,
        True,
        False,
    )
    assert (qe.produces_spans, xcomet.produces_spans, qe.precision) == (False, True, 3)
    assert AdequacyMetric().info().to_dict()["scale"] == [-100.0, 100.0]


def test_sacrebleu_statistics_are_a_typed_field_and_bootstrap_spec_is_declared() -> None:
    data = ScoringInput(hyps=["le chat est là"], refs=["le chat est ici"], hyp_lang="fr", ref_lang="fr")
    result = ChrfMetric(word_order=2).score(data)
    assert isinstance(result.stats, np.ndarray) and result.stats.shape[0] == 1
    assert result.error_spans is None
    assert ChrfMetric().bootstrap_spec()[0] == "chrf" and AdequacyMetric().bootstrap_spec() == ("mean", {})


def _pair(spans: tuple[dict[str, object], ...] | None) -> AlignedPair:
    return AlignedPair("s", "fr", "es", (0,), (0,), "le chat", "el perro", 0.9, metric_spans=spans)


def test_xcomet_spans_read_the_spans_the_beads_carry() -> None:
    det = XCometSpansDetector()
    assert det.needs().inputs == ("metric_spans", "token_states")
    found = ({"text": "perro", "start": 3, "end": 8, "severity": "major", "confidence": 0.8},)
    [span] = det.detect([_pair(found)])
    assert (span.hyp and span.hyp.text, span.severity) == ("perro", "major")
    with pytest.raises(DetectorSkipped, match="needs metric=xcomet"):
        det.detect([_pair(None)])
    assert _pair(found) == _pair(None)  # the spans ride along; they are not part of a bead's identity


def test_translator_and_embedder_defaults() -> None:
    class Echo(Translator):
        name = "echo"

        def pairs(self) -> set[tuple[str, str]]:
            return {("fr", "es")}

        def translate(self, lines: list[str], src: str, tgt: str) -> Translation:
            return Translation(list(lines))

    class Ones(Embedder):
        def embed(self, texts: list[str]) -> np.ndarray:
            return np.ones((len(texts), 2)) / np.sqrt(2)

    assert Echo().package_versions() == {}
    ones = Ones()
    assert ones.with_precision("bfloat16") is ones and ones.precision == "float32"


def test_tables_are_written_in_schema_order_and_read_back(tmp_path: Path) -> None:
    rows = [{"lang": "es", "system": "a", "metric": "bleu", "kind": "mt", "score": 1.5, "status": "ok"}]
    rf.write_table(tmp_path / rf.SCORES.file, rf.SCORES, rows)
    with (tmp_path / rf.SCORES.file).open(encoding="utf-8") as fh:
        assert next(csv.reader(fh)) == rf.SCORES.names
    mqm = [{"system": "a", "lang": "es", "cat:terminology": 2}, {"system": "b", "lang": "es", "cat:fluency": 1}]
    assert rf.table_columns(rf.MQM, mqm)[-2:] == ["cat:terminology", "cat:fluency"]
    for table in (rf.SEGMENTS, rf.ALIGNMENT, rf.CLEANING, rf.MQM):
        rf.write_table(tmp_path / table.file, table, [])
    rf.write_spans(tmp_path, [])
    rf.write_manifest(tmp_path, {"reference": {"lang": "fr"}, "tag": "t"})
    manifest = json.loads((tmp_path / rf.MANIFEST_FILE).read_text(encoding="utf-8"))
    assert list(manifest) == ["schema_version", "tag", "reference"] and manifest["schema_version"] == rf.SCHEMA_VERSION
    run = load_run(tmp_path)
    assert run.scores.loc[0, "score"] == 1.5 and run.ref_lang == "fr"


def test_significance_reuses_the_metric_stage_statistics(tmp_path: Path) -> None:
    """Units that are one of the MT output's own beads take its statistics; only joined units are scored."""
    from omegaconf import OmegaConf

    from eval.align.sentences import Bead
    from eval.corpus import System
    from eval.stages.align import build_pairs, identity_beads
    from eval.stages.metrics import metric_input, score_systems, segment_stats
    from eval.stages.significance import project_pairs, projected_stats, significance
    from eval.stages.state import Bridged, RunState

    class CountingBleu(BleuMetric):
        def __init__(self) -> None:
            super().__init__()
            self.calls: list[int] = []

        def score(self, data: ScoringInput):  # type: ignore[no-untyped-def]
            self.calls.append(len(data.hyps))
            return super().score(data)

    cfg = OmegaConf.create(
        {"progress": False, "bootstrap": {"n_samples": 50, "ar_samples": 50, "seed": 1, "alpha": 0.05}}
    )
    ref = ["Le chat dort.", "Il pleut.", "Le chien court vite.", "Fin."]
    state = RunState(cfg=cfg, run_dir=tmp_path, ref_lang="fr", ref_sents=ref)
    pub = System("pub", "fr", "published", ["Le chat dort. Il pleut.", "Le chien court.", "Fin."])
    mt = System("mt", "fr", "mt", ["Le chat dort.", "Il pleut beaucoup.", "Un chien court vite.", "Fin !"])
    state.systems = [pub, mt]
    state.bridged = {s.name: Bridged(s.segments, route="direct") for s in state.systems}
    state.beads = {
        "pub": [Bead((0, 1), (0,), 0.9), Bead((2,), (1,), 0.9), Bead((3,), (2,), 0.9)],
        "mt": identity_beads(len(ref)),
    }
    build_pairs(state)
    metric = CountingBleu()
    score_systems(state, {"bleu": metric})
    assert metric.calls == [3, 4]
    stats = projected_stats(state, metric, mt, state.pairs["pub"])
    assert metric.calls[2:] == [1]  # only the joined unit (sentences 0 and 1)
    rescored = metric.score(metric_input(metric, project_pairs(state, mt, state.pairs["pub"]), state, mt))  # type: ignore[arg-type]
    assert stats is not None and np.array_equal(stats, segment_stats(rescored))
    significance(state, {"bleu": metric})
    assert {(r["system"], r["method"]) for r in state.significance_rows} == {("mt", "paired-bs"), ("mt", "paired-ar")}


def test_a_run_lexicon_keeps_its_own_memo() -> None:
    import shutil

    from eval.detectors import lexicon
    from eval.detectors.names_numbers import NamesNumbersDetector

    run_lexicon = lexicon.Lexicon.for_run()
    assert NamesNumbersDetector(use_lexicon=False, lexicon=run_lexicon).lexicon is None
    assert NamesNumbersDetector(lexicon=run_lexicon).lexicon is run_lexicon
    if shutil.which("lt-proc") is None or not run_lexicon.has_analyser("fr"):
        pytest.skip("Apertium fr analyser not installed")
    before = dict(lexicon._ANALYSES)
    run_lexicon.analyse("fr", ["réunion"])
    assert ("fr", "réunion") in run_lexicon._analyses and before == lexicon._ANALYSES
