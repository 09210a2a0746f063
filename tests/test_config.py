"""Every config composes with Hydra's compose API, and every selectable node instantiates.

Instantiation must stay cheap and offline: models load lazily, on first use.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from omegaconf import DictConfig

from eval.config import CONF_DIR, instantiate_with

SINGLE = ["corpus", "translator", "embedder", "mqm", "report"]
MULTI = ["metric", "detector"]


def options(group: str) -> list[str]:
    return sorted(p.stem for p in (CONF_DIR / group).glob("*.yaml"))


def _compose(overrides: list[str]) -> DictConfig:
    GlobalHydra.instance().clear()
    with initialize_config_dir(version_base="1.3", config_dir=str(CONF_DIR)):
        return compose(config_name="config", overrides=overrides, return_hydra_config=True)


def test_default_config_composes() -> None:
    cfg = _compose([])
    assert cfg.corpus.name == "dgsn-interpol-mena"
    assert Path(cfg.corpus.dir).is_dir()
    assert set(cfg.metric) >= {"bleu", "chrf", "chrfpp", "ter"}
    assert cfg.hydra.job.name == "run"


@pytest.mark.parametrize("group,option", [(g, o) for g in SINGLE + MULTI for o in options(g)])
def test_every_option_composes(group: str, option: str) -> None:
    override = f"{group}=[{option}]" if group in MULTI else f"{group}={option}"
    cfg = _compose([override])
    node = cfg[group][option] if group in MULTI else cfg[group]
    assert node is not None


@pytest.mark.parametrize(
    "group,option",
    [(g, o) for g in ["translator", "embedder"] for o in options(g)] + [(g, o) for g in MULTI for o in options(g)],
)
def test_every_target_instantiates(group: str, option: str) -> None:
    override = f"{group}=[{option}]" if group in MULTI else f"{group}={option}"
    cfg = _compose([override])
    node = cfg[group][option] if group in MULTI else cfg[group]
    obj = instantiate_with(node, ref_lang="fr", languages=["ar", "en", "es", "fr", "it"], glossary=cfg.corpus.glossary)
    assert obj is not None
    assert getattr(obj, "name", None)


@pytest.mark.parametrize("experiment", options("experiment"))
def test_experiments_compose(experiment: str) -> None:
    cfg = _compose([f"experiment={experiment}"])
    assert cfg.tag


def test_unknown_option_is_a_clear_hydra_error() -> None:
    from hydra.errors import MissingConfigException

    with pytest.raises(MissingConfigException, match="embedder/nope"):
        _compose(["embedder=nope"])
