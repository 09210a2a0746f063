"""Find, check and load COMET checkpoints without ever crashing a run on a missing model.

Resolution order: a local checkpoint (dir or .ckpt), the local HF hub cache, a download when
online. User errors (a path that does not exist, a corrupt checkpoint, a model of the wrong kind,
an encoder that cannot be found) raise ``ModelError``; a hub model that simply is not available
here raises ``CometUnavailable`` so the metric can report ``available=False`` instead.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.errors import ModelError

logger = logging.getLogger(__name__)

COMET_VERSION = "2.2.7"
HF_CACHE_HINT = "~/.cache/huggingface/hub"

# class_identifier -> (reference-based?, reference-free?) for the modes a checkpoint can serve.
_KINDS: dict[str, tuple[bool, bool]] = {
    "regression_metric": (True, False),
    "referenceless_regression_metric": (False, True),
    "unified_metric": (True, True),
    "xcomet_metric": (True, True),
}

_SHA_MEMO: dict[tuple[str, float, int], str] = {}


class CometUnavailable(ModelError):
    """The model is not here and cannot be fetched; the run goes on without COMET."""


@dataclass(frozen=True)
class ResolvedCheckpoint:
    """A checkpoint file on disk, how it was found and its hparams."""

    model_id: str
    ckpt: Path
    source: str  # "local" | "hf-cache" | "download"
    hparams: dict[str, Any]

    @property
    def class_identifier(self) -> str:
        return str(self.hparams.get("class_identifier", ""))


def unavailable_reason(model: str, download_note: str, key: str = "comet") -> str:
    """The message shown when a hub model cannot be found (also the ModelError text if required)."""
    return (
        f"COMET model {model} unavailable: not a local path, not in the HF cache ({HF_CACHE_HINT}), "
        f"download failed ({download_note}). Fix: `huggingface-cli download {model}` on a machine with "
        f"internet and copy the cache, or set metric.{key}.model=/path/to/checkpoint"
    )


def _looks_like_path(model: str) -> bool:
    """Hub ids are ``org/name``; anything else with path syntax is meant as a local path."""
    return (
        model.startswith(("/", "./", "../", "~"))
        or model.endswith((".ckpt", ".yaml"))
        or model.count("/") > 1
        or "\\" in model
    )


def _ckpt_in_dir(path: Path) -> Path | None:
    for cand in (path / "checkpoints" / "model.ckpt", path / "model.ckpt"):
        if cand.is_file():
            return cand
    return None


def read_hparams(ckpt: Path, model_id: str) -> dict[str, Any]:
    """The hparams.yaml next to ``checkpoints/`` (COMET's layout), validated."""
    import yaml

    hfile = ckpt.parents[1] / "hparams.yaml"
    if not hfile.is_file():
        raise ModelError(
            f"COMET model {model_id}: {hfile} is missing (COMET expects <dir>/hparams.yaml and "
            f"<dir>/checkpoints/model.ckpt). Fix: restore hparams.yaml from the original download."
        )
    try:
        hparams = yaml.safe_load(hfile.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ModelError(
            f"COMET model {model_id}: {hfile} is unreadable ({exc}). Fix: re-download the checkpoint."
        ) from exc
    if not isinstance(hparams, dict) or hparams.get("class_identifier") not in _KINDS:
        found = hparams.get("class_identifier") if isinstance(hparams, dict) else type(hparams).__name__
        raise ModelError(
            f"COMET model {model_id}: {hfile} is corrupt or not a COMET scoring model "
            f"(class_identifier={found!r}, expected one of {sorted(_KINDS)}). Fix: re-download the checkpoint."
        )
    return hparams


def _local(model: str) -> Path | None:
    """The checkpoint file if ``model`` is a local path; ModelError if it is meant as one but absent."""
    path = Path(model).expanduser()
    if path.is_file():
        return path
    if path.is_dir():
        ckpt = _ckpt_in_dir(path)
        if ckpt is None:
            raise ModelError(
                f"COMET model {model}: directory has no checkpoints/model.ckpt. "
                f"Fix: point metric.comet.model at a COMET checkpoint folder or its .ckpt file."
            )
        return ckpt
    if _looks_like_path(model):
        raise ModelError(
            f"COMET model {model}: checkpoint path does not exist. "
            f"Fix: check the path, or use a hub id such as Unbabel/wmt22-comet-da."
        )
    return None


def _from_hf_cache(model: str, saving_dir: str | None) -> Path | None:
    from huggingface_hub import snapshot_download

    try:
        snap = snapshot_download(repo_id=model, local_files_only=True, cache_dir=saving_dir)
    except Exception as exc:  # LocalEntryNotFoundError, invalid repo id, ...
        logger.debug("COMET model %s not in the HF cache: %s", model, exc)
        return None
    return _ckpt_in_dir(Path(snap))


def is_offline(timeout: float = 2.0) -> bool:
    """HF_HUB_OFFLINE/TRANSFORMERS_OFFLINE, or no TCP connection to huggingface.co within ``timeout``."""
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        if os.environ.get(var, "").strip().lower() in {"1", "true", "yes", "on"}:
            return True
    try:
        with socket.create_connection(("huggingface.co", 443), timeout=timeout):
            return False
    except OSError:
        return True


def _download(model: str, saving_dir: str | None) -> tuple[Path | None, str]:
    if is_offline():
        return None, "offline"
    from comet import download_model

    try:
        return Path(download_model(model, saving_directory=saving_dir)), ""
    except Exception as exc:  # COMET raises KeyError, hub raises HTTP errors
        return None, f"{type(exc).__name__}: {exc}"


def resolve(model: str, saving_dir: str | None = None, key: str = "comet") -> ResolvedCheckpoint:
    """Find the checkpoint of ``model``: local path, HF cache, then download."""
    ckpt = _local(model)
    source = "local"
    if ckpt is None:
        ckpt, source = _from_hf_cache(model, saving_dir), "hf-cache"
    if ckpt is None:
        ckpt, note = _download(model, saving_dir)
        source = "download"
        if ckpt is None:
            raise CometUnavailable(unavailable_reason(model, note, key))
    return ResolvedCheckpoint(model, ckpt, source, read_hparams(ckpt, model))


def check_kind(resolved: ResolvedCheckpoint, mode: str) -> None:
    """A reference-free model cannot score with references, and the reverse."""
    cid = resolved.class_identifier
    ref_ok, qe_ok = _KINDS[cid]
    name = resolved.model_id
    if mode == "ref" and not ref_ok:
        raise ModelError(f"COMET model {name} ({cid}) is reference-free, use metric=comet-qe.")
    if mode == "qe" and not qe_ok:
        raise ModelError(f"COMET model {name} ({cid}) needs references, use metric=comet-ref.")
    if mode == "xcomet" and cid != "xcomet_metric":
        raise ModelError(
            f"COMET model {name} ({cid}) is not an XCOMET model (no error spans); "
            f"use metric=comet-ref or comet-qe, or an XCOMET checkpoint such as Unbabel/XCOMET-XL."
        )


def _encoder_in_hf_cache(name: str) -> bool:
    from huggingface_hub import try_to_load_from_cache

    try:
        hit = try_to_load_from_cache(repo_id=name, filename="config.json")
    except Exception:  # invalid repo id
        return False
    return isinstance(hit, str)


def _relocate_encoder(resolved: ResolvedCheckpoint) -> Path | None:
    """Where a moved encoder dir went: next to the checkpoint folder, by its old base name."""
    old = Path(str(resolved.hparams.get("pretrained_model", "")))
    root = resolved.ckpt.parents[1]
    for cand in (root / old.name, root / "encoder", root.parent / old.name):
        if (cand / "config.json").is_file():
            return cand
    return None


def _overlay(resolved: ResolvedCheckpoint, hparams: dict[str, Any], work_dir: Path | None) -> Path:
    """A folder with a rewritten hparams.yaml and a link to the original checkpoint (never edits it)."""
    import yaml

    base = Path(tempfile.mkdtemp(prefix="comet-reloc-", dir=str(work_dir) if work_dir else None))
    (base / "checkpoints").mkdir()
    (base / "hparams.yaml").write_text(yaml.safe_dump(hparams), encoding="utf-8")
    link = base / "checkpoints" / "model.ckpt"
    link.symlink_to(resolved.ckpt.resolve())
    return link


def prepare_encoder(resolved: ResolvedCheckpoint, work_dir: Path | None = None) -> Path:
    """The checkpoint path to load, after checking that its encoder can be loaded offline."""
    enc = str(resolved.hparams.get("pretrained_model", ""))
    hfile = resolved.ckpt.parents[1] / "hparams.yaml"
    enc_path = Path(enc).expanduser()
    if enc_path.is_dir():
        return resolved.ckpt
    if enc_path.is_absolute() or enc.startswith((".", "~")):
        moved = _relocate_encoder(resolved)
        if moved is None:
            raise ModelError(
                f"COMET model {resolved.model_id}: encoder dir {enc} (pretrained_model in {hfile}) does not "
                f"exist and was not found next to the checkpoint. Fix: set pretrained_model in {hfile} "
                f"to the encoder directory."
            )
        logger.info("COMET encoder moved: %s -> %s", enc, moved)
        return _overlay(resolved, {**resolved.hparams, "pretrained_model": str(moved)}, work_dir)
    if _encoder_in_hf_cache(enc) or not is_offline():
        return resolved.ckpt
    raise ModelError(
        f"COMET model {resolved.model_id}: its encoder {enc!r} (pretrained_model in {hfile}) is not in the "
        f"HF cache ({HF_CACHE_HINT}) and the hub is offline. Fix: `huggingface-cli download {enc}` on a "
        f"machine with internet and copy the cache, or point pretrained_model at a local encoder dir."
    )


def load(ckpt: Path, model_id: str) -> Any:
    """``comet.load_from_checkpoint`` with hparams.yaml authoritative; corrupt files become ModelError."""
    from comet import load_from_checkpoint

    try:
        model = load_from_checkpoint(str(ckpt), reload_hparams=True, local_files_only=is_offline(0.5))
    except (OSError, ValueError) as exc:
        raise ModelError(f"COMET model {model_id}: cannot load its encoder or tokenizer ({exc}).") from exc
    except Exception as exc:  # torch.load raises UnpicklingError/RuntimeError/EOFError on garbage
        raise ModelError(
            f"COMET model {model_id}: checkpoint {ckpt} is corrupt or unreadable "
            f"({type(exc).__name__}: {exc}). Fix: re-download or rebuild the checkpoint."
        ) from exc
    model.eval()
    return model


def checkpoint_sha(ckpt: Path) -> str:
    """SHA-256 of the checkpoint file, memoised by path + mtime + size (hashing 2 GB takes seconds)."""
    real = ckpt.resolve()
    st = real.stat()
    key = (str(real), st.st_mtime, st.st_size)
    if key not in _SHA_MEMO:
        h = hashlib.sha256()
        with real.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 22), b""):
                h.update(block)
        _SHA_MEMO[key] = h.hexdigest()
    return _SHA_MEMO[key]
