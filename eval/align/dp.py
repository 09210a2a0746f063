"""A banded, score-maximising bead DP, shared by the two passes of the sentence aligner.

Row ``i`` (``i`` reference sentences consumed) holds the columns ``lo[i]..hi[i]`` (version
sentences consumed). A bead type ``(a, b)`` moves from cell ``(i - a, j - b)`` to ``(i, j)``
and earns the score the caller computes for it; ``(1, 0)`` earns ``skip``, and ``(0, 1)`` moves
(also ``skip``) are resolved inside a row with a running maximum. Each row is a handful of numpy
operations over all bead types at once (a ``(types, width)`` array); the scores come in chunks of
rows so that memory stays bounded. With the optional C extension ``eval.align._dp`` the per-row
loop runs in C (same arithmetic, same numbers): the Python overhead of those few numpy calls per
row was most of a 2,000-row pass.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from types import ModuleType

import numpy as np

from eval.errors import AlignmentError

logger = logging.getLogger(__name__)

# Bead scores for a chunk of rows: (len(types), len(rows), width), -inf where a bead cannot end.
ScoreFn = Callable[[np.ndarray, np.ndarray], np.ndarray]
Path = list[tuple[tuple[int, ...], tuple[int, ...]]]

CHUNK_ROWS = 64


def _load_native() -> ModuleType | None:
    """The optional C extension eval.align._dp (the aligner's loops), or None: numpy does the same."""
    try:
        from eval.align import _dp
    except ImportError:
        logger.debug("eval.align._dp not built: the aligner's loops run in numpy (slower, same beads)")
        return None
    return _dp


NATIVE = _load_native()
_dp_rows = None if NATIVE is None else NATIVE.dp_rows


def column_grid(rows: np.ndarray, lo: np.ndarray, width: int) -> np.ndarray:
    """Version positions ``j = lo[i] + w`` of every cell of ``rows`` (shape (len(rows), width))."""
    return lo[rows][:, None] + np.arange(width)[None, :]


def best_path(
    n: int,
    m: int,
    lo: np.ndarray,
    hi: np.ndarray,
    types: Sequence[tuple[int, int]],
    scores: ScoreFn,
    skip: float,
) -> Path:
    """The highest-scoring bead path from (0, 0) to (n, m) inside the band ``lo..hi``.

    ``types`` are the (a, b) beads with a >= 1 (``(1, 0)`` included if deletions are allowed);
    ``scores(rows, cols)`` gets row ids and their column grid and returns one score per type,
    row and cell (its value for ``(1, 0)`` is ignored: that bead earns ``skip``).
    """
    if lo[0] != 0 or not lo[n] <= m <= hi[n]:
        raise AlignmentError(f"alignment band does not contain both corners (rows 0 and {n}); this is a bug")
    width = int((hi - lo).max()) + 1
    n_types = len(types)
    sentinel = (n + 1) * width
    cost = np.full(sentinel + 1, -np.inf)
    back = np.full((n + 1, width), -1, dtype=np.int16)
    offsets = np.arange(width)
    steps = skip * offsets
    a_arr = np.array([a for a, _ in types])
    b_arr = np.array([b for _, b in types])
    lo_c, hi_c = np.ascontiguousarray(lo, dtype=np.int64), np.ascontiguousarray(hi, dtype=np.int64)

    def close_row(i: int, best: np.ndarray, code: np.ndarray) -> None:
        """Add the within-row 0-1 moves: D[j] = max_k<=j best[k] + (j - k) * skip."""
        valid = offsets <= hi[i] - lo[i]
        best = np.where(valid, best, -np.inf)
        row = np.maximum.accumulate(best - steps) + steps
        via_skip = row > best + 1e-9  # not rounding noise of the accumulate
        code = np.where(via_skip, n_types, code)
        row[~valid] = -np.inf
        cost[i * width : (i + 1) * width] = row
        back[i] = np.where(np.isfinite(row), code, -1)

    start = np.full(width, -np.inf)
    start[0] = 0.0
    close_row(0, start, np.full(width, -1))
    for c0 in range(1, n + 1, CHUNK_ROWS):
        rows = np.arange(c0, min(c0 + CHUNK_ROWS, n + 1))
        cols = column_grid(rows, lo, width)
        bead = scores(rows, cols)
        prev_rows = rows[None, :] - a_arr[:, None]  # (T, R)
        safe_prev = np.maximum(prev_rows, 0)
        prev_cols = cols[None, :, :] - b_arr[:, None, None]  # (T, R, W)
        prev_off = prev_cols - lo[safe_prev][:, :, None]
        ok = (
            (prev_rows >= 0)[:, :, None]
            & (prev_off >= 0)
            & (prev_cols <= hi[safe_prev][:, :, None])
            & (cols <= hi[rows][:, None])[None, :, :]
        )
        flat = np.where(ok, safe_prev[:, :, None] * width + prev_off, sentinel)
        for t, (_, b) in enumerate(types):
            if b == 0:
                bead[t] = skip
        if _dp_rows is not None:
            flat_c = np.ascontiguousarray(flat, dtype=np.int64)
            bead_c = np.ascontiguousarray(bead, dtype=np.float64)
            _dp_rows(cost, back, flat_c, bead_c, rows.astype(np.int64), lo_c, hi_c, width, n_types, float(skip))
            continue
        for k, i in enumerate(rows):
            cand = cost[flat[:, k]] + bead[:, k]  # (T, W)
            arg = cand.argmax(axis=0)
            best = cand[arg, offsets]
            close_row(int(i), best, np.where(np.isfinite(best), arg, -1))

    path: Path = []
    i, j = n, m
    while i > 0 or j > 0:
        code = int(back[i, j - lo[i]])
        if code < 0:
            raise AlignmentError(f"alignment DP found no path (cell {i},{j}); this is a bug in eval.align")
        a, b = (0, 1) if code == n_types else types[code]
        path.append((tuple(range(i - a, i)), tuple(range(j - b, j))))
        i, j = i - a, j - b
    path.reverse()
    return path
