"""Bootstrap confidence intervals and paired significance tests, bit-identical to sacrebleu 2.6.0.

Why reimplement: sacrebleu rescores every resample in a Python loop (1000 calls of
``_compute_score_from_stats`` per system and metric, 20,000 for approximate randomization). Here
a resample is a row of a count (or coin-flip) matrix, all resampled corpus statistics come from
one matrix product, and the corpus formulas run over whole arrays.

Identity with sacrebleu holds by construction, not by tolerance:

- the same generator (``np.random.default_rng(seed)``) makes the same calls in the same order, so
  the resampled indices (bootstrap) and the coin flips (AR) are sacrebleu's;
- sacrebleu sums bootstrap statistics in float32: for the integer counts of BLEU, chrF and TER
  (one reference) those sums are exact below 2**24, and the float32 divisions chrF and TER then
  perform are reproduced (``float32=True``); non-integer statistics fall back to sacrebleu's own
  float32 gather-and-sum;
- ``math.log``/``math.exp`` (libm) and numpy's SIMD ``log``/``exp`` differ in the last bit on
  AVX-512 machines, so the few transcendental calls go through ``np.frompyfunc(math.log)``;
- the means are the ones sacrebleu takes: numpy's mean of the sorted scores in paired tests,
  ``statistics.mean`` for the single-system ``--confidence``.

Statistics: ``sufficient_stats`` preprocesses with sacrebleu's own metric object (tokenizer,
casing; BLEU's default 13a tokenizer runs batched in ``tokenize13a``, same output), then counts
BLEU/chrF n-grams for all systems at once: in the optional C extension ``_ngrams`` (one hash table
per reference segment), else in numpy (dense n-gram codes, sorted keys). Tests check both equal
``_extract_corpus_statistics``; ``engine="sacrebleu"`` uses it.

Approximate randomization builds each shuffled pseudo-system as ``total + flips @ (base - sys)``,
exact on integer statistics; for non-integer ones ('mean', multi-reference TER) it agrees with
sacrebleu to rounding only (there is no sacrebleu counterpart for 'mean' anyway).

One sacrebleu quirk is not copied: its paired tests treat seed 0 as "no seed" (non-reproducible);
here 0 is a seed like any other. ``seed=None`` draws entropy from the OS, as SACREBLEU_SEED=None.
"""

from __future__ import annotations

import functools
import itertools
import logging
import math
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from eval.errors import ConfigError, MetricError
from eval.scoring.tokenize13a import SEP, is_13a, joined_13a

logger = logging.getLogger(__name__)

METRICS = ("bleu", "chrf", "chrf++", "ter", "mean")
HIGHER_IS_BETTER = {"bleu": True, "chrf": True, "chrf++": True, "ter": False, "mean": True}
DEFAULT_SEED = 12345
BS_SAMPLES = 1000
AR_SAMPLES = 10000

_SMOOTH_DEFAULTS: dict[str, float | None] = {"none": None, "floor": 0.1, "add-k": 1, "exp": None}
_BLEU_SCORE_ARGS = {"smooth_method": "exp", "smooth_value": None, "max_ngram_order": 4, "effective_order": False}
_CHRF_SCORE_ARGS = {"char_order": 6, "word_order": 0, "beta": 2, "eps_smoothing": False}
_LOG_FLOOR = -9999999999.0  # sacrebleu.utils.my_log(0)
_FLOAT32_EXACT = 2**24  # integers up to here are exact in float32
_AR_CHUNK = 1000  # coin-flip rows per matrix product: bounds memory at ~16 MB per 2,000 segments

_libm_log = np.frompyfunc(math.log, 1, 1)
_libm_exp = np.frompyfunc(math.exp, 1, 1)


def _log(x: np.ndarray) -> np.ndarray:
    """libm's log, elementwise (numpy's SIMD log is not bit-identical to math.log)."""
    return np.asarray(_libm_log(x), dtype=np.float64).reshape(x.shape)


def _exp(x: np.ndarray) -> np.ndarray:
    """libm's exp, elementwise."""
    return np.asarray(_libm_exp(x), dtype=np.float64).reshape(x.shape)


# --------------------------------------------------------------------------- metrics and statistics


def _check_metric(metric: str) -> None:
    if metric not in METRICS:
        raise ConfigError(f"unknown metric {metric!r} for significance tests: choose one of {', '.join(METRICS)}")


def make_sacrebleu_metric(metric: str, **metric_args: Any) -> Any:
    """sacrebleu's own metric object, so tokenization and statistics are sacrebleu's."""
    _check_metric(metric)
    from sacrebleu.metrics import BLEU, CHRF, TER

    factories: dict[str, Any] = {
        "bleu": BLEU,
        "chrf": CHRF,
        "chrf++": lambda **kw: CHRF(**{"word_order": 2, **kw}),
        "ter": TER,
    }
    if metric not in factories:
        raise ConfigError(f"metric {metric!r} has no sacrebleu statistics: pass segment scores to mean_stats()")
    try:
        return factories[metric](**metric_args)
    except TypeError as exc:
        raise ConfigError(f"invalid arguments for sacrebleu {metric}: {metric_args} ({exc})") from exc


