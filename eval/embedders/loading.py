"""Shared plumbing for transformers encoders: paths, loading, pooling and token states.

``E5Embedder`` and ``HFEmbedder`` differ only in where the model comes from and which prefix and
pooling they use, so the forward passes, batching and offset bookkeeping live here once.
torch/transformers are imported inside functions so that importing this module stays cheap.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import struct
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np

from eval.cache import Cache, content_key
from eval.embedders.base import Embedder, TokenStates
from eval.embedders.packed import (
    DEFAULT_BATCH_TOKENS,
    PackedBatch,
    PackedEncoder,
    map_token_batches,
    packable,
)
from eval.errors import ConfigError, ModelError

log = logging.getLogger(__name__)

Pooling = Literal["mean", "cls"]
# Matmul precision of the forward pass. bfloat16 runs ~2x faster on CPUs with native bf16
# (AVX512-BF16/AMX) and far slower without it; "auto" picks it only where it is native.
Precision = Literal["float32", "bfloat16", "auto"]
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
# Padded characters per token-state batch (about 8 long sentences); see length_sorted_batches.
TOKEN_STATE_BATCH_CHARS = 4000


@lru_cache(maxsize=1)
def project_root() -> Path:
    """The directory holding pyproject.toml, found from this file (never from the cwd)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").is_file():
            return parent
    return here.parents[2]


def resolve_path(path: str | Path) -> Path:
    """Absolute paths stay; relative ones are taken against the project root."""
    p = Path(path).expanduser()
    return p if p.is_absolute() else project_root() / p


def set_threads(threads: int | None) -> None:
    """Cap torch's intra-op threads (the 2-core machine is shared)."""
    if threads:
        import torch

        torch.set_num_threads(int(threads))


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file, streamed."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def safetensors_header_ok(path: Path) -> bool:
    """True when ``path`` starts with a parseable safetensors header and is long enough for it."""
    try:
        with path.open("rb") as fh:
            (n,) = struct.unpack("<Q", fh.read(8))
            if n > 100_000_000:
                return False
            header = json.loads(fh.read(n))
        ends = [v["data_offsets"][1] for k, v in header.items() if k != "__metadata__"]
        return bool(ends) and path.stat().st_size >= 8 + n + max(ends)
    except (OSError, struct.error, ValueError, KeyError, TypeError, IndexError):
        return False


def dir_signature(model_dir: Path) -> str:
    """A content hash of a model directory (config + tokenizer + weights), for cache keys."""
    h = hashlib.sha256()
    names = ["config.json", "tokenizer.json", *WEIGHT_FILES]
    for name in names:
        p = model_dir / name
        if p.is_file():
            h.update(name.encode())
            h.update(file_sha256(p).encode())
    return h.hexdigest()


