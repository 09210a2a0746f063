"""Hydra callback that gathers every sweep job's scores.csv into one summary table (CSV + Markdown)."""

from __future__ import annotations

import logging
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from hydra.experimental.callback import Callback
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


class SweepSummary(Callback):
    def __init__(self, out_dir: str) -> None:
        self.out_dir = Path(out_dir)
        self.jobs: list[tuple[str, str | None]] = []

    def on_job_end(self, config: DictConfig, job_return: Any, **kwargs: Any) -> None:
        overrides = " ".join(job_return.overrides or []) if job_return is not None else ""
        value = None
        try:
            value = job_return.return_value
        except Exception:  # a failed job re-raises its exception here; summarized as "failed"
            value = None
        self.jobs.append((overrides, value))

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        if not self.jobs:
            return
        df = summarize_runs(self.jobs)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        self.out_dir.mkdir(parents=True, exist_ok=True)
        csv_path = self.out_dir / f"{stamp}_summary.csv"
        md_path = csv_path.with_suffix(".md")
        df.to_csv(csv_path, index=False)
        common = sorted(set.intersection(*(set(o.split()) for o, _ in self.jobs))) if len(self.jobs) > 1 else []
        header = f"Sweep of {len(self.jobs)} jobs; common overrides: {' '.join(common) or '(none)'}\n\n"
        md_path.write_text(header + to_markdown(df), encoding="utf-8")
        sweep_dir = Path(str(config.hydra.sweep.dir))
        if (sweep_dir / "multirun.yaml").is_file():
            shutil.copy(sweep_dir / "multirun.yaml", csv_path.with_name(f"{stamp}_multirun.yaml"))
        if sweep_dir.is_dir() and not [p for p in sweep_dir.iterdir() if p.name != "multirun.yaml"]:
            shutil.rmtree(sweep_dir)
        print(f"sweep summary: {csv_path}\n{md_path.read_text(encoding='utf-8')}")
