"""Run the CLI the way a user does (python -m eval) in a subprocess, with an isolated results folder."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from eval.config import PROJECT_ROOT


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str
    run_dir: Path | None


def run_cli(results_dir: Path, *overrides: str, module: str = "eval", timeout: int = 1800) -> CliResult:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    cmd = [sys.executable, "-m", module, f"results_dir={results_dir}", "progress=false", *overrides]
    proc = subprocess.run(cmd, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    match = re.search(r"^run folder: (.+)$", proc.stdout, re.M)
    return CliResult(proc.returncode, proc.stdout, proc.stderr, Path(match.group(1)) if match else None)


def completed_runs(results_dir: Path) -> list[Path]:
    runs = results_dir / "runs"
    return sorted(runs.iterdir()) if runs.exists() else []
