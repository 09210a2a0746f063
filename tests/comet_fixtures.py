"""Build COMET checkpoints offline (random weights, tiny or wmt22-shaped) for tests and benchmarks.

Real checkpoints cannot be fetched here, so a checkpoint is assembled the way COMET saves one:
``<dir>/hparams.yaml`` + ``<dir>/checkpoints/model.ckpt`` (a Lightning-style dict), with the
encoder (XLM-R config + tokenizer) in ``<dir>/encoder`` and referenced by absolute path.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpora" / "dgsn-interpol-mena"

SPECIAL = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]


def corpus_lines() -> list[str]:
    """Non-trivial lines of every language of the DGSN corpus (text to train a tokenizer on)."""
    lines: list[str] = []
    for path in sorted(CORPUS.glob("*.txt")):
        lines += [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if len(ln.strip()) > 3]
    return lines


def train_tokenizer(out_dir: Path, texts: Iterable[str], vocab_size: int = 400) -> Any:
    """An XLM-R-style (sentencepiece unigram, <s>=0 <pad>=1 </s>=2 <unk>=3) fast tokenizer dir."""
    from tokenizers import SentencePieceUnigramTokenizer
    from tokenizers.processors import RobertaProcessing
    from transformers import XLMRobertaTokenizerFast

    tok = SentencePieceUnigramTokenizer()
    tok.train_from_iterator(list(texts), vocab_size=vocab_size, special_tokens=SPECIAL, unk_token="<unk>")
    tok.post_processor = RobertaProcessing(("</s>", 2), ("<s>", 0))
    fast = XLMRobertaTokenizerFast(
        tokenizer_object=tok._tokenizer,
        bos_token="<s>",
        eos_token="</s>",
        sep_token="</s>",
        cls_token="<s>",
        unk_token="<unk>",
        pad_token="<pad>",
        mask_token="<mask>",
        model_max_length=512,
    )
    fast.save_pretrained(str(out_dir))
    return fast


def write_encoder(
    out_dir: Path,
    tokenizer_dir: Path | None = None,
    vocab_size: int | None = None,
    hidden: int = 32,
    layers: int = 2,
    heads: int = 2,
    intermediate: int = 64,
    max_positions: int = 514,
) -> Path:
    """An encoder dir (config.json + tokenizer files) loadable by COMET's XLMREncoder."""
    import shutil

    from transformers import XLMRobertaConfig, XLMRobertaTokenizerFast

    out_dir.mkdir(parents=True, exist_ok=True)
    if tokenizer_dir is None:
        tok = train_tokenizer(out_dir, corpus_lines())
    else:
        for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
            if (tokenizer_dir / name).exists():
                shutil.copy(tokenizer_dir / name, out_dir / name)
        tok = XLMRobertaTokenizerFast.from_pretrained(str(out_dir), local_files_only=True)
    config = XLMRobertaConfig(
        vocab_size=vocab_size or len(tok),
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=intermediate,
        max_position_embeddings=max_positions,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
        type_vocab_size=1,
    )
    config.save_pretrained(str(out_dir))
    return out_dir


def save_checkpoint(model: Any, out_dir: Path) -> Path:
    """Save a COMET model in COMET's layout; return the .ckpt path."""
    import pytorch_lightning as ptl
    import torch
    import yaml

    hparams = dict(model.hparams)
    (out_dir / "checkpoints").mkdir(parents=True, exist_ok=True)
    (out_dir / "hparams.yaml").write_text(yaml.safe_dump(hparams), encoding="utf-8")
    ckpt = out_dir / "checkpoints" / "model.ckpt"
    torch.save(
        {"state_dict": model.state_dict(), "hyper_parameters": hparams, "pytorch-lightning_version": ptl.__version__},
        ckpt,
    )
    return ckpt


def build_checkpoint(
    out_dir: Path,
    kind: str = "ref",
    encoder_dir: Path | None = None,
    hidden_sizes: tuple[int, ...] = (64, 32),
    seed: int = 7,
    **encoder_kwargs: Any,
) -> Path:
    """A random-weight RegressionMetric ("ref"), ReferencelessRegression ("qe") or XCOMETMetric ("xcomet").

    Shaped like wmt22-comet-da: layerwise (sparsemax) attention over all layers, average pooling,
    Tanh feed-forward estimator. Returns the checkpoint file path.
    """
    import torch
    from comet.models import ReferencelessRegression, RegressionMetric, XCOMETMetric

    out_dir.mkdir(parents=True, exist_ok=True)
    enc = encoder_dir or write_encoder(out_dir / "encoder", **encoder_kwargs)
    torch.manual_seed(seed)
    if kind == "xcomet":
        xmodel = XCOMETMetric(
            encoder_model="XLM-RoBERTa",
            pretrained_model=str(enc.resolve()),
            load_pretrained_weights=False,
            local_files_only=True,
            word_layer=2,
            hidden_sizes=list(hidden_sizes),
        )
        return save_checkpoint(xmodel, out_dir)
    cls = RegressionMetric if kind == "ref" else ReferencelessRegression
    model = cls(
        pretrained_model=str(enc.resolve()),
        load_pretrained_weights=False,
        local_files_only=True,
        layer="mix",
        layer_transformation="sparsemax",
        layer_norm=False,
        pool="avg",
        hidden_sizes=list(hidden_sizes),
        activations="Tanh",
        dropout=0.1,
        batch_size=16,
    )
    # Give the layer mix non-uniform weights so every layer matters and a bug in mixing shows.
    with torch.no_grad():
        for i, p in enumerate(model.layerwise_attention.scalar_parameters):
            p.fill_(0.1 * i)
    return save_checkpoint(model, out_dir)
