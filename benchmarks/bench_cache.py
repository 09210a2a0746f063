"""Time the cache: diskcache (eval.cache) against the hand-written one-file-per-key store it replaced.

The workload is the embedding cache of one DGSN run scaled up: N sentence vectors (384 float32) written,
then read back in a fresh object (a rerun). Figures are ratios within one run (the machine is noisy).
Run: .venv/bin/python benchmarks/bench_cache.py [N]
"""

from __future__ import annotations

import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from eval.cache import Cache


class FilePerKey:
    """The previous store: ``<root>/<ns>/ab/<key>.npy`` written to a temp file and renamed, no integrity."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / "embed" / key[:2] / f"{key}.npy"

    def put_array(self, key: str, value: np.ndarray) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        buf = io.BytesIO()
        np.save(buf, value, allow_pickle=False)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(buf.getvalue())
        os.replace(tmp, path)

    def get_array(self, key: str) -> np.ndarray | None:
        path = self._path(key)
        return np.load(path, allow_pickle=False) if path.exists() else None


def timed(store_factory, keys: list[str], vectors: np.ndarray) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    writer = store_factory()
    t0 = time.perf_counter()
    for key, vec in zip(keys, vectors, strict=True):
        writer.put_array(key, vec)
    t1 = time.perf_counter()
    reader = store_factory()
    got = [reader.get_array(k) for k in keys]
    t2 = time.perf_counter()
    assert all(g is not None for g in got)
    return t1 - t0, t2 - t1


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((n, 384)).astype(np.float32)
    keys = [f"{i:064x}" for i in range(n)]
    with tempfile.TemporaryDirectory() as tmp:
        old_put, old_get = timed(lambda: FilePerKey(Path(tmp) / "old"), keys, vectors)
        new_put, new_get = timed(lambda: Cache(Path(tmp) / "new", "embed"), keys, vectors)
    print(json.dumps({"entries": n, "dim": 384}))
    print(f"file-per-key  put {old_put:6.2f} s  get {old_get:6.2f} s  ({n / old_get:8.0f} reads/s)")
    print(f"diskcache     put {new_put:6.2f} s  get {new_get:6.2f} s  ({n / new_get:8.0f} reads/s)")
    print(f"ratio diskcache/file-per-key: put {new_put / old_put:.2f}x  get {new_get / old_get:.2f}x")


if __name__ == "__main__":
    main()
