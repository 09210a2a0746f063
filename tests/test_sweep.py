"""A Hydra multirun gathers every job's scores into one summary table (CSV + Markdown)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from eval.config import PROJECT_ROOT
from eval.sweep import varying_overrides

pytestmark = pytest.mark.integration


def test_varying_overrides_keeps_the_sweep_dimensions() -> None:
    jobs = [("a=1 metric.chrf.word_order=0", "x"), ("a=1 metric.chrf.word_order=2", None)]
    assert varying_overrides(jobs) == ["metric.chrf.word_order=0", "metric.chrf.word_order=2"]


def test_sweep_over_chrf_word_order(tmp_path: Path) -> None:
    """The README's sweep beside chrF++: word_order=2 names chrF ``chrf++``, the same metric as
    chrfpp, scored once; every run's scores.csv pivots (one row per system and metric)."""
    cmd = [
        sys.executable,
        "-m",
        "eval",
        "--multirun",
        "corpus=line-aligned",
        "~embedder",
        "~translator",
        "detector=[]",
        "metric=[bleu,chrf,chrfpp]",
        "metric.chrf.word_order=0,2",
        f"results_dir={tmp_path}",
        "progress=false",
    ]
    proc = subprocess.run(
        cmd,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    runs = sorted((tmp_path / "runs").iterdir())
    assert len(runs) == 2
    for run in runs:
        scores = pd.read_csv(run / "scores.csv")
        wide = scores[scores.status == "ok"].pivot(index="system", columns="metric", values="score")
        assert {"bleu", "chrf++"} <= set(wide.columns)
        assert wide.notna().all().all()
    assert "same metric (chrf++): scored once" in proc.stdout + proc.stderr
    [summary] = list((tmp_path / "sweeps").glob("*_summary.csv"))
    df = pd.read_csv(summary)
    assert set(df.overrides) == {"metric.chrf.word_order=0", "metric.chrf.word_order=2"}
    assert set(df.metric) == {"bleu", "chrf", "chrf++"}
    by_job = df.groupby("overrides").metric.apply(set)
    assert by_job["metric.chrf.word_order=0"] == {"bleu", "chrf", "chrf++"}
    assert by_job["metric.chrf.word_order=2"] == {"bleu", "chrf++"}
    md = summary.with_suffix(".md").read_text(encoding="utf-8")
    assert "| metric.chrf.word_order=2 | es | sysB |" in md
    assert not list((tmp_path / ".tmp").iterdir())


def test_single_run_writes_no_job_record(tmp_path: Path) -> None:
    """on_job_end also fires for a single run, which has no hydra.job.num: it must do nothing, not warn."""
    from hydra.types import RunMode
    from omegaconf import OmegaConf

    from eval.sweep import JOBS_DIR, SweepSummary

    cfg = OmegaConf.create({"hydra": {"mode": RunMode.RUN, "sweep": {"dir": str(tmp_path)}, "job": {"num": "???"}}})
    SweepSummary(str(tmp_path / "sweeps")).on_job_end(cfg, None)
    assert not (tmp_path / JOBS_DIR).exists()