def sufficient_stats(
    metric: str, hyps: Sequence[str], refs: Sequence[str], *, engine: str = "numpy", **metric_args: Any
) -> np.ndarray:
    """Per-segment sufficient statistics, shape (n_segments, n_stats), equal to sacrebleu's.

    ``engine="numpy"`` counts BLEU/chrF n-grams in numpy after sacrebleu's own preprocessing
    (tokenizer, casing); ``engine="sacrebleu"`` calls ``_extract_corpus_statistics``. TER always
    goes through sacrebleu.
    """
    return sufficient_stats_many(metric, {"system": hyps}, refs, engine=engine, **metric_args)["system"]


def sufficient_stats_many(
    metric: str,
    systems: Mapping[str, Sequence[str]],
    refs: Sequence[str],
    *,
    engine: str = "numpy",
    **metric_args: Any,
) -> dict[str, np.ndarray]:
    """Statistics of several systems against one reference, which is preprocessed only once."""
    if engine not in ("numpy", "sacrebleu"):
        raise ConfigError(f"unknown statistics engine {engine!r}: choose 'numpy' or 'sacrebleu'")
    if not refs:
        raise MetricError(f"{metric}: no reference segments to extract statistics from")
    for name, hyps in systems.items():
        if len(hyps) != len(refs):
            raise MetricError(
                f"{metric}: system {name!r} has {len(hyps)} hypothesis segments vs {len(refs)} reference segments"
            )
    scorer = make_sacrebleu_metric(metric, **metric_args)
    if engine == "numpy" and metric in ("bleu", "chrf", "chrf++"):
        return _numpy_stats(metric, scorer, systems, refs)
    scorer._ref_cache = scorer._cache_references([list(refs)])
    return {
        name: np.asarray(scorer._extract_corpus_statistics(list(hyps), None), dtype=np.float64).reshape(len(refs), -1)
        for name, hyps in systems.items()
    }


def metric_statistics(kind: str, scorer: Any, hyps: Sequence[str], refs: Sequence[str]) -> np.ndarray:
    """Per-segment statistics of a sacrebleu metric object the caller built (a run's BLEU/chrF/TER).

    Why: a run extracts every system's statistics; BLEU and chrF n-grams are counted here (the C
    extension, else numpy) at 10-30x sacrebleu's speed with the same numbers (``bench_run_statistics``);
    TER (and any other kind) goes through sacrebleu's ``_extract_corpus_statistics``.
    """
    if kind in ("bleu", "chrf", "chrf++"):
        scorer.num_refs = 1  # what sacrebleu's own extraction records (one reference stream) for the signature
        return _numpy_stats(kind, scorer, {"system": hyps}, refs)["system"]
    return np.asarray(scorer._extract_corpus_statistics(list(hyps), [list(refs)]), dtype=np.float64)


def _numpy_stats(
    metric: str, scorer: Any, systems: Mapping[str, Sequence[str]], refs: Sequence[str]
) -> dict[str, np.ndarray]:
    """sacrebleu's BLEU/chrF segment statistics, n-grams counted for all systems at once.

    Documents are the references followed by every system's hypotheses. BLEU's default 13a
    tokenizer runs over all of them in one pass (``tokenize13a``); n-gram matches are counted by
    the C extension, or with dense integer codes and sorted keys in numpy when it is not built.
    """
    names = list(systems)
    n_seg = len(refs)
    raw = [*refs, *(h for name in names for h in systems[name])]
    if metric == "bleu":
        order = int(scorer.max_ngram_order)
        ids = None
        if is_13a(scorer.tokenizer):
            joined = joined_13a(raw, bool(scorer.lowercase))
            if joined is not None and _split_ids is not None:
                ids = _c_ids(joined, words=True)
            elif joined is not None:
                ids = _token_ids([part.split() for part in joined.split(SEP)])
        if ids is None:
            ids = _token_ids([scorer._preprocess_segment(d).split() for d in raw])
        match, hyp_tot, ref_tot, lens = _matches(*ids, n_seg, order)
        hyp_len, ref_len = lens[n_seg:], np.tile(lens[:n_seg], len(names))
        out = np.concatenate([hyp_len[:, None], ref_len[:, None], match, hyp_tot], axis=1)
    else:
        docs = [scorer._preprocess_segment(d) for d in raw]
        if not scorer.whitespace and _split_ids is not None and not any(SEP in d for d in docs):
            char_ids = _c_ids(SEP.join(docs), words=False)  # whitespace dropped in C, as "".join(d.split())
        else:
            char_ids = _char_ids(docs if scorer.whitespace else ["".join(d.split()) for d in docs])
        parts = [_matches(*char_ids, n_seg, int(scorer.char_order))]
        if scorer.word_order > 0:
            words = _token_ids([scorer._remove_punctuation(d) for d in docs])
            parts.append(_matches(*words, n_seg, int(scorer.word_order)))
        match, hyp_tot, ref_tot = (np.concatenate([p[k] for p in parts], axis=1) for k in range(3))
        hyp_tot = np.where(ref_tot > 0, hyp_tot, 0)  # sacrebleu: "hyp_count if ref_ngrams else 0"
        out = np.stack([hyp_tot, ref_tot, match], axis=2).reshape(len(hyp_tot), -1)
    out = out.astype(np.float64)
    return {name: out[i * n_seg : (i + 1) * n_seg] for i, name in enumerate(names)}


