"""A WMT-size job through the CLI: N segments × S systems, line-aligned, with BLEU/chrF/TER/adequacy and the
detectors, cold (empty cache) and warm (the same job again), then a two-job sweep on the joblib launcher with 1
and with 2 workers, warm (the shared cache) and cold (each job its own empty cache: ``cache.dir=A,B``).

The texts are the WMT21 TED MQM dev set (en→de, 171 segments, 13 systems, from ../shared/datasets), cycled to N
segments and S systems; each cycle numbers its lines ("<k>. …") so no two segments are the same text and a cold
run really computes every one. Figures are wall-clock seconds of one process tree on a shared machine: compare
them as ratios within one run of this script.
Run: .venv/bin/python benchmarks/bench_sweep.py [segments=2000] [systems=15] [detectors=names_numbers,omission_addition]
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchrun import build_ted, run_eval


def build_set(out: Path, segments: int, systems: int) -> None:
    """The TED set cycled to ``segments`` lines and ``systems`` systems, as a format: lines corpus."""
    ted = build_ted(out)
    manifest = yaml.safe_load((ted / "manifest.yaml").read_text(encoding="utf-8"))

    def cycled(name: str, shift: int = 0) -> list[str]:
        lines = (ted / name).read_text(encoding="utf-8").splitlines()
        return [f"{k // len(lines) + 1}. {lines[(k + shift) % len(lines)]}" for k in range(segments)]

    wmt = out / "wmt"
    wmt.mkdir()
    (wmt / "source.en").write_text("\n".join(cycled(manifest["source"]["file"])) + "\n", encoding="utf-8")
    (wmt / "reference.de").write_text("\n".join(cycled(manifest["reference"]["file"])) + "\n", encoding="utf-8")
    entries = []
    ted_systems = manifest["systems"]
    for j in range(systems):
        spec = ted_systems[j % len(ted_systems)]
        name = f"{spec['name']}-{j}" if j >= len(ted_systems) else spec["name"]
        # a system past the 13th is an earlier one's text with every 7th line from the next segment: new texts
        lines = cycled(spec["file"])
        if j >= len(ted_systems):
            lines = [line if i % 7 else cycled(spec["file"], shift=1)[i] for i, line in enumerate(lines)]
        (wmt / f"sys{j}.de").write_text("\n".join(lines) + "\n", encoding="utf-8")
        entries.append({"name": name, "file": f"sys{j}.de", "lang": "de", "kind": "mt"})
    spec = {
        "name": "wmt-size",
        "format": "lines",
        "source": {"file": "source.en", "lang": "en"},
        "reference": {"file": "reference.de", "lang": "de"},
        "systems": entries,
    }
    (wmt / "manifest.yaml").write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")


def main() -> None:
    segments = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    systems = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    detectors = sys.argv[3] if len(sys.argv) > 3 else "names_numbers,omission_addition"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        build_set(out, segments, systems)
        common = [
            "corpus=line-aligned",
            f"corpus.dir={out / 'wmt'}",
            "metric=[bleu,chrf,ter,adequacy]",
            f"detector=[{detectors}]",
            "~report",
            "progress=false",
            f"results_dir={out / 'results'}",
            f"cache.dir={out / 'cache'}",
        ]
        print(f"{segments} segments x {systems} systems, detectors {detectors}, {os.cpu_count()} cores")
        cold = run_eval(common, "cold (empty cache)")
        warm = run_eval(common, "warm (same job again)")
        print(f"warm / cold = {warm.seconds / cold.seconds:.3f} wall, {warm.cpu_seconds / cold.cpu_seconds:.3f} CPU")
        sweep = ["--multirun", *common, "hydra/launcher=parallel", "bootstrap.seed=1,2", "resume=false"]
        one = run_eval([*sweep, "hydra.launcher.n_jobs=1"], "sweep of 2 jobs, joblib 1 worker").seconds
        two = run_eval([*sweep, "hydra.launcher.n_jobs=2", "threads=1"], "sweep of 2 jobs, joblib 2 workers").seconds
        print(f"2 workers / 1 worker = {two / one:.2f} (warm jobs)")
        cold_runs = []
        for workers in (1, 2):
            dirs = ",".join(str(out / f"cache-cold-{workers}-{job}") for job in "ab")  # each job starts empty
            sweep_cold = [*(c for c in sweep if not c.startswith("cache.dir=")), f"cache.dir={dirs}"]
            sweep_cold = [c for c in sweep_cold if not c.startswith("bootstrap.seed=")]
            extra = ["threads=1"] if workers == 2 else []
            label = f"sweep of 2 cold jobs, joblib {workers} worker{'s' if workers > 1 else ''}"
            cold_runs.append(run_eval([*sweep_cold, f"hydra.launcher.n_jobs={workers}", *extra], label))
        one_c, two_c = cold_runs
        print(
            f"2 workers / 1 worker = {two_c.seconds / one_c.seconds:.2f} wall, "
            f"{two_c.cpu_seconds / one_c.cpu_seconds:.2f} CPU (cold jobs)"
        )


if __name__ == "__main__":
    main()
