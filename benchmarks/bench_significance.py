"""Paired significance tests: sacrebleu CLI vs eval.scoring.bootstrap, measured side by side.

Synthetic but realistic data: reference sentences recombined from the clauses of the DGSN French
communiqué, and one perturbed hypothesis file per system (word drops, substitutions, swaps,
casing and punctuation noise at a per-system rate). Both sides get the same files. Two harness
figures: ``python -m eval.scoring.paired_cli`` as a fresh process (what compares fairly with the
sacrebleu CLI: interpreter start, imports and file reading included) and the in-process library
path (statistics extraction included). Each timing is the best of --repeat runs. Prints figures,
asserts nothing.

    .venv/bin/python benchmarks/bench_significance.py --segments 2000 --systems 10
    .venv/bin/python benchmarks/bench_significance.py --write-fixture tests/data/significance \
        --segments 150 --systems 4     # regenerates the test fixture
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CORPUS = ROOT / "data" / "corpora" / "dgsn-interpol-mena" / "fr.txt"
CONNECTORS = ["et", "mais", "alors que", "tandis que", "puisque", "ainsi", "de plus", "en outre"]


def _clauses(text: str) -> list[str]:
    """Clauses of the communiqué's prose lines (menus and cookie notices are short lines: skipped)."""
    out: list[str] = []
    for line in text.splitlines():
        if len(line.split()) < 12:
            continue
        for part in re.split(r"[,.;:]\s+", line.strip().rstrip(".")):
            words = part.split()
            if 3 <= len(words) <= 40:
                out.append(part.strip())
    return out


def _perturb(sentence: str, rate: float, vocab: list[str], rng: random.Random) -> str:
    words = sentence.split()
    out: list[str] = []
    i = 0
    while i < len(words):
        w = words[i]
        r = rng.random()
        if r < rate * 0.35:
            pass  # dropped word
        elif r < rate * 0.7:
            out.append(rng.choice(vocab))  # lexical substitution
        elif r < rate * 0.9 and i + 1 < len(words):
            out.extend([words[i + 1], w])  # local reordering
            i += 1
        elif r < rate:
            out.append(w.lower() if w[:1].isupper() else w.capitalize())
        else:
            out.append(w)
        i += 1
    text = " ".join(out)
    if rng.random() < rate:
        text = text.rstrip(".")
    return text


def make_corpus(n_segments: int, n_systems: int, seed: int = 7) -> tuple[list[str], dict[str, list[str]]]:
    """References and per-system hypotheses; system i has noise rate growing with i (baseline first)."""
    rng = random.Random(seed)
    clauses = _clauses(CORPUS.read_text(encoding="utf-8"))
    vocab = sorted({w for c in clauses for w in c.split()})
    refs = []
    for _ in range(n_segments):
        k = rng.choice([1, 1, 2, 2, 3])
        parts = [rng.choice(clauses) for _ in range(k)]
        sent = f" {rng.choice(CONNECTORS)} ".join(parts)
        refs.append(sent[0].upper() + sent[1:] + ".")
    systems: dict[str, list[str]] = {}
    for s in range(n_systems):
        name = "base" if s == 0 else f"sys{s:02d}"
        # baseline 0.25; system 1 almost the baseline's rate (a "no significant difference" case)
        rate = 0.255 if s == 1 else 0.25 + 0.12 * ((s * 3) % n_systems) / n_systems
        hyps = [_perturb(r, rate, vocab, rng) for r in refs]
        if s == n_systems - 1 and n_segments > 10:
            hyps[5] = ""  # an empty output: every metric must cope
        systems[name] = hyps
    return refs, systems


def _write(folder: Path, refs: list[str], systems: dict[str, list[str]]) -> tuple[Path, list[Path]]:
    folder.mkdir(parents=True, exist_ok=True)
    ref_path = folder / "ref.txt"
    ref_path.write_text("\n".join(refs) + "\n", encoding="utf-8")
    paths = []
    for name, hyps in systems.items():
        p = folder / f"{name}.txt"
        p.write_text("\n".join(hyps) + "\n", encoding="utf-8")
        paths.append(p)
    return ref_path, paths


