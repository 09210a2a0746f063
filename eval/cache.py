"""A persistent content-addressed cache for expensive stages (MT, embeddings, COMET), on diskcache.

Keys are SHA-256 digests of everything that determines the value (engine/model id and hash,
parameters, input text), so sweeps and reruns reuse results and never mix them up.

Why diskcache: it is a maintained store that is safe for concurrent processes (SQLite index, one
file per value), evicts under a size cap and writes atomically. What it does not give is per-entry
integrity, so every value is stored as ``MAGIC + sha256(key + body) + body`` and checked on read: an
empty, truncated, bit-flipped or swapped entry is a miss (logged once with its path, deleted and
recomputed), never a wrong result. A cache that cannot be opened or written (read-only, disk full)
is a warning; the run goes on without it.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import sqlite3
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

#: Entry header: format tag, then the SHA-256 of (key, body).
MAGIC = b"XTQE1"
_DIGEST = 32
#: Default size cap of the whole store; the least recently stored entries are evicted beyond it.
DEFAULT_SIZE_LIMIT_MB = 2048
#: The store lives in this sub-folder of the cache root (older one-file-per-key layouts sit beside it).
STORE_DIR = "diskcache"
_STORE_ERRORS = (OSError, sqlite3.Error)


def content_key(*parts: object) -> str:
    """A stable SHA-256 over JSON-serialisable parts (order matters)."""
    payload = json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def default_cache_dir() -> Path:
    """``$EVAL_CACHE_DIR`` or ``~/.cache/xling-tqe``."""
    env = os.environ.get("EVAL_CACHE_DIR")
    return Path(env) if env else Path.home() / ".cache" / "xling-tqe"


def seal(key: str, body: bytes) -> bytes:
    """A stored entry: header with the digest of key and body, then the body."""
    return MAGIC + hashlib.sha256(key.encode("utf-8") + body).digest() + body


def unseal(key: str, data: bytes) -> bytes | None:
    """The body of an entry written by :func:`seal` for ``key``; None when it is not intact."""
    head = len(MAGIC) + _DIGEST
    if len(data) < head or not data.startswith(MAGIC):
        return None
    body = data[head:]
    if hashlib.sha256(key.encode("utf-8") + body).digest() != data[len(MAGIC) : head]:
        return None
    return body


#: File systems on which SQLite (diskcache's index, in WAL mode) is not safe across hosts.
NETWORK_FILE_SYSTEMS = ("nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "fuse.sshfs")
_warned_network: set[str] = set()


def file_system_type(path: Path, mounts: str) -> str:
    """The type of the file system holding ``path``, from ``/proc/mounts`` text (the longest mount point that
    contains it); "" when none does."""
    best, kind = "", ""
    resolved = str(path.resolve())
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        point = fields[1].replace("\\040", " ")
        inside = resolved == point or resolved.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, kind = point, fields[2]
    return kind


def warn_if_network(store_dir: Path) -> None:
    """One warning per store on NFS/SMB: diskcache there can corrupt its index when jobs on several hosts share
    it (README, "On a cluster"). Linux only (``/proc/mounts``); elsewhere nothing is said."""
    try:
        mounts = Path("/proc/mounts").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return
    kind = file_system_type(store_dir, mounts)
    if kind in NETWORK_FILE_SYSTEMS and str(store_dir) not in _warned_network:
        _warned_network.add(str(store_dir))
        log.warning(
            "cache %s is on a network file system (%s): diskcache's SQLite index is not safe there for jobs on "
            "several hosts; give each node a local cache.dir (README, 'On a cluster')",
            store_dir,
            kind,
        )


def cache_from_config(node: Any, namespace: str) -> Cache:
    """The ``cache:`` block of the run config (dir, enabled, max_size_mb) as one namespace."""
    return Cache(
        node["dir"],
        namespace,
        bool(node["enabled"]),
        size_limit_mb=float(node.get("max_size_mb") or DEFAULT_SIZE_LIMIT_MB),
    )


class Cache:
    """A namespace of the content-addressed store. ``enabled=False`` makes every lookup miss.

    Several ``Cache`` objects (namespaces, processes) share one diskcache store under ``root``.
    """

    def __init__(
        self,
        root: str | Path | None = None,
        namespace: str = "default",
        enabled: bool = True,
        size_limit_mb: float = DEFAULT_SIZE_LIMIT_MB,
    ):
        self.root = Path(root) if root else default_cache_dir()
        self.namespace = namespace
        self.enabled = enabled
        self.size_limit_mb = size_limit_mb
        self.hits = 0
        self.misses = 0
        self.corrupt = 0
        self.failed_writes = 0
        self._store: Any = None  # diskcache.Cache, opened on first use

    def namespace_of(self, namespace: str) -> Cache:
        """Another namespace of the same store, with the same settings."""
        return Cache(self.root, namespace, self.enabled, size_limit_mb=self.size_limit_mb)

    @property
    def store_dir(self) -> Path:
        return self.root / STORE_DIR

    def _open(self) -> Any:
        """The diskcache store, or None (with one warning) when it cannot be opened."""
        if self._store is None and self.enabled:
            import diskcache

            warn_if_network(self.store_dir)
            try:
                self._store = diskcache.Cache(
                    str(self.store_dir),
                    size_limit=int(self.size_limit_mb * 2**20),
                    disk_min_file_size=0,  # every value is a file: a damaged entry is one file, not the index
                    eviction_policy="least-recently-stored",  # reads stay reads (no access-time writes)
                )
            except _STORE_ERRORS as exc:
                self.enabled = False
                log.warning("cache %s cannot be opened (%s); running without the cache", self.store_dir, exc)
        return self._store

    def _skey(self, key: str, kind: str) -> str:
        return f"{self.namespace}/{kind}/{key}"

    def _get(self, key: str, kind: str) -> bytes | None:
        store = self._open()
        if store is None:
            self.misses += 1
            return None
        skey = self._skey(key, kind)
        where = str(self.store_dir)
        try:
            got = store.get(skey, default=None, read=True, retry=True)
            if got is None:
                self.misses += 1
                return None
            if isinstance(got, bytes):  # a value kept in the index (none with disk_min_file_size=0)
                data = got
            else:
                with got:  # the entry's file: its path is what the warning names
                    where = str(got.name)
                    data = got.read()
        except _STORE_ERRORS as exc:
            self._discard(skey, where, f"unreadable ({exc})")
            return None
        body = unseal(skey, data)
        if body is None:
            self._discard(skey, where, "failed its integrity check" if data else "is empty")
        return body

    def _discard(self, skey: str, where: str, why: str) -> None:
        """A damaged entry: counted as a miss, said once per entry, deleted so it is recomputed."""
        self.misses += 1
        self.corrupt += 1
        log.warning("cache entry %s %s; recomputing it", where, why)
        with contextlib.suppress(*_STORE_ERRORS):  # a store that cannot delete will overwrite it instead
            self._store.delete(skey, retry=True)

    def _put(self, key: str, kind: str, body: bytes) -> None:
        store = self._open()
        if store is None:
            return
        skey = self._skey(key, kind)
        try:
            store.set(skey, seal(skey, body), retry=True)
        except _STORE_ERRORS as exc:
            self.failed_writes += 1
            if self.failed_writes == 1:
                log.warning(
                    "cache write to %s failed (%s); the run goes on, uncached results are recomputed next time",
                    self.store_dir,
                    exc,
                )

    def get_json(self, key: str) -> Any | None:
        body = self._get(key, "json")
        if body is None:
            return None
        try:
            value = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            self._discard(self._skey(key, "json"), str(self.store_dir), "does not hold JSON")
            return None
        self.hits += 1
        return value

    def put_json(self, key: str, value: Any) -> None:
        self._put(key, "json", json.dumps(value, ensure_ascii=False).encode("utf-8"))

    def get_array(self, key: str) -> np.ndarray | None:
        body = self._get(key, "npy")
        if body is None:
            return None
        try:
            value = np.load(io.BytesIO(body), allow_pickle=False)
        except (OSError, ValueError, EOFError):
            self._discard(self._skey(key, "npy"), str(self.store_dir), "does not hold an array")
            return None
        self.hits += 1
        return value

    def put_array(self, key: str, value: np.ndarray) -> None:
        buf = io.BytesIO()
        np.save(buf, np.asarray(value), allow_pickle=False)
        self._put(key, "npy", buf.getvalue())

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