def _token_ids(docs: list[list[str]]) -> tuple[np.ndarray, np.ndarray, int]:
    """Dense token ids (flat), document lengths and vocabulary size (C-level loops only)."""
    lens = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
    flat = list(itertools.chain.from_iterable(docs))
    vocab = {t: i for i, t in enumerate(dict.fromkeys(flat))}
    ids = np.fromiter(map(vocab.__getitem__, flat), dtype=np.int64, count=len(flat))
    return ids, lens, len(vocab)


def _char_ids(docs: list[str]) -> tuple[np.ndarray, np.ndarray, int]:
    """Dense code-point ids without a Python loop over characters (UTF-32 view of the joined text)."""
    lens = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
    points = np.frombuffer("".join(docs).encode("utf-32-le", "surrogatepass"), dtype="<u4").astype(np.int64)
    present = np.bincount(points) > 0 if len(points) else np.zeros(1, dtype=bool)
    dense = np.cumsum(present) - 1
    return dense[points], lens, int(present.sum())


def _c_ids(text: str, words: bool) -> tuple[np.ndarray, np.ndarray, int]:
    """``_token_ids`` (words) or ``_char_ids`` without whitespace (characters) of SEP-joined documents.

    Character ids are code points, not dense: only the C counter, which needs no bound, uses them.
    """
    assert _split_ids is not None
    ids, lens, vocab = _split_ids(text, ord(SEP), words)
    return np.frombuffer(ids, dtype=np.int64), np.frombuffer(lens, dtype=np.int64), vocab


