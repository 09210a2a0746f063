"""Resume: a sweep re-run after an interruption skips the jobs already done.

A job is done when ``results/runs/`` holds a complete run folder (every contract file, renamed there only when
complete) whose manifest carries the same config fingerprint: the SHA-256 of the resolved config without the
keys that say where or how verbosely to run, not what to compute.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, cast

from omegaconf import DictConfig, OmegaConf

#: Top-level keys that do not change a run's numbers.
NEUTRAL_KEYS = ("hydra", "results_dir", "cache", "progress", "resume", "min_free_mb")


def config_fingerprint(cfg: DictConfig) -> str:
    """SHA-256 of the resolved config minus NEUTRAL_KEYS (sorted keys, so the order of overrides does not count)."""
    data = cast(dict[str, Any], OmegaConf.to_container(cfg, resolve=True))  # a DictConfig resolves to a dict
    kept = {str(k): v for k, v in data.items() if k not in NEUTRAL_KEYS}
    return hashlib.sha256(json.dumps(kept, sort_keys=True, default=str).encode()).hexdigest()


def is_complete(run_dir: Path) -> bool:
    from eval.reports.runfolder import REQUIRED_FILES

    return all((run_dir / name).is_file() for name in REQUIRED_FILES)


def completed_run(runs_dir: Path, fingerprint: str) -> Path | None:
    """The newest complete run folder in ``runs_dir`` made with this fingerprint, if any."""
    if not runs_dir.is_dir():
        return None
    for run_dir in sorted(runs_dir.iterdir(), reverse=True):
        manifest = run_dir / "manifest.json"
        if not manifest.is_file():
            continue
        try:
            recorded = json.loads(manifest.read_text(encoding="utf-8")).get("config_fingerprint")
        except (json.JSONDecodeError, OSError, AttributeError):
            continue  # a foreign or damaged folder is not a finished job
        if recorded == fingerprint and is_complete(run_dir):
            return run_dir
    return None
