"""First pass of the aligner: 1-1 anchors from each reference sentence's top-k matches, and the
order test that tells a translation from unrelated text.

Anchors follow Bertalign (Liu & Zhu 2022, ``first_pass_align``): each reference sentence keeps
its ``k`` most similar version sentences; a DP with free 1-0/0-1 moves picks the monotone chain
of those matches with the largest total similarity, inside a band of max(250, 6 %) around the
diagonal. The second pass then searches only near this chain.

Alignability without a similarity floor: a raw-cosine floor depends on the embedder and the
language pair (e5 puts unrelated news at 0.84 and some genuine zh-en translations below 0.88).
What separates a translation from unrelated text for any encoder and pair is *order*: a
translation's best matches line up along a monotone chain, unrelated sentences' best matches
fall anywhere. So the chain score of the real order is compared with the chain scores of the
same top-k matches after shuffling the longer side (a permutation test): the version is
alignable when the real chain beats all but a ``p_value`` fraction of the shuffles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from eval.align.dp import best_path

TOP_K = 3
FIRST_MIN_BAND = 250
FIRST_BAND_FRACTION = 0.06
SHUFFLES = 39
# Too few sentences on one side for order to say anything: a 1-sentence side has one order.
MIN_ORDER_TEST = 4


@dataclass(frozen=True)
class Matches:
    """Top-k version ids and cosines per reference sentence, shape (n, k)."""

    cols: np.ndarray
    sims: np.ndarray


@dataclass(frozen=True)
class OrderTest:
    """Chain score of the real order against shuffled orders; ``p_value`` = share not beaten."""

    score: float
    shuffled_max: float
    p_value: float
    tested: bool


def top_k(ref: np.ndarray, hyp: np.ndarray, k: int = TOP_K) -> Matches:
    """The ``k`` most similar version sentences of every reference sentence (blocked matmul)."""
    k = min(k, hyp.shape[0])
    cols = np.empty((ref.shape[0], k), dtype=np.int64)
    sims = np.empty((ref.shape[0], k), dtype=np.float32)
    for start in range(0, ref.shape[0], 512):
        block = ref[start : start + 512] @ hyp.T
        idx = np.argpartition(-block, k - 1, axis=1)[:, :k]
        vals = np.take_along_axis(block, idx, axis=1)
        order = np.argsort(-vals, axis=1)
        cols[start : start + 512] = np.take_along_axis(idx, order, axis=1)
        sims[start : start + 512] = np.take_along_axis(vals, order, axis=1)
    return Matches(cols, sims)


def diagonal_band(n: int, m: int, half_width: int) -> tuple[np.ndarray, np.ndarray]:
    """Columns ``lo..hi`` per row around the length-ratio diagonal (Bertalign's first search path)."""
    centre = (np.arange(n + 1) * (m / n)).astype(np.int64)
    return np.clip(centre - half_width, 0, m), np.clip(centre + half_width, 0, m)


def first_pass(matches: Matches, n: int, m: int) -> list[tuple[int, int]]:
    """1-1 anchors ``(ref_id, hyp_id)`` on the best monotone chain of top-k matches."""
    half = max(FIRST_MIN_BAND, int(max(n, m) * FIRST_BAND_FRACTION))
    lo, hi = diagonal_band(n, m, half)
    types = [(1, 0), (1, 1)]

    def scores(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        out = np.zeros((2, *cols.shape))
        ids = rows - 1
        hit = matches.cols[ids][:, None, :] == (cols - 1)[:, :, None]  # (R, W, k)
        out[1] = np.where(hit, matches.sims[ids][:, None, :], 0.0).sum(axis=2)
        return out

    path = best_path(n, m, lo, hi, types, scores, skip=0.0)
    hits = {(int(i), int(j)) for i in range(n) for j in matches.cols[i]}
    return [(r[0], h[0]) for r, h in path if len(r) == 1 and len(h) == 1 and (r[0], h[0]) in hits]


def chain_scores(matches: Matches, m: int, perms: np.ndarray) -> np.ndarray:
    """Best monotone chain score of the top-k matches under each column permutation (rows of perms).

    Free skips, so this is a weighted longest increasing subsequence; all permutations advance
    row by row together (one (P, m + 1) array), O(n * P * m) elementwise work.
    """
    n_perm = perms.shape[0]
    best = np.zeros((n_perm, m + 1))
    lane = np.arange(n_perm)[:, None]
    for i in range(matches.cols.shape[0]):
        cols = perms[:, matches.cols[i]] + 1  # (P, k) cell columns after this match
        cand = best[lane, cols - 1] + matches.sims[i][None, :]
        new = best.copy()
        np.maximum.at(new, (np.broadcast_to(lane, cols.shape), cols), cand)
        best = np.maximum.accumulate(new, axis=1)
    return best[:, -1]


def order_test(matches: Matches, n: int, m: int, seed: int = 0) -> OrderTest:
    """Permutation test of the real order against ``SHUFFLES`` shuffles of the longer side."""
    if min(n, m) < MIN_ORDER_TEST:
        return OrderTest(score=math.nan, shuffled_max=math.nan, p_value=0.0, tested=False)
    rng = np.random.default_rng(seed)
    if m >= n:
        perms = np.vstack([np.arange(m), *(rng.permutation(m) for _ in range(SHUFFLES))])
        scores = chain_scores(matches, m, perms)
    else:
        # Shuffle the reference side: the same as permuting which rows come first.
        scores = np.empty(SHUFFLES + 1)
        orders = [np.arange(n), *(rng.permutation(n) for _ in range(SHUFFLES))]
        ident = np.arange(m)[None, :]
        for s, order in enumerate(orders):
            scores[s] = chain_scores(Matches(matches.cols[order], matches.sims[order]), m, ident)[0]
    real, shuffled = float(scores[0]), scores[1:]
    p = (1 + int((shuffled >= real - 1e-9).sum())) / (SHUFFLES + 1)
    return OrderTest(score=real, shuffled_max=float(shuffled.max()), p_value=p, tested=True)
