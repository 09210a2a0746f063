"""Helpers of the fault tests: a cheap line-aligned run, a fake Apertium, tmpfs mounts, clean-failure checks."""

from __future__ import annotations

import errno
import os
import re
import select
import shutil
import signal
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from eval.config import PROJECT_ROOT
from tests.clirun import CliResult, completed_runs, run_cli

TOY = PROJECT_ROOT / "tests" / "data" / "linealigned" / "lines"
#: a line-aligned run without models: seconds, not minutes
CHEAP = ["corpus=line-aligned", "~embedder", "~translator", "detector=[]", "metric=[bleu,chrf]"]
BRIDGED_MANIFEST = """name: toy-bridged
format: lines
reference: {file: ref.es, lang: es}
systems:
  - {name: sysA, file: sysA.es, lang: es}
  - {name: sysF, file: src.fr, lang: fr}
"""


def toy_corpus(tmp_path: Path, manifest: str | None = None) -> Path:
    """A copy of the toy line-aligned set (optionally with another manifest)."""
    dst = tmp_path / "corpus"
    shutil.copytree(TOY, dst)
    if manifest is not None:
        (dst / "manifest.yaml").write_text(manifest, encoding="utf-8")
    return dst


def cheap(corpus: Path) -> list[str]:
    return [*CHEAP, f"corpus.dir={corpus}"]


def fake_apertium(tmp_path: Path, body: str) -> str:
    """A stand-in ``apertium`` that lists the fr-es mode and runs ``body`` on stdin."""
    script = tmp_path / "apertium"
    script.write_text(f'#!/bin/sh\nif [ "$1" = "-l" ]; then printf "fr-es\\n"; exit 0; fi\n{body}\n', encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


def bridged(corpus: Path, apertium: str, cache: Path) -> list[str]:
    """The toy set with a French system, bridged into Spanish by ``apertium`` (cached in ``cache``)."""
    return [
        "corpus=line-aligned",
        f"corpus.dir={corpus}",
        "~embedder",
        "detector=[]",
        "metric=[bleu,chrf]",
        f"translator.apertium_bin={apertium}",
        f"cache.dir={cache}",
    ]


def leftovers(results: Path) -> list[Path]:
    tmp = results / ".tmp"
    return sorted(tmp.iterdir()) if tmp.exists() else []


def error_lines(res: CliResult) -> list[str]:
    return [line for line in res.stderr.splitlines() if line.startswith("error: ")]


def assert_clean_failure(results: Path, res: CliResult, pattern: str, code: int = 2) -> str:
    """Exit code, no traceback, exactly one error line matching ``pattern``, no run folder, no leftover."""
    assert res.code == code, (res.code, res.stdout[-2000:], res.stderr[-2000:])
    assert "Traceback" not in res.stderr + res.stdout
    errors = error_lines(res)
    assert len(errors) == 1, res.stderr[-2000:]
    assert re.search(pattern, errors[0]), errors[0]
    assert completed_runs(results) == []
    assert leftovers(results) == []
    return errors[0]


def assert_rerun_works(results: Path, *overrides: str) -> CliResult:
    """The same results folder takes a good run afterwards: exit 0, a run folder, nothing left in .tmp."""
    res = run_cli(results, *overrides)
    assert res.code == 0, res.stderr[-2000:]
    assert "Traceback" not in res.stderr
    assert res.run_dir is not None and (res.run_dir / "scores.csv").is_file()
    assert leftovers(results) == []
    return res


def needs_root(reason: str = "mounting a tmpfs needs root") -> pytest.MarkDecorator:
    return pytest.mark.skipif(os.geteuid() != 0 or shutil.which("mount") is None, reason=reason)


@contextmanager
def tmpfs(path: Path, size_kb: int, read_only: bool = False) -> Iterator[Path]:
    """A small tmpfs at ``path`` (root only), unmounted afterwards."""
    path.mkdir(parents=True, exist_ok=True)
    options = f"size={size_kb}k" + (",ro" if read_only else "")
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(folder: Path, leave_kb: int) -> Path:
    """Fill the file system of ``folder`` until about ``leave_kb`` KB are free; returns the filler file."""
    free = shutil.disk_usage(folder).free
    filler = folder / "filler.bin"
    with filler.open("wb") as fh:
        fh.write(b"\0" * max(0, free - leave_kb * 1024))
    return filler


def _interruptible() -> None:
    """In the child: SIGINT back to its default, as in a terminal. A test suite started as a background job
    without job control inherits SIGINT ignored, and the harness rightly keeps an ignored SIGINT ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def harness(results: Path, *overrides: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """``python -m eval`` started in the background, as a user would (Ctrl-C reaches it, see ``_interruptible``)."""
    full_env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    cmd = [sys.executable, "-m", "eval", f"results_dir={results}", "progress=false", *overrides]
    return subprocess.Popen(
        cmd,
        cwd=PROJECT_ROOT,
        env={**full_env, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_interruptible,
    )


def blocking_apertium(tmp_path: Path) -> tuple[str, Path, Path]:
    """A fake apertium that says it started (through the ``ready`` FIFO) and then waits on ``hold``, forever."""
    ready, hold = tmp_path / "ready", tmp_path / "hold"
    os.mkfifo(ready)
    os.mkfifo(hold)
    return fake_apertium(tmp_path, f'printf up > "{ready}"\nexec cat "{hold}" > /dev/null'), ready, hold


def release(hold: Path) -> None:
    """End the fake apertium's ``cat``: opening ``hold`` for writing and closing it gives cat its end of file.
    Why: a harness killed with SIGKILL cannot stop its child, which would otherwise wait on the FIFO forever."""
    try:
        os.close(os.open(hold, os.O_WRONLY | os.O_NONBLOCK))
    except OSError as exc:  # ENXIO: no reader left, nothing to release
        if exc.errno != errno.ENXIO:
            raise


def wait_until_started(ready: Path, proc: subprocess.Popen[str], timeout_s: float = 600) -> None:
    """Block until the fake apertium writes to ``ready`` (the harness is inside the pipeline); fail if the
    harness exits first. Waits in select() on the FIFO, never in a fixed sleep."""
    fd = os.open(ready, os.O_RDONLY | os.O_NONBLOCK)
    waited = 0.0
    try:
        while waited < timeout_s:
            readable, _, _ = select.select([fd], [], [], 2.0)
            if readable and os.read(fd, 16):
                return
            waited += 2.0
            if proc.poll() is not None:
                _, err = proc.communicate()
                pytest.fail(f"the harness exited ({proc.returncode}) before reaching the bridge: {err[-2000:]}")
    finally:
        os.close(fd)
    proc.kill()
    pytest.fail("the harness did not reach the bridge")