def _run_cli(ref: Path, hyps: list[Path], test: str, n: int) -> tuple[float, list[dict[str, object]]]:
    cmd = [str(ROOT / ".venv" / "bin" / "sacrebleu"), str(ref), "-i", *map(str, hyps), "-m", "bleu", "chrf"]
    cmd += ["--paired-bs", "--paired-bs-n", str(n)] if test == "bs" else ["--paired-ar", "--paired-ar-n", str(n)]
    env = {**os.environ, "SACREBLEU_SEED": "12345"}
    t0 = time.perf_counter()
    out = subprocess.run([*cmd, "-f", "json"], capture_output=True, text=True, check=True, env=env)
    return time.perf_counter() - t0, json.loads(out.stdout)


def _run_harness_cli(
    ref: Path, hyps: list[Path], test: str, n: int, jobs: int = 0
) -> tuple[float, list[dict[str, object]]]:
    """The harness as the CLI is measured: a fresh process (interpreter start, imports, file reading).

    ``jobs`` 0 is the CLI's default (BLEU and chrF in two threads), 1 one metric after the other.
    """
    cmd = [sys.executable, "-m", "eval.scoring.paired_cli", str(ref), "-i", *map(str, hyps), "-m", "bleu", "chrf"]
    cmd += ["--paired-jobs", str(jobs)]
    cmd += ["--paired-bs", "--paired-bs-n", str(n)] if test == "bs" else ["--paired-ar", "--paired-ar-n", str(n)]
    env = {**os.environ, "SACREBLEU_SEED": "12345", "PYTHONPATH": str(ROOT)}
    t0 = time.perf_counter()
    out = subprocess.run([*cmd, "-f", "json"], capture_output=True, text=True, check=True, env=env)
    return time.perf_counter() - t0, json.loads(out.stdout)


def _best(fn: Callable[[], tuple[Any, ...]], repeat: int) -> tuple[Any, ...]:
    """The fastest of ``repeat`` runs (the machine is shared), with that run's other outputs."""
    runs = [fn() for _ in range(repeat)]
    return min(runs, key=lambda r: r[0])


def _run_harness(refs: list[str], systems: dict[str, list[str]], test: str, n: int) -> tuple[float, float, list]:
    """Wall time of the whole harness path and of its statistics extraction alone."""
    from eval.scoring import bootstrap

    bootstrap._cached_draw.cache_clear()  # a repeat must not reuse the previous run's resamples
    bootstrap._cached_flips.cache_clear()
    t0 = time.perf_counter()
    from eval.scoring.bootstrap import paired_approximate_randomization, paired_bootstrap, sufficient_stats_many

    results = []
    names = list(systems)
    t_stats = 0.0
    for metric in ("bleu", "chrf"):
        t1 = time.perf_counter()
        stats = sufficient_stats_many(metric, systems, refs)
        t_stats += time.perf_counter() - t1
        others = {name: stats[name] for name in names[1:]}
        fn = paired_bootstrap if test == "bs" else paired_approximate_randomization
        results += fn(stats[names[0]], others, metric, n_samples=n, baseline=names[0])
    return time.perf_counter() - t0, t_stats, results


def _sacrebleu_extraction(refs: list[str], systems: dict[str, list[str]]) -> float:
    """sacrebleu's own statistics extraction (what the CLI spends before any resampling)."""
    from eval.scoring.bootstrap import sufficient_stats_many

    t0 = time.perf_counter()
    for metric in ("bleu", "chrf"):
        sufficient_stats_many(metric, systems, refs, engine="sacrebleu")
    return time.perf_counter() - t0


