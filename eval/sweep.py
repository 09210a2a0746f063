"""Hydra callback that gathers every sweep job's scores.csv into one summary table (CSV + Markdown).

Launchers run ``on_job_end`` where the job runs (a joblib worker, a SLURM node), not in the process that
launched the sweep, so each job leaves a small record in the sweep folder (``jobs/<num>.json``) and
``on_multirun_end`` reads them all: the summary is the same with the basic, joblib or submitit launcher.
"""

from __future__ import annotations

import json
import logging
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig

log = logging.getLogger(__name__)


def varying_overrides(jobs: list[tuple[str, str | None]]) -> list[str]:
    """Per job, only the overrides that differ between jobs: the sweep's own dimensions."""
    split = [overrides.split() for overrides, _ in jobs]
    common = set.intersection(*(set(s) for s in split)) if len(split) > 1 else set()
    return [" ".join(o for o in s if o not in common) or "(defaults)" for s in split]


def summarize_runs(jobs: list[tuple[str, str | None]]) -> pd.DataFrame:
    """(overrides, run folder or None) per job → one long table with the varying overrides on every row."""
    frames = []
    for overrides, (_, run_dir) in zip(varying_overrides(jobs), jobs, strict=True):
        if run_dir is None:
            frames.append(pd.DataFrame([{"overrides": overrides, "status": "failed"}]))
            continue
        df = pd.read_csv(Path(run_dir) / "scores.csv")
        df.insert(0, "overrides", overrides)
        df.insert(1, "run", Path(run_dir).name)
        frames.append(df)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def to_markdown(df: pd.DataFrame) -> str:
    """One row per (overrides, system), one column per metric: the table people paste into a ticket."""
    ok = df[df.get("status", pd.Series(dtype=str)) == "ok"] if "status" in df else df
    if ok.empty:
        return "_no scores_\n"
    table = ok.pivot_table(index=["overrides", "lang", "system"], columns="metric", values="score", aggfunc="first")
    table = table.round(2).reset_index()
    cols = list(table.columns)
    lines = ["| " + " | ".join(map(str, cols)) + " |", "|" + "---|" * len(cols)]
    for row in table.itertuples(index=False):
        lines.append("| " + " | ".join("" if pd.isna(v) else str(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


JOBS_DIR = "jobs"


def write_job_record(sweep_dir: Path, num: int, overrides: str, run_dir: str | None) -> None:
    """One job's outcome, written where it ran; the rename makes it appear whole or not at all."""
    folder = sweep_dir / JOBS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{num}.json.tmp"
    tmp.write_text(json.dumps({"num": num, "overrides": overrides, "run_dir": run_dir}), encoding="utf-8")
    tmp.replace(folder / f"{num}.json")


def read_job_records(sweep_dir: Path) -> list[tuple[str, str | None]]:
    """(overrides, run folder or None) of every job that reported, in job order."""
    records = [json.loads(p.read_text(encoding="utf-8")) for p in (sweep_dir / JOBS_DIR).glob("*.json")]
    return [(r["overrides"], r["run_dir"]) for r in sorted(records, key=lambda r: int(r["num"]))]


class SweepSummary(Callback):
    def __init__(self, out_dir: str) -> None:
        self.out_dir = Path(out_dir)

    def on_job_end(self, config: DictConfig, job_return: Any, **kwargs: Any) -> None:
        if config.hydra.mode != RunMode.MULTIRUN:  # a single run has no job number and no sweep to summarise
            return
        overrides = " ".join(job_return.overrides or []) if job_return is not None else ""
        value = None
        try:
            value = job_return.return_value
        except Exception:  # a failed job re-raises its exception here; summarized as "failed"
            value = None
        write_job_record(Path(str(config.hydra.sweep.dir)), int(config.hydra.job.num), overrides, value)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(str(config.hydra.sweep.dir))
        jobs = read_job_records(sweep_dir) if (sweep_dir / JOBS_DIR).is_dir() else []
        if not jobs:
            return
        shutil.rmtree(sweep_dir / JOBS_DIR)
        df = summarize_runs(jobs)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        self.out_dir.mkdir(parents=True, exist_ok=True)
        csv_path = self.out_dir / f"{stamp}_summary.csv"
        md_path = csv_path.with_suffix(".md")
        df.to_csv(csv_path, index=False)
        common = sorted(set.intersection(*(set(o.split()) for o, _ in jobs))) if len(jobs) > 1 else []
        header = f"Sweep of {len(jobs)} jobs; common overrides: {' '.join(common) or '(none)'}\n\n"
        md_path.write_text(header + to_markdown(df), encoding="utf-8")
        if (sweep_dir / "multirun.yaml").is_file():
            shutil.copy(sweep_dir / "multirun.yaml", csv_path.with_name(f"{stamp}_multirun.yaml"))
        if sweep_dir.is_dir() and not [p for p in sweep_dir.iterdir() if p.name != "multirun.yaml"]:
            shutil.rmtree(sweep_dir)
        print(f"sweep summary: {csv_path}\n{md_path.read_text(encoding='utf-8')}")
