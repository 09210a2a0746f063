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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

# Model types whose layers are BertLayer-shaped (attention.self.query/key/value, attention.output,
# intermediate, output) and whose position ids are a per-sentence arange (+ an offset for XLM-R).
_PACKABLE_TYPES = ("bert", "xlm-roberta")
# Tokens per packed batch: 2,048 rows per GEMM ran fastest (1,024 and 4,096 were slower, see
# benchmarks/README-encoder.md); one long text may exceed it alone.
DEFAULT_BATCH_TOKENS = 2048


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
        self.qkv: list[tuple[Any, Any]] = []
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
                self.qkv.append((weight, bias))

    @property
    def n_layers(self) -> int:
        return len(self.layers)

    def states(self, batch: PackedBatch, n_layers: int | None = None) -> Iterator[Any]:
        """Packed (T x hidden) states: the embedding output, then each layer's output in turn.

        ``n_layers`` stops after that many layers (word alignment reads a middle layer). Call
        inside ``torch.inference_mode()`` (and an autocast context for bfloat16).
        """
        import torch
        import torch.nn.functional as F

        emb = self.model.embeddings
        # The order of transformers' sums (word + type, then + position), for the same rounding.
        x = emb.word_embeddings(batch.ids) + emb.token_type_embeddings.weight[0]
        x = emb.LayerNorm(x + emb.position_embeddings(batch.positions + self.position_offset))
        yield x
        b, longest, h, heads = batch.size, batch.longest, self.hidden, self.heads
        mask = (torch.arange(longest).unsqueeze(0) < batch.lengths.unsqueeze(1)).view(b, 1, 1, longest)
        for k, layer in enumerate(self.layers[:n_layers]):
            weight, bias = self.qkv[k]
            qkv = F.linear(x, weight, bias)
            padded = qkv.new_zeros(b * longest, 3 * h)
            padded[batch.where] = qkv
            q, key, value = padded.view(b, longest, 3, heads, h // heads).permute(2, 0, 3, 1, 4)
            context = F.scaled_dot_product_attention(q, key, value, attn_mask=mask)
            context = context.transpose(1, 2).reshape(b * longest, h)[batch.where]
            out = layer.attention.output
            x = out.LayerNorm(out.dense(context) + x)
            ffn = F.gelu(layer.intermediate.dense(x))
            x = layer.output.LayerNorm(layer.output.dense(ffn) + x)
            yield x

    def last(self, batch: PackedBatch, n_layers: int | None = None) -> Any:
        """The packed states after ``n_layers`` layers (all by default)."""
        return deque(self.states(batch, n_layers), maxlen=1)[0]
