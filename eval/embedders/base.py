"""The embedder interface: sentence vectors for alignment, token states for word alignment."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TokenStates:
    """Subword states of one text, with each subword's character span in that text.

    ``vectors`` has shape (n_subwords, dim) without special tokens; ``offsets`` are (start, end)
    character offsets into the text, so word alignment can map links back to words.
    """

    text: str
    vectors: np.ndarray
    offsets: list[tuple[int, int]]


class Embedder(ABC):
    """A multilingual encoder. ``embed`` returns L2-normalized rows, one per text.

    ``model_id`` names the weights (manifest.json ``models``) and ``sha`` fingerprints them; ``precision`` is
    the dtype its passes run in, and ``with_precision`` gives a view of the same encoder at another one.
    """

    name: str = "embedder"
    model_id: str = ""
    precision: str = "float32"
    #: the hidden layer ``token_states`` reads by default; None for an encoder without token states
    layer: int | None = None

    @property
    def sha(self) -> str:
        """A fingerprint of the weights, for cache and memo keys; "" when the encoder has none."""
        return ""

    def with_precision(self, precision: str) -> Embedder:
        """The same encoder computing at ``precision``; an encoder with a single precision returns itself."""
        return self

    @abstractmethod
    def embed(self, texts: list[str]) -> np.ndarray:
        """Sentence embeddings, shape (len(texts), dim), L2-normalized (cosine = dot product)."""

    def token_states(self, texts: list[str], layer: int | None = None) -> list[TokenStates]:
        """Subword states for word alignment; encoders without token access raise ``ModelError``."""
        from eval.errors import ModelError

        raise ModelError(
            f"embedder {self.name!r} gives sentence vectors only; word alignment needs token states: "
            "set embedder=e5 (or embedder=hf with a transformers encoder)"
        )
