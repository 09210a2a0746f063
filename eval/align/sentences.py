"""Sentence alignment of a version to the reference: a banded dynamic program over embedding similarity.

Vecalign-style (Thompson & Koehn 2019). A bead joins ``a`` reference and ``b`` version sentences;
its cost is the cosine distance of the two sides' embeddings divided by how far each side
typically is from random sentences of the other document, times ``a * b`` (vecalign's bias
towards 1-1):

    cost = (1 - cos(x, y)) / mean(d_rand(x), d_rand(y)) * a * b

so a random pair costs about 1 and a translation about 0.5, whatever the embedder's scale.
Before that, each side's vectors are centred on that side's mean sentence vector (language and
topic offset removed, then renormalised): e5 puts every sentence of this news item within
0.80-0.94 of every other, and only the centred residual separates translations from neighbours
(and makes a concatenation of two sentences score higher than either half). Measured on the
dgsn corpus with e5: link F1 of en 0.75 -> 0.93, it 0.89 -> 0.95, es/ar unchanged.

A 1-0 or 0-1 bead costs ``skip_penalty`` (0.55: the middle of a plateau 0.5-0.6 on that corpus,
for e5 and USE). A 1-1 bead is kept only if cheaper than dropping both sentences (cost < 1.1,
about a random pair), so unaligned sentences come mostly from monotonicity: an added paragraph
or a dropped sentence has no partner left in order. Merges must beat 1-1 + skip under the
``a * b`` weight, which keeps them to genuine splits. Multi-sentence sides are scored with the
embedding of the concatenated text when ``embed_fn`` (or precomputed window vectors) is given,
otherwise with the normalised sum of the members (clearly worse for USE, neutral for e5).

Search space: the DP runs row by row (one reference sentence per row) inside a band of
``2 * band + 1`` version positions centred on the length-ratio diagonal. Within-row 0-1 moves
are resolved with a running minimum, so each row is a handful of numpy vector operations and
the whole DP is O(n * band). If the best path touches the edge of the band (a long insertion
pulled it off the diagonal), the band is doubled and the DP rerun, up to the full matrix; so the
band is a speed knob, never a silent constraint.

"Nothing alignable" is decided on raw cosines (``min_similarity``), because the normalised cost
is scale-free and would happily align two unrelated documents: see ``MIN_SIMILARITY``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from eval.errors import AlignmentError, InputError

logger = logging.getLogger(__name__)

EmbedFn = Callable[[list[str]], np.ndarray]

# Raw cosine a translation pair reaches and unrelated text does not, per embedder (dgsn corpus:
# e5 unrelated news max 0.84 vs translations 0.89-0.94; USE unrelated max 0.29 vs 0.60-0.82).
MIN_SIMILARITY: dict[str, float] = {"e5": 0.88, "use": 0.35}

_NORM_SAMPLES = 100
_MIN_AUTO_BAND = 16
_AUTO_BAND_FRACTION = 0.05


@dataclass(frozen=True)
class Bead:
    """Reference sentence ids aligned to version sentence ids; either side may be empty.

    ``similarity`` is the cosine of the two sides' embeddings (0.0 for 1-0 and 0-1 beads).
    """

    ref_ids: tuple[int, ...]
    hyp_ids: tuple[int, ...]
    similarity: float

    @property
    def bead_type(self) -> str:
        """``"2-1"`` means two reference sentences for one version sentence."""
        return f"{len(self.ref_ids)}-{len(self.hyp_ids)}"

    @property
    def is_aligned(self) -> bool:
        """True when both sides are non-empty (not an omission or addition)."""
        return bool(self.ref_ids) and bool(self.hyp_ids)


def bead_types(max_merge: int) -> list[tuple[int, int]]:
    """Many-to-many types (a, b) with a, b <= max_merge and a + b <= max(4, max_merge + 1).

    max_merge=2 gives 1-1, 1-2, 2-1, 2-2; max_merge=3 adds 1-3 and 3-1 (vecalign's a + b <= 4).
    """
    if max_merge < 1:
        raise InputError(f"max_merge must be >= 1 (got {max_merge})")
    limit = max(4, max_merge + 1)
    return [(a, b) for a in range(1, max_merge + 1) for b in range(1, max_merge + 1) if a + b <= limit]


def window_texts(texts: Sequence[str], size: int) -> list[str]:
    """Concatenations of ``size`` consecutive sentences (len(texts) - size + 1 of them)."""
    return [" ".join(texts[i : i + size]) for i in range(len(texts) - size + 1)]


def _normalize(vecs: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vecs, axis=-1, keepdims=True)
    return (vecs / np.maximum(norms, 1e-12)).astype(np.float32)


def _window_vectors(
    vecs: np.ndarray,
    size: int,
    texts: Sequence[str] | None,
    embed_fn: EmbedFn | None,
    precomputed: Mapping[int, np.ndarray] | None,
    side: str,
) -> np.ndarray:
    """Vectors of all windows of ``size`` sentences: precomputed, embedded, or summed members."""
    count = vecs.shape[0] - size + 1
    if count <= 0:
        return np.zeros((0, vecs.shape[1]), dtype=np.float32)
    if size == 1:
        return vecs
    if precomputed is not None and size in precomputed:
        out = np.asarray(precomputed[size], dtype=np.float32)
        if out.shape != (count, vecs.shape[1]):
            raise InputError(
                f"precomputed {side} window vectors of size {size} have shape {out.shape}, "
                f"expected {(count, vecs.shape[1])} (one row per window, see window_texts)"
            )
        return _normalize(out)
    if embed_fn is not None and texts is not None:
        out = np.asarray(embed_fn(window_texts(texts, size)), dtype=np.float32)
        if out.shape != (count, vecs.shape[1]):
            raise InputError(
                f"embed_fn returned shape {out.shape} for {count} {side} windows of size {size}, "
                f"expected {(count, vecs.shape[1])}"
            )
        return _normalize(out)
    summed = np.lib.stride_tricks.sliding_window_view(vecs, size, axis=0).sum(axis=-1)
    return _normalize(summed)


def _random_distance(windows: np.ndarray, other: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Mean cosine distance of each window to a sample of the other side's sentences."""
    if windows.shape[0] == 0:
        return np.ones(0, dtype=np.float32)
    take = min(_NORM_SAMPLES, other.shape[0])
    sample = other[np.sort(rng.choice(other.shape[0], size=take, replace=False))]
    dist = 1.0 - (windows @ sample.T).mean(axis=1)
    return np.maximum(dist, 1e-3).astype(np.float32)


@dataclass
class _Sides:
    """Window vectors and their random-distance norms, indexed by window size."""

    ref: dict[int, np.ndarray]
    hyp: dict[int, np.ndarray]
    ref_raw: dict[int, np.ndarray]
    hyp_raw: dict[int, np.ndarray]
    ref_norm: dict[int, np.ndarray]
    hyp_norm: dict[int, np.ndarray]


def _band_limits(n: int, m: int, half_width: int) -> tuple[np.ndarray, np.ndarray]:
    centre = np.arange(n + 1) * (m / n)
    lo = np.clip(np.floor(centre - half_width), 0, m).astype(np.int64)
    hi = np.clip(np.ceil(centre + half_width), 0, m).astype(np.int64)
    return lo, hi


def _dp(
    sides: _Sides,
    n: int,
    m: int,
    half_width: int,
    types: list[tuple[int, int]],
    skip: float,
    floor: float,
) -> tuple[list[tuple[tuple[int, ...], tuple[int, ...]]], bool]:
    """Banded DP; returns the bead path and whether it touched the band edge."""
    lo, hi = _band_limits(n, m, half_width)
    width = int((hi - lo).max()) + 1
    all_types = [(1, 0), *types]
    skip_hyp_code = len(all_types)
    cost_table = np.full((n + 1, width), np.inf)
    back = np.full((n + 1, width), -1, dtype=np.int8)
    for i in range(n + 1):
        lo_i, hi_i = int(lo[i]), int(hi[i])
        length = hi_i - lo_i + 1
        best = np.full(length, np.inf)
        code = np.full(length, -1, dtype=np.int8)
        if i == 0:
            best[0] = 0.0
        for t, (a, b) in enumerate(all_types):
            if a > i:
                continue
            r = i - a
            k0 = max(0, int(lo[r]) + b - lo_i)
            k1 = min(length - 1, int(hi[r]) + b - lo_i)
            if k0 > k1:
                continue
            p0 = lo_i + k0 - b - int(lo[r])
            prev = cost_table[r, p0 : p0 + k1 - k0 + 1]
            if b == 0:
                cand = prev + skip
            else:
                s0 = lo_i + k0 - b  # first version window start
                hyp_win = sides.hyp[b][s0 : s0 + k1 - k0 + 1]
                sims = hyp_win @ sides.ref[a][r]
                raw = sides.hyp_raw[b][s0 : s0 + k1 - k0 + 1] @ sides.ref_raw[a][r]
                denom = 0.5 * (sides.ref_norm[a][r] + sides.hyp_norm[b][s0 : s0 + k1 - k0 + 1])
                bead_cost = (1.0 - sims) / denom * (a * b)
                bead_cost[raw < floor] = np.inf
                cand = prev + bead_cost
            seg = best[k0 : k1 + 1]
            better = cand < seg
            seg[better] = cand[better]
            code[k0 : k1 + 1][better] = t
        # 0-1 moves within the row: D[j] = min(best[j], D[j-1] + skip) = min_k<=j best[k] + (j-k)*skip.
        steps = skip * np.arange(length)
        row = np.minimum.accumulate(best - steps) + steps
        via_skip = row < best - 1e-12
        code[via_skip] = skip_hyp_code
        cost_table[i, :length] = row
        back[i, :length] = code

    path: list[tuple[tuple[int, ...], tuple[int, ...]]] = []
    touched = False
    i, j = n, m
    while i > 0 or j > 0:
        lo_i, hi_i = int(lo[i]), int(hi[i])
        if (lo_i > 0 and j <= lo_i) or (hi_i < m and j >= hi_i):
            touched = True
        t = int(back[i, j - lo_i])
        if t == skip_hyp_code:
            path.append(((), (j - 1,)))
            j -= 1
            continue
        if t < 0:
            raise AlignmentError(f"alignment DP found no path (cell {i},{j}); this is a bug in eval.align")
        a, b = all_types[t]
        path.append((tuple(range(i - a, i)), tuple(range(j - b, j))))
        i -= a
        j -= b
    path.reverse()
    return path, touched


def _alignability(ref: np.ndarray, hyp: np.ndarray, threshold: float) -> tuple[float, int, int]:
    """Max cosine, and how many ref / hyp sentences have some counterpart at or above ``threshold``."""
    best_hyp = np.full(hyp.shape[0], -np.inf, dtype=np.float32)
    ref_ok = 0
    for start in range(0, ref.shape[0], 512):
        sims = ref[start : start + 512] @ hyp.T
        ref_ok += int((sims.max(axis=1) >= threshold).sum())
        best_hyp = np.maximum(best_hyp, sims.max(axis=0))
    return float(best_hyp.max()), ref_ok, int((best_hyp >= threshold).sum())


def align_sentences(
    ref_vecs: np.ndarray,
    hyp_vecs: np.ndarray,
    *,
    system: str = "version",
    max_merge: int = 3,
    band: int | None = None,
    skip_penalty: float = 0.55,
    min_similarity: float = 0.35,
    min_alignable: float = 0.1,
    floor: float | None = None,
    ref_texts: Sequence[str] | None = None,
    hyp_texts: Sequence[str] | None = None,
    embed_fn: EmbedFn | None = None,
    ref_windows: Mapping[int, np.ndarray] | None = None,
    hyp_windows: Mapping[int, np.ndarray] | None = None,
    seed: int = 0,
    center: bool = True,
) -> list[Bead]:
    """Align version sentences to reference sentences; returns beads covering both, in order.

    ``ref_vecs``/``hyp_vecs``: one embedding row per sentence. ``max_merge``: largest side of a
    bead (3 gives 1-1, 1-2, 2-1, 2-2, 1-3, 3-1; the English version splits one French sentence
    into three). ``band``: initial half-width of the search band in version sentences (None =
    max(16, 5% of the longer side)), widened automatically when the path reaches its edge.
    ``skip_penalty``: cost of a 1-0/0-1 bead in normalised units (a random pair costs ~1).
    ``min_similarity``: raw cosine that at least ``min_alignable`` (fraction of the shorter
    side) of sentences must reach for the version to be alignable at all; it depends on the
    embedder's scale, take ``MIN_SIMILARITY[embedder.name]``. ``floor``: optional raw cosine
    under which no bead may link two sides.
    Window vectors for merged beads come from ``ref_windows``/``hyp_windows`` ({size: vectors
    of window_texts(texts, size)}), else from ``embed_fn`` over ``ref_texts``/``hyp_texts``,
    else from the normalised sum of members. ``center``: see the module docstring.

    Raises AlignmentError (naming ``system``) when nothing is alignable: never force-aligns.
    """
    ref_arr = np.asarray(ref_vecs, dtype=np.float32)
    hyp_arr = np.asarray(hyp_vecs, dtype=np.float32)
    if ref_arr.ndim != 2 or hyp_arr.ndim != 2 or ref_arr.shape[0] == 0 or hyp_arr.shape[0] == 0:
        raise AlignmentError(
            f"version {system} cannot be aligned: reference vectors {ref_arr.shape}, version vectors "
            f"{hyp_arr.shape} (need one row per sentence on both sides); check cleaning/segmentation"
        )
    ref, hyp = _normalize(ref_arr), _normalize(hyp_arr)
    n, m = ref.shape[0], hyp.shape[0]
    if ref.shape[1] != hyp.shape[1]:
        raise AlignmentError(
            f"version {system}: embedding sizes differ ({ref.shape[1]} reference vs {hyp.shape[1]} "
            "version); embed both sides with the same embedder"
        )
    for side, texts, count in (("reference", ref_texts, n), ("version", hyp_texts, m)):
        if texts is not None and len(texts) != count:
            raise InputError(f"version {system}: {len(texts)} {side} texts vs {count} {side} vectors")

    top, ref_ok, hyp_ok = _alignability(ref, hyp, min_similarity)
    needed = max(1, math.ceil(min_alignable * min(n, m)))
    if min(ref_ok, hyp_ok) < needed:
        raise AlignmentError(
            f"version {system} has nothing alignable to the reference (max similarity {top:.2f} "
            f"< {min_similarity:.2f} for all but {min(ref_ok, hyp_ok)} of {min(n, m)} sentences, "
            f"need {needed}); check the language/cleaning"
        )

    types = [(a, b) for a, b in bead_types(max_merge) if a <= n and b <= m]
    sizes = sorted({a for a, _ in types} | {b for _, b in types})
    rng = np.random.default_rng(seed)
    ref_win = {k: _window_vectors(ref, k, ref_texts, embed_fn, ref_windows, "reference") for k in sizes}
    hyp_win = {k: _window_vectors(hyp, k, hyp_texts, embed_fn, hyp_windows, "version") for k in sizes}
    if center:
        ref_cen = {k: _normalize(v - ref.mean(axis=0)) for k, v in ref_win.items()}
        hyp_cen = {k: _normalize(v - hyp.mean(axis=0)) for k, v in hyp_win.items()}
    else:
        ref_cen, hyp_cen = ref_win, hyp_win
    sides = _Sides(
        ref=ref_cen,
        hyp=hyp_cen,
        ref_raw=ref_win,
        hyp_raw=hyp_win,
        ref_norm={k: _random_distance(v, hyp_cen[1], rng) for k, v in ref_cen.items()},
        hyp_norm={k: _random_distance(v, ref_cen[1], rng) for k, v in hyp_cen.items()},
    )

    full = max(n, m)
    slope = math.ceil(max(m / n, n / m))
    auto = max(_MIN_AUTO_BAND, math.ceil(_AUTO_BAND_FRACTION * full))
    half_width = auto if band is None else band
    half_width = min(full, max(half_width, slope + max_merge + 1))
    while True:
        path, touched = _dp(sides, n, m, half_width, types, skip_penalty, -np.inf if floor is None else floor)
        if not touched or half_width >= full:
            break
        logger.debug("version %s: path touched band edge at half-width %d; widening", system, half_width)
        half_width = min(full, half_width * 2)

    beads = []
    for ref_ids, hyp_ids in path:
        sim = 0.0
        if ref_ids and hyp_ids:
            sim = float(sides.ref_raw[len(ref_ids)][ref_ids[0]] @ sides.hyp_raw[len(hyp_ids)][hyp_ids[0]])
        beads.append(Bead(ref_ids, hyp_ids, sim))
    if not any(b.is_aligned for b in beads):
        raise AlignmentError(
            f"version {system} has nothing alignable to the reference (max similarity {top:.2f}, but "
            f"no bead beats skipping at skip_penalty={skip_penalty}, floor={floor}); "
            "check the language/cleaning"
        )
    return beads


def unaligned_ref(beads: Sequence[Bead]) -> list[int]:
    """Reference sentence ids in 1-0 beads: omission candidates."""
    return [i for b in beads if not b.hyp_ids for i in b.ref_ids]


def unaligned_hyp(beads: Sequence[Bead]) -> list[int]:
    """Version sentence ids in 0-1 beads: addition candidates."""
    return [j for b in beads if not b.ref_ids for j in b.hyp_ids]


def bead_links(beads: Sequence[Bead]) -> set[tuple[int, int]]:
    """(ref_id, hyp_id) pairs of all aligned beads; a 2-1 bead gives two links (vecalign scoring)."""
    return {(i, j) for b in beads for i in b.ref_ids for j in b.hyp_ids}
