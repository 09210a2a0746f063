"""The run folder's life: a unique temporary folder, checks before the pipeline, publication by rename.

Why: a run is written into ``<results_dir>/.tmp/<name>.<host>-<pid>-<random>`` and renamed to its final
location (``hydra.run.dir``, by default ``<results_dir>/runs/<timestamp>_<tag>``) only when complete. The
host and pid in the name make two runs started in the same second never share a folder, and let the next
run tell a dead run's leftover (removed) from a live one (left alone). Space and writability are checked
before any work, so a full or read-only disk is said in a second, not after the pipeline.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import shutil
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path

from eval.errors import StorageError

TMP_DIR = ".tmp"
_ID = re.compile(r"\.(?P<host>[A-Za-z0-9-]+)-(?P<pid>\d+)-(?P<nonce>[0-9a-f]{6})$")
_RUN_IDS: dict[int, str] = {}


def host_name() -> str:
    """This machine's name with only letters, digits and dashes (it is parsed back from folder names)."""
    return re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname()) or "host"


def run_id() -> str:
    """``<host>-<pid>-<random>``: fixed for the life of one process."""
    pid = os.getpid()
    if pid not in _RUN_IDS:
        _RUN_IDS[pid] = f"{host_name()}-{pid}-{secrets.token_hex(3)}"
    return _RUN_IDS[pid]


def temp_dir_for(final: Path, results_dir: Path) -> Path:
    """The unique temporary folder a run destined for ``final`` is written into.

    It sits under ``<results_dir>/.tmp`` when that is on the same file system as ``final`` (so publishing is
    one atomic rename), else under ``<final's parent>/.tmp``.
    """
    root = results_dir / TMP_DIR
    if not _same_device(root, final.parent):
        root = final.parent / TMP_DIR
    return root / f"{final.name}.{run_id()}"


def _existing(path: Path) -> Path:
    """``path`` or its nearest existing parent."""
    path = path.absolute()
    while not path.exists() and path.parent != path:
        path = path.parent
    return path


def _same_device(a: Path, b: Path) -> bool:
    return _existing(a).stat().st_dev == _existing(b).stat().st_dev


def drop_if_empty(folder: Path) -> None:
    """Remove ``folder`` (the ``.tmp`` of a results folder) when nothing is left in it."""
    with contextlib.suppress(OSError):  # not empty (another run) or already gone
        folder.rmdir()


def published_name(tmp_dir: Path) -> str:
    """The run's name without the run id: ``20250101-120000_tag.host-12-abcdef`` → ``20250101-120000_tag``."""
    return _ID.sub("", tmp_dir.name)


def publish(tmp_dir: Path, final: Path) -> Path:
    """Rename a complete run to ``final`` (``final-1``, ``final-2`` … when another run took the name)."""
    final.parent.mkdir(parents=True, exist_ok=True)
    for n in range(1000):
        target = final if n == 0 else final.with_name(f"{final.name}-{n}")
        if target.exists():
            continue
        try:
            os.rename(tmp_dir, target)  # atomic; fails if another run created target meanwhile
        except OSError as exc:
            if exc.errno in (errno.EEXIST, errno.ENOTEMPTY):
                continue
            raise
        drop_if_empty(tmp_dir.parent)
        return target
    raise StorageError(f"{final}: 1000 run folders of that name exist; choose another hydra.run.dir or tag")


@dataclass(frozen=True)
class Leftover:
    """A temporary run folder found in ``.tmp``; ``removed`` when its run was dead on this host."""

    path: Path
    removed: bool
    why: str


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def clean_leftovers(tmp_root: Path) -> list[Leftover]:
    """Remove the temporary folders of dead runs of this host; report the ones it cannot judge.

    A folder of a live process (or of another host, or without a run id) is left alone.
    """
    if not tmp_root.is_dir():
        return []
    here = host_name()
    found: list[Leftover] = []
    for path in sorted(tmp_root.iterdir()):
        if not path.is_dir():
            continue
        match = _ID.search(path.name)
        if match is None and path.name.startswith("sweep-"):
            found.append(Leftover(path, False, "a sweep's folder; remove it when that sweep is over"))
            continue
        if match is None:
            found.append(Leftover(path, False, "no run id (an older harness); remove it when no run uses it"))
            continue
        pid = int(match["pid"])
        if match["host"] != here:
            found.append(Leftover(path, False, f"run of host {match['host']}; remove it when that run is over"))
        elif pid != os.getpid() and not _alive(pid):
            shutil.rmtree(path, ignore_errors=True)
            found.append(Leftover(path, not path.exists(), f"its run (pid {pid}) is dead"))
    return found


def check_writable(folder: Path, min_free_mb: float, what: str, key: str) -> None:
    """Create ``folder`` if needed, write a probe file in it and check its free space; StorageError otherwise."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise StorageError(
            f"{what} {folder} is not writable ({exc.strerror or exc}); set {key}= to a writable folder"
        ) from exc
    free_mb = shutil.disk_usage(folder).free / 2**20
    if free_mb < min_free_mb:
        raise StorageError(
            f"{what} {folder} has {free_mb:.1f} MB free, a run needs at least {min_free_mb:g} MB "
            f"(min_free_mb); free some space or set {key}= to another disk"
        )


def describe_os_error(exc: OSError, results_dir: Path) -> str:
    """One line for a file-system failure during a run: what, which file, how to fix it."""
    where = f" writing {exc.filename}" if exc.filename else " writing the run folder"
    if exc.errno == errno.ENOSPC:
        return f"no space left on the device{where}; free space under {results_dir} or set results_dir=, and rerun"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"permission denied{where} ({exc.strerror}); set results_dir= to a writable folder, and rerun"
    return f"{exc.strerror or exc}{where}; check the disk and rerun"
