"""Group configs (metric, detector, embedder, translator) checked against the constructors they build.

Why the constructor is the schema: each group node names its class in ``_target_``, and the class's typed
``__init__`` already says which keys exist and what they hold. Checking the node against that signature
before any work turns ``metric.bleu.lowercase=abc`` or a misspelt key in a user's YAML into one line naming
the key, the value and what is allowed, instead of a stack trace from inside the constructor.
"""

from __future__ import annotations

import difflib
import inspect
import types
import typing
from collections.abc import Iterator
from typing import Any, Literal

from omegaconf import DictConfig, ListConfig, OmegaConf

from eval.errors import ConfigError
from eval.schema import KIND, type_ok

GROUPS_OF_MANY = ("metric", "detector")  # cfg.metric.<name>, cfg.detector.<name>
GROUPS_OF_ONE = ("embedder", "translator")


def group_nodes(cfg: DictConfig) -> Iterator[tuple[str, DictConfig]]:
    """(dotted key, node) of every configured object that has a ``_target_``."""
    for group in GROUPS_OF_MANY:
        nodes = cfg.get(group)
        if isinstance(nodes, DictConfig):
            for name, node in nodes.items():
                if isinstance(node, DictConfig) and "_target_" in node:
                    yield f"{group}.{name!s}", node
    for group in GROUPS_OF_ONE:
        node = cfg.get(group)
        if isinstance(node, DictConfig) and "_target_" in node:
            yield group, node


def _describe(tp: Any) -> str:
    """A type annotation in words: 'true or false', 'one of exp, floor', 'a number or null'."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is Literal:
        return "one of " + ", ".join("null" if a is None else str(a) for a in args)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe(a) for a in args)
    if tp is type(None):
        return "null"
    if tp in (bool, int, float, str):
        return KIND[tp]
    if origin in (list, tuple) or tp in (list, tuple):
        return "a list"
    if origin is dict or tp is dict:
        return "a mapping"
    return tp.__name__ if isinstance(tp, type) else str(tp)


def value_fits(value: Any, tp: Any) -> bool:
    """Whether a config value can be passed where the constructor declares ``tp`` (unknown types pass)."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp is Any or isinstance(tp, typing.TypeVar):
        return True
    if origin is Literal:
        return value in args
    if origin in (typing.Union, types.UnionType):
        return any(value_fits(value, a) for a in args)
    if tp is type(None) or tp is None:
        return value is None
    if tp in (bool, int, float, str):
        return type_ok(value, tp)
    if origin in (list, tuple) or tp in (list, tuple):
        return isinstance(value, list | tuple)
    if origin is dict or tp is dict:
        return isinstance(value, dict)
    return True  # a class, a Path, a Protocol: the constructor judges


def check_node(where: str, node: DictConfig) -> None:
    """Raise ConfigError for the first key of ``node`` its ``_target_``'s constructor does not take or type."""
    from hydra.utils import get_class

    target_name = str(node["_target_"])
    try:
        target: type = get_class(target_name)
    except Exception as exc:  # hydra wraps ImportError/AttributeError in its own exception types
        raise ConfigError(f"config key {where}._target_={target_name!r} cannot be imported: {exc}") from None
    params = inspect.signature(target).parameters
    try:
        init = next((vars(c)["__init__"] for c in target.__mro__ if "__init__" in vars(c)), object.__init__)
        hints = typing.get_type_hints(init)
    except Exception:  # an annotation that does not resolve at run time: check the keys only
        hints = {}
    accepts_all = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    for key in node:
        key = str(key)
        if key.startswith("_"):
            continue
        full = f"{where}.{key}"
        if key not in params:
            if accepts_all:
                continue
            near = difflib.get_close_matches(key, [p for p in params if p != "self"], n=1)
            hint = f"; did you mean '{near[0]}'?" if near else f"; {target_name} takes: {', '.join(params)}"
            raise ConfigError(f"config key {full} is unknown{hint}")
        raw = node[key]
        value = OmegaConf.to_container(raw) if isinstance(raw, DictConfig | ListConfig) else raw
        if value is None:
            continue  # null in a group YAML means "filled at run time" (eval.config.instantiate_with)
        if key in hints and not value_fits(value, hints[key]):
            shown = "null" if value is None else repr(value)
            raise ConfigError(
                f"config key {full}={shown} is invalid: expected {_describe(hints[key])}; "
                f"fix it on the command line or in conf/{where.split('.')[0]}/"
            )


def validate_group_configs(cfg: DictConfig) -> None:
    """Every group node against its constructor (see the module docstring)."""
    for where, node in group_nodes(cfg):
        check_node(where, node)
