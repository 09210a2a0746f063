"""The typed run configuration: what each top-level key of conf/config.yaml may hold, checked before any work.

Why not Hydra's ConfigStore schema: Hydra reports a schema mismatch from inside its own machinery, as several
lines with a stack-trace hint, and only for types, not ranges. The same dataclasses are checked here, from
``eval.cli`` before the runner is imported, so ``threads=abc``, ``threads=-3`` or ``bootstrap.n_samples=abc``
end in one line naming the key, the value and what is allowed, before any model loads.

Group configs (metric, detector, embedder, translator) are checked against the constructors they instantiate
(eval.group_schema), from the same call; corpus configs by the corpus readers.
"""

from __future__ import annotations

import dataclasses
import math
import typing
from dataclasses import dataclass, field
from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf

from eval.errors import ConfigError


def _meta(
    help: str,
    low: float | None = None,
    high: float | None = None,
    choices: tuple[str, ...] = (),
) -> dict[str, Any]:
    """A schema field's metadata: what it means (``help``), its range (inclusive) or its allowed values."""
    return {"help": help, "low": low, "high": high, "choices": choices}


@dataclass
class CacheSchema:
    dir: str = field(default="", metadata=_meta("the cache folder"))
    enabled: bool = field(default=True, metadata=_meta("whether MT, embeddings and COMET are cached"))
    max_size_mb: float = field(default=2048.0, metadata=_meta("the size cap of the cache in MB", low=1))


@dataclass
class MTSchema:
    enabled: bool = field(default=True, metadata=_meta("whether the reference is machine-translated"))
    targets: list[str] = field(default_factory=list, metadata=_meta("the MT target languages"))
    extra: list[Any] = field(default_factory=list, metadata=_meta("user-supplied MT outputs"))


@dataclass
class BridgeSchema:
    enabled: bool = field(default=True, metadata=_meta("whether versions are bridged into the reference language"))


@dataclass
class AlignSchema:
    method: str = field(
        default="normalised", metadata=_meta("the sentence aligner's bead score", choices=("normalised", "bertalign"))
    )
    max_align: int = field(default=8, metadata=_meta("the most sentences in one bead", low=2, high=20))
    window: int = field(default=5, metadata=_meta("the second pass's search width", low=0, high=1000))
    skip: float = field(default=-0.1, metadata=_meta("the score of a 1-0 / 0-1 bead", low=-10, high=10))
    p_value: float = field(default=0.05, metadata=_meta("the order test's significance level", low=0, high=1))
    embedded_windows: int = field(default=4, metadata=_meta("the largest window encoded as text", low=1, high=20))
    on_unalignable: str = field(
        default="skip", metadata=_meta("what an unalignable version does", choices=("skip", "error"))
    )


@dataclass
class WordAlignSchema:
    layer: int = field(default=6, metadata=_meta("the encoder layer of word alignment", low=0))
    method: str = field(
        default="itermax", metadata=_meta("the word alignment method", choices=("itermax", "mutual_argmax"))
    )


@dataclass
class BootstrapSchema:
    n_samples: int = field(default=1000, metadata=_meta("bootstrap resamples", low=1))
    ar_samples: int = field(default=10000, metadata=_meta("approximate-randomization trials", low=1))
    seed: int = field(default=12345, metadata=_meta("the resampling seed", low=0))
    alpha: float = field(default=0.05, metadata=_meta("the significance level", low=0.0001, high=0.5))


