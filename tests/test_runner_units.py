"""Runner pieces that need no models: user MT files, identity beads, metric inputs per mode."""

from __future__ import annotations

from pathlib import Path

import pytest
from omegaconf import OmegaConf

from eval.corpus import System
from eval.detectors.base import AlignedPair
from eval.errors import EvalError
from eval.metrics.bleu import BleuMetric
from eval.stages.align import identity_beads
from eval.stages.metrics import metric_input
from eval.stages.state import Bridged, RunState
from eval.stages.systems import add_extra_systems


def _state(tmp_path: Path, extra: list[dict[str, str]]) -> RunState:
    cfg = OmegaConf.create({"mt": {"extra": extra}, "progress": False})
    return RunState(cfg=cfg, run_dir=tmp_path, ref_lang="fr", ref_sents=["Bonjour.", "Au revoir."])


def test_user_mt_file_becomes_an_mt_system(tmp_path: Path) -> None:
    out = tmp_path / "my.es"
    out.write_text("Hola.\nAdiós.\n", encoding="utf-8")
    state = _state(tmp_path, [{"name": "my-mt", "lang": "es", "file": str(out)}])
    add_extra_systems(state.cfg, state)
    [system] = state.systems
    assert (system.name, system.kind, system.segments) == ("my-mt", "mt", ["Hola.", "Adiós."])
    assert str(out) in state.inputs


def test_user_mt_file_with_wrong_count(tmp_path: Path) -> None:
    out = tmp_path / "my.es"
    out.write_text("Hola.\n", encoding="utf-8")
    state = _state(tmp_path, [{"name": "my-mt", "lang": "es", "file": str(out)}])
    with pytest.raises(EvalError, match=r"my\.es: MT output my-mt has 1 lines vs 2 reference segments"):
        add_extra_systems(state.cfg, state)


def test_identity_beads() -> None:
    assert [(b.ref_ids, b.hyp_ids, b.bead_type) for b in identity_beads(2)] == [
        ((0,), (0,), "1-1"),
        ((1,), (1,), "1-1"),
    ]


def test_ngram_metrics_read_the_bridge_and_cross_lingual_ones_the_version(tmp_path: Path) -> None:
    state = _state(tmp_path, [])
    system = System(name="es", lang="es", kind="published", segments=["Hola."])
    state.bridged["es"] = Bridged(["Salut."], route="bridge es→fr apertium")
    pair = AlignedPair("es", "fr", "es", (0,), (0,), "Bonjour.", "Hola.", 0.9, bridge="Salut.")
    data = metric_input(BleuMetric(), [pair], state, system)
    assert not isinstance(data, str)
    assert (data.hyps, data.refs, data.srcs, data.hyp_lang) == (["Salut."], ["Bonjour."], ["Hola."], "fr")

    class QE(BleuMetric):
        same_language = False

    data = metric_input(QE(), [pair], state, system)
    assert not isinstance(data, str)
    assert (data.hyps, data.refs, data.srcs, data.hyp_lang) == (["Hola."], ["Bonjour."], None, "es")


def test_no_bridge_gives_the_reason(tmp_path: Path) -> None:
    state = _state(tmp_path, [])
    system = System(name="ar", lang="ar", kind="published", segments=["مرحبا"])
    state.bridged["ar"] = Bridged(None, route="-", reason="apertium has no ar→fr route")
    pair = AlignedPair("ar", "fr", "ar", (0,), (0,), "Bonjour.", "مرحبا", 0.9)
    assert metric_input(BleuMetric(), [pair], state, system) == "apertium has no ar→fr route"
