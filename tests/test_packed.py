"""The padding-free encoder forward (eval.embedders.packed) against transformers' padded forward."""

from __future__ import annotations

import random
from typing import Any

import pytest

from eval.embedders.packed import PackedBatch, PackedEncoder, packable, token_budget_batches


def test_token_budget_batches_cover_every_index_once_within_budget() -> None:
    lengths = [5, 300, 12, 12, 40, 7, 900, 1, 64]
    groups = list(token_budget_batches(lengths, budget=100))
    assert sorted(i for g in groups for i in g) == list(range(len(lengths)))
    for g in groups:  # within budget, unless one text alone is longer
        assert len(g) == 1 or sum(lengths[i] for i in g) <= 100
    firsts = [lengths[g[0]] for g in groups]
    assert firsts == sorted(firsts, reverse=True)  # longest first
    assert list(token_budget_batches([], budget=100)) == []


def _tiny(kind: str) -> Any:
    import torch
    from transformers import BertConfig, BertModel, XLMRobertaConfig, XLMRobertaModel

    torch.manual_seed(3)
    sizes = {"hidden_size": 32, "num_hidden_layers": 3, "num_attention_heads": 4, "intermediate_size": 64}
    if kind == "bert":
        return BertModel(BertConfig(vocab_size=50, **sizes), add_pooling_layer=False).eval()
    config = XLMRobertaConfig(vocab_size=50, max_position_embeddings=40, pad_token_id=1, **sizes)
    return XLMRobertaModel(config, add_pooling_layer=False).eval()


@pytest.mark.parametrize("kind", ["bert", "xlm-roberta"])
def test_packed_states_equal_transformers_hidden_states(kind: str) -> None:
    import torch

    model = _tiny(kind)
    rng = random.Random(0)
    seqs = [[0] + [rng.randrange(5, 50) for _ in range(n)] + [2] for n in (9, 1, 23, 4, 4)]
    longest = max(map(len, seqs))
    ids = torch.tensor([s + [1] * (longest - len(s)) for s in seqs])
    mask = torch.tensor([[1] * len(s) + [0] * (longest - len(s)) for s in seqs])
    with torch.inference_mode():
        before = model(input_ids=ids, attention_mask=mask, output_hidden_states=True).hidden_states
        assert packable(model.config)
        packed = PackedEncoder(model)  # fuses Q/K/V in place: transformers' forward must not change
        after = model(input_ids=ids, attention_mask=mask, output_hidden_states=True).hidden_states
        batch = PackedBatch.of(seqs)
        states = list(packed.states(batch))
        first_layer = packed.last(batch, n_layers=1)
    assert len(states) == len(before) == model.config.num_hidden_layers + 1
    for ours, theirs, again in zip(states, before, after, strict=True):
        torch.testing.assert_close(again, theirs, atol=0, rtol=0)
        for row, part in enumerate(batch.split(ours)):
            torch.testing.assert_close(part, theirs[row, : len(seqs[row])], atol=1e-5, rtol=1e-5)
    means = batch.mean(states[-1])
    firsts = batch.first(states[-1])
    for row, s in enumerate(seqs):
        torch.testing.assert_close(means[row], before[-1][row, : len(s)].mean(0), atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(firsts[row], before[-1][row, 0], atol=0, rtol=0)
    torch.testing.assert_close(first_layer, states[1], atol=0, rtol=0)


def test_packable_declines_other_architectures() -> None:
    from transformers import BertConfig, DistilBertConfig

    assert packable(BertConfig())
    assert not packable(BertConfig(position_embedding_type="relative_key"))
    assert not packable(BertConfig(hidden_act="relu"))
    assert not packable(DistilBertConfig())


def test_map_batches_keeps_order_and_restores_threads() -> None:
    import torch

    from eval.embedders.packed import map_batches

    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        out = list(map_batches(lambda g: (torch.get_num_threads(), sum(g)), [[1], [2, 3], [4], [5, 6, 7]]))
        assert out == [(1, 1), (1, 5), (1, 4), (1, 18)]  # in order, each batch on one thread
        assert torch.get_num_threads() == 2
        assert list(map_batches(sum, [[1, 2]])) == [3]  # one batch: no pool
    finally:
        torch.set_num_threads(before)
