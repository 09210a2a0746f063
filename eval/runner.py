"""One run: the stages of ``eval.stages`` in order, each timed; what is not run is recorded with the reason.

ingest → systems (MT) → bridge → align → metrics → significance → detectors → scorecard → run folder →
reports. Heavy collaborators (embedder, COMET) are built only when the config selects them; the stage
modules hold the work, this module only decides what runs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from omegaconf import DictConfig

from eval.cache import cache_from_config
from eval.config import instantiate_with
from eval.detectors.base import Detector
from eval.embedders.base import Embedder
from eval.errors import ConfigError
from eval.metrics.base import Metric
from eval.stages.align import align_systems, build_pairs
from eval.stages.bridge import bridge_systems
from eval.stages.detectors import build_detectors, check_glossary, run_detectors
from eval.stages.ingest import ingest
from eval.stages.metrics import build_metrics, score_systems
from eval.stages.scorecard import mqm_scorecard
from eval.stages.significance import significance
from eval.stages.state import RunState, warn_skipped
from eval.stages.systems import add_extra_systems, add_mt_systems
from eval.stages.write import console_summary, write_run_folder
from eval.translators.base import Translator

log = logging.getLogger(__name__)


@contextmanager
def stage(state: RunState, name: str) -> Iterator[None]:
    """Time one stage: seconds into ``state.timings`` (manifest.json) and a line in run.log."""
    start, first_skip = time.perf_counter(), len(state.skipped)
    yield
    seconds = time.perf_counter() - start
    state.timings[name] = round(seconds, 3)
    warn_skipped(state.skipped[first_skip:])
    log.info("stage %s: %.2f s", name, seconds)


def not_run(state: RunState, name: str, reason: str) -> None:
    state.not_run.append({"stage": name, "reason": reason})
    log.info("stage %s not run: %s", name, reason)


def mt_not_run_reason(cfg: DictConfig, translator: Translator | None, line_aligned: bool) -> str:
    if translator is None:
        return "no translator (translator=null)"
    if not cfg.mt.enabled:
        return "mt.enabled=false"
    return "a line-aligned set brings its own systems" if line_aligned else ""


def build_embedder(cfg: DictConfig, state: RunState) -> Embedder | None:
    if not cfg.get("embedder"):
        if not state.line_aligned:
            raise ConfigError("a documents corpus needs an embedder for sentence alignment: set embedder=e5")
        return None
    embedder: Embedder = instantiate_with(cfg.embedder, "embedder", cache=cache_from_config(cfg.cache, "embed"))
    state.models["embedder"] = embedder.model_id or str(cfg.embedder._target_)
    return embedder


def run(cfg: DictConfig, run_dir: Path) -> str:
    """Run the whole job into ``run_dir`` (a temporary folder the CLI renames when this returns)."""
    import torch

    torch.set_num_threads(int(cfg.threads))
    from eval.embedders.loading import resolve_precision

    resolve_precision(str(cfg.get("detector_precision", "float32")))  # a typo fails now, not after the metrics
    check_glossary(cfg)
    started = time.perf_counter()
    state = RunState(cfg=cfg, run_dir=run_dir)
    cache = cache_from_config(cfg.cache, "mt")
    with stage(state, "ingest"):
        ingest(cfg, state)

    translator: Translator | None = (
        instantiate_with(cfg.translator, "translator", cache=cache) if cfg.get("translator") else None
    )
    with stage(state, "systems"):
        reason = mt_not_run_reason(cfg, translator, state.line_aligned)
        if translator is not None and not reason:
            add_mt_systems(cfg, state, translator)
        else:
            not_run(state, "mt", reason)
        add_extra_systems(cfg, state)

    with stage(state, "bridge"):
        if not cfg.bridge.enabled:
            not_run(state, "bridge", "bridge.enabled=false: versions in other languages get no n-gram scores")
        bridge_systems(state, translator if cfg.bridge.enabled else None)

    embedder = build_embedder(cfg, state)
    with stage(state, "align"):
        align_systems(state, embedder)
        build_pairs(state)

    metrics: dict[str, Metric] = build_metrics(cfg, embedder, cache)
    with stage(state, "metrics"):
        score_systems(state, metrics)
    with stage(state, "significance"):
        significance(state, metrics)

    detectors: dict[str, Detector] = {}
    if cfg.get("detector"):
        with stage(state, "detectors"):
            detectors = build_detectors(cfg, embedder, translator, cache, state)
            run_detectors(state, detectors)
        with stage(state, "scorecard"):
            mqm_scorecard(state)
    else:
        # no detector ran: an MQM score of 100 would claim a clean bill nobody checked
        not_run(state, "detectors", "no detector selected (detector=[])")
        not_run(state, "scorecard", "no detector ran, so no MQM score")

    with stage(state, "run folder"):
        write_run_folder(state, translator, metrics, detectors)
    if cfg.get("report"):
        from eval.reports import build_reports

        with stage(state, "reports"):
            build_reports(run_dir, cfg.report)
    log.info("run: %.2f s in all", time.perf_counter() - started)
    return console_summary(state, metrics)
