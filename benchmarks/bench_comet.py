"""COMET speed: the harness (cold / warm cache) against ``comet-score --gpus 0`` on the same files.

Builds a random-weight checkpoint shaped like Unbabel/wmt22-comet-da (XLM-R large encoder with the
250k XLM-R vocabulary, layerwise attention, [3072, 1024] estimator), writes S systems x N segments
that share sources and references, and prints seconds, segments/s, speedups, max |Δscore| and peak
RSS, plus a small fp32/fp16/bf16 check on CPU. Run:

    .venv/bin/python benchmarks/bench_comet.py --segments 40 --systems 3 --skip-cli --half-n 0

Besides the CLI it runs COMET's own Python API cold in a fresh process
(``load_from_checkpoint(path).predict(samples, gpus=0, batch_size=...)``, fp32, every triple of
every system in one call) and reports wall and CPU seconds (the child's rusage) for each run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
E5_DIR = ROOT / "models" / "multilingual-e5-small"
CLI_FP32 = (
    "import sys; from comet.models.base import CometModel; CometModel.half = lambda self: self; "
    "from comet.cli.score import score_command; sys.argv[0] = 'comet-score'; score_command()"
)


def sentences(n_seg: int, n_sys: int, seed: int = 0) -> tuple[list[str], list[str], list[list[str]]]:
    """Corpus-like sources (fr), references (es) and MT-like perturbed references per system."""
    from tests.comet_fixtures import CORPUS

    def pool(lang: str) -> list[str]:
        text = (CORPUS / f"{lang}.txt").read_text(encoding="utf-8")
        sents = [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n", text)]
        return [s for s in sents if 40 <= len(s) <= 400]

    rng = random.Random(seed)
    fr, es = pool("fr"), pool("es")

    def variant(base: list[str], i: int) -> str:
        # Cycle through the corpus; past one pass, splice two sentences so every segment is unique.
        s = base[i % len(base)]
        if i >= len(base):
            t = base[(i * 7 + 3) % len(base)].split()
            s = f"{s} {' '.join(t[: 3 + i % 9])}"
        return s

    srcs = [variant(fr, i) for i in range(n_seg)]
    refs = [variant(es, i) for i in range(n_seg)]
    hyps: list[list[str]] = []
    for k in range(n_sys):
        out = []
        for i, ref in enumerate(refs):
            words = ref.split()
            if (i + k) % 5 == 0 or len(words) < 4:  # ~20% of segments identical across systems
                out.append(ref)
                continue
            j = rng.randrange(len(words) - 1)
            words[j], words[j + 1] = words[j + 1], words[j]
            if k % 2:
                del words[rng.randrange(len(words))]
            out.append(" ".join(words))
        hyps.append(out)
    return srcs, refs, hyps


def build(work: Path, tiny: bool) -> Path:
    from tests.comet_fixtures import build_checkpoint, write_encoder

    ckpt = work / "ckpt" / "checkpoints" / "model.ckpt"
    if ckpt.exists():
        return ckpt
    if tiny:
        return build_checkpoint(work / "ckpt", "ref")
    if not (E5_DIR / "tokenizer.json").exists():
        raise SystemExit(f"{E5_DIR}/tokenizer.json missing: run `make setup` (XLM-R sentencepiece vocab).")
    enc = write_encoder(
        work / "ckpt" / "encoder",
        tokenizer_dir=E5_DIR,
        vocab_size=250002,
        hidden=1024,
        layers=24,
        heads=16,
        intermediate=4096,
    )
    return build_checkpoint(work / "ckpt", "ref", encoder_dir=enc, hidden_sizes=(3072, 1024))


def timed(cmd: list[str], cwd: Path) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system) and peak RSS (MB) of a child process (its own rusage)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stderr.read().decode()[-3000:] if proc.stderr else ''}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def api_child(args: argparse.Namespace) -> None:
    """COMET's own Python API, cold in a fresh process: load_from_checkpoint(path).predict(...), fp32."""
    import torch
    from comet import load_from_checkpoint

    torch.set_num_threads(args.threads)
    data = json.loads((Path(args.work) / "data.json").read_text(encoding="utf-8"))
    samples = [
        {"src": s, "mt": m, "ref": r}
        for hyps in data["hyps"]
        for s, m, r in zip(data["srcs"], hyps, data["refs"], strict=True)
    ]
    model = load_from_checkpoint(args.ckpt, reload_hparams=True, local_files_only=True)
    scores = model.predict(samples, gpus=0, batch_size=args.batch_size, progress_bar=False).scores
    n = len(data["srcs"])
    out = {"segments": [list(map(float, scores[k * n : (k + 1) * n])) for k in range(len(data["hyps"]))]}
    Path(args.out).write_text(json.dumps(out), encoding="utf-8")