def _check(cli: list[dict[str, object]], results: list) -> int:
    """Count mismatches between the CLI's JSON and the harness (should be 0)."""
    by_key = {(r.metric, r.system): r for r in results}
    bad = 0
    for row in cli[1:]:
        name = Path(str(row["system"])).stem
        for col, metric in (("BLEU", "bleu"), ("chrF2", "chrf")):
            ref = row[col]
            assert isinstance(ref, dict)
            got = by_key[(metric, name)]
            bad += ref["score"] != got.system_score or ref["p_value"] != got.p_value
            bad += ref["mean"] is not None and (ref["mean"] != got.mean or ref["ci"] != got.half_width)
    return bad


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--segments", type=int, default=2000)
    ap.add_argument("--systems", type=int, default=10, help="including the baseline")
    ap.add_argument("--bs-n", type=int, default=1000)
    ap.add_argument("--ar-n", type=int, default=10000)
    ap.add_argument("--skip-ar", action="store_true", help="AR through the sacrebleu CLI takes ~40 s per run")
    ap.add_argument("--repeat", type=int, default=3, help="runs per timing; the best is printed (shared machine)")
    ap.add_argument("--write-fixture", type=Path, help="write ref.txt + one file per system there and stop")
    args = ap.parse_args()

    refs, systems = make_corpus(args.segments, args.systems)
    if args.write_fixture:
        ref, paths = _write(args.write_fixture, refs, systems)
        print(f"wrote {ref} and {len(paths)} systems to {args.write_fixture}")
        return
    with tempfile.TemporaryDirectory() as tmp:
        ref, paths = _write(Path(tmp), refs, systems)
        print(f"{args.systems} systems × {args.segments} segments, metrics BLEU + chrF, seed 12345")
        tests = [("bs", args.bs_n)] + ([] if args.skip_ar else [("ar", args.ar_n)])
        t_sb_stats = min(_sacrebleu_extraction(refs, systems) for _ in range(args.repeat))
        print(f"statistics extraction: sacrebleu {t_sb_stats:.2f} s (the CLI's share, measured in-process)")
        print(f"best of {args.repeat} runs each; load average {os.getloadavg()[0]:.2f} (shared machine)")
        for test, n in tests:
            t_cli, cli = _best(functools.partial(_run_cli, ref, paths, test, n), args.repeat)
            t_sub, sub = _best(functools.partial(_run_harness_cli, ref, paths, test, n), args.repeat)
            t_sub1, sub1 = _best(functools.partial(_run_harness_cli, ref, paths, test, n, 1), args.repeat)
            t_h, t_h_stats, results = _best(functools.partial(_run_harness, refs, systems, test, n), args.repeat)
            bad = _check(cli, results)
            bad_sub = sum(a != b for a, b in zip(cli, sub, strict=False)) + abs(len(cli) - len(sub))
            bad_sub += sum(a != b for a, b in zip(cli, sub1, strict=False)) + abs(len(cli) - len(sub1))
            label = f"paired-{test} (n={n})"
            t_cli_test, t_h_test = max(t_cli - t_sb_stats, 1e-9), t_h - t_h_stats
            print(f"{label:20s} subprocess: CLI {t_cli:7.2f} s | harness CLI {t_sub:6.2f} s | "
                  f"speedup {t_cli / t_sub:5.1f}x | JSON rows differing {bad_sub}")  # fmt: skip
            print(f"{'':20s} one thread: CLI {t_cli:7.2f} s | harness -j 1 {t_sub1:6.2f} s | "
                  f"speedup {t_cli / t_sub1:5.1f}x")  # fmt: skip
            print(f"{'':20s} in-process: CLI {t_cli:7.2f} s | harness     {t_h:6.2f} s | "
                  f"speedup {t_cli / t_h:5.1f}x | mismatches {bad}")  # fmt: skip
            print(f"{'':20s} test only:  CLI ~{t_cli_test:6.2f} s | harness {t_h_test:6.2f} s | "
                  f"speedup ~{t_cli_test / t_h_test:5.0f}x (harness stats {t_h_stats:.2f} s)")  # fmt: skip


if __name__ == "__main__":
    main()
