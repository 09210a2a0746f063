"""The C n-gram counter (eval.scoring._ngrams) == the numpy counter == sacrebleu's statistics.

Random documents over tiny vocabularies make repeated n-grams (where clipping matters) common;
sacrebleu's ``_extract_corpus_statistics`` is the reference for whole metrics, including the
paths around the C code (other tokenizers, lowercase, whitespace, chrF++, the separator fallback).
"""

from __future__ import annotations

import random
import shutil
from typing import Any

import numpy as np
import pytest

from eval.scoring import bootstrap as bs
from eval.scoring.tokenize13a import SEP

needs_c = pytest.mark.skipif(bs._clipped_matches is None, reason="eval.scoring._ngrams not built")


def _random_ids(rng: np.random.Generator, n_refs: int, n_sys: int, vocab: int) -> tuple[np.ndarray, np.ndarray, int]:
    lens = rng.integers(0, 25, size=n_refs * (1 + n_sys))
    lens[rng.random(len(lens)) < 0.05] = 0
    ids = rng.integers(0, vocab, size=int(lens.sum()))
    return ids.astype(np.int64), lens.astype(np.int64), vocab


@needs_c
@pytest.mark.parametrize(("vocab", "order"), [(2, 4), (3, 6), (50, 4), (1, 2)])
def test_c_equals_numpy_on_random_ids(vocab: int, order: int) -> None:
    rng = np.random.default_rng(vocab * 10 + order)
    for _ in range(5):
        ids, lens, v = _random_ids(rng, 40, 3, vocab)
        c, n = bs._ngram_matches_c(ids, lens, v, 40, order), bs._ngram_matches(ids, lens, v, 40, order)
        for a, b in zip(c, n, strict=True):
            assert np.array_equal(a, b)


def _texts(seed: int, n: int) -> tuple[list[str], dict[str, list[str]]]:
    rng = random.Random(seed)
    words = ["a", "b", "A", "ab", "b.", "1", "1.5", "-", "(a)", "é", "Σ", "&amp;", "x,y", "  ", "\t"]

    def line() -> str:
        return " ".join(rng.choice(words) for _ in range(rng.randint(0, 15)))

    refs = [line() for _ in range(n)]
    return refs, {f"s{i}": [line() if rng.random() < 0.7 else r for r in refs] for i in range(3)}


CASES = [
    ("bleu", {}),
    ("bleu", {"lowercase": True}),
    ("bleu", {"tokenize": "none"}),
    ("bleu", {"tokenize": "intl"}),
    ("bleu", {"max_ngram_order": 6}),
    ("chrf", {}),
    ("chrf", {"lowercase": True}),
    ("chrf", {"whitespace": True}),
    ("chrf++", {}),
]


@pytest.mark.parametrize(("metric", "kwargs"), CASES)
@pytest.mark.parametrize("with_sep", [False, True])
def test_stats_equal_sacrebleu_with_and_without_c(
    metric: str, kwargs: dict[str, Any], with_sep: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    refs, systems = _texts(7, 120)
    if with_sep:  # the separator inside a segment forces the segment-by-segment paths
        systems["s0"][3] = f"a{SEP}b c"
    expected = bs.sufficient_stats_many(metric, systems, refs, engine="sacrebleu", **kwargs)
    got = bs.sufficient_stats_many(metric, systems, refs, **kwargs)
    for name in systems:
        assert np.array_equal(got[name], expected[name]), name
    monkeypatch.setattr(bs, "_matches", bs._ngram_matches)  # numpy counter, as without the extension
    monkeypatch.setattr(bs, "_split_ids", None)
    fallback = bs.sufficient_stats_many(metric, systems, refs, **kwargs)
    for name in systems:
        assert np.array_equal(fallback[name], expected[name]), name


@needs_c
def test_c_rejects_inconsistent_buffers() -> None:
    from eval.scoring._ngrams import clipped_matches

    ids = np.arange(4, dtype=np.int64)
    out = np.zeros((1, 2), dtype=np.int64)
    with pytest.raises(ValueError, match="inconsistent"):
        clipped_matches(ids, np.array([0, 2, 3], dtype=np.int64), 1, 2, out)  # offsets end before the ids
    with pytest.raises(ValueError, match="2\\*\\*31"):
        clipped_matches(np.array([0, 2**40], dtype=np.int64), np.array([0, 1, 2], dtype=np.int64), 1, 2, out)


@pytest.mark.skipif(
    shutil.which("gcc") is None and shutil.which("cc") is None, reason="no C compiler: the numpy fallback is expected"
)
def test_c_extension_is_built_where_a_compiler_exists() -> None:
    """The extension is optional for pip; on a machine that can build it, a silent fallback is a bug."""
    assert bs._clipped_matches is not None, "eval.scoring._ngrams not built: run `make setup` (pip install -e .)"
