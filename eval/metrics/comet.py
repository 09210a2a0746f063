"""COMET (unbabel-comet 2.2.7) as a harness metric: reference-based, reference-free (QE) and XCOMET.

Why not ``model.predict`` per system as ``comet-score`` does: systems share their sources and
references, and RegressionMetric/ReferencelessRegression embed src, mt and ref *separately*. So
we embed each unique sentence once (padding-free token batches, eval.metrics.comet_encoder), run COMET's own
estimator on the combined embeddings, and keep sentence embeddings and triple scores in the
content-addressed cache: a rerun or a sweep recomputes nothing it has already scored. XCOMET /
unified models read src+mt(+ref) as one sequence, so there only unique, uncached triples go
through ``model.predict``.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from eval.cache import Cache, content_key
from eval.embedders.packed import map_token_batches
from eval.errors import ConfigError, MetricError, ModelError
from eval.metrics import comet_model as cm
from eval.metrics.base import Metric, MetricResult, ScoringInput
from eval.metrics.comet_encoder import CometSentenceEncoder, packable_comet

logger = logging.getLogger(__name__)

Mode = Literal["ref", "qe", "xcomet"]
NAMES: dict[str, str] = {"ref": "comet-ref", "qe": "comet-qe", "xcomet": "xcomet"}
DEFAULT_MODELS: dict[str, str] = {
    "ref": "Unbabel/wmt22-comet-da",
    "qe": "Unbabel/wmt22-cometkiwi-da",
    "xcomet": "Unbabel/XCOMET-XL",
}
_SPLIT_ENCODERS = {"regression_metric", "referenceless_regression_metric"}
_PROGRESS_MIN = 50
_MODELS: dict[tuple[str, str, str, str], Any] = {}  # (ckpt, sha, dtype, device) -> loaded model
_SENTENCE_ENCODERS: dict[int, CometSentenceEncoder] = {}  # id(loaded model) -> its packed encoder


@dataclass(frozen=True)
class Triple:
    """One unit COMET scores; ``ref`` is None for reference-free scoring."""

    src: str
    mt: str
    ref: str | None


class CometMetric(Metric):
    """COMET behind the Metric interface (see module docstring for why it is faster than comet-score).

    ``mode``: "ref" scores (src, mt, ref) with ref in mt's language; "qe" scores (src, mt), where
    src is ``data.srcs`` if given else ``data.refs`` (cross-lingual: the French reference segment
    is the source, the version's aligned segment the translation); "xcomet" scores with references
    when ``data.srcs`` is given (src=srcs, ref=refs) and as QE otherwise, and returns error spans.
    ``precision``: "fp32" (default; fp16 on CPU is far slower and ``comet-score`` uses it even
    there), "fp16" to reproduce ``comet-score``'s numbers, "bf16" (faster matmul, drifts).
    """

    same_language = False
    scale = (None, None)  # COMET's regression heads are not bounded (most scores fall in 0..1)
    display_precision = 3

    def __init__(
        self,
        mode: Mode = "ref",
        model: str | None = None,
        batch_size: int = 16,
        threads: int | None = 2,
        gpus: str | int = "auto",
        required: bool = False,
        cache: Cache | None = None,
        cache_dir: str | None = None,
        use_cache: bool = True,
        progress: bool = True,
        saving_dir: str | None = None,
        precision: str = "fp32",
    ) -> None:
        if mode not in NAMES:
            raise ConfigError(f"metric comet: mode={mode!r} is unknown; use one of {sorted(NAMES)}.")
        if precision not in {"fp32", "fp16", "bf16"}:
            raise ConfigError(f"metric {NAMES[mode]}: precision={precision!r}; use fp32, fp16 or bf16.")
        if batch_size < 1:
            raise ConfigError(f"metric {NAMES[mode]}: batch_size={batch_size} must be >= 1.")
        self.mode: str = mode
        self.name = NAMES[mode]
        self.produces_spans = mode == "xcomet"
        self.model_id = model or DEFAULT_MODELS[mode]
        self.batch_size = batch_size
        self.threads = threads
        self.gpus = gpus
        self.required = required
        self.cache = cache or Cache(cache_dir, namespace="comet", enabled=use_cache)
        self.progress = progress
        self.saving_dir = saving_dir
        self.precision = precision
        self.model_calls = 0  # sentences/triples sent through the network (tests count these)
        self._resolved: cm.ResolvedCheckpoint | None = None
        self._sha = ""
        self._emb_memo: dict[str, np.ndarray] = {}

    # ---- public API -------------------------------------------------------------------------

    @property
    def reads_reference_language(self) -> bool:
        """Reference-based COMET compares the version with a reference in its own language (the bridge)."""
        return self.mode == "ref"

    def score(self, data: ScoringInput) -> MetricResult:
        """Score one system (segment scores, corpus = their mean, as comet-score)."""
        return self.score_many([data])[0]

    def score_many(self, systems: list[ScoringInput]) -> list[MetricResult]:
        """Score several systems in one pass so shared sources/references are embedded once."""
        per_system = [self._triples(d) for d in systems]
        try:
            self._ensure_resolved()
        except cm.CometUnavailable as exc:
            if self.required:
                raise
            logger.debug("%s", exc)  # the run warns once, naming every system (eval.stages.state.warn_skipped)
            return [self._unavailable(str(exc)) for _ in systems]
        unique = list(dict.fromkeys(t for triples in per_system for t in triples))
        found = self._score_unique(unique)
        results = []
        for triples in per_system:
            segs = [float(found[t][0]) for t in triples]
            extra: dict[str, object] = {"model_source": self._source, "unique_triples": len(set(triples))}
            if self.mode == "xcomet":
                extra["error_spans"] = [found[t][1] for t in triples]
            results.append(
                MetricResult(
                    metric=self.name,
                    corpus=float(np.mean(segs)) if segs else None,
                    segments=segs,
                    signature=self.signature,
                    available=bool(segs),
                    reason="" if segs else "no segments to score",
                    extra=extra,
                )
            )
        return results

    def close(self) -> None:
        """Drop this metric's loaded model (a wmt22-sized COMET holds ~2.3 GB of RAM)."""
        if self._resolved is not None:
            ckpt = str(self._resolved.ckpt.resolve())
            for key in [k for k in _MODELS if k[0] == ckpt and k[2] == self.precision]:
                _SENTENCE_ENCODERS.pop(id(_MODELS.pop(key)), None)
        self._emb_memo.clear()

    @property
    def signature(self) -> str:
        sig = (
            f"model:{self.model_id}|sha256:{self._sha[:16]}|comet:{cm.COMET_VERSION}"
            f"|mode:{self.mode}|bs:{self.batch_size}"
        )
        return sig if self.precision == "fp32" else f"{sig}|dtype:{self.precision}"

    # ---- input ------------------------------------------------------------------------------

    def _triples(self, data: ScoringInput) -> list[Triple]:
        hyps, refs, srcs = data.hyps, data.refs, data.srcs
        if len(hyps) != len(refs) or (srcs is not None and len(srcs) != len(hyps)):
            n_src = "none" if srcs is None else len(srcs)
            raise MetricError(
                f"{self.name}: {len(hyps)} hypotheses vs {len(refs)} references vs {n_src} sources; "
                f"the aligned segments must have equal counts."
            )
        if self.mode == "ref":
            if srcs is None:
                raise MetricError(
                    f"{self.name}: reference-based COMET needs sources (ScoringInput.srcs); "
                    f"use metric=comet-qe for (reference, version) pairs."
                )
            return [Triple(s, h, r) for s, h, r in zip(srcs, hyps, refs, strict=True)]
        if self.mode == "qe" or srcs is None:
            src_side = srcs if srcs is not None else refs
            return [Triple(s, h, None) for s, h in zip(src_side, hyps, strict=True)]
        return [Triple(s, h, r) for s, h, r in zip(srcs, hyps, refs, strict=True)]

    def _unavailable(self, reason: str) -> MetricResult:
        return MetricResult(
            metric=self.name,
            corpus=None,
            segments=[],
            signature=f"model:{self.model_id}|comet:{cm.COMET_VERSION}|mode:{self.mode}",
            available=False,
            reason=reason,
        )

    # ---- model ------------------------------------------------------------------------------

    def _ensure_resolved(self) -> None:
        if self._resolved is not None:
            return
        resolved = cm.resolve(self.model_id, self.saving_dir, key=self.name)
        cm.check_kind(resolved, self.mode)
        self._sha = self._checkpoint_sha(resolved.ckpt)
        self._resolved = resolved

    @property
    def _source(self) -> str:
        return self._resolved.source if self._resolved else ""

    def _checkpoint_sha(self, ckpt: Path) -> str:
        """Persisted by path+mtime+size so a warm run does not re-hash a 2 GB file."""
        real = ckpt.resolve()
        st = real.stat()
        key = content_key("ckpt-sha", str(real), st.st_mtime, st.st_size)
        hit = self.cache.get_json(key)
        if isinstance(hit, str):
            return hit
        sha = cm.checkpoint_sha(real)
        self.cache.put_json(key, sha)
        return sha

    def _device(self) -> str:
        import torch

        has_cuda = torch.cuda.is_available()
        if self.gpus == "auto":
            return "cuda" if has_cuda else "cpu"
        if int(self.gpus) > 0 and not has_cuda:
            logger.warning("%s: gpus=%s but CUDA is not available; using the CPU.", self.name, self.gpus)
        return "cuda" if int(self.gpus) > 0 and has_cuda else "cpu"

    def _model(self) -> Any:
        import torch

        resolved = self._resolved
        if resolved is None:  # pragma: no cover - _ensure_resolved runs first
            raise ModelError(f"{self.name}: model {self.model_id} used before it was resolved.")
        device = self._device()
        key = (str(resolved.ckpt.resolve()), self._sha, self.precision, device)
        if key not in _MODELS:
            work = self.cache.root / "comet-relocated" if self.cache.enabled else None
            if work is not None:
                work.mkdir(parents=True, exist_ok=True)
            ckpt = cm.prepare_encoder(resolved, work)
            model = cm.load(ckpt, self.model_id)
            dtype = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}[self.precision]
            _MODELS[key] = model.to(device=device, dtype=dtype)
        return _MODELS[key]

    # ---- scoring ----------------------------------------------------------------------------

    def _key(self, t: Triple) -> str:
        return content_key("comet-score", self._sha, self.mode, self.precision, t.src, t.mt, t.ref)

    def _score_unique(self, unique: list[Triple]) -> dict[Triple, tuple[float, list[Any]]]:
        found: dict[Triple, tuple[float, list[Any]]] = {}
        todo: list[Triple] = []
        for t in unique:
            hit = self.cache.get_json(self._key(t))
            if isinstance(hit, dict) and "score" in hit:
                found[t] = (float(hit["score"]), list(hit.get("spans", [])))
            else:
                todo.append(t)
        if not todo:
            return found
        import torch

        old_threads = torch.get_num_threads()
        if self.threads:
            torch.set_num_threads(self.threads)
        try:
            model = self._model()
            with torch.inference_mode():
                if self._resolved and self._resolved.class_identifier in _SPLIT_ENCODERS:
                    computed = self._score_split(model, todo)
                else:
                    computed = self._score_predict(model, todo)
        finally:
            torch.set_num_threads(old_threads)
        for t, value in computed.items():
            self.cache.put_json(self._key(t), {"score": value[0], "spans": value[1]})
        found.update(computed)
        return found

    def _embed(self, model: Any, texts: list[str]) -> dict[str, Any]:
        """Sentence embeddings of unique texts: memo, then cache, then length-sorted batches."""
        import torch
        from tqdm import tqdm

        out: dict[str, Any] = {}
        missing: list[str] = []
        for text in texts:
            key = content_key("comet-emb", self._sha, self.precision, text)
            arr = self._emb_memo.get(key)
            if arr is None:
                arr = self.cache.get_array(key)
            if arr is None:
                missing.append(text)
            else:
                self._emb_memo[key] = arr
                out[text] = torch.from_numpy(np.asarray(arr))
        if not missing:
            return out
        enc = model.encoder
        ids = enc.tokenizer(missing, truncation=True, max_length=enc.max_positions - 2)["input_ids"]
        bar = tqdm(
            total=len(missing),
            desc=f"{self.name} encode",
            file=sys.stderr,
            disable=not (self.progress and len(missing) > _PROGRESS_MIN),
        )
        packed = self._sentence_encoder(model)
        for batch, rows in self._embedded_batches(model, packed, missing, ids):
            self.model_calls += len(batch)
            for text, row in zip(batch, rows, strict=True):
                vec = row.detach().float().cpu().numpy()
                key = content_key("comet-emb", self._sha, self.precision, text)
                self._emb_memo[key] = vec
                self.cache.put_array(key, vec)
                out[text] = torch.from_numpy(vec)
            bar.update(len(batch))
        bar.close()
        return out

    def _sentence_encoder(self, model: Any) -> CometSentenceEncoder | None:
        """The packed encoder of ``model`` (built once per loaded model), or None where COMET's own runs.

        fp16 keeps COMET's code: that precision exists to reproduce ``comet-score`` bit for bit.
        """
        if self.precision == "fp16" or next(model.parameters()).device.type != "cpu" or not packable_comet(model):
            return None
        key = id(model)
        if key not in _SENTENCE_ENCODERS:
            _SENTENCE_ENCODERS[key] = CometSentenceEncoder(model)
        return _SENTENCE_ENCODERS[key]

    def _embedded_batches(
        self, model: Any, packed: CometSentenceEncoder | None, texts: list[str], ids: list[list[int]]
    ) -> Iterator[tuple[list[str], list[Any]]]:
        """(texts, embeddings) per batch: packed token batches, else COMET's padded length-sorted ones."""
        if packed is not None:
            embed, lengths = packed.embed, [len(i) for i in ids]
            for idx, rows in map_token_batches(lambda idx: embed([ids[i] for i in idx]), lengths, packed.batch_tokens):
                yield [texts[i] for i in idx], rows
            return
        order = sorted(range(len(texts)), key=lambda i: len(ids[i]))
        device = next(model.parameters()).device
        for start in range(0, len(order), self.batch_size):
            batch = [texts[i] for i in order[start : start + self.batch_size]]
            inputs = model.encoder.prepare_sample(batch)
            yield (
                batch,
                list(model.get_sentence_embedding(inputs["input_ids"].to(device), inputs["attention_mask"].to(device))),
            )

    def _score_split(self, model: Any, todo: list[Triple]) -> dict[Triple, tuple[float, list[Any]]]:
        """Embed unique sentences once, then run COMET's estimator head on the triples."""
        import torch

        texts = list(dict.fromkeys(s for t in todo for s in (t.src, t.mt, t.ref) if s is not None))
        emb = self._embed(model, texts)
        device = next(model.parameters()).device
        dtype = next(model.parameters()).dtype
        scores: list[float] = []
        chunk = 512
        for start in range(0, len(todo), chunk):
            part = todo[start : start + chunk]

            def stack(side: list[str]) -> torch.Tensor:
                return torch.stack([emb[s] for s in side]).to(device=device, dtype=dtype)

            src, mt = stack([t.src for t in part]), stack([t.mt for t in part])
            if self.mode == "ref":
                ref = stack([t.ref or "" for t in part])
                pred = model.estimate(src, mt, ref).score
            else:  # ReferencelessRegression.forward, after the encoder
                feats = torch.cat((mt, src, mt * src, torch.abs(mt - src)), dim=1)
                pred = model.estimator(feats).view(-1)
            scores += pred.float().cpu().tolist()
        return {t: (s, []) for t, s in zip(todo, scores, strict=True)}

    def _score_predict(self, model: Any, todo: list[Triple]) -> dict[Triple, tuple[float, list[Any]]]:
        """Joint-input models (unified / XCOMET): COMET's own predict on unique uncached triples.

        With and without references are separate calls: COMET batches need the same fields.
        """
        found: dict[Triple, tuple[float, list[Any]]] = {}
        for group in ([t for t in todo if t.ref is not None], [t for t in todo if t.ref is None]):
            if not group:
                continue
            samples = [{"src": t.src, "mt": t.mt, **({"ref": t.ref} if t.ref is not None else {})} for t in group]
            out = model.predict(
                samples,
                batch_size=self.batch_size,
                gpus=1 if self._device() == "cuda" else 0,
                progress_bar=self.progress and len(samples) > _PROGRESS_MIN,
            )
            self.model_calls += len(samples)
            spans: list[Any] = [[] for _ in samples]
            meta = out.get("metadata")
            if meta is not None and "error_spans" in meta:
                spans = [[_plain(span) for span in sent] for sent in meta["error_spans"]]
            found.update({t: (float(s), sp) for t, s, sp in zip(group, out["scores"], spans, strict=True)})
        return found


def _plain(span: dict[str, Any]) -> dict[str, Any]:
    """An XCOMET span as JSON-safe values (text, start, end, severity, confidence)."""
    return {k: (v.item() if hasattr(v, "item") else v) for k, v in span.items()}
