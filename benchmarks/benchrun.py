"""Shared by the benchmark scripts that time whole CLI runs: one child process, its wall time and peak RSS."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATASETS = Path(os.environ.get("DATASETS_DIR", ROOT.parent / "shared" / "datasets"))  # ../shared/datasets
TED_TSV = DATASETS / "wmt21-ted-mqm-en-de-dev" / "mqm_ted_ende.dev.tsv"
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}


@dataclass(frozen=True)
class Timed:
    seconds: float
    peak_rss_mb: float  # the largest of the child's processes that were waited for (joblib workers: their own)
    cpu_seconds: float = 0.0  # user + system of the child and the processes it waited for (load-independent)


def run_eval(args: list[str], label: str) -> Timed:
    """``python -m eval ARGS`` as a child: wall seconds and the child's own peak RSS (os.wait4), printed."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "eval", *args], cwd=ROOT, env=ENV, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        dt = time.perf_counter() - t
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            err.seek(0)
            raise SystemExit(f"{label} failed:\n{err.read().decode()[-3000:]}")
    rss, cpu = usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime
    load = os.getloadavg()[0]
    print(f"{label:40s} {dt:8.1f} s  CPU {cpu:8.1f} s  peak RSS {rss:6.0f} MB  load {load:.1f}", flush=True)
    return Timed(dt, rss, cpu)


def build_ted(out: Path) -> Path:
    """The TED MQM dev set as a line-aligned set (eval.meta.build): its folder."""
    ted = out / "ted"
    cmd = [sys.executable, "-m", "eval.meta.build", str(TED_TSV), str(ted), "--src-lang", "en", "--ref-lang", "de"]
    subprocess.run(cmd, cwd=ROOT, env=ENV, check=True, capture_output=True)
    return ted