def length_sorted_batches(
    lengths: Sequence[int], batch_size: int, max_padded: int | None = None
) -> Iterator[list[int]]:
    """Indices grouped into batches of similar length, longest first (less padding, early OOM).

    ``max_padded`` caps a batch's padded size (rows × longest length): on a 2-core CPU, 32 long
    texts in one batch ran 2× slower than the same texts in batches of 8 (cache-unfriendly
    attention and activations), while short texts gain from wide batches.
    """
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    size = max(1, batch_size)
    k = 0
    while k < len(order):
        rows = size
        if max_padded is not None:
            rows = max(1, min(size, max_padded // max(1, lengths[order[k]])))
        yield order[k : k + rows]
        k += rows


@lru_cache(maxsize=1)
def native_bf16() -> bool:
    """True when this CPU runs bfloat16 matmuls natively (oneDNN's own check)."""
    try:
        import torch

        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError, ImportError):
        return False


def resolve_precision(precision: str) -> Literal["float32", "bfloat16"]:
    """``auto`` → bfloat16 where native, else float32; anything unknown is a ``ConfigError``."""
    if precision not in get_args(Precision):
        raise ConfigError(
            f"precision must be one of {', '.join(get_args(Precision))}, got {precision!r} "
            "(embedder precision= or detector_precision= in the config)"
        )
    if precision == "auto":
        return "bfloat16" if native_bf16() else "float32"
    return "bfloat16" if precision == "bfloat16" else "float32"


@contextmanager
def first_layers(model: Any, n_layers: int | None) -> Iterator[None]:
    """Run only the first ``n_layers`` transformer layers (BERT/XLM-R style ``encoder.layer``).

    Why: word alignment reads hidden_states[6] of a 12-layer encoder; the upper half of the
    forward pass is discarded work. The layers run in sequence, so the states are the same.
    """
    encoder: Any = getattr(model, "encoder", None)
    layers: Any = getattr(encoder, "layer", None)
    if n_layers is None or layers is None or not hasattr(layers, "__getitem__") or n_layers >= len(layers):
        yield
        return
    encoder.layer = layers[:n_layers]
    try:
        yield
    finally:
        encoder.layer = layers


@dataclass
class TransformersEncoder:
    """A loaded tokenizer + encoder pair with the pooling and token-state logic.

    Sentence vectors of BERT/XLM-R encoders come from the padding-free ``PackedEncoder`` in
    batches of ``batch_tokens`` tokens; other encoders (and token states, which need the padded
    offsets) use transformers' forward in length-sorted batches of ``batch_size`` texts.
    """

    tokenizer: Any
    model: Any
    source: str
    batch_size: int = 32
    max_length: int = 512
    batch_tokens: int = DEFAULT_BATCH_TOKENS
    n_layers: int = field(init=False, default=0)
    packed: PackedEncoder | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.n_layers = int(getattr(self.model.config, "num_hidden_layers", 0))
        if packable(self.model.config):
            self.packed = PackedEncoder(self.model)

    @property
    def dim(self) -> int:
        return int(self.model.config.hidden_size)

    def _encode_batch(
        self, texts: list[str], hidden_states: bool, n_layers: int | None = None, bf16: bool = False
    ) -> tuple[Any, Any]:
        import torch

        enc = self.tokenizer(
            texts,
            padding=True,
            truncation=True,
            max_length=self.max_length,
            return_tensors="pt",
            return_offsets_mapping=hidden_states,
            return_special_tokens_mask=hidden_states,
        )
        extra = {k: enc.pop(k) for k in ("offset_mapping", "special_tokens_mask") if k in enc}
        autocast = torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16)
        with torch.inference_mode(), first_layers(self.model, n_layers), autocast:
            out = self.model(**enc, output_hidden_states=hidden_states)
        enc.update(extra)
        return enc, out

    def embed(self, texts: list[str], prefix: str = "", pooling: Pooling = "mean", bf16: bool = False) -> np.ndarray:
        """L2-normalized sentence vectors (mean over the attention mask, or the first token).

        ``bf16`` autocasts the matmuls to bfloat16 (layer norms and pooling stay float32).
        """
        import torch

        result = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return result
        full = [prefix + t for t in texts]
        if self.packed is not None:
            return self._embed_packed(self.packed, full, pooling, bf16, result)
        lengths = [len(t) for t in full]
        for idx in length_sorted_batches(lengths, self.batch_size):
            enc, out = self._encode_batch([full[i] for i in idx], hidden_states=False, bf16=bf16)
            hidden = out.last_hidden_state.float()
            if pooling == "cls":
                pooled = hidden[:, 0]
            else:
                mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            pooled = torch.nn.functional.normalize(pooled.float(), p=2, dim=-1)
            result[idx] = pooled.cpu().numpy()
        return result

    def _embed_packed(
        self, packed: PackedEncoder, texts: list[str], pooling: Pooling, bf16: bool, result: np.ndarray
    ) -> np.ndarray:
        """``embed`` through the padding-free forward: no padded token enters a linear layer."""
        import torch

        ids = self.tokenizer(texts, truncation=True, max_length=self.max_length)["input_ids"]
        matmul_dtype = torch.bfloat16 if bf16 else None

        def pooled(idx: list[int]) -> np.ndarray:
            batch = PackedBatch.of([ids[i] for i in idx])
            with torch.inference_mode():
                states = packed.last(batch, matmul_dtype=matmul_dtype).float()
                vectors = batch.first(states) if pooling == "cls" else batch.mean(states)
                return torch.nn.functional.normalize(vectors, p=2, dim=-1).numpy()

        for idx, vectors in map_token_batches(pooled, [len(i) for i in ids], self.batch_tokens):
            result[idx] = vectors
        return result

    def token_counts(self, texts: list[str], prefix: str = "") -> list[int]:
        """Tokens per text including special tokens, without truncation."""
        enc = self.tokenizer([prefix + t for t in texts], add_special_tokens=True)
        return [len(ids) for ids in enc["input_ids"]]

    def token_states(self, texts: list[str], layer: int, prefix: str = "", bf16: bool = False) -> list[TokenStates]:
        """Per-subword states of ``hidden_states[layer]`` with offsets into each original text.

        Special tokens, prefix tokens and pure-whitespace pieces (a lone "▁") are dropped: they
        carry no character of the text, so a word aligner could not map them back to a word.
        """
        if not 0 <= layer <= self.n_layers:
            raise ModelError(
                f"layer {layer} out of range for {self.source} "
                f"(0 = embeddings … {self.n_layers} = last layer): set layer within that range"
            )
        states: list[TokenStates | None] = [None] * len(texts)
        full = [prefix + t for t in texts]
        plen = len(prefix)
        for idx in length_sorted_batches([len(t) for t in full], self.batch_size, TOKEN_STATE_BATCH_CHARS):
            enc, out = self._encode_batch([full[i] for i in idx], hidden_states=True, n_layers=layer, bf16=bf16)
            hidden = out.hidden_states[layer].float().cpu().numpy()
            offsets = enc["offset_mapping"].tolist()
            special = enc["special_tokens_mask"].tolist()
            mask = enc["attention_mask"].tolist()
            for row, i in enumerate(idx):
                text = texts[i]
                keep: list[int] = []
                spans: list[tuple[int, int]] = []
                for tok, ((start, end), sp, m) in enumerate(zip(offsets[row], special[row], mask[row], strict=True)):
                    if not m or sp or end <= plen:
                        continue
                    s, e = max(start - plen, 0), end - plen
                    while s < e and text[s].isspace():
                        s += 1
                    if s >= e:
                        continue
                    keep.append(tok)
                    spans.append((s, e))
                if spans and spans[-1][1] < len(text.rstrip()):
                    log.warning(
                        "%s: text truncated at %d tokens; token states cover %d of %d characters",
                        self.source,
                        self.max_length,
                        spans[-1][1],
                        len(text),
                    )
                vectors = hidden[row, keep] if keep else np.zeros((0, hidden.shape[-1]), np.float32)
                states[i] = TokenStates(text=text, vectors=np.ascontiguousarray(vectors), offsets=spans)
        return [s for s in states if s is not None]


