"""Hydra/OmegaConf plumbing shared by the CLI and the config tests."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONF_DIR = PROJECT_ROOT / "conf"


def unique_suffix() -> str:
    """``<host>-<pid>-<random>``: what makes a name unique between processes started in the same second."""
    import os
    import secrets
    import socket

    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


def register_resolvers() -> None:
    """``${project_root:}`` lets configs name files without relying on the working directory.

    ``${unique:}`` is resolved once per config and cached in it (like Hydra's ``${now:}``): the sweep folder
    name it goes into reaches every job of that sweep, on any launcher, unchanged, and two sweeps started in
    the same second get two folders."""
    if not OmegaConf.has_resolver("project_root"):
        OmegaConf.register_new_resolver("project_root", lambda: str(PROJECT_ROOT))
    if not OmegaConf.has_resolver("unique"):
        OmegaConf.register_new_resolver("unique", unique_suffix, use_cache=True)


def instantiate_with(node: DictConfig | dict[str, Any], where: str = "", **runtime: Any) -> Any:
    """``hydra.utils.instantiate`` that passes only the runtime objects the target accepts.

    Detectors and metrics need different run-time collaborators (embedder, translator, cache);
    each declares what it needs in its constructor, the runner offers them all. A constructor that
    rejects a value with a plain ValueError/TypeError/AssertionError (sacrebleu's do) becomes a
    ConfigError naming the config key ``where``, so a bad parameter is one line, not a traceback.
    """
    from hydra.errors import InstantiationException
    from hydra.utils import get_class, instantiate

    from eval.errors import EvalError

    target = get_class(str(node["_target_"]))
    params = inspect.signature(target).parameters
    accepts_all = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    # a key the YAML leaves null (e.g. ``cache: null``) is filled at run time
    configured = {str(k) for k, v in node.items() if v is not None}
    extra = {k: v for k, v in runtime.items() if (accepts_all or k in params) and k not in configured}
    try:
        # runtime objects are passed to the partial, not through OmegaConf (which would turn dataclasses into dicts)
        factory = instantiate(node, _convert_="all", _partial_=True)
    except InstantiationException as exc:
        cause = exc.__cause__
        if isinstance(cause, EvalError):
            raise cause from None
        raise
    try:
        return factory(**extra)  # typed constructor errors (ModelError, ConfigError) reach the caller unwrapped
    except (ValueError, TypeError, AssertionError) as exc:
        from eval.errors import ConfigError

        raise ConfigError(
            f"config {where or 'node'} ({node['_target_']}) rejected its parameters: {exc}; fix it on the command "
            "line or in conf/"
        ) from exc
