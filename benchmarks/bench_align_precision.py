"""e5 at float32 against bfloat16 for sentence alignment: quality, encoding time and vector agreement.

Everything goes through ``align_documents`` (the path of the run and ``python -m eval.align``), each
alignment with a fresh e5 embedder without a cache (``cache=None``), loaded and warmed on one
unrelated sentence before the clock starts (model load and the one-off bf16 weight cast are not
timed). Text+Berg dev pair (../shared, GPL-2, read there, never copied): vecalign's strict / lax
P/R/F1, and the wall and CPU time of every ``embed`` call ``align_documents`` makes; the runs are in
the order bertalign fp32, bertalign bf16, normalised bf16, normalised fp32 (ABBA, so a drift in the
machine's load does not favour one precision). DGSN gold: link F1 per version as
``tests/test_align_sentences.py`` computes it (French vectors embedded once, ``ref_vecs``). Last,
the cosine between the fp32 and bf16 vector of every text encoded (both are unit vectors).

    .venv/bin/python benchmarks/bench_align_precision.py [--threads 2] [--skip-dev] [--skip-dgsn]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from bench_align import DEV, TimedEmbedder  # noqa: E402

from eval.align.documents import AlignSettings, align_documents  # noqa: E402
from eval.align.evaluate import alignment_prf, bead_ids, load_gold, read_vecalign, strict_lax  # noqa: E402
from eval.embedders.base import Embedder  # noqa: E402
from eval.embedders.e5 import E5Embedder  # noqa: E402

PRECISIONS = ("float32", "bfloat16")
WARM_UP = "Ein Satz, der nur das Modell lädt."


class RecordingEmbedder(TimedEmbedder):
    """``TimedEmbedder`` that also keeps every text's vector (for the fp32 / bf16 cosines)."""

    def __init__(self, inner: Embedder) -> None:
        super().__init__(inner)
        self.vectors: dict[str, np.ndarray] = {}

    def embed(self, texts: list[str]) -> np.ndarray:
        out = super().embed(texts)
        self.vectors.update(zip(texts, out, strict=True))
        return out


def fresh(precision: str, threads: int) -> RecordingEmbedder:
    """A new e5 embedder at ``precision``, no cache, model loaded and warmed outside the timing."""
    inner = E5Embedder(threads=threads, precision=precision)
    inner.embed([WARM_UP])
    return RecordingEmbedder(inner)


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").is_file() else "?"


Vectors = dict[str, np.ndarray]


def dev_runs(threads: int) -> dict[tuple[str, str], Vectors]:
    """The four alignments of the dev pair; prints scores and encoding times, returns each run's vectors."""
    de = [s.strip() for s in (DEV / "dev.de").read_text(encoding="utf-8").splitlines()]
    fr = [s.strip() for s in (DEV / "dev.fr").read_text(encoding="utf-8").splitlines()]
    gold = read_vecalign(DEV / "dev.defr")
    print(f"Text+Berg dev pair: {len(de)} de x {len(fr)} fr sentences, {len(gold)} gold beads")
    order = [("bertalign", "float32"), ("bertalign", "bfloat16"), ("normalised", "bfloat16"), ("normalised", "float32")]
    vectors: dict[tuple[str, str], Vectors] = {}
    times: dict[tuple[str, str], tuple[float, float]] = {}
    for method, precision in order:
        embedder = fresh(precision, threads)
        before = load()
        start, cpu = time.perf_counter(), time.process_time()
        beads = align_documents(embedder, de, fr, system="dev.fr", settings=AlignSettings(method=method))
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        r = strict_lax([(gold, bead_ids(beads))])
        vectors[(method, precision)] = embedder.vectors
        times[(method, precision)] = (embedder.wall, embedder.cpu)
        print(
            f"dev {method:10s} {precision:8s}: strict P {r.precision_strict:.3f} R {r.recall_strict:.3f} "
            f"F1 {r.f1_strict:.3f}, lax P {r.precision_lax:.3f} R {r.recall_lax:.3f} F1 {r.f1_lax:.3f}, "
            f"{len(beads)} beads\n"
            f"    encoding {embedder.wall:6.1f} s wall {embedder.cpu:6.1f} s CPU, {embedder.texts:,} texts "
            f"({embedder.chars:,} characters), {embedder.texts / max(embedder.cpu, 1e-9):.1f} texts per CPU-second; "
            f"total {wall:.1f} s wall {cpu:.1f} s CPU; load average {before} -> {load()}",
            flush=True,
        )
    for method in ("bertalign", "normalised"):
        (w32, c32), (w16, c16) = times[(method, "float32")], times[(method, "bfloat16")]
        same = vectors[(method, "float32")].keys() == vectors[(method, "bfloat16")].keys()
        print(f"dev {method}: encoding time bf16 / fp32 {w16 / w32:.2f} wall, {c16 / c32:.2f} CPU (same texts: {same})")
    return vectors


