"""Any transformers encoder (LaBSE, xlm-roberta-base, a local fine-tune) by path or hub name."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from eval.cache import Cache
from eval.embedders.loading import (
    Pooling,
    TransformersEmbedder,
    TransformersEncoder,
    dir_signature,
    load_encoder,
    resolve_path,
)
from eval.embedders.packed import DEFAULT_BATCH_TOKENS
from eval.errors import ConfigError


class HFEmbedder(TransformersEmbedder):
    """Plain ``AutoModel`` + mean or CLS pooling; token states from ``hidden_states[layer]``.

    A sentence-transformers directory loads too (its root holds the transformer), but only the
    transformer runs: extra Dense/Normalize modules (LaBSE's) are skipped, so use ``pooling=cls``
    for LaBSE and expect vectors close to, not identical with, ``SentenceTransformer.encode``.
    """

    name = "hf"

    def __init__(
        self,
        model: str,
        pooling: Pooling = "mean",
        prefix: str = "",
        layer: int = 8,
        local_files_only: bool | None = None,
        batch_size: int = 32,
        max_length: int = 512,
        batch_tokens: int = DEFAULT_BATCH_TOKENS,
        threads: int | None = None,
        cache: Cache | None = None,
        precision: str = "float32",
    ) -> None:
        if pooling not in ("mean", "cls"):
            raise ConfigError(f"embedder hf: pooling must be 'mean' or 'cls', got {pooling!r}")
        local = resolve_path(model)
        # A relative path that exists under the project root is local; anything else is a hub name.
        self.local_dir: Path | None = local if local.exists() or Path(model).is_absolute() else None
        self.model = str(self.local_dir) if self.local_dir else model
        self.model_id = model
        if local_files_only is None:
            local_files_only = self.local_dir is not None or os.environ.get("HF_HUB_OFFLINE", "") not in ("", "0")
        self.local_files_only = local_files_only
        self._init_runtime(
            prefix=prefix,
            pooling=pooling,
            layer=layer,
            batch_size=batch_size,
            max_length=max_length,
            batch_tokens=batch_tokens,
            threads=threads,
            cache=cache,
            precision=precision,
        )

    @property
    def sha(self) -> str:
        """Weights hash for a local dir; the hub commit for a hub name (loads the model)."""
        if self._sha is None:
            if self.local_dir is not None:
                self._sha = dir_signature(self.local_dir)
            else:
                commit = getattr(self.encoder.model.config, "_commit_hash", None)
                self._sha = commit or hashlib.sha256(self.model.encode()).hexdigest()
        return self._sha

    def _load(self) -> TransformersEncoder:
        hint = (
            f"check the path, or for a hub name ({self.model_id}) make sure it is in the local HF cache "
            "or that internet access is allowed (unset HF_HUB_OFFLINE, local_files_only=false)"
        )
        return load_encoder(
            self.model,
            local_files_only=self.local_files_only,
            batch_size=self.batch_size,
            max_length=self.max_length,
            hint=hint,
            batch_tokens=self.batch_tokens,
        )
