"""COMET's sentence embeddings computed on packed tokens (no padding in any linear layer).

Why: in a regression COMET model nearly all the time is XLM-R's forward pass, and
``get_sentence_embedding`` runs it on a padded batch and keeps every layer's (rows x longest x
hidden) states for the layer mix. Here the same weights run on the real tokens only
(``eval.embedders.packed``), the layer mix is accumulated layer by layer as COMET sums it
(``gamma * sum(w_i * h_i)``, in the same order), and pooling is a per-sentence mean, so no
all-layers tensor is ever held. Scores agree with ``model.predict`` to float rounding (tests).

Which models qualify is read from the hparams COMET declares (``layer``, ``layer_norm``, ``pool``)
and the encoder's config; any other model keeps COMET's own ``get_sentence_embedding``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eval.embedders.packed import DEFAULT_BATCH_TOKENS, PackedBatch, PackedEncoder, packable

# COMET pooling modes computed here: "avg" (mean over the tokens), "cls" (first token of the layer
# mix), "default" (first token of the last layer). "max" keeps COMET's own code.
_POOLS = ("avg", "cls", "default")


def packable_comet(model: Any) -> bool:
    """True when ``model`` (a COMET regression model) is one whose embeddings this module reproduces.

    Not covered: the per-sentence layer norm inside the layer mix (``layer_norm: true``), max
    pooling, and encoders other than BERT/XLM-R.
    """
    hp = model.hparams
    mix = model.layerwise_attention is not None
    return (
        packable(model.encoder.model.config)
        and hp.pool in _POOLS
        and (not mix or not hp.layer_norm)
        and (mix or 0 <= int(hp.layer) <= model.encoder.num_layers)
    )


class CometSentenceEncoder:
    """Sentence embeddings of a loaded COMET regression model, from token ids."""

    def __init__(self, model: Any, batch_tokens: int = DEFAULT_BATCH_TOKENS) -> None:
        self.model = model
        self.pool: str = model.hparams.pool
        self.batch_tokens = batch_tokens
        self.packed = PackedEncoder(model.encoder.model)

    def _layer_weights(self) -> tuple[list[Any], Any] | None:
        """COMET's normalised layer weights and gamma, or None when one layer is read as is."""
        import torch

        mix = self.model.layerwise_attention
        if mix is None:
            return None
        weights = mix.transform_fn(torch.cat(list(mix.scalar_parameters)), dim=0)
        return list(torch.split(weights, 1)), mix.gamma

    def _embed_batch(self, batch: PackedBatch) -> Any:
        mixing = self._layer_weights()
        layer = None if mixing is not None else int(self.model.hparams.layer)
        total: Any = None
        chosen: Any = None
        last: Any = None
        for k, states in enumerate(self.packed.states(batch)):
            last = states
            if mixing is not None:
                piece = mixing[0][k] * states
                total = piece if total is None else total + piece
            elif k == layer:
                chosen = states
        words = mixing[1] * total if mixing is not None else chosen
        if self.pool == "default":
            return batch.first(last)
        if self.pool == "cls":
            return batch.first(words)
        return batch.mean(words)

    def embed(self, token_ids: Sequence[Sequence[int]]) -> list[Any]:
        """One (hidden,) embedding per sentence of one packed batch (see ``token_budget_batches``)."""
        import torch

        with torch.inference_mode():  # per thread: map_batches runs batches on worker threads
            return list(self._embed_batch(PackedBatch.of(token_ids)))
