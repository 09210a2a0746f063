"""COMET metric: golden equality with comet-score / model.predict, cache, resolution and bad inputs.

Checkpoints are tiny random-weight COMET models built offline (tests/comet_fixtures.py); the
golden values come from unbabel-comet itself on the same checkpoint and inputs.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from eval.errors import MetricError, ModelError
from eval.metrics import comet_model as cm
from eval.metrics.base import ScoringInput
from eval.metrics.comet import CometMetric
from tests.comet_fixtures import build_checkpoint, corpus_lines

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
N_SEG = 12
N_SYS = 3
Systems = tuple[list[str], list[str], list[list[str]]]

# comet-score with the model kept in fp32 (the real CLI calls model.half() even on CPU).
CLI_FP32 = (
    "import sys; from comet.models.base import CometModel; CometModel.half = lambda self: self; "
    "from comet.cli.score import score_command; sys.argv[0] = 'comet-score'; score_command()"
)


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def ckpts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A tiny RegressionMetric and ReferencelessRegression, built once per session."""
    base = tmp_path_factory.mktemp("comet-ckpts")
    ref = build_checkpoint(base / "ref", "ref")
    qe = build_checkpoint(base / "qe", "qe", encoder_dir=base / "ref" / "encoder", seed=11)
    return {"ref": ref, "qe": qe}


@pytest.fixture(scope="session")
def systems() -> Systems:
    """Sources and references shared by N_SYS systems, with one hypothesis repeated across systems."""
    lines = corpus_lines()
    srcs, refs = lines[:N_SEG], lines[N_SEG : 2 * N_SEG]
    hyps = [[lines[(i * 7 + k * 13 + 30) % len(lines)] for i in range(N_SEG)] for k in range(N_SYS)]
    hyps[1][0] = hyps[0][0]
    return srcs, refs, hyps


def _inputs(systems: Systems) -> list[ScoringInput]:
    srcs, refs, hyps = systems
    return [ScoringInput(hyps=h, refs=refs, srcs=srcs) for h in hyps]


def _run_cli(ckpt: Path, args: list[str], cwd: Path, fp32: bool) -> dict[str, list[float]]:
    cmd = [sys.executable, "-c", CLI_FP32] if fp32 else [str(VENV_BIN / "comet-score")]
    flags = ["--model", str(ckpt), "--gpus", "0", "--quiet", "--to_json", "out.json"]
    subprocess.run([*cmd, *args, *flags], cwd=cwd, check=True, capture_output=True, timeout=300)
    data = json.loads((cwd / "out.json").read_text(encoding="utf-8"))
    return {name: [float(seg["COMET"]) for seg in segs] for name, segs in data.items()}


def _write(tmp: Path, srcs: list[str], refs: list[str] | None, hyps: list[list[str]]) -> list[str]:
    (tmp / "src.txt").write_text("\n".join(srcs) + "\n", encoding="utf-8")
    args = ["-s", "src.txt", "-t"]
    for k, h in enumerate(hyps):
        (tmp / f"sys{k}.txt").write_text("\n".join(h) + "\n", encoding="utf-8")
        args.append(f"sys{k}.txt")
    if refs is not None:
        (tmp / "ref.txt").write_text("\n".join(refs) + "\n", encoding="utf-8")
        args += ["-r", "ref.txt"]
    return args


def _predict(ckpt: Path, samples: list[dict[str, str]]) -> list[float]:
    import comet

    model = comet.load_from_checkpoint(str(ckpt), reload_hparams=True, local_files_only=True)
    return [float(s) for s in model.predict(samples, batch_size=4, gpus=0, progress_bar=False).scores]