@dataclass
class RunSchema:
    tag: str = field(default="", metadata=_meta("the run's name tag"))
    results_dir: str = field(default="", metadata=_meta("the results folder"))
    threads: int = field(default=2, metadata=_meta("CPU threads", low=1, high=1024))
    progress: bool = field(default=True, metadata=_meta("whether progress bars are shown"))
    min_free_mb: float = field(
        default=100.0, metadata=_meta("free space the results folder needs before a run starts, in MB", low=0)
    )
    detector_precision: str = field(
        default="auto", metadata=_meta("the detectors' encoder precision", choices=("float32", "bfloat16", "auto"))
    )
    cache: CacheSchema = field(default_factory=CacheSchema)
    mt: MTSchema = field(default_factory=MTSchema)
    bridge: BridgeSchema = field(default_factory=BridgeSchema)
    align: AlignSchema = field(default_factory=AlignSchema)
    word_align: WordAlignSchema = field(default_factory=WordAlignSchema)
    bootstrap: BootstrapSchema = field(default_factory=BootstrapSchema)


#: A plain type in the words of an error message (shared with eval.group_schema).
KIND = {int: "an integer", float: "a number", bool: "true or false", str: "a string", list: "a list"}


def _base(tp: Any) -> tuple[Any, bool]:
    """(the type a field holds, whether null is allowed)."""
    args = typing.get_args(tp)
    if type(None) in args:
        (inner,) = [a for a in args if a is not type(None)]
        return inner, True
    origin = typing.get_origin(tp)
    return (origin if origin is not None else tp), False


def type_ok(value: Any, tp: Any) -> bool:
    """Whether a config value is of a plain type (a number is a valid string: YAML reads `2024` as one)."""
    if tp is bool:
        return isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if tp is float:
        return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if tp is str:
        return isinstance(value, str | int | float) and not isinstance(value, bool)
    if tp is list:
        return isinstance(value, list | ListConfig)
    return True


def allowed(f: dataclasses.Field[Any], tp: Any, nullable: bool) -> str:
    """What a field accepts, in words: 'an integer >= 1 (CPU threads)'."""
    meta = f.metadata
    if meta.get("choices"):
        what = "one of " + ", ".join(meta["choices"])
    else:
        what = KIND.get(tp, str(tp))
        low, high = meta.get("low"), meta.get("high")
        if low is not None and high is not None:
            what += f" from {low:g} to {high:g}"
        elif low is not None:
            what += f" >= {low:g}"
    if nullable:
        what += " or null"
    return f"{what} ({meta['help']})" if meta.get("help") else what


def field_error(f: dataclasses.Field[Any], tp: Any, nullable: bool, value: Any) -> bool:
    """Whether ``value`` breaks the field's type, range or choices."""
    if value is None:
        return not nullable
    if not type_ok(value, tp):
        return True
    meta = f.metadata
    if meta.get("choices") and str(value) not in meta["choices"]:
        return True
    if tp in (int, float):
        low, high = meta.get("low"), meta.get("high")
        return (low is not None and value < low) or (high is not None and value > high)
    return False


def _check(node: Any, schema: type, prefix: str) -> None:
    hints = typing.get_type_hints(schema)
    for f in dataclasses.fields(schema):
        key = f"{prefix}{f.name}"
        if not isinstance(node, DictConfig) or f.name not in node:
            continue  # a key the config does not carry is the runner's default
        tp = hints[f.name]
        if isinstance(tp, type) and dataclasses.is_dataclass(tp):
            sub = node[f.name]
            if not isinstance(sub, DictConfig):
                raise ConfigError(f"config key {key}={sub!r} is invalid: expected a mapping of {key}.* keys")
            _check(sub, tp, key + ".")
            continue
        value = OmegaConf.to_container(node[f.name]) if isinstance(node[f.name], ListConfig) else node[f.name]
        base, nullable = _base(tp)
        if field_error(f, base, nullable, value):
            shown = "null" if value is None else repr(value)
            raise ConfigError(
                f"config key {key}={shown} is invalid: expected {allowed(f, base, nullable)}; "
                f"fix it on the command line or in conf/"
            )


def validate_run_config(cfg: DictConfig) -> None:
    """Raise ConfigError (one line: key, value, what is allowed) for the first bad value of the run's keys."""
    from eval.group_schema import validate_group_configs

    _check(cfg, RunSchema, "")
    validate_group_configs(cfg)
