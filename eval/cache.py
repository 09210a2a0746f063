"""A persistent content-addressed cache for expensive stages (MT, embeddings, COMET).

Keys are SHA-256 digests of everything that determines the value (engine/model id and hash,
parameters, input text), so sweeps and reruns reuse results and never mix them up.
Values are stored as one JSON or .npy file per key under ``<root>/<namespace>/ab/abcdef….ext``;
writes go to a temporary file and are renamed, so a crash never leaves a torn entry.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np


def content_key(*parts: object) -> str:
    """A stable SHA-256 over JSON-serialisable parts (order matters)."""
    payload = json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def default_cache_dir() -> Path:
    """``$EVAL_CACHE_DIR`` or ``~/.cache/xling-tqe``."""
    env = os.environ.get("EVAL_CACHE_DIR")
    return Path(env) if env else Path.home() / ".cache" / "xling-tqe"


class Cache:
    """A namespace of the content-addressed store. ``enabled=False`` makes every lookup miss."""

    def __init__(self, root: str | Path | None = None, namespace: str = "default", enabled: bool = True):
        self.root = Path(root) if root else default_cache_dir()
        self.namespace = namespace
        self.enabled = enabled
        self.hits = 0
        self.misses = 0

    def _path(self, key: str, ext: str) -> Path:
        return self.root / self.namespace / key[:2] / f"{key}.{ext}"

    def _write(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)

    def get_json(self, key: str) -> Any | None:
        path = self._path(key, "json")
        if not self.enabled or not path.exists():
            self.misses += 1
            return None
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            self.misses += 1
            return None
        self.hits += 1
        return value

    def put_json(self, key: str, value: Any) -> None:
        if self.enabled:
            self._write(self._path(key, "json"), json.dumps(value, ensure_ascii=False).encode("utf-8"))

    def get_array(self, key: str) -> np.ndarray | None:
        path = self._path(key, "npy")
        if not self.enabled or not path.exists():
            self.misses += 1
            return None
        try:
            value = np.load(path, allow_pickle=False)
        except (OSError, ValueError):
            self.misses += 1
            return None
        self.hits += 1
        return value

    def put_array(self, key: str, value: np.ndarray) -> None:
        if not self.enabled:
            return
        import io

        buf = io.BytesIO()
        np.save(buf, value, allow_pickle=False)
        self._write(self._path(key, "npy"), buf.getvalue())
