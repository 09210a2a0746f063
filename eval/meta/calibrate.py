"""Fit the reference_edits calibration on human MQM: ``python -m eval.meta.calibrate RUN --mqm TSV --docs talk.1``.

The run must keep every candidate (``detector.reference_edits.threshold=0``): each span then carries
its features. A candidate is positive when it shares a character with a human span of the same
system and segment. The model is an L2-regularised logistic regression on standardised features
(Newton steps, numpy); ``threshold`` is the probability that maximises span F-beta (``--beta``,
default 0.5) on the training documents, and ``major_threshold`` makes the share of major spans among
the kept ones equal the share of Major errors among the human spans of the training documents.

Why F0.5 and not F1: a QA finding costs a reviewer's time whether or not it is an error, so a detector
reviewers act on is scored precision-first, as grammatical error detection is (CoNLL-2014's F0.5,
Ng et al. 2014); the target it serves is precision with recall kept above a floor. F1 kept about half
of the candidates on the TED dev set, F0.5 about a sixth (docs/meta-evaluation.md has both). Prints the YAML to paste
into conf/detector/reference_edits.yaml, with the training figures.
"""

from __future__ import annotations

import argparse
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from eval.detectors.reference_edits import FEATURES, Calibration
from eval.errors import InputError
from eval.meta.evaluate import detected_spans, human_spans, match_run
from eval.meta.mqm_tsv import MqmRatings
from eval.meta.spanmatch import PRF, CharSpan, overlap_prf, partial_prf
from eval.reports.runfolder import RunData

DETECTOR = "reference_edits"


@dataclass(frozen=True)
class Fitted:
    calibration: Calibration
    threshold: float
    major_threshold: float
    candidates: int
    positives: int
    precision: float | None
    recall: float | None
    f1: float | None


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 50) -> np.ndarray:
    """Weights (last one the bias, unpenalised) of a logistic regression, by Newton's method."""
    xb = np.column_stack([x, np.ones(len(x))])
    w = np.zeros(xb.shape[1])
    reg = np.full(len(w), l2)
    reg[-1] = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(xb @ w)))
        grad = xb.T @ (p - y) + reg * w
        hess = (xb * (p * (1 - p))[:, None]).T @ xb + np.diag(reg) + 1e-9 * np.eye(len(w))
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def _features(records: list[dict[str, Any]]) -> np.ndarray:
    rows = []
    for rec in records:
        feats = (rec.get("evidence") or {}).get("features") or {}
        rows.append([float(feats.get(f, np.nan)) for f in FEATURES])
    x = np.asarray(rows, dtype=np.float64)
    # a feature a pair lacks (no peers, no encoder) gets the column mean: the model then reads it as neutral
    # (a feature no candidate has, e.g. peers in a one-system run, is 0 throughout: its weight stays 0)
    present = ~np.isnan(x)
    counts = present.sum(axis=0)
    means = np.where(counts > 0, np.where(present, x, 0.0).sum(axis=0) / np.maximum(counts, 1), 0.0)
    return np.where(present, x, means)


@dataclass(frozen=True)
class Candidates:
    """Every reference_edits candidate of some documents: spans, features, labels, and the human spans."""

    spans: list[CharSpan]
    x: np.ndarray
    y: np.ndarray
    human: list[CharSpan]


def candidates(run: RunData, ratings: MqmRatings, reference: str, docs: Collection[str] | None) -> Candidates:
    """The candidates of ``run`` in documents ``docs`` (None: all); positive = shares a character with a
    human span of the same system and segment."""
    m = match_run(run, ratings, reference, docs)
    human, _ = human_spans(ratings, m)
    chars, _, records = detected_spans(run, m)
    keep = [i for i, rec in enumerate(records) if rec.get("detector") == DETECTOR and rec.get("hyp")]
    cand = [c for c in chars if c.source == DETECTOR]
    recs = [records[i] for i in keep]
    if len(cand) != len(recs) or not cand:
        raise InputError(
            f"{run.path}: no {DETECTOR} candidates to fit on; run with detector=[{DETECTOR}] "
            f"detector.{DETECTOR}.threshold=0 so every candidate is written"
        )
    by_seg: dict[tuple[str, int], list[CharSpan]] = {}
    for h in human:
        by_seg.setdefault((h.system, h.line), []).append(h)
    y = np.array(
        [any(h.start < c.end and c.start < h.end for h in by_seg.get((c.system, c.line), [])) for c in cand],
        dtype=np.float64,
    )
    return Candidates(cand, _features(recs), y, human)


def _probabilities(model: Calibration, x: np.ndarray) -> np.ndarray:
    return np.array([model.probability(dict(zip(FEATURES, row, strict=True))) for row in x])


THRESHOLD_QUANTILES = np.linspace(0.0, 0.98, 50)  # candidate thresholds: quantiles of the training probabilities