def _ngram_matches_c(
    ids: np.ndarray, lens: np.ndarray, vocab_size: int, n_refs: int, max_order: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``_ngram_matches`` through the C extension (hash tables per reference, exact id comparison)."""
    if _clipped_matches is None:
        raise MetricError("eval.scoring._ngrams is not built: reinstall with a C compiler (pip install -e .)")
    n_hyps = len(lens) - n_refs
    offsets = np.zeros(len(lens) + 1, dtype=np.int64)
    np.cumsum(lens, out=offsets[1:])
    match = np.zeros((n_hyps, max_order), dtype=np.int64)
    _clipped_matches(np.ascontiguousarray(ids, dtype=np.int64), offsets, n_refs, max_order, match)
    totals = np.maximum(lens[:, None] - np.arange(max_order)[None, :], 0)
    return match, totals[n_refs:], np.tile(totals[:n_refs], (n_hyps // n_refs, 1)), lens


def _ngram_matches(
    ids: np.ndarray, lens: np.ndarray, vocab_size: int, n_refs: int, max_order: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Clipped n-gram matches of every hypothesis document against its reference, orders 1..max.

    Documents are the references first (``n_refs``), then the hypotheses, system after system.
    Returns match, hypothesis totals and reference totals, each (n_hyps, max_order), and the
    token count of every document. An n-gram's code is a base-``vocab_size`` number of its token
    ids, made dense again only when the next order would overflow int64.
    """
    n_docs = len(lens)
    n_hyps = n_docs - n_refs
    starts = np.cumsum(lens) - lens
    doc_of = np.repeat(np.arange(n_docs), lens)
    pos = np.arange(len(ids)) - starts[doc_of]
    room = lens[doc_of] - pos  # tokens left from each position to the end of its document
    is_hyp = doc_of >= n_refs
    seg_of = np.where(is_hyp, (doc_of - n_refs) % n_refs, doc_of)
    base = max(vocab_size, 1)
    match = np.zeros((n_hyps, max_order), dtype=np.int64)
    code = ids.copy()
    width = base
    for n in range(1, max_order + 1):
        at = np.flatnonzero(room >= n)
        if n > 1:
            if width * base * n_docs >= 2**62:  # re-densify so that keys stay exact in int64
                _, dense = np.unique(code[at], return_inverse=True)
                code[at] = dense.reshape(-1)
                width = int(code[at].max(initial=0)) + 1
            code[at] = code[at] * base + ids[at + n - 1]
            width *= base
        ref_at, hyp_at = at[~is_hyp[at]], at[is_hyp[at]]
        ref_keys, ref_counts = np.unique(seg_of[ref_at] * width + code[ref_at], return_counts=True)
        hyp_keys, hyp_counts = np.unique(doc_of[hyp_at] * width + code[hyp_at], return_counts=True)
        hyp_doc = hyp_keys // width
        lookup = ((hyp_doc - n_refs) % n_refs) * width + hyp_keys % width
        if len(ref_keys) and len(hyp_keys):
            where = np.minimum(np.searchsorted(ref_keys, lookup), len(ref_keys) - 1)
            clipped = np.where(ref_keys[where] == lookup, np.minimum(hyp_counts, ref_counts[where]), 0)
            match[:, n - 1] = np.bincount(hyp_doc - n_refs, weights=clipped, minlength=n_hyps).astype(np.int64)
    totals = np.maximum(lens[:, None] - np.arange(max_order)[None, :], 0)
    return match, totals[n_refs:], np.tile(totals[:n_refs], (n_hyps // n_refs, 1)), lens


def _load_c() -> tuple[Callable[..., None] | None, Callable[[str, int, bool], tuple[bytes, bytes, int]] | None]:
    try:
        from eval.scoring._ngrams import clipped_matches, split_ids
    except ImportError:
        logger.debug("eval.scoring._ngrams not built: n-gram matches are counted in numpy (slower, same numbers)")
        return None, None
    return clipped_matches, split_ids


_clipped_matches, _split_ids = _load_c()
_matches = _ngram_matches_c if _clipped_matches is not None else _ngram_matches


def mean_stats(scores: Sequence[float] | np.ndarray) -> np.ndarray:
    """Statistics of a segment-averaged metric (COMET...): one column of scores, one of ones."""
    col = np.asarray(scores, dtype=np.float64).reshape(-1)
    return np.stack([col, np.ones_like(col)], axis=1)


def _score_args(metric: str, metric_args: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments that change the corpus formula (tokenizer, casing... only change statistics)."""
    if metric == "bleu":
        return {k: metric_args.get(k, v) for k, v in _BLEU_SCORE_ARGS.items()}
    if metric in ("chrf", "chrf++"):
        defaults = {**_CHRF_SCORE_ARGS, "word_order": 2 if metric == "chrf++" else 0}
        return {k: metric_args.get(k, v) for k, v in defaults.items()}
    return {}


def n_stats(metric: str, **metric_args: Any) -> int:
    """Number of sufficient statistics per segment, to validate arrays early."""
    _check_metric(metric)
    args = _score_args(metric, metric_args)
    if metric == "bleu":
        return 2 + 2 * int(args["max_ngram_order"])
    if metric in ("chrf", "chrf++"):
        return 3 * (int(args["char_order"]) + int(args["word_order"]))
    return 2


# --------------------------------------------------------------------------- corpus formulas


def _bleu(s: np.ndarray, smooth_method: str, smooth_value: float | None, max_ngram_order: int,
          effective_order: bool) -> np.ndarray:  # fmt: skip
    """sacrebleu ``BLEU.compute_bleu`` over arrays, same operations in the same order."""
    if smooth_method not in _SMOOTH_DEFAULTS:
        raise ConfigError(f"unknown BLEU smooth_method {smooth_method!r}: choose one of {list(_SMOOTH_DEFAULTS)}")
    if smooth_value is None:
        smooth_value = _SMOOTH_DEFAULTS[smooth_method]
    order = int(max_ngram_order)
    shape = s.shape[:-1]
    sys_len, ref_len = s[..., 0], s[..., 1]
    correct = s[..., 2 : 2 + order].copy()
    total = s[..., 2 + order : 2 + 2 * order].copy()

    bp = np.ones(shape)
    short = sys_len < ref_len
    bp[short] = 0.0
    has_sys = short & (sys_len > 0)
    bp[has_sys] = _exp(1 - ref_len[has_sys] / sys_len[has_sys])

    no_match = ~np.any(correct != 0, axis=-1)  # checked before add-k, as sacrebleu does
    if smooth_method == "add-k":
        correct[..., 1:] += smooth_value
        total[..., 1:] += smooth_value
    active = np.cumprod(total != 0, axis=-1).astype(bool)  # orders seen before the loop breaks
    n_active = active.sum(axis=-1)
    eff = np.where(n_active == 0, order, n_active) if effective_order else np.full(shape, order)

    zero = active & (correct == 0)
    hit = active & ~zero
    prec = np.zeros(correct.shape)
    prec[hit] = 100.0 * correct[hit] / total[hit]
    if smooth_method == "exp":
        doubling = 2.0 ** np.cumsum(zero, axis=-1)
        prec[zero] = 100.0 / (doubling[zero] * total[zero])
    elif smooth_method == "floor":
        prec[zero] = 100.0 * float(smooth_value or 0.0) / total[zero]

    logs = np.full(prec.shape, _LOG_FLOOR)
    positive = prec != 0.0
    logs[positive] = _log(prec[positive])
    acc = np.zeros(shape)
    for n in range(order):  # Python's left-to-right sum over the first eff orders
        acc = acc + np.where(n < eff, logs[..., n], 0.0)
    score = bp * _exp(acc / eff)
    score[no_match] = 0.0
    return score


def _chrf(s: np.ndarray, char_order: int, word_order: int, beta: float, eps_smoothing: bool,
          float32: bool) -> np.ndarray:  # fmt: skip
    """sacrebleu ``CHRF._compute_f_score`` over arrays; float32 reproduces its bootstrap divisions."""
    eps = 1e-16
    order = int(char_order) + int(word_order)
    factor = beta**2
    shape = s.shape[:-1]
    score = np.zeros(shape)
    avg_prec = np.zeros(shape)
    avg_rec = np.zeros(shape)
    effective = np.zeros(shape, dtype=np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        for i in range(order):
            n_hyp, n_ref, n_match = s[..., 3 * i], s[..., 3 * i + 1], s[..., 3 * i + 2]
            prec = np.where(n_hyp > 0, _divide(n_match, n_hyp, float32), eps)
            rec = np.where(n_ref > 0, _divide(n_match, n_ref, float32), eps)
            denom = factor * prec + rec
            score = score + np.where(denom > 0, (1 + factor) * prec * rec / denom, eps)
            both = (n_hyp > 0) & (n_ref > 0)
            avg_prec = np.where(both, avg_prec + prec, avg_prec)
            avg_rec = np.where(both, avg_rec + rec, avg_rec)
            effective += both
        if eps_smoothing:
            return 100 * score / order
        avg_prec = np.where(effective == 0, 0.0, avg_prec / effective)
        avg_rec = np.where(effective == 0, 0.0, avg_rec / effective)
        f = (1 + factor) * avg_prec * avg_rec
        f = f / ((factor * avg_prec) + avg_rec)
    return np.where(avg_prec + avg_rec != 0, 100 * f, 0.0)


def _divide(num: np.ndarray, den: np.ndarray, float32: bool) -> np.ndarray:
    """num / den, rounded through float32 when sacrebleu divides two float32 scalars."""
    if float32:
        return (num.astype(np.float32) / den.astype(np.float32)).astype(np.float64)
    return num / den


def _ter(s: np.ndarray, float32: bool) -> np.ndarray:
    """sacrebleu ``TER._compute_score_from_stats`` over arrays."""
    edits, ref_len = s[..., 0], s[..., 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(ref_len > 0, _divide(edits, ref_len, float32), np.where(edits > 0, 1.0, 0.0))
    return 100 * rate


def score_from_stats(metric: str, stats_sum: np.ndarray, *, float32: bool = False, **metric_args: Any) -> np.ndarray:
    """Corpus scores from summed statistics (..., n_stats) -> (...), vectorized over leading dims.

    Equals sacrebleu's ``_compute_score_from_stats`` bit for bit on integer statistics. ``float32``
    reproduces the divisions sacrebleu performs on the float32 sums of its bootstrap resamples.
    """
    _check_metric(metric)
    s = np.asarray(stats_sum, dtype=np.float64)
    expected = n_stats(metric, **metric_args)
    if s.ndim == 0 or s.shape[-1] != expected:
        raise MetricError(
            f"{metric}: statistics have shape {s.shape}, expected (..., {expected}); "
            "extract them with sufficient_stats() using the same metric arguments"
        )
    args = _score_args(metric, metric_args)
    lead = s.shape[:-1]
    s = s.reshape(-1, expected)  # 2-D inside: boolean-mask assignment needs arrays, not scalars
    if metric == "bleu":
        out = _bleu(s, **args)
    elif metric in ("chrf", "chrf++"):
        out = _chrf(s, float32=float32, **args)
    elif metric == "ter":
        out = _ter(s, float32)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            out = s[..., 0] / s[..., 1]
    return np.ascontiguousarray(out, dtype=np.float64).reshape(lead)


def corpus_score(metric: str, stats: np.ndarray, **metric_args: Any) -> float:
    """The actual (not resampled) corpus score of per-segment statistics."""
    return float(score_from_stats(metric, np.asarray(stats, dtype=np.float64).sum(axis=0), **metric_args))


# --------------------------------------------------------------------------- resampling


def _seeded_draw(seed: int | None, n_segments: int, n_samples: int) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap indices and their count matrix from a fresh generator, read-only.

    A given integer seed always draws the same indices, so they are kept for the next call with
    the same arguments (BLEU then chrF on one test set draw the same resamples); seed None
    draws anew every time.
    """
    if seed is None:
        return _draw(None, n_segments, n_samples)
    return _cached_draw(seed, n_segments, n_samples)


def _draw(seed: int | None, n_segments: int, n_samples: int) -> tuple[np.ndarray, np.ndarray]:
    idxs = _bootstrap_indices(np.random.default_rng(seed), n_segments, n_samples)
    counts = _counts(idxs, n_segments)
    idxs.flags.writeable = counts.flags.writeable = False
    return idxs, counts


_cached_draw = functools.lru_cache(maxsize=1)(_draw)


def _coin_flips(rng: np.random.Generator, n_samples: int, n_segments: int) -> np.ndarray:
    """sacrebleu's ``pos_sel`` for approximate randomization (same call, same arguments)."""
    flips = rng.integers(2, size=(n_samples, n_segments), dtype=bool)
    flips.flags.writeable = False
    return flips


@functools.lru_cache(maxsize=1)
def _cached_flips(seed: int, n_samples: int, n_segments: int) -> np.ndarray:
    """The coin flips of a fresh generator with an integer seed, kept for the next metric."""
    return _coin_flips(np.random.default_rng(seed), n_samples, n_segments)


def _bootstrap_indices(rng: np.random.Generator, n_segments: int, n_samples: int) -> np.ndarray:
    """The index matrix sacrebleu draws (one call, same arguments)."""
    return rng.choice(n_segments, size=(n_samples, n_segments), replace=True)


def _resampled_sums(stats: np.ndarray, idxs: np.ndarray, counts: np.ndarray, float32: bool,
                    sums: np.ndarray | None = None) -> np.ndarray:  # fmt: skip
    """Statistics summed per resample, as sacrebleu's ``stats_np[idxs]`` then ``.sum(0)``.

    Integer statistics: counts @ stats (or ``sums`` when already computed), exact and equal to
    sacrebleu's float32 sums below 2**24. Anything else under float32: sacrebleu's own float32
    gather-and-sum, chunked.
    """
    if sums is None:
        sums = counts @ stats
    if not float32:
        return sums
    integral = bool(np.all(stats == np.round(stats))) and float(np.abs(sums).max(initial=0.0)) < _FLOAT32_EXACT
    if integral:
        return sums
    logger.debug("non-integer statistics: summing %d resamples in float32 as sacrebleu does", len(idxs))
    s32 = stats.astype(np.float32)
    chunk = max(1, 2**22 // max(1, stats.size))
    parts = [s32[idxs[i : i + chunk]].sum(axis=1) for i in range(0, len(idxs), chunk)]
    return np.concatenate(parts).astype(np.float64)


def _integral(arrays: Sequence[np.ndarray]) -> bool:
    """Whole-number statistics whose weighted sums stay exact in float64 in any summation order.

    The weights (resample counts, coin flips) are non-negative integers with row sums at most
    ``len(a)``, so ``len(a) * max|a|`` bounds every partial sum.
    """
    return all(bool(np.all(a == np.round(a))) and len(a) * float(np.abs(a).max(initial=0.0)) < 2**52 for a in arrays)


def _stacked_products(weights: np.ndarray, arrays: Sequence[np.ndarray]) -> list[np.ndarray]:
    """``weights @ a`` for every array, from one matrix product (one BLAS call instead of one each).

    Only for ``_integral`` statistics: their products are exact, so the stacked result equals the
    separate ones bit for bit. When every partial sum stays below 2**24 (``len * max|a|``), float32
    is exact too and its product runs about twice as fast.
    """
    widths = [a.shape[1] for a in arrays]
    stacked = np.concatenate(arrays, axis=1)
    if len(stacked) * float(np.abs(stacked).max(initial=0.0)) < _FLOAT32_EXACT:
        both = (weights.astype(np.float32, copy=False) @ stacked.astype(np.float32)).astype(np.float64)
    else:
        both = weights.astype(np.float64) @ stacked
    return np.split(both, np.cumsum(widths)[:-1], axis=1)


def _counts(idxs: np.ndarray, n_segments: int) -> np.ndarray:
    """(n_samples, n_segments) matrix: how often each segment was drawn in each resample.

    float32 (half the memory, no conversion before a float32 product) whenever every count, at
    most ``n_segments``, is exact in it; products with float64 statistics promote to float64.
    """
    n_samples = idxs.shape[0]
    flat = (idxs + np.arange(n_samples)[:, None] * n_segments).ravel()
    dtype = np.float32 if n_segments < _FLOAT32_EXACT else np.float64
    return np.bincount(flat, minlength=n_samples * n_segments).reshape(n_samples, n_segments).astype(dtype)


class _Spread(NamedTuple):
    mean: float
    half_width: float
    low: float
    high: float


def _spread(scores: np.ndarray, alpha: float, exact_mean: bool) -> _Spread:
    """sacrebleu's ``estimate_ci``: sort, take the n//40-th from each end, mean of the sorted scores."""
    ordered = np.sort(scores)
    n = len(ordered)
    lower_idx = n // 40 if alpha == 0.05 else math.floor(n * alpha / 2 + 1e-9)
    upper_idx = n - lower_idx - 1
    low, high = float(ordered[lower_idx]), float(ordered[upper_idx])
    mean = statistics.mean(ordered.tolist()) if exact_mean else float(ordered.mean())
    return _Spread(mean, 0.5 * (high - low), low, high)


def _p_value(null_stats: np.ndarray, real_difference: float) -> float:
    """sacrebleu ``_compute_p_value`` (multeval): (count(stat > real) + 1) / (n + 1)."""
    return (int(np.sum(null_stats > real_difference)) + 1) / (len(null_stats) + 1)


def _as_stats(stats: np.ndarray, metric: str, what: str, **metric_args: Any) -> np.ndarray:
    arr = np.asarray(stats, dtype=np.float64)
    expected = n_stats(metric, **metric_args)
    if arr.ndim != 2 or arr.shape[1] != expected:
        raise MetricError(f"{metric}: statistics of {what} have shape {arr.shape}, expected (n_segments, {expected})")
    if arr.shape[0] == 0:
        raise MetricError(f"{metric}: {what} has no segments to resample")
    return arr


def _check_samples(n_samples: int, method: str) -> None:
    if n_samples < 1:
        raise ConfigError(f"{method}: n_samples must be >= 1, got {n_samples}")


# --------------------------------------------------------------------------- public tests


class BootstrapCI(NamedTuple):
    """One system's score and bootstrap CI; sacrebleu prints ``score (μ = mean ± half_width)``."""

    score: float
    mean: float
    ci_low: float
    ci_high: float

    @property
    def half_width(self) -> float:
        """sacrebleu's ``±`` value: half the distance between the percentile bounds."""
        return 0.5 * (self.ci_high - self.ci_low)


def bootstrap_ci(stats: np.ndarray, metric: str, n_samples: int = BS_SAMPLES, seed: int | None = DEFAULT_SEED,
                 alpha: float = 0.05, **metric_args: Any) -> BootstrapCI:  # fmt: skip
    """Percentile bootstrap CI of one system, identical to ``sacrebleu --confidence`` (alpha 0.05)."""
    _check_samples(n_samples, "bootstrap")
    arr = _as_stats(stats, metric, "the system", **metric_args)
    idxs, counts = _seeded_draw(seed, len(arr), n_samples)
    f32 = metric != "mean"
    sums = _resampled_sums(arr, idxs, counts, f32)
    spread = _spread(score_from_stats(metric, sums, float32=f32, **metric_args), alpha, exact_mean=True)
    return BootstrapCI(corpus_score(metric, arr, **metric_args), spread.mean, spread.low, spread.high)


@dataclass(frozen=True)
class PairedResult:
    """One system compared to the baseline on one metric (one row of significance.csv).

    ``ci_low``/``ci_high`` bound the system score (percentile bootstrap; None for AR without
    confidence resampling); ``mean`` and ``half_width`` are the ``μ ± CI`` sacrebleu prints.
    """

    system: str
    baseline: str
    metric: str
    method: str  # paired-bs | paired-ar
    baseline_score: float
    system_score: float
    delta: float
    ci_low: float | None
    ci_high: float | None
    p_value: float
    mean: float | None = None
    half_width: float | None = None
    baseline_mean: float | None = None
    baseline_half_width: float | None = None
    n_samples: int = 0
    seed: int | None = DEFAULT_SEED

    def significant(self, alpha: float = 0.05) -> bool:
        """sacrebleu marks p < 0.05 with '*'."""
        return self.p_value < alpha

    def to_row(self, lang: str = "") -> dict[str, object]:
        """The significance.csv columns (contract order); None means an empty cell."""
        return {
            "lang": lang,
            "metric": self.metric,
            "method": self.method,
            "baseline": self.baseline,
            "system": self.system,
            "baseline_score": self.baseline_score,
            "system_score": self.system_score,
            "delta": self.delta,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "p_value": self.p_value,
        }


def _prepare(baseline_stats: np.ndarray, systems_stats: Mapping[str, np.ndarray], metric: str, baseline: str,
             **metric_args: Any) -> tuple[np.ndarray, dict[str, np.ndarray]]:  # fmt: skip
    _check_metric(metric)
    base = _as_stats(baseline_stats, metric, f"baseline {baseline!r}", **metric_args)
    systems: dict[str, np.ndarray] = {}
    for name, st in systems_stats.items():
        arr = _as_stats(st, metric, f"system {name!r}", **metric_args)
        if len(arr) != len(base):
            raise MetricError(
                f"{metric}: system {name!r} has {len(arr)} segments vs baseline {baseline!r} {len(base)}; "
                "paired tests need the same aligned segments for every system"
            )
        systems[name] = arr
    return base, systems


def paired_bootstrap(baseline_stats: np.ndarray, systems_stats: Mapping[str, np.ndarray], metric: str,
                     n_samples: int = BS_SAMPLES, seed: int | None = DEFAULT_SEED, baseline: str = "baseline",
                     **metric_args: Any) -> list[PairedResult]:  # fmt: skip
    """Paired bootstrap resampling, identical to ``sacrebleu --paired-bs`` (Koehn 2004 / Moses script).

    Every system is resampled with the same indices as the baseline; p is the share of resampled
    |differences| (centred on their mean) that exceed the actual |difference|.
    """
    _check_samples(n_samples, "paired-bs")
    base, systems = _prepare(baseline_stats, systems_stats, metric, baseline, **metric_args)
    idxs, counts = _seeded_draw(seed, len(base), n_samples)
    f32 = metric != "mean"

    arrays = [base, *systems.values()]
    if _integral(arrays):  # one product for all systems; _resampled_sums only re-checks float32 exactness
        sums = _stacked_products(counts, arrays)
        all_sums = [_resampled_sums(a, idxs, counts, f32, sums=s) for a, s in zip(arrays, sums, strict=True)]
    else:
        all_sums = [_resampled_sums(a, idxs, counts, f32) for a in arrays]
    all_scores = [score_from_stats(metric, s, float32=f32, **metric_args) for s in all_sums]

    bl_score = corpus_score(metric, base, **metric_args)
    bl_scores = all_scores[0]
    bl_spread = _spread(bl_scores, 0.05, exact_mean=False)
    results = []
    for (name, arr), sys_scores in zip(systems.items(), all_scores[1:], strict=True):
        sys_score = corpus_score(metric, arr, **metric_args)
        spread = _spread(sys_scores, 0.05, exact_mean=False)
        sample_diffs = np.abs(sys_scores - bl_scores)
        p = _p_value(sample_diffs - sample_diffs.mean(), abs(bl_score - sys_score))
        results.append(
            PairedResult(
                system=name, baseline=baseline, metric=metric, method="paired-bs",
                baseline_score=bl_score, system_score=sys_score, delta=sys_score - bl_score,
                ci_low=spread.low, ci_high=spread.high, p_value=p, mean=spread.mean,
                half_width=spread.half_width, baseline_mean=bl_spread.mean,
                baseline_half_width=bl_spread.half_width, n_samples=n_samples, seed=seed,
            )
        )  # fmt: skip
    return results


def paired_approximate_randomization(
    baseline_stats: np.ndarray,
    systems_stats: Mapping[str, np.ndarray],
    metric: str,
    n_samples: int = AR_SAMPLES,
    seed: int | None = DEFAULT_SEED,
    baseline: str = "baseline",
    n_confidence: int = -1,
    **metric_args: Any,
) -> list[PairedResult]:
    """Paired approximate randomization, identical to ``sacrebleu --paired-ar`` p-values.

    Each trial swaps every segment between the two systems on a fair coin; p is the share of
    trials whose |score difference| exceeds the actual one. ``n_confidence`` > 0 adds sacrebleu's
    optional bootstrap CI (its API's ``n_ar_confidence``; the CLI leaves it off).
    """
    _check_samples(n_samples, "paired-ar")
    base, systems = _prepare(baseline_stats, systems_stats, metric, baseline, **metric_args)
    n_seg = len(base)
    rng = np.random.default_rng(seed)
    if n_confidence > 0 or seed is None:  # the generator goes on drawing: no reuse
        swap = _coin_flips(rng, n_samples, n_seg)
    else:
        swap = _cached_flips(seed, n_samples, n_seg)
    bs_counts = bs_idxs = None
    if n_confidence > 0:
        bs_idxs = _bootstrap_indices(rng, n_seg, n_confidence)
        bs_counts = _counts(bs_idxs, n_seg)
    f32 = metric != "mean"

    bl_score = corpus_score(metric, base, **metric_args)
    bl_mean = bl_half = None
    if n_confidence > 0:  # sacrebleu's baseline CI uses a freshly seeded generator
        bl_idxs = _bootstrap_indices(np.random.default_rng(seed), n_seg, n_confidence)
        bl_sums = _resampled_sums(base, bl_idxs, _counts(bl_idxs, n_seg), f32)
        bl_spread = _spread(score_from_stats(metric, bl_sums, float32=f32, **metric_args), 0.05, False)
        bl_mean, bl_half = bl_spread.mean, bl_spread.half_width
    bl_total = base.sum(axis=0)
    # shuffled A = swap @ base + ~swap @ sys = sys_total + swap @ (base - sys); B mirrors it (exact on counts)
    diffs = [base - arr for arr in systems.values()]
    if _integral(diffs):  # every system's differences in one product per chunk of coin flips
        parts = [_stacked_products(swap[i : i + _AR_CHUNK], diffs)
                 for i in range(0, n_samples, _AR_CHUNK)]  # fmt: skip
        all_moved = [np.concatenate([p[k] for p in parts]) for k in range(len(diffs))]
    else:
        all_moved = [
            np.concatenate([swap[i : i + _AR_CHUNK].astype(np.float64) @ d for i in range(0, n_samples, _AR_CHUNK)])
            for d in diffs
        ]
    results = []
    for (name, arr), moved in zip(systems.items(), all_moved, strict=True):
        sys_score = corpus_score(metric, arr, **metric_args)
        sys_total = arr.sum(axis=0)
        scores_a = score_from_stats(metric, sys_total + moved, **metric_args)
        scores_b = score_from_stats(metric, bl_total - moved, **metric_args)
        p = _p_value(np.abs(scores_a - scores_b), abs(bl_score - sys_score))
        ci_low = ci_high = mean = half = None
        if bs_idxs is not None and bs_counts is not None:
            sums = _resampled_sums(arr, bs_idxs, bs_counts, f32)
            spread = _spread(score_from_stats(metric, sums, float32=f32, **metric_args), 0.05, False)
            ci_low, ci_high, mean, half = spread.low, spread.high, spread.mean, spread.half_width
        results.append(
            PairedResult(
                system=name, baseline=baseline, metric=metric, method="paired-ar",
                baseline_score=bl_score, system_score=sys_score, delta=sys_score - bl_score,
                ci_low=ci_low, ci_high=ci_high, p_value=p, mean=mean, half_width=half,
                baseline_mean=bl_mean, baseline_half_width=bl_half, n_samples=n_samples, seed=seed,
            )
        )  # fmt: skip
    return results
