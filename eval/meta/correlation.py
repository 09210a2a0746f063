"""System- and segment-level agreement of a metric with human MQM, with bootstrap CIs over segments.

Every system-level score is written as a function of per-segment statistics summed over segments
(a mean is [value, 1]; BLEU/chrF/TER are sacrebleu's sufficient statistics; the MQM scorecard is
[penalty, words]), so one bootstrap resample of the segments re-scores every system and the humans
on the same segments (as WMT's metrics task does).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

from eval.errors import MetricError

ScoreFn = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class SegmentStats:
    """Per system, an (n_segments, k) array whose column sums ``score`` turns into system scores.
    Higher scores are better (humans: minus the mean penalty)."""

    name: str
    stats: Mapping[str, np.ndarray]
    score: ScoreFn

    def system_scores(self, systems: Sequence[str], idx: np.ndarray | None = None) -> np.ndarray:
        """Scores (len(systems),), or (n_samples, len(systems)) for resampled segment indices ``idx``."""
        if idx is None:
            return np.array([float(self.score(self.stats[s].sum(axis=0))) for s in systems])
        return np.stack([self.score(self.stats[s][idx].sum(axis=1)) for s in systems], axis=-1)


def mean_score(stats: np.ndarray) -> np.ndarray:
    return np.asarray(stats[..., 0] / stats[..., 1])


def mean_stats(values: Sequence[float] | np.ndarray) -> np.ndarray:
    return np.column_stack([np.asarray(values, dtype=np.float64), np.ones(len(values))])


@dataclass(frozen=True)
class Correlation:
    value: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class SystemAgreement:
    metric: str
    n_systems: int
    pearson: Correlation
    kendall: Correlation


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    if np.std(x) == 0 or np.std(y) == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


def _kendall(x: np.ndarray, y: np.ndarray) -> float:
    if np.all(x == x[0]) or np.all(y == y[0]):
        return float("nan")
    return float(sps.kendalltau(x, y, variant="b").statistic)


def _ci(values: list[float], alpha: float) -> tuple[float, float]:
    arr = np.array([v for v in values if not np.isnan(v)])
    if not len(arr):
        return float("nan"), float("nan")
    return float(np.quantile(arr, alpha / 2)), float(np.quantile(arr, 1 - alpha / 2))


def system_agreement(
    metric: SegmentStats,
    human: SegmentStats,
    systems: Sequence[str],
    n_samples: int = 1000,
    seed: int = 12345,
    alpha: float = 0.05,
) -> SystemAgreement:
    """Pearson and Kendall (tau-b) of a metric's system scores with the humans', with percentile CIs."""
    if len(systems) < 3:
        raise MetricError(f"system-level correlation of {metric.name}: {len(systems)} systems; need at least 3")
    n = {len(metric.stats[s]) for s in systems} | {len(human.stats[s]) for s in systems}
    if len(n) != 1:
        raise MetricError(f"{metric.name}: systems have different segment counts {sorted(n)}; score the same segments")
    n_seg = n.pop()
    x, y = metric.system_scores(systems), human.system_scores(systems)
    idx = np.random.default_rng(seed).integers(0, n_seg, size=(n_samples, n_seg))
    xs, ys = metric.system_scores(systems, idx), human.system_scores(systems, idx)
    pearsons = [_pearson(a, b) for a, b in zip(xs, ys, strict=True)]
    kendalls = [_kendall(a, b) for a, b in zip(xs, ys, strict=True)]
    return SystemAgreement(
        metric.name,
        len(systems),
        Correlation(_pearson(x, y), *_ci(pearsons, alpha)),
        Correlation(_kendall(x, y), *_ci(kendalls, alpha)),
    )


@dataclass(frozen=True)
class SegmentAgreement:
    metric: str
    n_pairs: int
    kendall_flat: float
    kendall_item: float


def segment_agreement(name: str, metric: Mapping[str, np.ndarray], human: Mapping[str, np.ndarray]) -> SegmentAgreement:
    """Segment-level Kendall tau-b of metric scores with minus the human penalty: over all (system,
    segment) pairs at once (``flat``), and averaged over segments, ranking the systems of each
    segment (``item``; segments where either side is constant are left out)."""
    systems = sorted(metric)
    x = np.stack([metric[s] for s in systems])  # (systems, segments)
    y = np.stack([human[s] for s in systems])
    flat = _kendall(x.ravel(), y.ravel())
    per_item = [_kendall(x[:, j], y[:, j]) for j in range(x.shape[1])]
    item = [v for v in per_item if not np.isnan(v)]
    return SegmentAgreement(name, int(x.size), flat, float(np.mean(item)) if item else float("nan"))