# ---- golden equality -------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.integration
def test_ref_equals_comet_cli_and_predict(ckpts: dict[str, Path], systems: Systems, tmp_path: Path) -> None:
    srcs, refs, hyps = systems
    metric = CometMetric("ref", str(ckpts["ref"]), cache_dir=str(tmp_path / "cache"), progress=False)
    results = metric.score_many(_inputs(systems))
    cli = _run_cli(ckpts["ref"], _write(tmp_path, srcs, refs, hyps), tmp_path, fp32=True)
    for k, res in enumerate(results):
        golden = cli[f"sys{k}.txt"]
        assert np.allclose(res.segments, golden, atol=1e-4, rtol=0)
        assert res.corpus == pytest.approx(float(np.mean(golden)), abs=1e-4)
        assert res.available and res.metric == "comet-ref"
    samples = [{"src": s, "mt": m, "ref": r} for s, m, r in zip(srcs, hyps[2], refs, strict=True)]
    assert np.allclose(results[2].segments, _predict(ckpts["ref"], samples), atol=1e-4, rtol=0)
    # Shared sources/references are embedded once: unique sentences, not 3 x (src + mt + ref).
    assert metric.model_calls == len(set(srcs) | set(refs) | {x for h in hyps for x in h})


def test_packed_encoder_equals_comet_predict(ckpts: dict[str, Path], systems: Systems) -> None:
    """The padding-free encoder (eval.metrics.comet_encoder) gives COMET's embeddings and scores."""
    import comet
    import torch

    from eval.metrics import comet as cmod
    from eval.metrics.comet_encoder import CometSentenceEncoder, packable_comet

    srcs, refs, hyps = systems
    model = comet.load_from_checkpoint(str(ckpts["ref"]), reload_hparams=True, local_files_only=True).eval()
    assert packable_comet(model) and model.layerwise_attention is not None
    texts = [*srcs[:5], "Oui.", srcs[6] + " " + refs[7]]  # lengths from 3 tokens to two sentences
    inputs = model.encoder.prepare_sample(texts)
    ids = model.encoder.tokenizer(texts, truncation=True, max_length=model.encoder.max_positions - 2)["input_ids"]
    with torch.inference_mode():
        theirs = model.get_sentence_embedding(inputs["input_ids"], inputs["attention_mask"])
        ours = torch.stack(CometSentenceEncoder(model).embed(ids))
    # Packed and padded matmuls sum in different orders: a few float32 ulps apart (1.2e-6 seen in CI), no more.
    torch.testing.assert_close(ours, theirs, atol=1e-5, rtol=0)

    metric = CometMetric("ref", str(ckpts["ref"]), use_cache=False, progress=False)
    results = metric.score_many(_inputs(systems))
    assert any(e.model is m for e in cmod._SENTENCE_ENCODERS.values() for m in cmod._MODELS.values())
    samples = [{"src": s, "mt": m, "ref": r} for hyp in hyps for s, m, r in zip(srcs, hyp, refs, strict=True)]
    golden = model.predict(samples, batch_size=4, gpus=0, progress_bar=False).scores
    assert np.allclose([x for res in results for x in res.segments], golden, atol=1e-5, rtol=0)
    metric.close()


@pytest.mark.slow
@pytest.mark.integration
def test_fp16_matches_real_comet_score(ckpts: dict[str, Path], systems: Systems, tmp_path: Path) -> None:
    """The stock CLI computes in fp16 even with --gpus 0; precision=fp16 reproduces it to 1 fp16 ulp."""
    srcs, refs, hyps = systems
    cli = _run_cli(ckpts["ref"], _write(tmp_path, srcs, refs, hyps[:1]), tmp_path, fp32=False)["sys0.txt"]
    res = CometMetric("ref", str(ckpts["ref"]), use_cache=False, progress=False, precision="fp16").score(
        ScoringInput(hyps=hyps[0], refs=refs, srcs=srcs)
    )
    ulp = np.spacing(np.abs(np.asarray(cli, dtype=np.float16))).astype(np.float64)
    assert np.all(np.abs(np.asarray(res.segments) - cli) <= ulp + 1e-6)
    assert res.signature.endswith("|dtype:fp16")


