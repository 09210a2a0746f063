"""The C loops of the sentence aligner (eval.align._dp) == its numpy code.

``dp_rows`` and ``knn_sums`` do the numpy code's arithmetic in the same order, so the paths and
the kNN sums are compared for equality; ``gather_dots`` and ``mean_window_knn_sums`` sum in
another order than BLAS, so their cosines are compared within 1e-6 (and the paths for equality).
The documents are the DP benchmark's noisy random versions (drops, insertions, merges), so the
path leaves the diagonal and every bead type is scored.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from eval.align import dp, sentences
from eval.align.sentences import METHODS, align_sentences, knn_mean, pair_sims

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from bench_align import make_pair

needs_c = pytest.mark.skipif(dp._dp_rows is None, reason="eval.align._dp not built")


def _without_c(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dp, "_dp_rows", None)
    monkeypatch.setattr(sentences, "_knn_sums", None)
    monkeypatch.setattr(sentences, "_gather_dots", None)
    monkeypatch.setattr(sentences, "_mean_knn_sums", None)


@needs_c
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(("n", "seed"), [(300, 1), (120, 5)])
def test_c_path_equals_numpy_path(method: str, n: int, seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    ref, hyp = make_pair(n, dim=48, seed=seed)
    fast = align_sentences(ref, hyp, method=method)
    _without_c(monkeypatch)
    slow = align_sentences(ref, hyp, method=method)
    assert [(b.ref_ids, b.hyp_ids) for b in fast] == [(b.ref_ids, b.hyp_ids) for b in slow]
    assert any(len(b.ref_ids) > 1 or len(b.hyp_ids) > 1 for b in fast)  # merges were scored and chosen
    assert any(not b.is_aligned for b in fast)  # so were skips


@needs_c
def test_knn_sums_equal_the_argmax_passes_with_ties(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(2)
    windows = np.round(rng.standard_normal((700, 16)), 1).astype(np.float32)  # many equal cosines
    others = np.round(rng.standard_normal((300, 16)), 1).astype(np.float32)
    others[7] = others[3]  # an exact duplicate: both copies count, as repeated argmax passes do
    fast = [knn_mean(windows, others, k) for k in (1, 4, 8)] + [knn_mean(windows, others[:3], 4)]
    _without_c(monkeypatch)
    slow = [knn_mean(windows, others, k) for k in (1, 4, 8)] + [knn_mean(windows, others[:3], 4)]
    for got, want in zip(fast, slow, strict=True):
        assert np.array_equal(got, want)


@needs_c
@pytest.mark.parametrize("center", [True, False])
def test_mean_window_knn_equals_the_matmul_within_1e6(center: bool) -> None:
    """Mean windows' kNN from the sentences' cosine rows == knn_mean of the window vectors, across 512-row blocks."""
    ref, hyp = make_pair(1100, dim=24, seed=4)
    vecs = sentences._normalize(ref.astype(np.float32))
    texts = ["x" * int(n) for n in np.random.default_rng(0).integers(1, 200, len(vecs))]
    embedded = {2: vecs[:-1] + vecs[1:]}  # one size embedded: it keeps the matmul path
    side = sentences._side(vecs, texts, list(range(1, 8)), None, embedded, center, "reference")
    others = sentences._side(sentences._normalize(hyp.astype(np.float32)), None, [1], None, None, center, "v").cen[1]
    assert side.means == {1, 3, 4, 5, 6, 7}
    fast = sentences.side_knn(side, others, 4)
    for size, windows in side.cen.items():
        np.testing.assert_allclose(fast[size], knn_mean(windows, others, 4), atol=1e-6, rtol=0)


@needs_c
def test_gather_dots_equal_the_matmul_within_1e6(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    rv, hv = (rng.standard_normal((s, 37)).astype(np.float32) for s in (90, 80))  # 37: lanes plus a tail
    sr = np.arange(10, 74)
    sh = np.clip(sr[:, None] + np.arange(-3, 9)[None, :], 0, 79)
    fast = pair_sims(rv, hv, sr, sh)
    _without_c(monkeypatch)
    slow = pair_sims(rv, hv, sr, sh)
    assert fast.shape == slow.shape == sh.shape
    np.testing.assert_allclose(fast, slow, atol=1e-5 * 37, rtol=1e-6)
    assert np.allclose(fast[5, 2], float(np.dot(rv[sr[5]].astype(np.float64), hv[sh[5, 2]])), atol=1e-9)


@needs_c
def test_c_rejects_inconsistent_buffers() -> None:
    from eval.align._dp import dp_rows, gather_dots, knn_sums, mean_window_knn_sums

    rows = np.arange(1, 3, dtype=np.int64)
    band = np.zeros(4, dtype=np.int64)
    cost = np.zeros(4 * 2 + 1)
    with pytest.raises(ValueError, match="inconsistent"):  # bead scores for one type, flat for two
        dp_rows(cost, np.zeros(8, np.int16), np.zeros(8, np.int64), np.zeros(4), rows, band, band, 2, 2, -0.1)
    with pytest.raises(ValueError, match="outside the cost array"):
        dp_rows(cost, np.zeros(8, np.int16), np.full(4, 99, np.int64), np.zeros(4), rows, band, band, 2, 1, -0.1)
    with pytest.raises(ValueError, match="consecutive"):
        back, flat = np.zeros(8, np.int16), np.zeros(4, np.int64)
        dp_rows(cost, back, flat, np.zeros(4), rows[::-1].copy(), band, band, 2, 1, 0.0)
    with pytest.raises(ValueError, match="inconsistent"):
        knn_sums(np.zeros(6, np.float32), 3, 5, np.zeros(2))  # take > columns
    left = np.zeros((4, 3), np.float32)
    with pytest.raises(ValueError, match="outside the right matrix"):
        gather_dots(left, left, 3, np.zeros(2, np.int64), np.full((2, 2), 4, np.int64), np.zeros(4))
    with pytest.raises(ValueError, match="inconsistent"):
        gather_dots(left, left, 3, np.zeros(2, np.int64), np.zeros((2, 2), np.int64), np.zeros(3))
    cos, weights, scale = np.zeros((5, 4), np.float32), np.ones(5), np.ones((2, 3))
    with pytest.raises(ValueError, match="increasing sizes"):
        mean_window_knn_sums(cos, weights, 4, np.array([3, 2]), scale, np.zeros(4), scale, 2, np.zeros((2, 3)))
    with pytest.raises(ValueError, match="inconsistent"):  # 2 sizes x 3 starts of scales, out for 2 starts
        mean_window_knn_sums(cos, weights, 4, np.array([1, 2]), scale, np.zeros(4), scale, 2, np.zeros((2, 2)))


@pytest.mark.skipif(
    shutil.which("gcc") is None and shutil.which("cc") is None, reason="no C compiler: the numpy fallback is expected"
)
def test_c_extension_is_built_where_a_compiler_exists() -> None:
    """The extension is optional for pip; on a machine that can build it, a silent fallback is a bug."""
    assert dp._dp_rows is not None, "eval.align._dp not built: run `make setup` (pip install -e .)"
    assert None not in (sentences._gather_dots, sentences._knn_sums, sentences._mean_knn_sums)


@needs_c
@pytest.mark.parametrize("method", METHODS)
def test_tiny_documents_take_the_same_path_or_the_same_refusal(method: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """1-13 sentences a side: fewer sentences than window sizes, than kNN neighbours, than one block."""
    from eval.errors import AlignmentError

    rng = np.random.default_rng(0)
    cases = []
    for _ in range(40):
        n, m = (int(x) for x in rng.integers(1, 14, size=2))
        ref = rng.standard_normal((n, 8))
        hyp = ref[rng.integers(0, n, m)] + 0.3 * rng.standard_normal((m, 8))
        texts = (["x" * int(k) for k in rng.integers(1, 50, n)], ["y" * int(k) for k in rng.integers(1, 50, m)])
        cases.append((ref, hyp, texts))

    def paths() -> list[object]:
        out: list[object] = []
        for ref, hyp, (rt, ht) in cases:
            try:
                beads = align_sentences(ref, hyp, method=method, ref_texts=rt, hyp_texts=ht)
                out.append([(b.ref_ids, b.hyp_ids) for b in beads])
            except AlignmentError as exc:
                out.append(str(exc))
        return out

    fast = paths()
    _without_c(monkeypatch)
    assert fast == paths()
