"""Significance: paired bootstrap and approximate randomization, published version vs MT of its language.

Both sides are cut along the published version's reference units so that the segments pair up. The
statistics come from the metrics stage: a unit that is one of the MT output's own beads reuses that
bead's statistics (a segment's statistics do not depend on the other segments); only units that join
several reference sentences are scored here, in one call per metric and system.
"""

from __future__ import annotations

import numpy as np

from eval.corpus import System
from eval.detectors.base import AlignedPair
from eval.metrics.base import Metric
from eval.stages.align import make_pair
from eval.stages.metrics import metric_input, scored_pairs, segment_stats
from eval.stages.state import RunState


def project_pairs(state: RunState, system: System, base_pairs: list[AlignedPair]) -> list[AlignedPair]:
    """A 1-1 system (MT of the reference sentences) re-cut along another system's reference units."""
    return [make_pair(state, system, p.ref_ids, p.ref_ids, float("nan")) for p in base_pairs]


def projected_stats(
    state: RunState, metric: Metric, system: System, base_pairs: list[AlignedPair]
) -> np.ndarray | None:
    """``system``'s statistics on the baseline's units: its own rows where a unit is one of its beads,
    the few other units scored now; None when the metric cannot score it."""
    own = state.stats.get((system.name, metric.name))
    if own is None:
        return None
    own_rows = {p.ref_ids: i for i, p in enumerate(scored_pairs(state.pairs[system.name])) if p.ref_ids == p.hyp_ids}
    projected = project_pairs(state, system, base_pairs)
    missing = [k for k, p in enumerate(projected) if p.ref_ids not in own_rows]
    rows: dict[int, np.ndarray] = {k: own[own_rows[p.ref_ids]] for k, p in enumerate(projected) if k not in missing}
    if missing:
        data = metric_input(metric, [projected[k] for k in missing], state, system)
        if isinstance(data, str):
            return None
        result = metric.score(data)
        if not result.available:
            return None
        rows.update(zip(missing, segment_stats(result), strict=True))
    return np.stack([rows[k] for k in range(len(projected))])


def significance(state: RunState, metrics: dict[str, Metric]) -> None:
    """Paired tests between the published version and the MT outputs of the same language.

    n-gram metrics are skipped when either side is a round trip (biased by construction).
    """
    from eval.scoring.bootstrap import paired_approximate_randomization, paired_bootstrap

    cfg = state.cfg.bootstrap
    by_lang: dict[str, list[System]] = {}
    for s in state.systems:
        by_lang.setdefault(s.lang, []).append(s)
    for lang, systems in by_lang.items():
        baselines = [s for s in systems if s.kind == "published"] or systems[:1]
        if not baselines or len(systems) < 2:
            continue
        base = baselines[0]
        base_pairs = scored_pairs(state.pairs[base.name])
        others = [s for s in systems if s is not base]
        for metric in metrics.values():
            base_stats = state.stats.get((base.name, metric.name))
            if base_stats is None or len(base_pairs) < 2:
                continue
            sys_stats: dict[str, np.ndarray] = {}
            for other in others:
                trips = state.bridged[other.name].round_trip or state.bridged[base.name].round_trip
                if metric.reads_reference_language and trips:
                    continue
                stats = projected_stats(state, metric, other, base_pairs)
                if stats is not None:
                    sys_stats[other.name] = stats
            if not sys_stats:
                continue
            kind, args = metric.bootstrap_spec()
            seed = int(cfg.seed)
            results = paired_bootstrap(
                base_stats, sys_stats, kind, n_samples=int(cfg.n_samples), seed=seed, baseline=base.name, **args
            )
            results += paired_approximate_randomization(
                base_stats, sys_stats, kind, n_samples=int(cfg.ar_samples), seed=seed, baseline=base.name, **args
            )
            for r in results:
                row = r.to_row(lang)
                row["metric"] = metric.name
                state.significance_rows.append(row)