@pytest.mark.slow
@pytest.mark.integration
def test_qe_equals_comet_cli_and_predict(ckpts: dict[str, Path], systems: Systems, tmp_path: Path) -> None:
    srcs, _, hyps = systems
    metric = CometMetric("qe", str(ckpts["qe"]), cache_dir=str(tmp_path / "cache"), progress=False)
    # Cross-lingual use: no srcs -> the reference segment is the COMET source.
    results = metric.score_many([ScoringInput(hyps=h, refs=srcs) for h in hyps])
    cli = _run_cli(ckpts["qe"], _write(tmp_path, srcs, None, hyps), tmp_path, fp32=True)
    for k, res in enumerate(results):
        assert np.allclose(res.segments, cli[f"sys{k}.txt"], atol=1e-4, rtol=0)
        assert res.corpus == pytest.approx(float(np.mean(cli[f"sys{k}.txt"])), abs=1e-4)
    samples = [{"src": s, "mt": m} for s, m in zip(srcs, hyps[0], strict=True)]
    assert np.allclose(results[0].segments, _predict(ckpts["qe"], samples), atol=1e-4, rtol=0)


@pytest.mark.slow
def test_xcomet_scores_and_error_spans(ckpts: dict[str, Path], systems: Systems, tmp_path: Path) -> None:
    import comet

    ckpt = build_checkpoint(tmp_path / "xcomet", "xcomet", encoder_dir=ckpts["ref"].parents[1] / "encoder")
    srcs, refs, hyps = systems
    metric = CometMetric("xcomet", str(ckpt), cache_dir=str(tmp_path / "cache"), progress=False)
    res = metric.score(ScoringInput(hyps=hyps[0], refs=refs, srcs=srcs))
    model = comet.load_from_checkpoint(str(ckpt), reload_hparams=True, local_files_only=True)
    samples = [{"src": s, "mt": m, "ref": r} for s, m, r in zip(srcs, hyps[0], refs, strict=True)]
    out = model.predict(samples, batch_size=4, gpus=0, progress_bar=False)
    assert np.allclose(res.segments, out.scores, atol=1e-4, rtol=0)
    spans = res.extra["error_spans"]
    assert isinstance(spans, list) and len(spans) == N_SEG
    want = [
        [{k: sp[k] for k in ("text", "start", "end", "severity")} for sp in sent] for sent in out.metadata.error_spans
    ]
    assert [[{k: sp[k] for k in ("text", "start", "end", "severity")} for sp in sent] for sent in spans] == want
    assert any(spans), "a random XCOMET tags something in 12 segments"
    assert all(set(sp) >= {"text", "start", "end", "severity", "confidence"} for sent in spans for sp in sent)
    # Spans survive the cache too.
    again = CometMetric("xcomet", str(ckpt), cache_dir=str(tmp_path / "cache"), progress=False)
    assert again.score(ScoringInput(hyps=hyps[0], refs=refs, srcs=srcs)).extra["error_spans"] == spans
    assert again.model_calls == 0


# ---- cache -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_second_run_is_served_from_cache(
    ckpts: dict[str, Path], systems: Systems, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = str(tmp_path / "cache")
    first = CometMetric("ref", str(ckpts["ref"]), cache_dir=cache, progress=False).score_many(_inputs(systems))

    def no_model(*args: object, **kwargs: object) -> None:
        raise AssertionError("the model must not be loaded on a warm run")

    monkeypatch.setattr(cm, "load", no_model)
    monkeypatch.setattr("eval.metrics.comet._MODELS", {})
    warm = CometMetric("ref", str(ckpts["ref"]), cache_dir=cache, progress=False)
    second = warm.score_many(_inputs(systems))
    assert [r.segments for r in second] == [r.segments for r in first]
    assert warm.model_calls == 0 and warm.cache.hits > 0
    assert second[0].signature == first[0].signature


