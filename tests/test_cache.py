"""The diskcache-backed cache: integrity per entry, concurrent writers, failed writes as warnings."""

from __future__ import annotations

import logging
import multiprocessing
import os
import stat
from pathlib import Path

import numpy as np
import pytest

from eval.cache import Cache, seal, unseal


def value_files(root: Path) -> list[Path]:
    """Every stored value (diskcache keeps one ``.val`` file per entry)."""
    return sorted(root.rglob("*.val"))


def test_round_trip_json_and_array(tmp_path: Path) -> None:
    cache = Cache(tmp_path, "mt")
    cache.put_json("k", {"line": "hola", "unknown": ["x"]})
    cache.put_array("k", np.arange(6, dtype=np.float32).reshape(2, 3))
    fresh = Cache(tmp_path, "mt")  # another object (another run) reads the same store
    assert fresh.get_json("k") == {"line": "hola", "unknown": ["x"]}
    np.testing.assert_array_equal(fresh.get_array("k"), np.arange(6, dtype=np.float32).reshape(2, 3))
    assert (fresh.hits, fresh.misses) == (2, 0)
    assert Cache(tmp_path, "embed").get_json("k") is None  # namespaces do not see each other


def test_disabled_cache_always_misses_and_writes_nothing(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "c", "mt", enabled=False)
    cache.put_json("k", 1)
    assert cache.get_json("k") is None and cache.misses == 1
    assert not (tmp_path / "c").exists()


def test_seal_detects_a_changed_body_or_a_swapped_key() -> None:
    entry = seal("mt/json/a", b'{"line": "hola"}')
    assert unseal("mt/json/a", entry) == b'{"line": "hola"}'
    assert unseal("mt/json/b", entry) is None  # an entry copied under another key
    flipped = bytearray(entry)
    flipped[-3] ^= 0x01
    assert unseal("mt/json/a", bytes(flipped)) is None
    assert unseal("mt/json/a", b"") is None
    assert unseal("mt/json/a", entry[:20]) is None


CORRUPTIONS = {
    "empty": lambda data: b"",
    "truncated": lambda data: data[: len(data) // 2],
    "random bytes": lambda data: os.urandom(len(data)),
    "bit flip": lambda data: data[:-5] + bytes([data[-5] ^ 0x10]) + data[-4:],
}


@pytest.mark.parametrize("how", sorted(CORRUPTIONS))
def test_a_damaged_array_entry_is_a_miss_logged_once_with_its_path(
    tmp_path: Path, how: str, caplog: pytest.LogCaptureFixture
) -> None:
    Cache(tmp_path, "embed").put_array("k", np.ones(384, dtype=np.float32))
    (path,) = value_files(tmp_path)
    path.write_bytes(CORRUPTIONS[how](path.read_bytes()))
    cache = Cache(tmp_path, "embed")
    with caplog.at_level(logging.WARNING, logger="eval.cache"):
        assert cache.get_array("k") is None
        assert cache.get_array("k") is None  # deleted: a plain miss, not a second warning
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and str(path) in warnings[0], warnings
    assert (cache.corrupt, cache.misses, cache.hits) == (1, 2, 0)
    cache.put_array("k", np.ones(384, dtype=np.float32))  # recomputed and stored again
    assert Cache(tmp_path, "embed").get_array("k") is not None


def test_a_wrong_but_loadable_json_entry_is_caught(tmp_path: Path) -> None:
    """Another valid JSON value in the entry's file (a plausible but wrong translation) is not served."""
    cache = Cache(tmp_path, "mt")
    cache.put_json("a", {"line": "la detención"})
    cache.put_json("b", {"line": "el reclutamiento"})
    path_a, path_b = value_files(tmp_path)
    path_a.write_bytes(path_b.read_bytes())  # a's file now holds b's sealed value
    fresh = Cache(tmp_path, "mt")
    assert [fresh.get_json("a"), fresh.get_json("b")].count(None) == 1
    assert fresh.corrupt == 1


def _writer(root: str, worker: int, n: int) -> None:
    cache = Cache(root, "embed")
    for i in range(n):
        key = f"k{i}"
        cache.put_array(key, np.full(64, i, dtype=np.float32))
        got = cache.get_array(key)
        if got is None or not np.all(got == i):
            raise SystemExit(f"worker {worker}: entry {key} read back wrong")
        cache.put_json(f"w{worker}-{i}", {"worker": worker, "i": i})


def test_concurrent_processes_share_one_cache(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(tmp_path), w, 60)) for w in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    cache = Cache(tmp_path, "embed")
    assert all(cache.get_json(f"w{w}-{i}") == {"worker": w, "i": i} for w in range(3) for i in range(60))
    assert cache.corrupt == 0


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_read_only_cache_is_a_warning_not_an_error(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    tmp_path.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        cache = Cache(tmp_path / "c", "mt")
        with caplog.at_level(logging.WARNING, logger="eval.cache"):
            cache.put_json("k", 1)
            assert cache.get_json("k") is None
        assert any("running without the cache" in r.getMessage() for r in caplog.records)
    finally:
        tmp_path.chmod(stat.S_IRWXU)


def test_a_failed_write_is_one_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """diskcache's writer raising ENOSPC (a full disk, as the tmpfs CLI test shows for real) is a warning."""
    import diskcache

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    cache = Cache(tmp_path, "mt")
    cache.put_json("before", 1)
    monkeypatch.setattr(diskcache.Disk, "_write", full)
    with caplog.at_level(logging.WARNING, logger="eval.cache"):
        for i in range(5):
            cache.put_json(f"k{i}", i)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "No space left" in warnings[0]
    assert cache.failed_writes == 5 and cache.get_json("before") == 1


def test_size_cap_evicts_the_oldest_entries(tmp_path: Path) -> None:
    cache = Cache(tmp_path, "embed", size_limit_mb=0.25)
    for i in range(200):
        cache.put_array(f"k{i}", np.zeros(1024, dtype=np.float32))  # 4 KiB each, 800 KiB in all
    size = sum(p.stat().st_size for p in value_files(tmp_path))
    assert size < 0.5 * 2**20
    assert cache.get_array("k199") is not None and cache.get_array("k0") is None


def test_file_system_type_is_the_longest_mount_containing_the_path() -> None:
    """A cache on NFS is warned about (diskcache's SQLite index is not safe across hosts there)."""
    from eval.cache import NETWORK_FILE_SYSTEMS, file_system_type

    mounts = (
        "/dev/sda1 / ext4 rw 0 0\n"
        "server:/export /shared nfs4 rw,vers=4.1 0 0\n"
        "tmpfs /shared/tmp tmpfs rw 0 0\n"
        "server:/other /shared2 nfs rw 0 0\n"
    )
    assert file_system_type(Path("/shared/tqe/cache"), mounts) == "nfs4" in NETWORK_FILE_SYSTEMS
    assert file_system_type(Path("/shared/tmp/cache"), mounts) == "tmpfs"
    assert file_system_type(Path("/shared2x/cache"), mounts) == "ext4"  # /shared2 is not a prefix of /shared2x
    assert file_system_type(Path("/home/u/.cache"), mounts) == "ext4"
