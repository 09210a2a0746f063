"""Sweeps on real launchers (joblib, submitit_local): every job lands in the summary, and a re-run skips the jobs
whose run folder is complete for the same resolved config (resume)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from eval.config import PROJECT_ROOT

SWEEP = ("corpus=line-aligned", "~embedder", "~translator", "detector=[]", "metric=[bleu,chrf]", "progress=false")


def sweep(results: Path, *overrides: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "eval", "--multirun", *SWEEP, f"results_dir={results}", *overrides]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    proc = subprocess.run(cmd, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=900, check=False, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def summary(results: Path) -> pd.DataFrame:
    newest = sorted((results / "sweeps").glob("*_summary.csv"))[-1]
    return pd.read_csv(newest)


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.parametrize("launcher", ["parallel", "local"])
def test_summary_gathers_jobs_from_the_launcher(tmp_path: Path, launcher: str) -> None:
    sweep(tmp_path, f"hydra/launcher={launcher}", "metric.chrf.word_order=0,2")
    assert len(list((tmp_path / "runs").iterdir())) == 2
    df = summary(tmp_path)
    assert set(df.overrides) == {"metric.chrf.word_order=0", "metric.chrf.word_order=2"}
    assert set(df.metric) == {"bleu", "chrf", "chrf++"}
    leftovers = [p for p in (tmp_path / ".tmp").rglob("*") if p.is_file() and ".submitit" not in p.parts]
    assert [p.name for p in leftovers] in ([], ["multirun.yaml"])


@pytest.mark.integration
@pytest.mark.slow
def test_resume_skips_complete_jobs(tmp_path: Path) -> None:
    sweep(tmp_path, "metric.chrf.word_order=0")
    first = {p.name for p in (tmp_path / "runs").iterdir()}
    proc = sweep(tmp_path, "hydra/launcher=parallel", "metric.chrf.word_order=2,0")
    skipped = re.findall(r"^resume: (.+) is complete for this config; job skipped$", proc.stdout, re.M)
    assert [Path(p).name for p in skipped] == sorted(first)
    assert len(list((tmp_path / "runs").iterdir())) == 2  # only word_order=2 ran
    df = summary(tmp_path)
    assert set(df.overrides) == {"metric.chrf.word_order=0", "metric.chrf.word_order=2"}
    assert set(df[df.overrides == "metric.chrf.word_order=0"].run) == first  # the earlier run's scores
    proc = sweep(tmp_path, "metric.chrf.word_order=0", "resume=false")
    assert "resume:" not in proc.stdout
    assert len(list((tmp_path / "runs").iterdir())) == 3


@pytest.mark.parametrize(
    ("option", "target"),
    [("parallel", "JoblibLauncher"), ("local", "LocalLauncher"), ("slurm", "SlurmLauncher")],
)
def test_launcher_options_compose(option: str, target: str) -> None:
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    from eval.config import CONF_DIR

    GlobalHydra.instance().clear()
    with initialize_config_dir(version_base="1.3", config_dir=str(CONF_DIR)):
        cfg = compose(config_name="config", overrides=[f"hydra/launcher={option}"], return_hydra_config=True)
    assert str(cfg.hydra.launcher._target_).endswith(target)
    if option != "parallel":
        assert cfg.hydra.launcher.cpus_per_task == cfg.threads


def test_two_sweeps_get_two_sweep_folders() -> None:
    """Two sweeps composed in the same second have different sweep folders; one sweep's folder is the same
    wherever its config is resolved again (Hydra copies the resolver cache into each job's config)."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from omegaconf import OmegaConf

    from eval.config import CONF_DIR, register_resolvers

    register_resolvers()
    GlobalHydra.instance().clear()
    with initialize_config_dir(version_base="1.3", config_dir=str(CONF_DIR)):
        first, second = (compose(config_name="config", return_hydra_config=True) for _ in range(2))
        job = compose(config_name="config", overrides=["bootstrap.seed=2"], return_hydra_config=True)
    folders = [str(first.hydra.sweep.dir), str(second.hydra.sweep.dir)]  # the sweeper creates it first
    OmegaConf.copy_cache(from_config=first, to_config=job)  # then load_sweep_config does this for every job
    assert folders[0] != folders[1]
    assert str(job.hydra.sweep.dir) == folders[0] == str(first.hydra.sweep.dir)
    assert re.search(r"/\.tmp/sweep-\d{8}-\d{6}-.+-\d+-[0-9a-f]{6}$", folders[0])