@pytest.mark.slow
def test_new_system_reuses_cached_sentence_embeddings(ckpts: dict[str, Path], systems: Systems, tmp_path: Path) -> None:
    srcs, refs, hyps = systems
    cache = str(tmp_path / "cache")
    CometMetric("ref", str(ckpts["ref"]), cache_dir=cache, progress=False).score(
        ScoringInput(hyps=hyps[0], refs=refs, srcs=srcs)
    )
    sweep = CometMetric("ref", str(ckpts["ref"]), cache_dir=cache, progress=False)
    sweep.score(ScoringInput(hyps=hyps[2], refs=refs, srcs=srcs))
    assert sweep.model_calls == len(set(hyps[2]) - set(hyps[0]) - set(srcs) - set(refs))


# ---- resolution ------------------------------------------------------------------------------


@pytest.mark.slow
def test_moved_checkpoint_folder_still_loads(ckpts: dict[str, Path], systems: Systems, tmp_path: Path) -> None:
    src_dir = ckpts["ref"].parents[1]
    first = tmp_path / "first"
    shutil.copytree(src_dir, first)
    hfile = first / "hparams.yaml"
    hp = yaml.safe_load(hfile.read_text(encoding="utf-8"))
    hfile.write_text(yaml.safe_dump({**hp, "pretrained_model": str(first / "encoder")}), encoding="utf-8")
    moved = tmp_path / "moved"
    first.rename(moved)  # the absolute encoder path in hparams.yaml is now dangling
    data = _inputs(systems)[0]
    got = CometMetric("ref", str(moved), use_cache=False, progress=False).score(data)
    want = CometMetric("ref", str(ckpts["ref"]), use_cache=False, progress=False).score(data)
    assert np.allclose(got.segments, want.segments, atol=1e-6)
    # The user's hparams.yaml is not edited: a rewritten copy is loaded with reload_hparams=True.
    kept = yaml.safe_load((moved / "hparams.yaml").read_text(encoding="utf-8"))
    assert kept["pretrained_model"] == str(first / "encoder")


def test_unavailable_hub_model_degrades(tmp_path: Path) -> None:
    metric = CometMetric("ref", "Unbabel/no-such-comet-model", saving_dir=str(tmp_path), use_cache=False)
    res = metric.score(ScoringInput(hyps=["a"], refs=["b"], srcs=["c"]))
    assert res.available is False and res.corpus is None and res.segments == []
    assert "COMET model Unbabel/no-such-comet-model unavailable" in res.reason
    assert "download failed (offline)" in res.reason and "huggingface-cli download" in res.reason
    strict = CometMetric("ref", "Unbabel/no-such-comet-model", saving_dir=str(tmp_path), required=True)
    with pytest.raises(ModelError, match="unavailable: not a local path"):
        strict.score(ScoringInput(hyps=["a"], refs=["b"], srcs=["c"]))


@pytest.mark.parametrize("required", [False, True])
def test_missing_checkpoint_path_is_an_error(tmp_path: Path, required: bool) -> None:
    metric = CometMetric("ref", str(tmp_path / "nope" / "model.ckpt"), required=required, use_cache=False)
    with pytest.raises(ModelError, match="does not exist"):
        metric.score(ScoringInput(hyps=["a"], refs=["b"], srcs=["c"]))


def _copy(ckpts: dict[str, Path], kind: str, dest: Path) -> Path:
    shutil.copytree(ckpts[kind].parents[1], dest, ignore=shutil.ignore_patterns("encoder"))
    return dest


@pytest.mark.slow
def test_corrupt_checkpoint(ckpts: dict[str, Path], tmp_path: Path) -> None:
    bad = _copy(ckpts, "ref", tmp_path / "bad")
    (bad / "checkpoints" / "model.ckpt").write_bytes(b"not a checkpoint at all")
    with pytest.raises(ModelError, match="corrupt or unreadable"):
        CometMetric("ref", str(bad), use_cache=False).score(ScoringInput(hyps=["a"], refs=["b"], srcs=["c"]))


