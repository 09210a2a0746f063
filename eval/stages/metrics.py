"""Metrics: each system scored by each metric, with bootstrap confidence intervals and segment scores.

What a metric reads follows its declaration (``Metric.reads_reference_language``): a version in another
language is scored through its bridge, or not at all (``not_covered``, with the reason).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
from omegaconf import DictConfig, OmegaConf

from eval.cache import Cache
from eval.config import instantiate_with
from eval.corpus import System
from eval.detectors.base import AlignedPair
from eval.embedders.base import Embedder
from eval.formats.runfolder import unit_ids
from eval.metrics.base import Metric, MetricResult, ScoringInput
from eval.metrics.unique import unique_metrics
from eval.multidoc import bead_document
from eval.stages.state import RunState, ids_text, progress, status_row

ROUND_TRIP_REASON = "round trip: the bridge is the engine that produced it"


def build_metrics(cfg: DictConfig, embedder: Embedder | None, cache: Cache) -> dict[str, Metric]:
    metrics = {}
    for key, node in (cfg.get("metric") or {}).items():
        metrics[str(key)] = instantiate_with(
            node,
            f"metric.{key}",
            embedder=embedder,
            cache=cache.namespace_of("comet"),
            stats_cache=cache.namespace_of("stats"),
        )
    return unique_metrics(metrics, OmegaConf.to_container(cfg.get("metric") or {}, resolve=True))  # type: ignore[arg-type]


def scored_pairs(pairs: list[AlignedPair]) -> list[AlignedPair]:
    """Beads with reference text: omissions (1-0) count as empty hypotheses; additions (0-1) have no reference."""
    return [p for p in pairs if p.ref_ids]


def metric_input(metric: Metric, pairs: list[AlignedPair], state: RunState, system: System) -> ScoringInput | str:
    """What each metric reads, or why it cannot read anything.

    Same-language metrics (and COMET-ref) read the bridge, with the version itself as COMET's source;
    cross-lingual ones (COMET-QE, adequacy) read the version against the reference, the reference segment
    being COMET-QE's source. A line-aligned set with real sources gives COMET those sources.
    """
    refs = [p.ref for p in pairs]
    sources = [" ".join(state.sources[i] for i in p.ref_ids) for p in pairs] if state.sources else None
    if metric.reads_reference_language:
        if system.lang == state.ref_lang:
            return ScoringInput(
                hyps=[p.hyp for p in pairs],
                refs=refs,
                srcs=sources or refs,
                hyp_lang=state.ref_lang,
                ref_lang=state.ref_lang,
            )
        bridged = state.bridged.get(system.name)
        if bridged is None or bridged.lines is None:
            return bridged.reason if bridged else "no bridge"
        return ScoringInput(
            hyps=[p.bridge or "" for p in pairs],
            refs=refs,
            srcs=[p.hyp for p in pairs],
            hyp_lang=state.ref_lang,
            ref_lang=state.ref_lang,
        )
    srcs = sources if system.lang == state.ref_lang else None
    return ScoringInput(
        hyps=[p.hyp for p in pairs], refs=refs, srcs=srcs, hyp_lang=system.lang, ref_lang=state.ref_lang
    )


def segment_stats(result: MetricResult) -> np.ndarray:
    """Per-segment sufficient statistics: the metric's own (sacrebleu), or (score, 1) for segment-averaged ones."""
    from eval.scoring.bootstrap import mean_stats

    return np.asarray(result.stats) if result.stats is not None else mean_stats(result.segments)


def confidence_interval(metric: Metric, stats: np.ndarray, cfg: DictConfig) -> tuple[float | None, float | None]:
    from eval.scoring.bootstrap import bootstrap_ci

    if len(stats) < 2:
        return None, None
    kind, args = metric.bootstrap_spec()
    res = bootstrap_ci(stats, kind, n_samples=int(cfg.n_samples), seed=int(cfg.seed), alpha=float(cfg.alpha), **args)
    return res.ci_low, res.ci_high


def uncovered_rows(state: RunState, metrics: dict[str, Metric]) -> None:
    """MT outputs the engine could not produce: one not_covered row per metric."""
    for name, lang, reason in state.uncovered:
        for metric in metrics.values():
            state.score_rows.append(
                status_row(name, lang, "mt", metric.name, "not_covered", f"no MT output: {reason}", route="-")
            )


