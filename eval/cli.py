"""Command-line entry point. The only module that turns errors into exit codes.

The run is written into a unique temporary folder (``<results_dir>/.tmp/<name>.<host>-<pid>-<random>``) and
renamed to its final location, ``hydra.run.dir`` (by default ``results/runs/<timestamp>_<tag>``), only when
complete: a failed, interrupted (Ctrl-C, SIGTERM, SIGHUP) or killed run never leaves a half-written folder,
and the temporary folder of a killed run is removed by the next run.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig, open_dict, read_write

from eval.config import CONF_DIR, register_resolvers
from eval.errors import EvalError
from eval.resume import completed_run, config_fingerprint

register_resolvers()

#: temporary folder → final location, for the run of this process (filled before Hydra creates the folder)
_PLANNED: dict[str, Path] = {}
_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


class Interrupted(KeyboardInterrupt):
    """SIGTERM or SIGHUP, handled like Ctrl-C."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _fail(message: str, code: int) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    sys.exit(code)


def run_tool(task: Callable[[], int]) -> int:
    """Run a ``python -m eval.<tool>`` command: its exit code, or one line on stderr and the error's code.

    The tools' counterpart of ``_task`` below (no run folder): an EvalError keeps its exit code, an OSError
    the tool did not name is 4, Ctrl-C is 130. Never a traceback for bad input.
    """
    try:
        code = task()
        sys.stdout.flush()
        return code
    except EvalError as exc:
        print(f"error: {' '.join(str(exc).split())}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # the reader went away (``| head``): not an error, and no traceback at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        print(f"error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 4
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def preflight(cfg: DictConfig) -> None:
    """Checks before Hydra creates any folder: config values, dead runs' leftovers, a writable results folder
    with free space. A failure is one line and exit code, nothing on disk."""
    from eval.lifecycle import TMP_DIR, check_writable, clean_leftovers
    from eval.schema import validate_run_config

    try:
        validate_run_config(cfg)
        results = Path(str(cfg.results_dir))
        check_writable(results / TMP_DIR, float(cfg.get("min_free_mb", 0)), "results folder", "results_dir")
        for leftover in clean_leftovers(results / TMP_DIR):
            verb = "removed" if leftover.removed else "left"
            print(f"note: {verb} the temporary folder {leftover.path}: {leftover.why}", file=sys.stderr)
    except EvalError as exc:
        _fail(str(exc), exc.exit_code)


class RunFolderGuard(Callback):
    """Hydra callback (conf/config.yaml): preflight checks, and the run written into a unique temporary
    folder whose final location is ``hydra.run.dir``."""

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        from eval.lifecycle import temp_dir_for

        preflight(config)
        final = Path(str(config.hydra.run.dir)).absolute()
        try:  # Hydra turns a callback's exception into a warning: every failure here must exit itself
            if final.exists() and any(final.iterdir()):
                _fail(f"hydra.run.dir={final} already exists and is not empty; give a new folder", 2)
            tmp = temp_dir_for(final, Path(str(config.results_dir)))
        except OSError as exc:
            _fail(f"hydra.run.dir={final} cannot be used ({exc.strerror or exc}); give a writable folder", 4)
        with read_write(config.hydra.run), open_dict(config.hydra.run):
            config.hydra.run.dir = str(tmp)
        _PLANNED[str(tmp)] = final

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        # the sweep folder stays Hydra's: launchers re-compose each job's config from conf/, so a name set here
        # would not reach the jobs; each job's folder is unique by its job number
        preflight(config)


def final_location(tmp_dir: Path, results_dir: Path) -> Path:
    """Where a complete run goes: the planned ``hydra.run.dir``, or ``runs/<name>`` for a sweep job."""
    from eval.lifecycle import published_name

    planned = _PLANNED.get(str(tmp_dir))
    return planned if planned is not None else results_dir / "runs" / published_name(tmp_dir)


def _raise_interrupted(signum: int, frame: FrameType | None) -> None:
    raise Interrupted(signum)


@contextmanager
def signals_as_interrupts() -> Iterator[None]:
    """SIGTERM and SIGHUP raise :class:`Interrupted` (a KeyboardInterrupt) for the duration of a run."""
    previous = {s: signal.signal(s, _raise_interrupted) for s in _SIGNALS}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _discard(tmp_dir: Path) -> None:
    """Remove the temporary folder, with further SIGTERM/SIGHUP/SIGINT ignored so the removal completes."""
    import shutil

    from eval.lifecycle import drop_if_empty

    held = {s: signal.signal(s, signal.SIG_IGN) for s in (*_SIGNALS, signal.SIGINT)}
    try:
        root = logging.getLogger()
        for log_handler in list(root.handlers):  # close run.log before its folder goes (a record would reopen it)
            if isinstance(log_handler, logging.FileHandler) and Path(log_handler.baseFilename).is_relative_to(tmp_dir):
                root.removeHandler(log_handler)
                log_handler.close()
        shutil.rmtree(tmp_dir, ignore_errors=True)
        drop_if_empty(tmp_dir.parent)
    finally:
        for s, handler in held.items():
            signal.signal(s, handler)


def _task(cfg: DictConfig) -> str | None:
    from eval.lifecycle import describe_os_error, publish
    from eval.schema import validate_run_config

    hc = HydraConfig.get()
    tmp_dir = Path(hc.runtime.output_dir)
    results_dir = Path(str(cfg.results_dir))
    multirun = hc.mode == RunMode.MULTIRUN
    done = completed_run(Path(cfg.results_dir) / "runs", config_fingerprint(cfg)) if multirun and cfg.resume else None
    if done is not None:  # resume: an earlier run of this sweep finished this job
        _discard(tmp_dir)
        print(f"resume: {done} is complete for this config; job skipped")
        return str(done)
    try:
        with signals_as_interrupts():
            validate_run_config(cfg)  # a sweep job's own overrides
            from eval.runner import run

            summary = run(cfg, tmp_dir)
            final = publish(tmp_dir, final_location(tmp_dir, results_dir))
    except EvalError as exc:
        _discard(tmp_dir)
        print(f"error: {exc}", file=sys.stderr)
        if multirun:
            return None
        sys.exit(exc.exit_code)
    except OSError as exc:
        _discard(tmp_dir)
        print(f"error: {describe_os_error(exc, results_dir)}", file=sys.stderr)
        if multirun:
            return None
        sys.exit(4)
    except Interrupted as exc:
        _discard(tmp_dir)
        print(f"interrupted by {signal.Signals(exc.signum).name}: no run folder written", file=sys.stderr)
        sys.exit(128 + exc.signum)
    except KeyboardInterrupt:
        _discard(tmp_dir)
        print("interrupted: no run folder written", file=sys.stderr)
        sys.exit(130)
    except BaseException:
        _discard(tmp_dir)
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
