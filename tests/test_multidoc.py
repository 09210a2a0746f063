"""Many documents per corpus: documents concatenate in the reference's order, alignment runs per document with
corpus-wide ids, and a document's score is the metric's corpus formula over its own segments."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import sacrebleu

from eval.align.sentences import Bead
from eval.errors import InputError
from eval.manifest import load_manifest
from eval.multidoc import DocRange, align_by_document, concatenate, document_of, document_scores
from eval.scoring.bootstrap import corpus_score, sufficient_stats


def test_concatenate_follows_the_reference_order() -> None:
    sents, ranges = concatenate(["b", "a"], {"a": ["a1"], "b": ["b1", "b2"]}, "es", "m.yaml")
    assert sents == ["b1", "b2", "a1"]
    assert ranges == [DocRange("b", 0, 2), DocRange("a", 2, 3)]
    assert [document_of([i], ranges) for i in range(3)] == ["b", "b", "a"]


def test_a_missing_document_is_named() -> None:
    with pytest.raises(InputError, match=r"m\.yaml: es lacks document 'b' \(1 missing, 0 extra\)"):
        concatenate(["a", "b"], {"a": ["x"]}, "es", "m.yaml")


def test_beads_are_shifted_to_corpus_ids() -> None:
    ref = [DocRange("a", 0, 2), DocRange("b", 2, 3)]
    hyp = [DocRange("a", 0, 1), DocRange("b", 1, 3)]

    def one(r: DocRange, h: DocRange) -> list[Bead]:
        return [Bead(ref_ids=tuple(range(r.end - r.start)), hyp_ids=tuple(range(h.end - h.start)), similarity=1.0)]

    beads = align_by_document(ref, hyp, one)
    assert [(b.ref_ids, b.hyp_ids) for b in beads] == [((0, 1), (0,)), ((2,), (1, 2))]


def test_document_bleu_equals_sacrebleu_on_the_document() -> None:
    refs = ["the cat sat on the mat", "a dog barked", "it rained all day long", "we went home"]
    hyps = ["the cat sat on a mat", "the dog barked", "it rained all day", "we walked home"]
    docs = ["d1", "d1", "d2", "d2"]
    stats = np.asarray(sufficient_stats("bleu", hyps, refs))
    rows = document_scores(docs, stats, lambda s: corpus_score("bleu", s))
    for doc, n, score in rows:
        idx = [i for i, d in enumerate(docs) if d == doc]
        assert n == 2
        expected = sacrebleu.corpus_bleu([hyps[i] for i in idx], [[refs[i] for i in idx]]).score
        assert score == pytest.approx(expected, abs=1e-9)


def _manifest(tmp_path: Path, body: str) -> Path:
    (tmp_path / "manifest.yaml").write_text(body, encoding="utf-8")
    return tmp_path


def test_manifest_doc_ids(tmp_path: Path) -> None:
    root = _manifest(
        tmp_path,
        "documents:\n"
        "  - {file: a.fr, lang: fr, role: reference, doc: a}\n"
        "  - {file: b.fr, lang: fr, role: reference, doc: b}\n"
        "  - {file: a.es, lang: es, role: version, doc: a}\n"
        "  - {file: b.es, lang: es, role: version, doc: b}\n",
    )
    manifest = load_manifest(root)
    assert [(d.name, d.doc) for d in manifest.documents if d.role == "version"] == [("es", "a"), ("es", "b")]


@pytest.mark.parametrize(
    ("body", "pattern"),
    [
        (
            "  - {file: a.fr, lang: fr, role: reference, doc: a}\n  - {file: a.es, lang: es, role: version}\n",
            r"document a\.es has no 'doc' id",
        ),
        (
            "  - {file: a.fr, lang: fr, role: reference, doc: a}\n  - {file: b.es, lang: es, role: version, doc: b}\n",
            r"exactly one document must have role 'reference' for doc 'b', found 0",
        ),
        (
            "  - {file: a.fr, lang: fr, role: reference, doc: a}\n  - {file: a.es, lang: es, role: version, doc: a}\n"
            "  - {file: a2.es, lang: es, role: version, doc: a}\n",
            r"name 'es' and doc 'a' appears twice",
        ),
    ],
)
def test_manifest_doc_errors(tmp_path: Path, body: str, pattern: str) -> None:
    with pytest.raises(InputError, match=pattern):
        load_manifest(_manifest(tmp_path, "documents:\n" + body))


@pytest.mark.slow
@pytest.mark.integration
def test_two_documents_score_per_document_and_in_total(tmp_path: Path) -> None:
    """The DGSN French/Spanish pair as two documents with the same text: each document's BLEU, and the corpus
    BLEU over both, equal the one-document run's (sufficient statistics double, ratios do not change)."""
    import json
    import shutil

    import pandas as pd

    from eval.config import PROJECT_ROOT
    from tests.clirun import run_cli

    src = PROJECT_ROOT / "data" / "corpora" / "dgsn-interpol-mena"
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    for folder in (one, two):
        for lang in ("fr", "es"):
            shutil.copy(src / f"{lang}.txt", folder / f"{lang}.txt")
    (one / "manifest.yaml").write_text(
        "documents:\n  - {file: fr.txt, lang: fr, role: reference}\n"
        "  - {file: es.txt, lang: es, role: version, name: es}\n",
        encoding="utf-8",
    )
    (two / "manifest.yaml").write_text(
        "documents:\n"
        "  - {file: fr.txt, lang: fr, role: reference, doc: d1}\n"
        "  - {file: fr.txt, lang: fr, role: reference, doc: d2}\n"
        "  - {file: es.txt, lang: es, role: version, doc: d2}\n"
        "  - {file: es.txt, lang: es, role: version, doc: d1}\n",
        encoding="utf-8",
    )
    args = ("metric=[bleu,chrf]", "detector=[names_numbers]", "mt.enabled=false", "~report")
    runs = {}
    for name, folder in (("one", one), ("two", two)):
        res = run_cli(tmp_path / "results", f"corpus.dir={folder}", f"tag={name}", *args)
        assert res.code == 0, res.stderr[-3000:]
        assert res.run_dir is not None
        runs[name] = res.run_dir
    single = pd.read_csv(runs["one"] / "scores.csv").set_index(["system", "metric"])
    total = pd.read_csv(runs["two"] / "scores.csv").set_index(["system", "metric"])
    per_doc = pd.read_csv(runs["two"] / "documents.csv")
    assert set(per_doc.doc) == {"d1", "d2"}
    for metric in ("bleu", "chrf"):
        expected = single.loc[("es", metric), "score"]
        assert total.loc[("es", metric), "score"] == pytest.approx(expected, abs=1e-9)
        for score in per_doc[per_doc.metric == metric].score:
            assert score == pytest.approx(expected, abs=1e-9)
    alignment = pd.read_csv(runs["two"] / "alignment.csv", keep_default_na=False)
    n_one = len(pd.read_csv(runs["one"] / "alignment.csv"))
    assert list(alignment.doc) == ["d1"] * n_one + ["d2"] * n_one
    spans = [json.loads(line) for line in (runs["two"] / "spans.jsonl").read_text(encoding="utf-8").splitlines()]
    assert spans and {s["doc"] for s in spans} == {"d1", "d2"}


