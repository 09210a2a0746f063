"""Command-line entry point. The only module that turns errors into exit codes.

The run folder is built under ``results/.tmp/`` (Hydra's run dir) and renamed into
``results/runs/`` only when complete, so a failed run never leaves a half-written folder.
"""

from __future__ import annotations

import logging
import shutil
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from eval.config import CONF_DIR, register_resolvers
from eval.errors import EvalError
from eval.resume import completed_run, config_fingerprint

register_resolvers()


def finalize_run_dir(tmp_dir: Path, results_dir: Path) -> Path:
    """Move a complete run from results/.tmp/<name> to results/runs/<name> (atomic rename)."""
    final = results_dir / "runs" / tmp_dir.name
    final.parent.mkdir(parents=True, exist_ok=True)
    if final.exists():
        final = final.with_name(final.name + "-1")
    tmp_dir.replace(final)
    return final


def _task(cfg: DictConfig) -> str | None:
    from eval.runner import run

    hc = HydraConfig.get()
    tmp_dir = Path(hc.runtime.output_dir)
    multirun = hc.mode == RunMode.MULTIRUN
    done = completed_run(Path(cfg.results_dir) / "runs", config_fingerprint(cfg)) if multirun and cfg.resume else None
    if done is not None:  # resume: an earlier run of this sweep finished this job
        shutil.rmtree(tmp_dir, ignore_errors=True)
        print(f"resume: {done} is complete for this config; job skipped")
        return str(done)
    try:
        summary = run(cfg, tmp_dir)
        final = finalize_run_dir(tmp_dir, Path(cfg.results_dir))
    except EvalError as exc:
        shutil.rmtree(tmp_dir, ignore_errors=True)
        print(f"error: {exc}", file=sys.stderr)
        if multirun:
            return None
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        shutil.rmtree(tmp_dir, ignore_errors=True)
        print("interrupted: no run folder written", file=sys.stderr)
        sys.exit(130)
    except BaseException:
        shutil.rmtree(tmp_dir, ignore_errors=True)
        raise
    print(summary)
    print(f"run folder: {final}")
    return str(final)


@hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="config")
def _hydra_main(cfg: DictConfig) -> str | None:
    return _task(cfg)


def main() -> None:
    logging.getLogger("lightning").setLevel(logging.WARNING)
    _hydra_main()


if __name__ == "__main__":
    main()