def _check_local_dir(path: Path, hint: str) -> None:
    if not path.is_dir():
        raise ModelError(f"model directory not found at {path}: {hint}")
    config = path / "config.json"
    if not config.is_file():
        raise ModelError(f"no config.json in model directory {path}: {hint}")
    try:
        json.loads(config.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"corrupt config.json in {path} ({exc}): {hint}") from exc
    if not any((path / w).is_file() for w in WEIGHT_FILES):
        raise ModelError(f"no weights ({' or '.join(WEIGHT_FILES)}) in {path}: {hint}")


def load_encoder(
    model: str | Path,
    local_files_only: bool = True,
    batch_size: int = 32,
    max_length: int = 512,
    hint: str = "pass a local model directory or a hub name (hub names need internet)",
    batch_tokens: int = DEFAULT_BATCH_TOKENS,
) -> TransformersEncoder:
    """Load tokenizer + encoder from a local dir or hub name; any failure becomes ``ModelError``."""
    source = str(model)
    if isinstance(model, Path) or Path(source).expanduser().is_absolute() or Path(source).exists():
        _check_local_dir(Path(source).expanduser(), hint)
    from safetensors import SafetensorError
    from transformers import AutoModel, AutoTokenizer

    try:
        # fix_mistral_regex=False: transformers 4.57.3+ flags every local tokenizer whose
        # config lacks a <=4.57.2 version stamp as a Mistral one and warns; ours is XLM-R/BERT.
        tokenizer = AutoTokenizer.from_pretrained(
            source, use_fast=True, local_files_only=local_files_only, fix_mistral_regex=False
        )
        encoder = AutoModel.from_pretrained(source, local_files_only=local_files_only)
    except (OSError, ValueError, KeyError, RuntimeError, TypeError, SafetensorError) as exc:
        raise ModelError(f"cannot load encoder {source!r} ({type(exc).__name__}: {exc}): {hint}") from exc
    if not getattr(tokenizer, "is_fast", False):
        raise ModelError(f"{source}: token offsets need a fast tokenizer (tokenizer.json): {hint}")
    encoder.eval()
    resident(encoder)
    return TransformersEncoder(
        tokenizer=tokenizer,
        model=encoder,
        source=source,
        batch_size=batch_size,
        max_length=max_length,
        batch_tokens=batch_tokens,
    )


def resident(model: Any) -> None:
    """Copy memory-mapped weights into RAM (once, ~0.5 s for e5-small).

    Why: transformers maps safetensors files lazily, and the 250k-row embedding table is then read
    one page fault per new token id (about 0.3 ms each here: 180 ms for a batch of fresh text, and
    seconds for the first one). A sequential copy costs less than the first batch's faults.
    """
    import torch

    with torch.no_grad():
        for param in model.parameters():
            param.data = param.data.clone()


def cached_embed(
    cache: Cache | None,
    texts: list[str],
    key: Callable[[str], str],
    compute: Callable[[list[str]], np.ndarray],
) -> np.ndarray:
    """Rows from the cache where present; the distinct missing texts computed in one call."""
    if cache is None:
        return np.asarray(compute(texts), dtype=np.float32)
    keys = [key(t) for t in texts]
    rows: list[np.ndarray | None] = [cache.get_array(k) for k in keys]
    missing = sorted({texts[i] for i, r in enumerate(rows) if r is None})
    if missing:
        computed = dict(zip(missing, np.asarray(compute(missing), dtype=np.float32), strict=True))
        for i, r in enumerate(rows):
            if r is None:
                rows[i] = computed[texts[i]]
                cache.put_array(keys[i], computed[texts[i]])
    if not texts:
        return np.asarray(compute([]), dtype=np.float32)
    return np.stack([np.asarray(r, dtype=np.float32) for r in rows if r is not None])


