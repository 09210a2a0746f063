"""Hydra/OmegaConf plumbing shared by the CLI and the config tests."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONF_DIR = PROJECT_ROOT / "conf"


def register_resolvers() -> None:
    """``${project_root:}`` lets configs name files without relying on the working directory."""
    if not OmegaConf.has_resolver("project_root"):
        OmegaConf.register_new_resolver("project_root", lambda: str(PROJECT_ROOT))


def instantiate_with(node: DictConfig | dict[str, Any], **runtime: Any) -> Any:
    """``hydra.utils.instantiate`` that passes only the runtime objects the target accepts.

    Detectors and metrics need different run-time collaborators (embedder, translator, cache);
    each declares what it needs in its constructor, the runner offers them all.
    """
    from hydra.utils import get_class, instantiate

    target = get_class(str(node["_target_"]))
    params = inspect.signature(target.__init__).parameters
    accepts_all = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    # a key the YAML leaves null (e.g. ``cache: null``) is filled at run time
    configured = {k for k in node.keys() if node[k] is not None}
    extra = {k: v for k, v in runtime.items() if (accepts_all or k in params) and k not in configured}
    from hydra.errors import InstantiationException

    from eval.errors import EvalError

    try:
        return instantiate(node, **extra, _convert_="all")
    except InstantiationException as exc:
        # hydra wraps constructor errors; a user-fixable one must reach the CLI as itself
        cause = exc.__cause__
        if isinstance(cause, EvalError):
            raise cause from None
        raise
