"""Detectors: error spans linked hyp ↔ ref, each detector over every system at once, merged per system."""

from __future__ import annotations

from omegaconf import DictConfig

from eval.cache import Cache
from eval.config import instantiate_with
from eval.detectors.base import Detector, Span
from eval.embedders.base import Embedder
from eval.stages.state import RunState, progress
from eval.translators.base import Translator


def check_glossary(cfg: DictConfig) -> None:
    """Parse the terminology detector's glossary before any work: a bad line fails in a second, not
    after minutes of MT and metrics. Raises GlossaryError (file:line)."""
    node = (cfg.get("detector") or {}).get("terminology")
    path = (node.get("glossary") if node is not None else None) or cfg.corpus.get("glossary")
    if node is not None and path:
        from eval.detectors.terminology import load_glossary

        load_glossary(str(path))


def build_detectors(
    cfg: DictConfig, embedder: Embedder | None, translator: Translator | None, cache: Cache, state: RunState
) -> dict[str, Detector]:
    from eval.detectors.lexicon import Lexicon

    detectors = {}
    lexicon = Lexicon.for_run()  # one dictionary memo for the run's detectors, not kept after it
    if embedder is not None:
        # bfloat16 where native (cfg.detector_precision); sentence alignment and metrics stay float32
        embedder = embedder.with_precision(str(cfg.get("detector_precision", "float32")))
        state.models["detector_precision"] = embedder.precision
    for key, node in (cfg.get("detector") or {}).items():
        detectors[str(key)] = instantiate_with(
            node,
            f"detector.{key}",
            embedder=embedder,
            translator=translator,
            cache=cache,
            lexicon=lexicon,
            ref_lang=state.ref_lang,
            glossary=cfg.corpus.get("glossary"),
            languages=sorted({state.ref_lang, *(s.lang for s in state.systems), *filter(None, [state.src_lang])}),
            peers=state.pairs,  # other versions' beads: a back-translation shared by peers is a synonym, not an error
        )
    return detectors


def run_detectors(state: RunState, detectors: dict[str, Detector]) -> None:
    """Each detector over every system at once (it may batch its encoder calls across them), then
    one merge per system."""
    from eval.detectors.merge import bead_texts, merge_spans

    systems = {s.name: state.pairs[s.name] for s in state.systems}
    found: dict[str, list[Span]] = {name: [] for name in systems}
    n_pairs = sum(len(p) for p in systems.values())
    bar = progress(
        list(detectors.items()), f"spans ({n_pairs} pairs)", bool(state.cfg.progress), unit="detector", eta=False
    )
    for name, detector in bar:
        bar.note(name)  # the detector now running: a slow one is named while the count stands still
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
        state.spans.extend(merge_spans(found[system.name], bead_texts(systems[system.name])))
