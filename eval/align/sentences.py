"""Sentence alignment of a version to the reference, following Bertalign (Liu & Zhu 2022).

Bertalign: "Improved word alignment and sentence alignment with multilingual embeddings" /
"Bertalign: Improved word embedding-based sentence alignment for Chinese-English parallel corpora
of literary texts" (Digital Scholarship in the Humanities, 2022), code bfsujason/bertalign.

1. First pass (``eval.align.anchors``): each reference sentence's top-3 version matches; the
   best monotone chain of them gives 1-1 anchors. A permutation test on that chain (real order
   against shuffled orders) decides whether the version is alignable at all: no raw-cosine
   floor, so it holds for any encoder and language pair.
2. Second pass (``eval.align.dp``): a DP restricted to ``window`` version sentences around the
   anchor chain (an anchor's own row within ``window`` of its anchor), with every bead type a-b
   for a + b <= ``max_align`` (8: the Text+Berg gold has 1-5 and 4-3 beads), plus 1-0/0-1 beads
   scoring ``skip``. A bead scores a margin similarity times Bertalign's length penalty:

       score = (cos(x, y) - (knn(x) + knn(y)) / 2) * log2(1 + min(|x|, r|y|) / max(|x|, r|y|))

   where x, y are the two sides' window vectors, knn(x) the mean cosine of x with its ``KNN``
   nearest sentences of the other side after the nearest (the margin of Artetxe & Schwenk 2019,
   "Margin-based parallel corpus mining with multilingual sentence embeddings", difference form,
   k = 4; the nearest is left out, see ``knn_mean``), |x| a side's
   length in characters and r the documents' character ratio. Bertalign's margin subtracts the
   sentences adjacent to the other window instead; over the whole document, the kNN margin also
   removes a window's own centrality (a 7-sentence mean is close to everything), which is what let
   unrelated sentences join merges. The margin removes the encoder's baseline (e5 puts every
   sentence of a news item within 0.80-0.94 of every other), so ``skip = -0.1`` keeps its
   meaning across encoders: a null bead only when no window beats that.

``method="normalised"`` keeps the same two passes but scores beads as the harness did before
(vecalign-style normalised cosine cost, ``_NormalisedScorer``): measured better on short,
paraphrased news whose versions add or drop paragraphs, worse on close translations with many
merges (figures in docs/alignment.md).

Window vectors (2..max_align-1 consecutive sentences) are the embeddings of the concatenated
text when ``embed_fn`` or precomputed windows are given, else the length-weighted mean of the
members (for e5's mean pooling, close to the concatenation at no encoding cost). Before scoring,
each side's vectors are centred on its mean sentence vector (``center``), which measured better
for e5 on the dgsn corpus; the reported bead similarity is always the raw cosine.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from eval.align.anchors import Matches, OrderTest, first_pass, order_test, top_k
from eval.align.dp import NATIVE, best_path
from eval.errors import AlignmentError, InputError

logger = logging.getLogger(__name__)

EmbedFn = Callable[[list[str]], np.ndarray]

MAX_ALIGN = 8
WINDOW = 5
SKIP = -0.1
P_VALUE = 0.05
# Nearest neighbours in the margin: Artetxe & Schwenk's k (sensitivity in docs/alignment.md).
KNN = 4
METHODS = ("bertalign", "normalised")
_NORMALISED_TYPES = [(1, 1), (1, 2), (2, 1), (2, 2), (1, 3), (3, 1)]


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


def bead_types(max_align: int) -> list[tuple[int, int]]:
    """Bead types (a, b) with a, b >= 1 and a + b <= max_align (Bertalign's ``get_alignment_types``)."""
    if max_align < 2:
        raise InputError(f"max_align must be >= 2 (a 1-1 bead has two sentences), got {max_align}")
    return [(a, b) for a in range(1, max_align) for b in range(1, max_align) if a + b <= max_align]


def method_bead_types(method: str, max_align: int) -> list[tuple[int, int]]:
    """The bead types a method scores (``normalised`` has its own, up to 3 sentences a side)."""
    if method not in METHODS:
        raise InputError(f"unknown alignment method {method!r}; use one of {', '.join(METHODS)}")
    return bead_types(max_align) if method == "bertalign" else list(_NORMALISED_TYPES)


def window_sizes(method: str, max_align: int) -> list[int]:
    """Window sizes (sentences per side) the method's beads use, 1 included."""
    types = method_bead_types(method, max_align)
    return sorted({a for a, _ in types} | {b for _, b in types})


def window_texts(texts: Sequence[str], size: int) -> list[str]:
    """Concatenations of ``size`` consecutive sentences (len(texts) - size + 1 of them)."""
    return [" ".join(texts[i : i + size]) for i in range(len(texts) - size + 1)]


def window_lengths(lengths: np.ndarray, size: int) -> np.ndarray:
    """Character lengths of the windows of ``size`` sentences (members plus joining spaces)."""
    if lengths.shape[0] < size:
        return np.zeros(0)
    summed = np.lib.stride_tricks.sliding_window_view(lengths.astype(np.float64), size).sum(axis=-1)
    return summed + (size - 1)


def _normalize(vecs: np.ndarray) -> np.ndarray:
    norms = np.sqrt(np.einsum("ij,ij->i", vecs, vecs))[:, None]
    return (vecs / np.maximum(norms, 1e-12)).astype(np.float32, copy=False)


def weighted_prefix_sums(vecs: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Running sums of the weighted sentence vectors, (n + 1) rows from zero (float64, so
    differences of two rows keep the float32 members' precision): a mean window of any size is
    one subtraction."""
    running = np.zeros((vecs.shape[0] + 1, vecs.shape[1]))
    np.cumsum(vecs * weights[:, None], axis=0, out=running[1:])
    return running


def _window_vectors(
    vecs: np.ndarray,
    prefix: np.ndarray,
    size: int,
    texts: Sequence[str] | None,
    embed_fn: EmbedFn | None,
    precomputed: Mapping[int, np.ndarray] | None,
    side: str,
) -> np.ndarray:
    """Vectors of all windows of ``size`` sentences: precomputed, embedded, or weighted member means."""
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
    return _normalize(prefix[size:] - prefix[:-size])


@dataclass
class _Side:
    """One document's window vectors (raw and centred) and window lengths, by window size.

    ``means`` are the sizes whose windows are length-weighted member means (1 included), built
    from ``prefix`` (``weighted_prefix_sums`` of the sentence vectors ``raw[1]`` with weights
    ``weights``); ``mean`` is the vector the centred windows were centred on (None: not centred).
    """

    raw: dict[int, np.ndarray]
    cen: dict[int, np.ndarray]
    lengths: dict[int, np.ndarray]
    count: int
    means: frozenset[int]
    prefix: np.ndarray
    weights: np.ndarray
    mean: np.ndarray | None


def _side(
    vecs: np.ndarray,
    texts: Sequence[str] | None,
    sizes: list[int],
    embed_fn: EmbedFn | None,
    precomputed: Mapping[int, np.ndarray] | None,
    center: bool,
    name: str,
) -> _Side:
    lengths = np.array([len(t) for t in texts], dtype=np.float64) if texts is not None else np.ones(len(vecs))
    weights = np.maximum(lengths, 1.0)  # a member's weight in a mean window: its length
    prefix = weighted_prefix_sums(vecs, weights)
    raw = {k: _window_vectors(vecs, prefix, k, texts, embed_fn, precomputed, name) for k in sizes}
    mean = vecs.mean(axis=0)
    cen = {k: _normalize(v - mean) for k, v in raw.items()} if center else raw
    embedded = (precomputed or {}).keys() | (set(sizes) if embed_fn is not None and texts is not None else set())
    return _Side(
        raw=raw,
        cen=cen,
        lengths={k: window_lengths(lengths, k) for k in sizes},
        count=len(vecs),
        means=frozenset(k for k in sizes if k not in embedded and k <= len(vecs)),
        prefix=prefix,
        weights=weights,
        mean=mean if center else None,
    )


# The C loops (eval.align.dp loads the extension once; None without it: the numpy code below).
_gather_dots = None if NATIVE is None else NATIVE.gather_dots
_knn_sums = None if NATIVE is None else NATIVE.knn_sums
_mean_knn_sums = None if NATIVE is None else NATIVE.mean_window_knn_sums


def second_band(anchors: list[tuple[int, int]], window: int, n: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-row column range around the anchor chain (Bertalign's ``find_second_search_path``).

    Anchors are (ref_id, hyp_id) pairs; rows between two anchors may use the columns from
    ``window`` before the earlier anchor to ``window`` after the later one, and an anchor's row
    also the columns up to the next anchor (a long insertion stays a run of 0-1 beads).
    """
    ends = [(i + 1, j + 1) for i, j in anchors]
    if not ends or ends[-1][0] != n or ends[-1][1] != m:
        if ends and (ends[-1][0] == n or ends[-1][1] == m):
            ends.pop()
        ends.append((n, m))
    lo = np.zeros(n + 1, dtype=np.int64)
    hi = np.zeros(n + 1, dtype=np.int64)
    prev_i, prev_j = 0, 0
    for i, j in ends:
        lo[prev_i + 1 : i + 1] = max(0, prev_j - window)
        hi[prev_i + 1 : i + 1] = min(m, j + window)
        prev_i, prev_j = i, j
    lo[0], hi[0] = lo[1], hi[1]
    # Unlike Bertalign, an anchor's own row stays within ``window`` of its anchor (the rows between
    # two distant anchors span both, and an anchor's reference sentence could otherwise be merged far
    # from its match), and reaches the next anchor: a run of more than ``window`` version insertions
    # after it is 0-1 moves in that row, not sentences forced into merges.
    for (i, j), (_, j_next) in itertools.pairwise(ends):
        lo[i] = max(lo[i], j - window)
        hi[i] = max(hi[i], min(m, j_next - 1 + window))
    return lo, hi


def pair_sims(rv: np.ndarray, hv: np.ndarray, sr: np.ndarray, sh: np.ndarray) -> np.ndarray:
    """Cosines of reference windows ``rv[sr]`` (one per row) with version windows ``hv[sh]`` (rows x width)."""
    if _gather_dots is not None:  # only the cells needed, in C (no copies: the window vectors are float32)
        out = np.empty(sh.shape)
        left, right = (np.ascontiguousarray(v, dtype=np.float32) for v in (rv, hv))
        _gather_dots(left, right, rv.shape[1], sr.astype(np.int64), np.ascontiguousarray(sh, dtype=np.int64), out)
        return out
    s_lo, s_hi = int(sh.min()), int(sh.max()) + 1
    return np.take_along_axis(rv[sr] @ hv[s_lo:s_hi].T, sh - s_lo, axis=1)


def _grid_starts(rows: np.ndarray, cols: np.ndarray, a: int, b: int, n: int, m: int) -> tuple[np.ndarray, ...]:
    """Window starts of an a-b bead ending at each cell, clipped, and where such a bead exists."""
    starts_r, starts_h = rows - a, cols - b
    ok = (starts_r >= 0)[:, None] & (starts_h >= 0) & (cols <= m)
    return ok, np.clip(starts_r, 0, n - a), np.clip(starts_h, 0, m - b)


class _NormalisedScorer:
    """The harness's earlier, vecalign-style bead score, kept as ``method="normalised"``.

    score = -(1 - cos(x, y)) / mean(d_rand(x), d_rand(y)) * a * b, with d_rand a window's mean
    cosine distance to a sample of the other side's sentences (Thompson & Koehn 2019), so a
    random pair costs about 1 whatever the encoder's scale; skip 0.55 and beads up to 3 sentences
    a side (a + b <= 4). The ``a * b`` weight makes merges earn their place: on short,
    paraphrased news with added paragraphs (the dgsn corpus) this leaves extra sentences
    unaligned where Bertalign's score absorbs them into merges.
    """

    TYPES: ClassVar[list[tuple[int, int]]] = _NORMALISED_TYPES
    SKIP = -0.55
    SAMPLES = 100

    def __init__(self, ref: _Side, hyp: _Side, types: list[tuple[int, int]], seed: int):
        self.ref, self.hyp, self.types = ref, hyp, types
        rng = np.random.default_rng(seed)
        self.ref_norm = {k: self._random_distance(v, hyp.cen[1], rng) for k, v in ref.cen.items()}
        self.hyp_norm = {k: self._random_distance(v, ref.cen[1], rng) for k, v in hyp.cen.items()}

    @classmethod
    def _random_distance(cls, windows: np.ndarray, other: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        if windows.shape[0] == 0:
            return np.ones(0)
        take = min(cls.SAMPLES, other.shape[0])
        sample = other[np.sort(rng.choice(other.shape[0], size=take, replace=False))]
        return np.maximum(1.0 - (windows @ sample.T).mean(axis=1), 1e-3)

    def __call__(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        n, m = self.ref.count, self.hyp.count
        out = np.full((len(self.types), *cols.shape), -np.inf)
        for t, (a, b) in enumerate(self.types):
            if b == 0:
                continue
            ok, sr, sh = _grid_starts(rows, cols, a, b, n, m)
            if not ok.any():
                continue
            sims = pair_sims(self.ref.cen[a], self.hyp.cen[b], sr, sh)
            denom = 0.5 * (self.ref_norm[a][sr][:, None] + self.hyp_norm[b][sh])
            out[t] = np.where(ok, -(1.0 - sims) / denom * (a * b), -np.inf)
        return out


def knn_mean(windows: np.ndarray, others: np.ndarray, k: int) -> np.ndarray:
    """Mean cosine of each window with its ``k`` nearest sentences on the other side after the nearest one.

    The nearest is left out: counting a window's own match among its neighbours lowers a clean
    1-1 margin by cos / k, and a merge that absorbs a run of insertions then outscores the 1-1
    and its skips (tests/test_align_sentences.py, the long insertion).
    """
    if windows.shape[0] == 0 or others.shape[0] < 2:
        return np.zeros(windows.shape[0])
    take = min(k + 1, others.shape[0])
    out = np.empty(windows.shape[0])
    for start in range(0, windows.shape[0], 512):
        block = np.ascontiguousarray(windows[start : start + 512] @ others.T, dtype=np.float32)
        if _knn_sums is not None:  # one pass per row in C, the same sums
            sums = np.empty(block.shape[0])
            _knn_sums(block, block.shape[1], take, sums)
            out[start : start + 512] = sums / (take - 1)
            continue
        rows = np.arange(block.shape[0])
        total = np.zeros(block.shape[0])
        for rank in range(take):  # a few argmax passes: 5x faster than np.partition for k = 4
            at = block.argmax(axis=1)
            if rank:
                total += block[rows, at]
            block[rows, at] = -np.inf
        out[start : start + 512] = total / (take - 1)
    return out


def side_knn(side: _Side, others: np.ndarray, k: int) -> dict[int, np.ndarray]:
    """``knn_mean`` of every window size of ``side`` (centred windows) against the sentences ``others``.

    Mean windows are linear in their members, so with the C extension their cosines are weighted
    sums of the sentences' cosine rows (one matmul for the sentences and all mean sizes, then each
    window start grown one sentence at a time through all sizes) instead of one matmul per size:
    the same values within float rounding (3e-7 measured). Sentences (size 1) go the same way when
    some larger size does.
    """
    kernel = _mean_knn_sums if others.shape[0] >= 2 and side.means - {1} else None
    out = {
        size: knn_mean(windows, others, k)
        for size, windows in side.cen.items()
        if kernel is None or size not in side.means
    }
    if kernel is not None:
        out.update(_mean_window_knn(side, others, k, kernel))
    return out


def _mean_window_knn(side: _Side, others: np.ndarray, k: int, kernel: Callable[..., None]) -> dict[int, np.ndarray]:
    take = min(k + 1, others.shape[0])
    sizes = np.array(sorted(side.means), dtype=np.int64)
    n = side.count
    offset = np.zeros(others.shape[0]) if side.mean is None else (others @ side.mean).astype(np.float64)
    # Per size and window start: 1 / |sum of weighted members| and 1 / |window - side mean| (0 past the end).
    inv_norm, inv_cen = np.zeros((len(sizes), n)), np.zeros((len(sizes), n))
    for row, size in enumerate(sizes):
        summed = side.prefix[size:] - side.prefix[:-size]
        inv_norm[row, : len(summed)] = 1.0 / np.maximum(np.sqrt(np.einsum("ij,ij->i", summed, summed)), 1e-12)
        inv_cen[row, : len(summed)] = 1.0
        if side.mean is not None:
            moved = side.raw[int(size)].astype(np.float64) - side.mean
            inv_cen[row, : len(summed)] = 1.0 / np.maximum(np.sqrt(np.einsum("ij,ij->i", moved, moved)), 1e-12)
    sums = np.zeros((len(sizes), n))
    block = 512
    for start in range(0, n, block):
        end, stop = min(n, start + block), min(n, start + block + int(sizes[-1]) - 1)  # starts, sentences
        cos = np.ascontiguousarray(side.raw[1][start:stop] @ others.T, dtype=np.float32)
        weights = np.ascontiguousarray(side.weights[start:stop], dtype=np.float64)
        part = np.zeros((len(sizes), end - start))
        norm_part, cen_part = (np.ascontiguousarray(v[:, start:end]) for v in (inv_norm, inv_cen))
        kernel(cos, weights, others.shape[0], sizes, norm_part, offset, cen_part, take, part)
        sums[:, start:end] = part
    return {int(size): sums[row, : n - size + 1] / (take - 1) for row, size in enumerate(sizes)}


class _Scorer:
    """kNN-margin-and-length bead scores for chunks of DP rows (see the module docstring)."""

    def __init__(self, ref: _Side, hyp: _Side, types: list[tuple[int, int]], margin: bool, len_penalty: bool):
        self.ref, self.hyp, self.types = ref, hyp, types
        self.len_penalty = len_penalty
        total_hyp = float(hyp.lengths[1].sum()) if hyp.count else 1.0
        self.ratio = float(ref.lengths[1].sum()) / max(total_hyp, 1.0)
        if margin:  # the two sides in two threads: their matmuls and C loops release the GIL
            with ThreadPoolExecutor(max_workers=2) as pool:
                ref_knn = pool.submit(side_knn, ref, hyp.cen[1], KNN)
                self.hyp_knn = side_knn(hyp, ref.cen[1], KNN)
                self.ref_knn = ref_knn.result()
        else:
            self.ref_knn = {a: np.zeros(len(v)) for a, v in ref.cen.items()}
            self.hyp_knn = {b: np.zeros(len(v)) for b, v in hyp.cen.items()}

    def __call__(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        n, m = self.ref.count, self.hyp.count
        out = np.full((len(self.types), *cols.shape), -np.inf)
        for t, (a, b) in enumerate(self.types):
            if b == 0:
                continue
            ok, sr, sh = _grid_starts(rows, cols, a, b, n, m)
            if not ok.any():
                continue
            score = pair_sims(self.ref.cen[a], self.hyp.cen[b], sr, sh)
            score = score - (self.ref_knn[a][sr][:, None] + self.hyp_knn[b][sh]) / 2
            if self.len_penalty:
                lr = self.ref.lengths[a][sr][:, None]
                lh = self.hyp.lengths[b][sh] * self.ratio
                penalty = np.log2(1.0 + np.minimum(lr, lh) / np.maximum(np.maximum(lr, lh), 1e-9))
                # Shrinking a negative score towards 0 would reward a badly unequal bead.
                score = np.where(score > 0, score * penalty, score)
            out[t] = np.where(ok, score, -np.inf)
        return out


def _refusal(system: str, test: OrderTest, n: int, m: int) -> AlignmentError:
    return AlignmentError(
        f"version {system} has nothing alignable to the reference: its best matches follow no order "
        f"(chain score {test.score:.2f} vs up to {test.shuffled_max:.2f} with the sentences shuffled, "
        f"p={test.p_value:.2f} > {P_VALUE}; {n} reference and {m} version sentences); "
        "check that it is a version of this reference and its language/cleaning"
    )


def align_sentences(
    ref_vecs: np.ndarray,
    hyp_vecs: np.ndarray,
    *,
    system: str = "version",
    method: str = "bertalign",
    max_align: int = MAX_ALIGN,
    window: int = WINDOW,
    skip: float = SKIP,
    margin: bool = True,
    len_penalty: bool = True,
    p_value: float = P_VALUE,
    ref_texts: Sequence[str] | None = None,
    hyp_texts: Sequence[str] | None = None,
    embed_fn: EmbedFn | None = None,
    ref_windows: Mapping[int, np.ndarray] | None = None,
    hyp_windows: Mapping[int, np.ndarray] | None = None,
    seed: int = 0,
    center: bool = True,
) -> list[Bead]:
    """Align version sentences to reference sentences; returns beads covering both, in order.

    ``ref_vecs``/``hyp_vecs``: one embedding row per sentence. ``method``: the bead score,
    ``"bertalign"`` (the module docstring) or ``"normalised"`` (``_NormalisedScorer``; it has
    its own bead sizes and skip, so ``max_align``, ``skip``, ``margin`` and ``len_penalty``
    apply to Bertalign's only). ``max_align``: most sentences in one bead, both sides together.
    ``window``: second-pass search width around the anchors. ``skip``: score of a 1-0/0-1 bead.
    ``p_value``: the order test's level (see ``eval.align.anchors``). Texts give the lengths for
    the length penalty and, with ``embed_fn``, the concatenated windows;
    ``ref_windows``/``hyp_windows`` ({size: vectors of window_texts(texts, size)}) are used
    instead where given.

    Raises AlignmentError (naming ``system``) when nothing is alignable: never force-aligns.
    """
    ref_arr = np.asarray(ref_vecs, dtype=np.float32)
    hyp_arr = np.asarray(hyp_vecs, dtype=np.float32)
    if ref_arr.ndim != 2 or hyp_arr.ndim != 2 or ref_arr.shape[0] == 0 or hyp_arr.shape[0] == 0:
        raise AlignmentError(
            f"version {system} cannot be aligned: reference vectors {ref_arr.shape}, version vectors "
            f"{hyp_arr.shape} (need one row per sentence on both sides); check cleaning/segmentation"
        )
    if ref_arr.shape[1] != hyp_arr.shape[1]:
        raise AlignmentError(
            f"version {system}: embedding sizes differ ({ref_arr.shape[1]} reference vs {hyp_arr.shape[1]} "
            "version); embed both sides with the same embedder"
        )
    ref, hyp = _normalize(ref_arr), _normalize(hyp_arr)
    n, m = ref.shape[0], hyp.shape[0]
    for side, texts, count in (("reference", ref_texts, n), ("version", hyp_texts, m)):
        if texts is not None and len(texts) != count:
            raise InputError(f"version {system}: {len(texts)} {side} texts vs {count} {side} vectors")

    matches: Matches = top_k(ref, hyp)
    test = order_test(matches, n, m, seed=seed)
    if test.tested and test.p_value > p_value:
        raise _refusal(system, test, n, m)
    anchors = first_pass(matches, n, m)

    types = [(a, b) for a, b in method_bead_types(method, max_align) if a <= n and b <= m]
    sizes = sorted({a for a, _ in types} | {b for _, b in types})
    ref_side = _side(ref, ref_texts, sizes, embed_fn, ref_windows, center, "reference")
    hyp_side = _side(hyp, hyp_texts, sizes, embed_fn, hyp_windows, center, "version")
    lo, hi = second_band(anchors, window, n, m)
    scorer: _Scorer | _NormalisedScorer
    if method == "bertalign":
        scorer = _Scorer(ref_side, hyp_side, [(1, 0), *types], margin, len_penalty)
    else:
        scorer, skip = _NormalisedScorer(ref_side, hyp_side, [(1, 0), *types], seed), _NormalisedScorer.SKIP
    path = best_path(n, m, lo, hi, [(1, 0), *types], scorer, skip)

    beads = []
    for ref_ids, hyp_ids in path:
        sim = 0.0
        if ref_ids and hyp_ids:
            sim = float(ref_side.raw[len(ref_ids)][ref_ids[0]] @ hyp_side.raw[len(hyp_ids)][hyp_ids[0]])
        beads.append(Bead(ref_ids, hyp_ids, sim))
    if not any(b.is_aligned for b in beads):
        raise AlignmentError(
            f"version {system} has nothing alignable to the reference: no bead scores above skipping "
            f"(skip={skip}); check that it is a version of this reference and its language/cleaning"
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
