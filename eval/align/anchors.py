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
alignable when the real chain beats all but a ``p_value`` fraction of the shuffles, each by at
least half a typical match similarity (else it is a tie: with a short side the top-k matches cover
most of it, every order reaches the same chain and the scores differ by noise only).
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
ORDER_ROWS = 200
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


def chain_scores(cols: np.ndarray, sims: np.ndarray, width: int) -> np.ndarray:
    """Best monotone chain score per lane: ``cols``/``sims`` (lanes, steps, k) are each step's matches.

    Free skips, so this is a weighted longest increasing subsequence; all lanes (the real order
    and the shuffles) advance step by step together in one (lanes, width + 1) array.
    """
    lanes = cols.shape[0]
    best = np.zeros((lanes, width + 1))
    lane = np.arange(lanes)
    for t in range(cols.shape[1]):
        after = cols[:, t] + 1  # (lanes, k): chain cells just after each match
        cand = best[lane[:, None], after - 1] + sims[:, t]
        new = best.copy()
        for j in range(after.shape[1]):
            new[lane, after[:, j]] = np.maximum(new[lane, after[:, j]], cand[:, j])
        best = np.maximum.accumulate(new, axis=1)
    return best[:, -1]


def _ranks(values: np.ndarray) -> np.ndarray:
    """Rank of each entry within its row (0 = smallest)."""
    return np.argsort(np.argsort(values, axis=-1), axis=-1)


def order_test(matches: Matches, n: int, m: int, seed: int = 0) -> OrderTest:
    """Permutation test of the real order against ``SHUFFLES`` shuffles of the longer side.

    Large documents are tested on ``ORDER_ROWS`` evenly spaced reference sentences (their
    top-k matches re-indexed by rank): a translation's chain over 200 rows is already far
    outside what shuffles reach, and the test stays a few milliseconds.
    """
    if min(n, m) < MIN_ORDER_TEST:
        return OrderTest(score=math.nan, shuffled_max=math.nan, p_value=0.0, tested=False)
    rng = np.random.default_rng(seed)
    rows = np.unique(np.linspace(0, n - 1, min(n, ORDER_ROWS)).round().astype(np.int64))
    cols, sims = matches.cols[rows], matches.sims[rows]
    used, local = np.unique(cols, return_inverse=True)
    local = local.reshape(cols.shape)
    lanes = SHUFFLES + 1
    if m >= n:
        orders = np.vstack([np.arange(m), *(rng.permutation(m) for _ in range(SHUFFLES))])
        rank = _ranks(orders[:, used])  # (lanes, used): where each used column lands after shuffling
        lane_cols = rank[np.arange(lanes)[:, None, None], local[None, :, :]]
        lane_sims = np.broadcast_to(sims, lane_cols.shape)
    else:
        orders = np.vstack([np.arange(len(rows)), *(rng.permutation(len(rows)) for _ in range(SHUFFLES))])
        lane_cols, lane_sims = local[orders], sims[orders]
    scores = chain_scores(lane_cols, lane_sims, len(used))
    real, shuffled = float(scores[0]), scores[1:]
    # A shuffle ties unless the real chain is longer by half a typical match: when the top-k
    # cover most of a short side, every order reaches the same chain and only noise separates them.
    tie = 0.5 * float(np.median(sims[:, 0]))
    p = (1 + int((shuffled >= real - tie).sum())) / lanes
    return OrderTest(score=real, shuffled_max=float(shuffled.max()), p_value=p, tested=True)
