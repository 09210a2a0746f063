"""Neural MT with transformers: MarianMT or any ``AutoModelForSeq2SeqLM`` (local dir or hub id).

torch/transformers are imported on first use so that selecting Apertium never pays for them.
Lines are sorted by length before batching (less padding, faster) and put back in order.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path
from typing import Any

from eval.cache import Cache, content_key
from eval.errors import ConfigError, ModelError
from eval.translators.base import Translation, Translator

log = logging.getLogger(__name__)

_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin", "model.safetensors.index.json")


def model_fingerprint(path: Path) -> str:
    """SHA-256 of config.json plus the size and mtime of the weights: cheap and changes on retrain."""
    h = hashlib.sha256()
    for name in ("config.json", "generation_config.json"):
        f = path / name
        if f.exists():
            h.update(f.read_bytes())
    for name in _WEIGHT_FILES:
        f = path / name
        if f.exists():
            st = f.stat()
            h.update(f"{name}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()


class MarianTranslator(Translator):
    """A seq2seq model for the listed ``pairs`` (e.g. ["fr-es"]); one model, one direction usually."""

    name = "marian"

    def __init__(
        self,
        model: str = "Helsinki-NLP/opus-mt-fr-es",
        pairs: list[str] | None = None,
        batch_size: int = 16,
        max_length: int = 256,
        num_beams: int = 4,
        threads: int | None = None,
        device: str = "auto",
        local_files_only: bool | None = None,
        cache: Cache | None = None,
    ) -> None:
        self.model_name = str(model)
        self._pairs: set[tuple[str, str]] = set()
        for key in pairs or ["fr-es"]:
            parts = str(key).split("-")
            if len(parts) != 2 or not all(parts):
                raise ConfigError(f"translator.pairs entry {key!r} is not 'src-tgt' (e.g. 'fr-es')")
            self._pairs.add((parts[0], parts[1]))
        if batch_size < 1 or max_length < 1 or num_beams < 1:
            raise ConfigError(
                f"translator batch_size={batch_size}, max_length={max_length}, num_beams={num_beams}: all must be >= 1"
            )
        self.batch_size = batch_size
        self.max_length = max_length
        self.num_beams = num_beams
        self.threads = threads
        self.device = device
        self.local_files_only = local_files_only
        self.cache = cache
        self._tokenizer: Any = None
        self._model: Any = None
        self._device: str = "cpu"
        self._fingerprint: str = ""
        self._max_input: int = 512

    def pairs(self) -> set[tuple[str, str]]:
        return set(self._pairs)

    # -- loading -----------------------------------------------------------------------------
    def _local_path(self) -> Path | None:
        """The model directory when ``model`` names a path (exists, or is written like a path)."""
        path = Path(self.model_name).expanduser()
        if path.exists():
            return path
        written_as_path = self.model_name.startswith((".", "/", "~")) or self.model_name.count("/") > 1
        if written_as_path or (self.model_name.count("/") == 1 and path.parent.is_dir()):
            return path  # "models/opus-mt-fr-es" with ./models present: a path, not a hub id
        return None

    def _resolve_offline(self, local: Path | None) -> bool:
        if self.local_files_only is not None:
            return self.local_files_only
        return (local is not None and local.is_dir()) or os.environ.get("HF_HUB_OFFLINE") == "1"

    def load(self) -> None:
        """Load tokenizer and model once (the same AutoTokenizer/AutoModel path for every model)."""
        if self._model is not None:
            return
        local = self._local_path()
        if local is not None and not local.is_dir():
            raise ModelError(
                f"model directory {local} does not exist: run `make setup` to build it, or set "
                "translator.model to an existing directory or a hub id (needs internet)"
            )
        if local is not None and not (local / "config.json").exists():
            raise ModelError(
                f"model directory {local} has no config.json: it is not a transformers model; "
                "re-download or re-export it with save_pretrained()"
            )
        offline = self._resolve_offline(local)
        import torch
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        if self.threads:
            torch.set_num_threads(int(self.threads))
        source = str(local) if local is not None else self.model_name
        try:
            tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=offline)
            model = AutoModelForSeq2SeqLM.from_pretrained(source, local_files_only=offline)
        except (OSError, ValueError, KeyError, RuntimeError, TypeError) as exc:  # what broken dirs raise
            where = f"directory {local}" if local is not None else f"hub model {self.model_name}"
            hint = (
                "check that it holds config.json, the weights and the tokenizer files"
                if local is not None
                else "with no internet, download it elsewhere and set translator.model to its local path"
            )
            raise ModelError(f"cannot load seq2seq model from {where}: {exc}; {hint}") from exc
        auto = "cuda" if torch.cuda.is_available() else "cpu"
        device = auto if self.device == "auto" else self.device
        model.to(device)
        model.eval()
        self._tokenizer, self._model, self._device = tokenizer, model, device
        # Inputs are cut only where the model must (its positions), not at the output max_length.
        limits = [getattr(tokenizer, "model_max_length", 0), getattr(model.config, "max_position_embeddings", 0)]
        self._max_input = min([int(x) for x in limits if isinstance(x, int) and x > 0] or [512])
        if local is not None:
            self._fingerprint = model_fingerprint(local)
        else:
            self._fingerprint = str(getattr(model.config, "_commit_hash", "") or "")
        log.info("loaded %s on %s", source, device)

    # -- translation -------------------------------------------------------------------------
    def _params(self) -> dict[str, Any]:
        return {"max_length": self.max_length, "num_beams": self.num_beams}

    def translate(self, lines: list[str], src: str, tgt: str) -> Translation:
        if not self.covers(src, tgt):
            raise ConfigError(self.not_covered_reason(src, tgt) + " (set translator.pairs)")
        self.load()
        out: list[str | None] = [None] * len(lines)
        keys: list[str] = []
        for i, line in enumerate(lines):
            if not line.strip():
                out[i] = ""  # seq2seq models hallucinate on empty input
        if self.cache is not None:
            for i, line in enumerate(lines):
                key = content_key("marian", self.model_name, self._fingerprint, self._params(), src, tgt, line)
                keys.append(key)
                if out[i] is None:
                    hit = self.cache.get_json(key)
                    if isinstance(hit, str):
                        out[i] = hit
        todo = [i for i, v in enumerate(out) if v is None]
        todo.sort(key=lambda i: len(lines[i]), reverse=True)
        for start in range(0, len(todo), self.batch_size):
            batch = todo[start : start + self.batch_size]
            for i, text in zip(batch, self._generate([lines[i] for i in batch]), strict=True):
                out[i] = text
                if self.cache is not None:
                    self.cache.put_json(keys[i], text)
        final = [v or "" for v in out]
        return Translation(lines=final, unknown=[[] for _ in final], route=f"marian {self.model_name} {src}→{tgt}")

    def _generate(self, batch: list[str]) -> list[str]:
        import torch

        enc = self._tokenizer(batch, return_tensors="pt", padding=True, truncation=True, max_length=self._max_input).to(
            self._device
        )
        with torch.inference_mode():
            ids = self._model.generate(**enc, max_length=self.max_length, num_beams=self.num_beams, do_sample=False)
        return [s.strip() for s in self._tokenizer.batch_decode(ids, skip_special_tokens=True)]