def test_unreadable_hparams(ckpts: dict[str, Path], tmp_path: Path) -> None:
    bad = _copy(ckpts, "ref", tmp_path / "bad")
    (bad / "hparams.yaml").write_text("class_identifier: [unclosed\n  : :", encoding="utf-8")
    with pytest.raises(ModelError, match=r"hparams\.yaml is unreadable"):
        CometMetric("ref", str(bad), use_cache=False).score(ScoringInput(hyps=["a"], refs=["b"], srcs=["c"]))


def test_encoder_not_available_offline(ckpts: dict[str, Path], tmp_path: Path) -> None:
    bad = _copy(ckpts, "ref", tmp_path / "bad")
    hp = yaml.safe_load((bad / "hparams.yaml").read_text(encoding="utf-8"))
    hp["pretrained_model"] = "example-org/no-such-xlm-roberta"
    (bad / "hparams.yaml").write_text(yaml.safe_dump(hp), encoding="utf-8")
    with pytest.raises(ModelError, match=r"encoder 'example-org/no-such-xlm-roberta'.*not in the HF cache"):
        CometMetric("ref", str(bad), use_cache=False).score(ScoringInput(hyps=["a"], refs=["b"], srcs=["c"]))


@pytest.mark.parametrize(
    ("kind", "mode", "message"),
    [
        ("qe", "ref", "is reference-free, use metric=comet-qe"),
        ("ref", "qe", "needs references, use metric=comet-ref"),
        ("ref", "xcomet", "is not an XCOMET model"),
    ],
)
def test_wrong_kind_for_mode(ckpts: dict[str, Path], kind: str, mode: str, message: str) -> None:
    metric = CometMetric(mode, str(ckpts[kind]), use_cache=False)  # type: ignore[arg-type]
    with pytest.raises(ModelError, match=message):
        metric.score(ScoringInput(hyps=["a"], refs=["b"], srcs=["c"]))


# ---- input and config ------------------------------------------------------------------------


def test_input_errors(ckpts: dict[str, Path]) -> None:
    metric = CometMetric("ref", str(ckpts["ref"]), use_cache=False)
    with pytest.raises(MetricError, match="2 hypotheses vs 1 references"):
        metric.score(ScoringInput(hyps=["a", "b"], refs=["c"], srcs=["d", "e"]))
    with pytest.raises(MetricError, match="needs sources"):
        metric.score(ScoringInput(hyps=["a"], refs=["c"]))


@pytest.mark.slow
def test_signature_format(ckpts: dict[str, Path], systems: Systems) -> None:
    res = CometMetric("ref", str(ckpts["ref"]), use_cache=False, batch_size=8, progress=False).score(
        _inputs(systems)[0]
    )
    sha = cm.checkpoint_sha(ckpts["ref"])[:16]
    assert res.signature == f"model:{ckpts['ref']}|sha256:{sha}|comet:2.2.7|mode:ref|bs:8"
    assert re.fullmatch(r"[0-9a-f]{16}", sha)


@pytest.mark.parametrize(
    ("name", "model"),
    [
        ("comet-ref", "Unbabel/wmt22-comet-da"),
        ("comet-qe", "Unbabel/wmt22-cometkiwi-da"),
        ("xcomet", "Unbabel/XCOMET-XL"),
    ],
)
def test_hydra_configs_instantiate(name: str, model: str) -> None:
    from hydra.utils import instantiate
    from omegaconf import OmegaConf

    node = OmegaConf.load(ROOT / "conf" / "metric" / f"{name}.yaml")
    metric = instantiate(node[name])  # type: ignore[index]
    assert isinstance(metric, CometMetric)
    assert (metric.name, metric.model_id, metric.required) == (name, model, False)
