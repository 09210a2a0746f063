"""A padding-free forward pass for BERT-style encoders (BERT, XLM-R), computing only real tokens.

Why: transformers runs a (rows x longest) padded batch, so every linear layer multiplies padding,
and its layers issue three small Q/K/V matmuls plus many small elementwise ops per batch. Here the
tokens of a batch are packed into one (tokens x hidden) matrix: each linear layer is one GEMM over
real tokens only (Q, K and V fused into one), and only attention sees a padded (rows x longest)
view, through a boolean mask. This is the "remove padding" scheme of FasterTransformer/TurboTransformers
(Fang et al., 2021, "TurboTransformers: an efficient GPU serving system for transformer models").

The weights and modules are the model's own (embeddings, linear layers, layer norms); the
arithmetic per token is the same as transformers' eager forward, so outputs agree to float
rounding (tests compare both). Which models qualify is declared by their config (``packable``);
anything else takes transformers' own forward.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

# Model types whose layers are BertLayer-shaped (attention.self.query/key/value, attention.output,
# intermediate, output) and whose position ids are a per-sentence arange (+ an offset for XLM-R).
_PACKABLE_TYPES = ("bert", "xlm-roberta")
# Tokens per packed batch: 2,048 rows per GEMM ran fastest (1,024 and 4,096 were slower, see
# benchmarks/README-encoder.md); one long text may exceed it alone.
DEFAULT_BATCH_TOKENS = 2048
T = TypeVar("T")


def packable(config: Any) -> bool:
    """True when ``config`` describes an encoder this module computes exactly (declared fields only)."""
    return (
        config.model_type in _PACKABLE_TYPES
        and config.position_embedding_type == "absolute"
        and config.hidden_act == "gelu"
        and not config.is_decoder
    )


def token_budget_batches(lengths: Sequence[int], budget: int = DEFAULT_BATCH_TOKENS) -> Iterator[list[int]]:
    """Indices, longest first, grouped so each group's token total stays within ``budget``.

    Why by tokens, not rows: the GEMM height is the token count, so short sentences make wide
    batches and long ones narrow batches of the same cost; longest first keeps the padded
    attention view of a group close to its real size.
    """
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    group: list[int] = []
    total = 0
    for i in order:
        if group and total + lengths[i] > budget:
            yield group
            group, total = [], 0
        group.append(i)
        total += lengths[i]
    if group:
        yield group


def map_batches(fn: Callable[[list[int]], T], groups: Sequence[list[int]]) -> Iterator[T]:
    """``fn`` over each group, results in order: one group per torch thread, each single-threaded.

    Why: with 2 intra-op threads every op ends on a barrier, and on a shared machine one thread
    waits for the other to be scheduled again. Two batches side by side on one thread each
    (torch releases the GIL inside ops) used half the CPU time and ran 1.4-2.8x faster by wall
    clock under load (benchmarks/README-encoder.md). ``fn`` must enter ``torch.inference_mode()``
    itself: grad mode is per thread.
    """
    import torch

    threads = torch.get_num_threads()
    workers = min(threads, len(groups))
    if workers <= 1:
        yield from map(fn, groups)
        return
    torch.set_num_threads(1)
    try:
        with ThreadPoolExecutor(workers) as pool:
            yield from pool.map(fn, groups)
    finally:
        torch.set_num_threads(threads)


def map_token_batches(
    fn: Callable[[list[int]], T], lengths: Sequence[int], budget: int = DEFAULT_BATCH_TOKENS
) -> Iterator[tuple[list[int], T]]:
    """(indices, ``fn(indices)``) for each ``token_budget_batches`` group, run by ``map_batches``."""
    groups = list(token_budget_batches(lengths, budget))
    yield from zip(groups, map_batches(fn, groups), strict=True)


@dataclass(frozen=True)
class PackedBatch:
    """Token ids of several sentences laid end to end, with the bookkeeping to unpack them."""

    ids: Any  # (T,) token ids
    positions: Any  # (T,) position of each token in its sentence, from 0
    rows: Any  # (T,) sentence index of each token
    lengths: Any  # (B,) tokens per sentence
    where: Any  # (T,) flat index of each token in the (B x longest) padded view
    longest: int

    @classmethod
    def of(cls, sequences: Sequence[Sequence[int]]) -> PackedBatch:
        import torch

        lengths = torch.tensor([len(s) for s in sequences], dtype=torch.long)
        longest = int(lengths.max())
        positions = torch.cat([torch.arange(n) for n in lengths.tolist()])
        rows = torch.repeat_interleave(torch.arange(len(sequences)), lengths)
        ids = torch.tensor(np.concatenate([np.asarray(s, dtype=np.int64) for s in sequences]))
        return cls(ids, positions, rows, lengths, rows * longest + positions, longest)

    @property
    def size(self) -> int:
        return int(self.lengths.shape[0])

    def mean(self, states: Any) -> Any:
        """Per-sentence mean of packed (T x hidden) states: mean pooling over the attention mask."""
        import torch

        sums = torch.zeros(self.size, states.shape[1], dtype=states.dtype).index_add_(0, self.rows, states)
        return sums / self.lengths.to(states.dtype).unsqueeze(1)

    def first(self, states: Any) -> Any:
        """Each sentence's first-token state (CLS pooling)."""
        import torch

        return states[torch.cumsum(self.lengths, 0) - self.lengths]

    def split(self, states: Any) -> list[Any]:
        """Packed (T x hidden) states cut back into one (length x hidden) tensor per sentence."""
        return list(states.split(self.lengths.tolist()))