def test_streamed_tables_equal_the_one_shot_writer(tmp_path: Path) -> None:
    """segments.csv and alignment.csv are written chunk by chunk (one system, one metric at a time) so a run of
    many documents holds no table whole; the file is byte for byte what write_table writes from all rows."""
    from eval import runfolder as rf

    rows = [
        {"system": s, "lang": "de", "bead": i, "ref_ids": str(i), "hyp_ids": "" if i == 2 else str(i),
         "metric": m, "score": [31.25, 100.0, 0.0][i], "unit_ids": "", "doc": f"d{i % 2}"}
        for s in ("a", "b") for m in ("bleu", "ter") for i in range(3)
    ]  # fmt: skip
    rf.write_table(tmp_path / "whole.csv", rf.SEGMENTS, rows)
    streamed = rf.TableWriter(tmp_path / "streamed.csv", rf.SEGMENTS)
    for k in range(0, len(rows), 3):
        streamed.append(rows[k : k + 3])
    streamed.append([])
    assert (tmp_path / "streamed.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()
    assert streamed.rows == len(rows)
    rf.write_table(tmp_path / "empty.csv", rf.SEGMENTS, [])
    rf.TableWriter(tmp_path / "none.csv", rf.SEGMENTS)
    assert (tmp_path / "none.csv").read_bytes() == (tmp_path / "empty.csv").read_bytes()
