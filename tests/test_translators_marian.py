"""MarianTranslator on a tiny Marian model built here (sentencepiece + MarianMTModel); no download."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from eval.cache import Cache
from eval.errors import ConfigError, ModelError
from eval.translators.marian import MarianTranslator

pytestmark = pytest.mark.filterwarnings("ignore:Recommended. pip install sacremoses:UserWarning")

CORPUS = [
    "les menaces d'enrôlement et de radicalisation en ligne",
    "la réunion a rassemblé les responsables",
    "las amenazas de alistamiento y radicalización",
    "la reunión reunió a los responsables",
]
INPUTS = ["les menaces", "la réunion a rassemblé les responsables", "", "en ligne", "radicalisation", "a"]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1-layer d_model=16 MarianMT with a sentencepiece vocabulary trained on corpus sentences."""
    import sentencepiece as spm
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    d = tmp_path_factory.mktemp("tiny-marian")
    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(CORPUS * 5),
        model_writer=buf,
        vocab_size=40,
        model_type="unigram",
        character_coverage=1.0,
        hard_vocab_limit=False,
        minloglevel=2,
    )
    (d / "source.spm").write_bytes(buf.getvalue())
    (d / "target.spm").write_bytes(buf.getvalue())
    sp = spm.SentencePieceProcessor(model_proto=buf.getvalue())
    vocab = {"</s>": 0, "<unk>": 1, "<pad>": 2}
    for i in range(sp.get_piece_size()):
        vocab.setdefault(sp.id_to_piece(i), len(vocab))
    (d / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    MarianTokenizer(str(d / "source.spm"), str(d / "target.spm"), str(d / "vocab.json")).save_pretrained(d)
    cfg = MarianConfig(
        vocab_size=len(vocab),
        d_model=16,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=32,
        decoder_ffn_dim=32,
        max_position_embeddings=64,
        pad_token_id=2,
        eos_token_id=0,
        decoder_start_token_id=2,
        forced_eos_token_id=0,
        init_std=0.5,  # large random weights: outputs depend on the input, so order is testable
    )
    torch.manual_seed(1)
    MarianMTModel(cfg).save_pretrained(d)
    return d


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.mark.slow
def test_loads_like_a_real_model_and_keeps_order(tiny_model: Path) -> None:
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    t = MarianTranslator(model=str(tiny_model), pairs=["fr-es"], batch_size=2, max_length=12, num_beams=1)
    out = t.translate(INPUTS, "fr", "es")
    assert type(t._model).__name__ == "MarianMTModel" and type(t._tokenizer).__name__ == "MarianTokenizer"
    assert out.route == f"marian {tiny_model} fr→es"
    assert len(out.lines) == len(INPUTS) == len(out.unknown)
    assert out.lines[2] == ""
    # Reference: each line alone through the same Auto* classes.
    tok = AutoTokenizer.from_pretrained(str(tiny_model), local_files_only=True)
    model = AutoModelForSeq2SeqLM.from_pretrained(str(tiny_model), local_files_only=True).eval()
    expected = [
        tok.batch_decode(
            model.generate(**tok([s], return_tensors="pt"), max_length=12, num_beams=1),
            skip_special_tokens=True,
        )[0].strip()
        if s
        else ""
        for s in INPUTS
    ]
    assert out.lines == expected
    assert len(set(expected)) >= 3  # the check above could fail if order were lost


@pytest.mark.slow
def test_beam_search_is_deterministic_and_cached(tiny_model: Path, tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache", namespace="mt")
    t = MarianTranslator(model=str(tiny_model), pairs=["fr-es"], max_length=12, num_beams=2, cache=cache)
    first = t.translate(INPUTS, "fr", "es")
    assert cache.hits == 0
    again = MarianTranslator(model=str(tiny_model), pairs=["fr-es"], max_length=12, num_beams=2, cache=cache)
    assert again.translate(INPUTS, "fr", "es") == first
    assert cache.hits == len([s for s in INPUTS if s])
    fresh = MarianTranslator(model=str(tiny_model), pairs=["fr-es"], max_length=12, num_beams=2)
    assert fresh.translate(INPUTS, "fr", "es") == first


def test_missing_directory_is_a_model_error(tmp_path: Path) -> None:
    missing = tmp_path / "models" / "opus-mt-fr-es"
    t = MarianTranslator(model=str(missing), pairs=["fr-es"])
    with pytest.raises(ModelError, match=r"opus-mt-fr-es does not exist: run `make setup`"):
        t.translate(["bonjour"], "fr", "es")


def test_corrupt_directory_is_a_model_error(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text('{"model_type": "marian"}', encoding="utf-8")
    t = MarianTranslator(model=str(tmp_path), pairs=["fr-es"])
    with pytest.raises(ModelError, match=re.escape(str(tmp_path))):
        t.translate(["bonjour"], "fr", "es")


def test_pairs_and_uncovered_pair() -> None:
    t = MarianTranslator(model="Helsinki-NLP/opus-mt-fr-es", pairs=["fr-es"])
    assert t.pairs() == {("fr", "es")}
    with pytest.raises(ConfigError, match="no es→fr route"):
        t.translate(["hola"], "es", "fr")
    with pytest.raises(ConfigError, match="not 'src-tgt'"):
        MarianTranslator(model="x", pairs=["fres"])