class TransformersEmbedder(Embedder):
    """Cache + lazy loading around a ``TransformersEncoder``; subclasses say where the model is.

    The model is loaded on first use, so a fully cached rerun never loads torch weights.
    """

    prefix: str = ""
    pooling: Pooling = "mean"
    layer: int = 8
    batch_size: int = 32
    max_length: int = 512
    batch_tokens: int = DEFAULT_BATCH_TOKENS
    threads: int | None = None
    cache: Cache | None = None
    precision: Literal["float32", "bfloat16"] = "float32"
    # One loaded encoder shared by every precision view of this embedder (see with_precision).
    _loaded: list[TransformersEncoder]

    def _init_runtime(
        self,
        *,
        prefix: str,
        pooling: Pooling,
        layer: int,
        batch_size: int,
        max_length: int,
        batch_tokens: int,
        threads: int | None,
        cache: Cache | None,
        precision: str = "float32",
    ) -> None:
        """The settings every transformers embedder shares; the model itself loads lazily."""
        self.precision = resolve_precision(precision)
        self.prefix = prefix
        self.pooling = pooling
        self.layer = layer
        self.batch_size = batch_size
        self.max_length = max_length
        self.batch_tokens = batch_tokens
        self.threads = threads
        self.cache = cache
        self._loaded = []
        self._sha: str | None = None

    def with_precision(self, precision: str) -> TransformersEmbedder:
        """The same embedder (same loaded model, cache and settings) computing at ``precision``.

        Why: a detector can screen many texts in bfloat16 and recompute the few borderline ones in
        float32, without loading the model twice.
        """
        view = copy.copy(self)
        view.precision = resolve_precision(precision)
        return view

    def _load(self) -> TransformersEncoder:
        raise NotImplementedError

    @property
    def sha(self) -> str:
        """Content hash of the weights (part of every cache key)."""
        raise NotImplementedError

    @property
    def encoder(self) -> TransformersEncoder:
        if not self._loaded:
            set_threads(self.threads)
            self._loaded.append(self._load())
        return self._loaded[0]

    @property
    def bf16(self) -> bool:
        return self.precision == "bfloat16"

    @property
    def signature(self) -> dict[str, Any]:
        """What determines the vectors; goes into metric signatures and the run manifest."""
        return {
            "model_id": self.model_id,
            "sha": self.sha,
            "prefix": self.prefix,
            "pooling": self.pooling,
            "max_length": self.max_length,
            "layer": self.layer,
            "precision": self.precision,
        }

    def _key(self, kind: str, text: str, *extra: object) -> str:
        # float32 keys carry no precision, so caches written before precision existed stay valid.
        tag = () if self.precision == "float32" else (self.precision,)
        return content_key(kind, self.model_id, self.sha, self.prefix, self.max_length, *tag, *extra, text)

    def embed(self, texts: list[str]) -> np.ndarray:
        return cached_embed(
            self.cache,
            list(texts),
            lambda t: self._key("embed", t, self.pooling),
            lambda ts: self.encoder.embed(ts, prefix=self.prefix, pooling=self.pooling, bf16=self.bf16),
        )

    def token_states(self, texts: list[str], layer: int | None = None) -> list[TokenStates]:
        texts = list(texts)
        layer = self.layer if layer is None else layer
        cache = self.cache
        if cache is None:
            return self.encoder.token_states(texts, layer, prefix=self.prefix, bf16=self.bf16)
        result: list[TokenStates | None] = []
        for text in texts:
            key = self._key("tokens", text, layer)
            vectors, meta = cache.get_array(key), cache.get_json(key)
            ok = vectors is not None and meta is not None and len(meta) == len(vectors)
            result.append(
                TokenStates(text, vectors, [(int(s), int(e)) for s, e in meta])
                if ok and vectors is not None and meta is not None
                else None
            )
        missing = sorted({t for t, r in zip(texts, result, strict=True) if r is None})
        if missing:
            states = self.encoder.token_states(missing, layer, prefix=self.prefix, bf16=self.bf16)
            fresh = dict(zip(missing, states, strict=True))
            for text, ts in fresh.items():
                key = self._key("tokens", text, layer)
                cache.put_array(key, ts.vectors)
                cache.put_json(key, [list(o) for o in ts.offsets])
            result = [r if r is not None else fresh[t] for t, r in zip(texts, result, strict=True)]
        return [r for r in result if r is not None]
