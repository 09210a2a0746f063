"""BLEU and chrF of a line-aligned run against sacrebleu computed directly on the same files.

Usage: python benchmarks/linealigned_vs_sacrebleu.py RUN_FOLDER CORPUS_DIR
(CORPUS_DIR holds the manifest.yaml the run read). Prints each score and the largest difference.
"""

from __future__ import annotations

import sys

import pandas as pd
import sacrebleu

from eval.linealigned import load_line_aligned


def main(run: str, corpus: str) -> None:
    data = load_line_aligned(corpus)
    systems = {s.name: s.segments for s in data.systems}
    scores = pd.read_csv(f"{run}/scores.csv")
    rows = scores[scores.metric.isin(["bleu", "chrf"]) & (scores.status == "ok")]
    worst = 0.0
    for r in rows.itertuples():
        hyps = systems[str(r.system)]
        score = sacrebleu.corpus_bleu if r.metric == "bleu" else sacrebleu.corpus_chrf
        direct = score(hyps, [data.references]).score
        worst = max(worst, abs(direct - float(r.score)))
        print(f"{r.system:16s} {r.metric:5s} harness {float(r.score):8.4f}  sacrebleu {direct:8.4f}")
    print(f"{len(rows)} scores, largest difference {worst:.2e} (sacrebleu {sacrebleu.__version__})")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