def dgsn_runs(threads: int) -> dict[tuple[str, str], Vectors]:
    """DGSN gold link P/R/F1 per version, both methods and precisions, as the slow tests compute it."""
    from test_align_sentences import GOLD, VERSIONS, corpus_sentences

    sents = corpus_sentences()
    vectors: dict[tuple[str, str], Vectors] = {}
    for method in ("bertalign", "normalised"):
        for precision in PRECISIONS:
            embedder = fresh(precision, threads)
            ref_vecs = embedder.embed(sents["fr"])
            cells = []
            for lang in VERSIONS:
                beads = align_documents(
                    embedder,
                    sents["fr"],
                    sents[lang],
                    system=lang,
                    settings=AlignSettings(method=method),
                    ref_vecs=ref_vecs,
                )
                sure = load_gold(GOLD, sents["fr"], sents[lang], lang=lang)
                possible = load_gold(GOLD, sents["fr"], sents[lang], lang=lang, possible=True)
                p, r, f1 = alignment_prf(beads, sure, possible)
                cells.append(f"{lang} {p:.3f}/{r:.3f}/{f1:.3f}")
            vectors[(method, precision)] = embedder.vectors
            print(f"DGSN {method:10s} {precision:8s} link P/R/F1: " + ", ".join(cells), flush=True)
    return vectors


def cosines(name: str, runs: dict[tuple[str, str], Vectors]) -> None:
    """Min and mean cosine between the fp32 and bf16 vector of each text, per method and over all texts."""
    pooled: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for method in ("bertalign", "normalised"):
        fp32, bf16 = runs.get((method, "float32"), {}), runs.get((method, "bfloat16"), {})
        texts = sorted(fp32.keys() & bf16.keys())
        if not texts:
            continue
        cos = np.einsum("ij,ij->i", np.stack([fp32[t] for t in texts]), np.stack([bf16[t] for t in texts]))
        print(
            f"{name} {method}: cosine fp32 / bf16 over {len(texts):,} texts: min {cos.min():.6f} mean {cos.mean():.6f}"
        )
        pooled.update({t: (fp32[t], bf16[t]) for t in texts})
    if pooled:
        cos = np.array([float(a @ b) for a, b in pooled.values()])
        worst = min(pooled, key=lambda t: float(pooled[t][0] @ pooled[t][1]))
        print(
            f"{name} all distinct texts: {len(cos):,}, cosine min {cos.min():.6f} mean {cos.mean():.6f}, "
            f"below 0.9999: {int((cos < 0.9999).sum())}; lowest: {worst[:80]!r} ({len(worst)} characters)"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--skip-dev", action="store_true")
    ap.add_argument("--skip-dgsn", action="store_true")
    args = ap.parse_args()
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    print(f"start {time.strftime('%H:%M:%S', time.gmtime())} UTC, load average {load()}, {os.cpu_count()} cores")
    if not args.skip_dgsn:
        cosines("DGSN", dgsn_runs(args.threads))
    if not args.skip_dev:
        cosines("dev", dev_runs(args.threads))
    print(f"end {time.strftime('%H:%M:%S', time.gmtime())} UTC, load average {load()}")


if __name__ == "__main__":
    main()
