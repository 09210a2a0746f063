"""The line-aligned path end to end: BLEU and chrF in scores.csv equal sacrebleu computed directly."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import sacrebleu

from tests.clirun import run_cli

pytestmark = pytest.mark.integration
DATA = Path(__file__).parent / "data" / "linealigned"


@pytest.mark.parametrize("fmt", ["lines", "tsv", "jsonl"])
def test_scores_equal_sacrebleu(tmp_path: Path, fmt: str) -> None:
    res = run_cli(
        tmp_path / "results",
        "corpus=line-aligned",
        f"corpus.dir={DATA / fmt}",
        f"corpus.format={fmt}",
        "~embedder",
        "~translator",
        "detector=[]",
        "metric=[bleu,chrf,ter]",
        "tag=lines",
    )
    assert res.code == 0, res.stderr[-3000:]
    assert res.run_dir is not None
    scores = pd.read_csv(res.run_dir / "scores.csv")
    ref = (DATA / "lines" / "ref.es").read_text(encoding="utf-8").splitlines()
    for system in ("sysA", "sysB"):
        hyp = (DATA / "lines" / f"{system}.es").read_text(encoding="utf-8").splitlines()
        got = scores[scores.system == system].set_index("metric")
        assert got.loc["bleu", "score"] == pytest.approx(sacrebleu.corpus_bleu(hyp, [ref]).score, abs=1e-9)
        assert got.loc["chrf", "score"] == pytest.approx(sacrebleu.corpus_chrf(hyp, [ref]).score, abs=1e-9)
        assert got.loc["ter", "score"] == pytest.approx(sacrebleu.corpus_ter(hyp, [ref]).score, abs=1e-9)
        assert set(got.route) == {"direct"}
    sig = pd.read_csv(res.run_dir / "significance.csv")
    assert set(sig.method) == {"paired-bs", "paired-ar"}