@dataclass(frozen=True)
class LayerWeights:
    """The four linear layers of one encoder layer, as (weight, bias) at one matmul dtype."""

    qkv: tuple[Any, Any]  # Q, K and V fused: (3 hidden x hidden)
    attention_out: tuple[Any, Any]
    ffn_in: tuple[Any, Any]
    ffn_out: tuple[Any, Any]

    def to(self, dtype: Any) -> LayerWeights:
        def cast(pair: tuple[Any, Any]) -> tuple[Any, Any]:
            return pair[0].to(dtype), pair[1].to(dtype)

        return LayerWeights(cast(self.qkv), cast(self.attention_out), cast(self.ffn_in), cast(self.ffn_out))


class PackedEncoder:
    """Runs a loaded transformers ``BertModel``/``XLMRobertaModel`` on packed tokens.

    It fuses each layer's Q, K and V weights into one matrix and points the model's own three
    parameters at slices of it, so the model is unchanged for transformers' forward and no weight
    is stored twice. Build it after the model has its final dtype and device.
    """

    def __init__(self, model: Any) -> None:
        import torch

        config = model.config
        self.model = model
        self.hidden = int(config.hidden_size)
        self.heads = int(config.num_attention_heads)
        # XLM-R numbers positions from padding_idx + 1 (create_position_ids_from_input_ids).
        self.position_offset = int(config.pad_token_id) + 1 if config.model_type == "xlm-roberta" else 0
        self.layers = list(model.encoder.layer)
        self.dtype = next(model.parameters()).dtype
        weights: list[LayerWeights] = []
        # Plain tensors even when built under inference_mode (they become the model's parameters).
        with torch.inference_mode(False), torch.no_grad():
            for layer in self.layers:
                parts = (layer.attention.self.query, layer.attention.self.key, layer.attention.self.value)
                weight = torch.cat([p.weight for p in parts])
                bias = torch.cat([p.bias for p in parts])
                h = self.hidden
                for k, p in enumerate(parts):
                    p.weight.data = weight[k * h : (k + 1) * h]
                    p.bias.data = bias[k * h : (k + 1) * h]
                linears = (layer.attention.output.dense, layer.intermediate.dense, layer.output.dense)
                pairs = [(m.weight, m.bias) for m in linears]
                weights.append(LayerWeights((weight, bias), *pairs))
        # Weights per matmul dtype: the model's own, and copies made once for another (bfloat16).
        self._weights: dict[Any, list[LayerWeights]] = {self.dtype: weights}

    @property
    def n_layers(self) -> int:
        return len(self.layers)

    def weights(self, dtype: Any) -> list[LayerWeights]:
        """The linear layers' weights at ``dtype`` (cast once, then kept: autocast would recast per batch)."""
        import torch

        if dtype not in self._weights:
            with torch.inference_mode(False), torch.no_grad():
                self._weights[dtype] = [w.to(dtype) for w in self._weights[self.dtype]]
        return self._weights[dtype]

    def states(self, batch: PackedBatch, n_layers: int | None = None, matmul_dtype: Any = None) -> Iterator[Any]:
        """Packed (T x hidden) states: the embedding output, then each layer's output in turn.

        ``n_layers`` stops after that many layers (word alignment reads a middle layer).
        ``matmul_dtype`` (e.g. torch.bfloat16) runs the linear layers, attention and GELU at that
        dtype and keeps embeddings, residual sums and layer norms in the model's, as CPU autocast
        does. Call inside ``torch.inference_mode()``.
        """
        import torch
        import torch.nn.functional as F

        dtype = matmul_dtype or self.dtype
        emb = self.model.embeddings
        # The order of transformers' sums (word + type, then + position), for the same rounding.
        x = emb.word_embeddings(batch.ids) + emb.token_type_embeddings.weight[0]
        x = emb.LayerNorm(x + emb.position_embeddings(batch.positions + self.position_offset))
        yield x
        b, longest, h, heads = batch.size, batch.longest, self.hidden, self.heads
        mask = (torch.arange(longest).unsqueeze(0) < batch.lengths.unsqueeze(1)).view(b, 1, 1, longest)
        for layer, w in zip(self.layers[:n_layers], self.weights(dtype), strict=False):
            qkv = F.linear(x.to(dtype), *w.qkv)
            padded = qkv.new_zeros(b * longest, 3 * h)
            padded[batch.where] = qkv
            q, key, value = padded.view(b, longest, 3, heads, h // heads).permute(2, 0, 3, 1, 4)
            context = F.scaled_dot_product_attention(q, key, value, attn_mask=mask)
            context = context.transpose(1, 2).reshape(b * longest, h)[batch.where]
            x = layer.attention.output.LayerNorm(F.linear(context, *w.attention_out) + x)
            ffn = F.gelu(F.linear(x.to(dtype), *w.ffn_in))
            x = layer.output.LayerNorm(F.linear(ffn, *w.ffn_out) + x)
            yield x

    def last(self, batch: PackedBatch, n_layers: int | None = None, matmul_dtype: Any = None) -> Any:
        """The packed states after ``n_layers`` layers (all by default)."""
        return deque(self.states(batch, n_layers, matmul_dtype), maxlen=1)[0]
