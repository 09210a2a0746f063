"""Without a COMET model the run goes on: COMET is 'unavailable' with the reason, never a zero or a crash."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.clirun import completed_runs, run_cli

pytestmark = pytest.mark.integration
DATA = Path(__file__).parent / "data" / "linealigned" / "lines"
LINES = ["corpus=line-aligned", f"corpus.dir={DATA}", "~embedder", "~translator", "detector=[]"]


def test_unavailable_comet_is_reported(tmp_path: Path) -> None:
    res = run_cli(tmp_path / "r", *LINES, "metric=[bleu,comet-qe]", "metric.comet-qe.model=Unbabel/not-here")
    assert res.code == 0, res.stderr[-2000:]
    assert res.run_dir is not None
    scores = pd.read_csv(res.run_dir / "scores.csv", keep_default_na=False)
    comet = scores[scores.metric == "comet-qe"]
    assert len(comet) == 2 and set(comet.status) == {"unavailable"}
    assert set(comet.score) == {""}
    assert all("Unbabel/not-here" in r and "metric.comet-qe.model=" in r for r in comet.reason)
    report = (res.run_dir / "report.md").read_text(encoding="utf-8")
    assert "Unbabel/not-here" in report


def test_required_comet_is_an_error(tmp_path: Path) -> None:
    res = run_cli(
        tmp_path / "r",
        *LINES,
        "metric=[bleu,comet-qe]",
        "metric.comet-qe.model=Unbabel/not-here",
        "metric.comet-qe.required=true",
    )
    assert res.code == 3 and "Traceback" not in res.stderr
    assert "error: " in res.stderr and "Unbabel/not-here" in res.stderr
    assert completed_runs(tmp_path / "r") == []