def score_row(
    system: System, result: MetricResult, ci: tuple[float | None, float | None], route: str, trip: bool
) -> dict[str, Any]:
    """The scores.csv row of one available score."""
    return {
        "system": system.name,
        "lang": system.lang,
        "kind": system.kind,
        "metric": result.metric,
        "score": result.corpus,
        "ci_low": ci[0],
        "ci_high": ci[1],
        "route": route,
        "round_trip": trip,
        "status": "ok",
        "reason": ROUND_TRIP_REASON if trip else "",
        "signature": result.signature,
    }


def segment_rows(state: RunState, system: System, result: MetricResult, docs: list[str]) -> list[dict[str, Any]]:
    """One segments.csv row per scored bead (``bead`` indexes all of the system's beads)."""
    all_pairs = state.pairs[system.name]
    bead_ids = [i for i, p in enumerate(all_pairs) if p.ref_ids]
    return [
        {
            "system": system.name,
            "lang": system.lang,
            "bead": bead,
            "ref_ids": ids_text(all_pairs[bead].ref_ids),
            "hyp_ids": ids_text(all_pairs[bead].hyp_ids),
            "unit_ids": unit_ids(all_pairs[bead].ref_ids, state.segment_ids),
            "doc": doc,
            "metric": result.metric,
            "score": seg,
        }
        for bead, seg, doc in zip(bead_ids, result.segments, docs, strict=True)
    ]


def document_rows(
    system: System, metric: Metric, result: MetricResult, stats: np.ndarray, docs: list[str]
) -> list[dict[str, Any]]:
    """documents.csv: the metric's corpus formula over each document's beads (many documents per corpus)."""
    from eval.multidoc import document_scores
    from eval.scoring.bootstrap import corpus_score

    kind, args = metric.bootstrap_spec()
    return [
        {"system": system.name, "lang": system.lang, "kind": system.kind, "doc": doc,
         "metric": result.metric, "score": score, "segments": n}
        for doc, n, score in document_scores(docs, stats, lambda s: corpus_score(kind, s, **args))
    ]  # fmt: skip


def attach_metric_spans(pairs: list[AlignedPair], error_spans: list[list[dict[str, Any]]]) -> list[AlignedPair]:
    """A span-producing metric's spans (one list per scored bead) carried by the beads, for the detectors."""
    found = iter(error_spans)
    return [replace(p, metric_spans=tuple(next(found) or ()) if p.ref_ids else ()) for p in pairs]


def score_systems(state: RunState, metrics: dict[str, Metric]) -> None:
    uncovered_rows(state, metrics)
    for system in progress(state.systems, "metrics", bool(state.cfg.progress)):
        pairs = scored_pairs(state.pairs[system.name])
        doc_ranges = state.doc_ranges_of(system)
        docs = [bead_document(p.ref_ids, p.hyp_ids, state.doc_ranges, doc_ranges) for p in pairs]
        bridged = state.bridged.get(system.name)
        for metric in metrics.values():
            reads_bridge = metric.reads_reference_language
            route = (bridged.route if bridged else "direct") if reads_bridge else "cross-lingual"
            round_trip = bool(bridged and bridged.round_trip) if reads_bridge else False
            data = metric_input(metric, pairs, state, system)
            if isinstance(data, str):
                reason = f"needs a text in {state.ref_lang}: {data}"
                state.score_rows.append(
                    status_row(system.name, system.lang, system.kind, metric.name, "not_covered", reason, route="-")
                )
                continue
            result = metric.score(data)
            if not result.available:
                state.score_rows.append(
                    status_row(
                        system.name, system.lang, system.kind, result.metric, "unavailable", result.reason, route=route
                    )
                )
                state.skip("metric", system.name, system.lang, result.reason)
                continue
            stats = segment_stats(result)
            state.stats[(system.name, result.metric)] = stats
            if len(state.doc_ranges) > 1:
                state.document_rows.extend(document_rows(system, metric, result, stats, docs))
            state.signatures[result.metric] = result.signature
            ci = confidence_interval(metric, stats, state.cfg.bootstrap)
            state.score_rows.append(score_row(system, result, ci, route, round_trip))
            if result.error_spans is not None:  # XCOMET: its spans ride on the beads, for the xcomet_spans detector
                state.pairs[system.name] = attach_metric_spans(state.pairs[system.name], result.error_spans)
            state.add_segment_rows(segment_rows(state, system, result, docs))