def harness_child(args: argparse.Namespace) -> None:
    """Score in a fresh process (import + load + score, as a user run pays it); write the scores."""
    import torch

    from eval.metrics.base import ScoringInput
    from eval.metrics.comet import CometMetric

    torch.set_num_threads(args.threads)
    work = Path(args.work)
    data = json.loads((work / "data.json").read_text(encoding="utf-8"))
    metric = CometMetric(
        "ref",
        args.ckpt,
        batch_size=args.batch_size,
        threads=args.threads,
        cache_dir=args.cache,
        progress=False,
        precision=args.precision,
    )
    inputs = [ScoringInput(hyps=h, refs=data["refs"], srcs=data["srcs"]) for h in data["hyps"]]
    res = metric.score_many(inputs)
    out = {"segments": [r.segments for r in res], "model_calls": metric.model_calls}
    Path(args.out).write_text(json.dumps(out), encoding="utf-8")


def half_check(ckpt: Path, data: dict, n: int, threads: int) -> list[tuple[str, float, float]]:
    """Seconds for n triples at fp32 / fp16 / bf16 (no cache) and max |Δ| against fp32."""
    from eval.metrics import comet as cmod
    from eval.metrics.base import ScoringInput
    from eval.metrics.comet import CometMetric

    inp = ScoringInput(hyps=data["hyps"][0][:n], refs=data["refs"][:n], srcs=data["srcs"][:n])
    rows, base = [], None
    for prec in ("fp32", "bf16", "fp16"):
        m = CometMetric("ref", str(ckpt), threads=threads, use_cache=False, progress=False, precision=prec)
        m.score(ScoringInput(hyps=inp.hyps[:1], refs=inp.refs[:1], srcs=inp.srcs[:1] if inp.srcs else None))
        m._emb_memo.clear()
        t0 = time.perf_counter()
        seg = m.score(inp).segments
        dt = time.perf_counter() - t0
        base = base or seg
        rows.append((prec, dt, max(abs(a - b) for a, b in zip(seg, base, strict=True))))
        cmod._MODELS.clear()
        cmod._SENTENCE_ENCODERS.clear()
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--segments", type=int, default=300)
    ap.add_argument("--systems", type=int, default=5)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--work", default="/tmp/bench-comet")
    ap.add_argument("--tiny", action="store_true", help="tiny encoder (smoke test of this script)")
    ap.add_argument("--skip-cli", action="store_true")
    ap.add_argument("--cli-fp32", action="store_true", help="also run comet-score with model.half() disabled")
    ap.add_argument("--half-n", type=int, default=8, help="triples for the fp16/bf16 check (0: skip)")
    ap.add_argument("--skip-api", action="store_true", help="skip COMET's Python API (predict, fp32)")
    ap.add_argument("--_child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--_api_child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--ckpt", help=argparse.SUPPRESS)
    ap.add_argument("--cache", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    ap.add_argument("--precision", default="fp32", help=argparse.SUPPRESS)
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    if args._child:
        harness_child(args)
        return
    if args._api_child:
        api_child(args)
        return

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    ckpt = build(work, args.tiny)
    print(f"checkpoint {ckpt} ({ckpt.stat().st_size / 1e9:.2f} GB, built/reused in {time.perf_counter() - t0:.0f}s)")
    srcs, refs, hyps = sentences(args.segments, args.systems)
    data = {"srcs": srcs, "refs": refs, "hyps": hyps}
    (work / "data.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    run = work / f"run-{args.systems}x{args.segments}"
    run.mkdir(exist_ok=True)
    (run / "src.txt").write_text("\n".join(srcs) + "\n", encoding="utf-8")
    (run / "ref.txt").write_text("\n".join(refs) + "\n", encoding="utf-8")
    for k, h in enumerate(hyps):
        (run / f"sys{k}.txt").write_text("\n".join(h) + "\n", encoding="utf-8")
    n = args.systems * args.segments
    uniq = len(set(srcs) | set(refs) | {x for h in hyps for x in h})
    print(f"{args.systems} systems x {args.segments} segments = {n} triples, {uniq} unique sentences")

    env_threads = {"OMP_NUM_THREADS": str(args.threads)}
    os.environ.update(env_threads)
    files = ["-s", "src.txt", "-r", "ref.txt", "-t", *[f"sys{k}.txt" for k in range(args.systems)]]
    common = [*files, "--model", str(ckpt), "--gpus", "0", "--batch_size", str(args.batch_size), "--quiet"]
    rows: list[tuple[str, float, float, float]] = []  # label, wall s, CPU s, peak RSS MB
    golden: dict[str, list[list[float]]] = {}  # label -> per-system segment scores of a COMET run
    runs = [] if args.skip_cli else [("comet-score --gpus 0", [str(Path(sys.executable).parent / "comet-score")])]
    if args.cli_fp32:
        runs.append(("comet-score fp32 (half() off)", [sys.executable, "-c", CLI_FP32]))
    for label, cmd in runs:
        wall, cpu, rss = timed([*cmd, *common, "--to_json", f"{label[:11].strip()}.json"], run)
        rows.append((label, wall, cpu, rss))
        got = json.loads((run / f"{label[:11].strip()}.json").read_text(encoding="utf-8"))
        golden[label] = [[s["COMET"] for s in got[f"sys{k}.txt"]] for k in range(args.systems)]
        print(f"{label:34s} {wall:8.1f}s {n / wall:8.2f} seg/s  CPU {cpu:7.1f}s  peak RSS {rss:6.0f} MB", flush=True)

    cache = work / "cache"
    if cache.exists():
        import shutil

        shutil.rmtree(cache)
    child = [sys.executable, __file__, "--work", str(work), "--ckpt", str(ckpt), "--cache", str(cache),
             "--batch-size", str(args.batch_size), "--threads", str(args.threads)]  # fmt: skip
    children = [] if args.skip_api else [("COMET API predict (fp32)", "--_api_child", run / "api.json")]
    children += [("harness cold", "--_child", run / "cold.json"), ("harness warm", "--_child", run / "warm.json")]
    harness: dict[str, list[list[float]]] = {}
    for label, flag, out in children:
        wall, cpu, rss = timed([*child, flag, "--out", str(out)], ROOT)
        res = json.loads(out.read_text(encoding="utf-8"))
        rows.append((label, wall, cpu, rss))
        (harness if label.startswith("harness") else golden)[label] = res["segments"]
        calls = f"  (sentences encoded: {res['model_calls']})" if "model_calls" in res else ""
        print(f"{label:34s} {wall:8.1f}s {n / wall:8.2f} seg/s  CPU {cpu:7.1f}s  peak RSS {rss:6.0f} MB{calls}",
              flush=True)  # fmt: skip

    base = {label: (wall, cpu) for label, wall, cpu, _ in rows}
    for ref_label, ref_scores in golden.items():
        for label in ("harness cold", "harness warm"):
            (rw, rc), (hw, hc) = base[ref_label], base[label]
            print(f"speedup {label} vs {ref_label}: {rw / hw:.2f}x wall, {rc / hc:.2f}x CPU time")
        d = max(abs(a - b) for hs, cs in zip(harness["harness cold"], ref_scores, strict=True)
                for a, b in zip(hs, cs, strict=True))  # fmt: skip
        sys_d = max(abs(sum(hs) / len(hs) - sum(cs) / len(cs))
                    for hs, cs in zip(harness["harness cold"], ref_scores, strict=True))  # fmt: skip
        print(f"max |Δ segment| harness vs {ref_label}: {d:.2e}; max |Δ system|: {sys_d:.2e}")
    same = harness["harness cold"] == harness["harness warm"]
    print(f"warm scores identical to cold: {same}; load average {os.getloadavg()[0]:.1f}")
    print(f"bench process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")

    if args.half_n:
        print(f"half precision on CPU ({args.half_n} triples, no cache, after a warm-up):")
        for prec, dt, drift in half_check(ckpt, data, args.half_n, args.threads):
            print(f"  {prec:5s} {dt:7.2f}s {args.half_n / dt:6.2f} seg/s  max |Δ| vs fp32 {drift:.2e}")


if __name__ == "__main__":
    main()