def calibrate(
    run: RunData,
    ratings: MqmRatings,
    reference: str = "ref",
    l2: float = 1.0,
    docs: Collection[str] | None = None,
    beta: float = 0.5,
) -> Fitted:
    """Fit on every candidate of ``run`` in the training documents ``docs`` (None: all); the threshold
    maximises span F-``beta`` by overlap on them."""
    if beta <= 0:
        raise InputError(f"--beta must be positive (0.5 weighs precision, 1 is F1), got {beta}")
    c = candidates(run, ratings, reference, docs)
    cand, x, y, human = c.spans, c.x, c.y, c.human
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    w = fit_logistic((x - mean) / scale, y, l2)
    model = Calibration(
        {f: round(float(v), 4) for f, v in zip(FEATURES, w[:-1], strict=True)},
        {f: round(float(v), 4) for f, v in zip(FEATURES, mean, strict=True)},
        {f: round(float(v), 4) for f, v in zip(FEATURES, scale, strict=True)},
        round(float(w[-1]), 4),
    )
    probs = _probabilities(model, x)
    best: tuple[float, float, PRF | None] = (-1.0, 0.5, None)
    for q in THRESHOLD_QUANTILES:
        thr = float(np.quantile(probs, q))
        prf = overlap_prf([c for c, p in zip(cand, probs, strict=True) if p >= thr], human)
        score = prf.f_beta(beta)
        if score is not None and score > best[0]:
            best = (score, thr, prf)
    _, threshold, best_prf = best
    kept = probs[probs >= threshold]
    major_share = sum(h.severity == "major" for h in human) / max(len(human), 1)
    major = float(np.quantile(kept, 1.0 - major_share)) if len(kept) else 1.0
    return Fitted(
        model,
        round(threshold, 4),
        round(max(major, threshold), 4),
        len(cand),
        int(y.sum()),
        best_prf.precision if best_prf else None,
        best_prf.recall if best_prf else None,
        best_prf.f1 if best_prf else None,
    )


CURVE_QUANTILES = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.98)


def held_out_curve(fitted: Fitted, held_out: Candidates) -> list[tuple[str, float, PRF, PRF]]:
    """Span P/R/F1 (overlap and character credit) of a fitted model on held-out candidates: at the
    fitted threshold, then at quantiles of the held-out probabilities (the precision/recall curve)."""
    probs = _probabilities(fitted.calibration, held_out.x)
    points = [("fitted threshold", fitted.threshold)]
    points += [(f"top {100 * (1 - q):.0f}%", float(np.quantile(probs, q))) for q in CURVE_QUANTILES]
    out = []
    for name, thr in points:
        kept = [c for c, p in zip(held_out.spans, probs, strict=True) if p >= thr]
        out.append((name, thr, overlap_prf(kept, held_out.human), partial_prf(kept, held_out.human)))
    return out


def to_yaml(f: Fitted, origin: str) -> str:
    body = {
        "threshold": f.threshold,
        "major_threshold": f.major_threshold,
        "calibration": {
            "origin": origin,
            "bias": f.calibration.bias,
            "weights": f.calibration.weights,
            "mean": f.calibration.mean,
            "scale": f.calibration.scale,
        },
    }
    return yaml.safe_dump(body, sort_keys=False, allow_unicode=True)


def _f(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.meta.calibrate", description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--mqm", required=True, type=Path)
    parser.add_argument("--docs", nargs="+", help="training documents (the others stay held out)")
    parser.add_argument("--held-out", nargs="+", help="documents to print the held-out precision/recall curve on")
    parser.add_argument("--reference", default="ref")
    parser.add_argument("--l2", type=float, default=1.0)
    parser.add_argument("--beta", type=float, default=0.5, help="the threshold maximises F-beta (default 0.5)")
    args = parser.parse_args(argv)
    from eval.meta.cli import run_tool

    def task() -> str:
        from eval.meta.mqm_tsv import read_mqm_tsv
        from eval.reports.runfolder import load_run

        ratings = read_mqm_tsv(args.mqm)
        run = load_run(args.run_dir)
        fitted = calibrate(run, ratings, args.reference, args.l2, args.docs, args.beta)
        docs = ", ".join(args.docs) if args.docs else "all documents"
        summary = (
            f"# fitted on {fitted.candidates} candidates ({fitted.positives} overlap a human span), {docs}; "
            f"threshold for F{args.beta:g}; "
            f"training span P {fitted.precision:.3f} R {fitted.recall:.3f} F1 {fitted.f1:.3f}"
            if fitted.f1 is not None
            else f"# fitted on {fitted.candidates} candidates"
        )
        curve = ""
        if args.held_out:
            held = candidates(run, ratings, args.reference, args.held_out)
            curve = f"# held out ({', '.join(args.held_out)}): threshold, span P/R/F1 by overlap, F1 by characters\n"
            for name, thr, ov, pa in held_out_curve(fitted, held):
                curve += f"#   {name:16s} p>={thr:.4f}: P {_f(ov.precision)} R {_f(ov.recall)} F1 {_f(ov.f1)}"
                curve += f" | F1 chars {_f(pa.f1)}\n"
        notes = "".join(f"# note: {n}\n" for n in ratings.notes)
        fitted_yaml = to_yaml(fitted, f"{args.mqm.name} ({docs}), python -m eval.meta.calibrate")
        return notes + summary + "\n" + curve + fitted_yaml

    return run_tool(task)


if __name__ == "__main__":
    raise SystemExit(main())
