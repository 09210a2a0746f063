"""eval.scoring.bootstrap against sacrebleu 2.6.0: formulas, CIs and paired tests, bit for bit.

Golden values come from the sacrebleu CLI run as a subprocess on tests/data/significance/
(150 segments, baseline + 3 systems; regenerate with benchmarks/bench_significance.py). Its JSON
output carries full-precision floats, so equality is exact, not just at the printed precision;
the text table is checked too, at the width sacrebleu prints.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from eval.errors import ConfigError, MetricError
from eval.scoring.bootstrap import (
    PairedResult,
    bootstrap_ci,
    corpus_score,
    mean_stats,
    paired_approximate_randomization,
    paired_bootstrap,
    score_from_stats,
    sufficient_stats,
    sufficient_stats_many,
)

DATA = Path(__file__).parent / "data" / "significance"
SACREBLEU = Path(sys.executable).parent / "sacrebleu"
SYSTEMS = ["base", "sys01", "sys02", "sys03"]
CLI_COLUMNS = {"bleu": "BLEU", "chrf": "chrF2", "ter": "TER"}
CONTRACT = ["lang", "metric", "method", "baseline", "system", "baseline_score", "system_score", "delta",
            "ci_low", "ci_high", "p_value"]  # fmt: skip


def _lines(name: str) -> list[str]:
    return (DATA / f"{name}.txt").read_text(encoding="utf-8").split("\n")[:-1]


def _sacrebleu(*args: str, seed: str = "12345") -> str:
    env = {**os.environ, "SACREBLEU_SEED": seed}
    files = ["ref.txt", "-i", *(f"{s}.txt" for s in args[0].split(","))] if args else []
    cmd = [str(SACREBLEU), *files, *args[1:]]
    return subprocess.run(cmd, cwd=DATA, env=env, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def refs() -> list[str]:
    return _lines("ref")


@pytest.fixture(scope="module")
def stats(refs: list[str]) -> dict[str, dict[str, np.ndarray]]:
    return {m: {s: sufficient_stats(m, _lines(s), refs) for s in SYSTEMS} for m in CLI_COLUMNS}


def _paired(stats: dict[str, dict[str, np.ndarray]], metric: str, fn: object, **kw: object) -> list[PairedResult]:
    st = stats[metric]
    others = {s: st[s] for s in SYSTEMS[1:]}
    return fn(st["base"], others, metric, baseline="base", **kw)  # type: ignore[operator]


# ------------------------------------------------------------------ formulas


def _random_bleu(rng: np.random.Generator, n: int, order: int = 4) -> np.ndarray:
    total = np.sort(rng.integers(0, 60, size=(n, order)), axis=1)[:, ::-1]
    total[rng.random((n, order)) < 0.05] = 0
    correct = (total * rng.random((n, order)) ** rng.uniform(0.3, 3, (n, 1))).astype(int)
    correct[rng.random((n, order)) < 0.2] = 0
    sys_len = total[:, 0] + rng.integers(0, 3, n)
    sys_len[rng.random(n) < 0.02] = 0
    ref_len = np.maximum(0, sys_len + rng.integers(-10, 10, n))
    return np.concatenate([sys_len[:, None], ref_len[:, None], correct, total], axis=1)


def _random_chrf(rng: np.random.Generator, n: int, order: int) -> np.ndarray:
    hyp, ref = rng.integers(0, 200, (n, order)), rng.integers(0, 200, (n, order))
    hyp[rng.random((n, order)) < 0.05] = 0
    ref[rng.random((n, order)) < 0.05] = 0
    match = (np.minimum(hyp, ref) * rng.random((n, order))).astype(int)
    return np.stack([hyp, ref, match], axis=2).reshape(n, -1)


def _sacrebleu_scores(scorer: object, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """sacrebleu on Python ints (corpus/AR path) and on float32 rows (its bootstrap path)."""
    compute = scorer._compute_score_from_stats  # type: ignore[attr-defined]
    exact = [compute([int(x) if float(x).is_integer() else float(x) for x in r]).score for r in rows]
    f32 = [compute(r).score for r in rows.astype(np.float32)]
    return np.array(exact, dtype=np.float64), np.array(f32, dtype=np.float64)


@pytest.mark.parametrize(
    "kw",
    [{}, {"smooth_method": "none"}, {"smooth_method": "floor"}, {"smooth_method": "add-k"},
     {"effective_order": True}, {"smooth_method": "floor", "smooth_value": 0.3, "effective_order": True},
     {"max_ngram_order": 2}],
)  # fmt: skip
def test_bleu_formula_is_sacrebleus(kw: dict[str, Any]) -> None:
    from sacrebleu.metrics import BLEU

    rows = _random_bleu(np.random.default_rng(1), 400, int(kw.get("max_ngram_order", 4)))
    exact, f32 = _sacrebleu_scores(BLEU(**kw), rows)
    np.testing.assert_array_equal(score_from_stats("bleu", rows, **kw), exact)
    np.testing.assert_array_equal(score_from_stats("bleu", rows, float32=True, **kw), f32)


@pytest.mark.parametrize(
    ("metric", "kw", "order"),
    [("chrf", {}, 6), ("chrf++", {}, 8), ("chrf", {"eps_smoothing": True}, 6), ("chrf", {"beta": 3}, 6)],
)
def test_chrf_formula_is_sacrebleus(metric: str, kw: dict[str, Any], order: int) -> None:
    from sacrebleu.metrics import CHRF

    rows = _random_chrf(np.random.default_rng(2), 400, order)
    exact, f32 = _sacrebleu_scores(CHRF(word_order=2 if metric == "chrf++" else 0, **kw), rows)
    assert np.any(exact != f32), "the float32 path must matter, or this test checks nothing"
    np.testing.assert_array_equal(score_from_stats(metric, rows, **kw), exact)
    np.testing.assert_array_equal(score_from_stats(metric, rows, float32=True, **kw), f32)


def test_ter_formula_is_sacrebleus() -> None:
    from sacrebleu.metrics import TER

    rng = np.random.default_rng(3)
    rows = np.stack([rng.integers(0, 100, 400), rng.integers(0, 80, 400)], axis=1).astype(float)
    exact, f32 = _sacrebleu_scores(TER(), rows)
    np.testing.assert_array_equal(score_from_stats("ter", rows), exact)
    np.testing.assert_array_equal(score_from_stats("ter", rows, float32=True), f32)


def test_score_from_stats_keeps_leading_dims() -> None:
    rows = _random_bleu(np.random.default_rng(4), 24).reshape(2, 3, 4, 10)
    out = score_from_stats("bleu", rows)
    assert out.shape == (2, 3, 4)
    np.testing.assert_array_equal(out.reshape(-1), score_from_stats("bleu", rows.reshape(-1, 10)))
    assert score_from_stats("bleu", rows[0, 0, 0]).shape == ()


@pytest.mark.parametrize("metric", ["bleu", "chrf", "chrf++", "ter"])
def test_corpus_score_equals_sacrebleu(refs: list[str], metric: str) -> None:
    import sacrebleu

    scorer = {"bleu": sacrebleu.BLEU(), "chrf": sacrebleu.CHRF(), "chrf++": sacrebleu.CHRF(word_order=2),
              "ter": sacrebleu.TER()}[metric]  # fmt: skip
    for name in SYSTEMS if metric != "ter" else ["base", "sys03"]:  # sacrebleu's TER is slow
        hyps = _lines(name)
        assert corpus_score(metric, sufficient_stats(metric, hyps, refs)) == scorer.corpus_score(hyps, [refs]).score


@pytest.mark.parametrize(
    ("metric", "kw"),
    [("bleu", {}), ("bleu", {"lowercase": True, "max_ngram_order": 3}), ("chrf", {}), ("chrf++", {}),
     ("chrf", {"whitespace": True, "lowercase": True})],
)  # fmt: skip
def test_numpy_statistics_equal_sacrebleus(refs: list[str], metric: str, kw: dict[str, Any]) -> None:
    systems = {s: _lines(s) for s in SYSTEMS}
    systems["edge"] = ["", "a", "Ça, c'est l'été !", " ", "x y z z z z z", "ab ab ab ab", *systems["base"][6:]]
    refs = ["", "a", *refs[2:]]  # empty and one-character references too
    fast = sufficient_stats_many(metric, systems, refs, **kw)
    slow = sufficient_stats_many(metric, systems, refs, engine="sacrebleu", **kw)
    for name in systems:
        np.testing.assert_array_equal(fast[name], slow[name], err_msg=name)


def test_numpy_statistics_survive_large_alphabets() -> None:
    """Thousands of distinct characters overflow base-V codes at order 6: the re-densify path."""
    rng = np.random.default_rng(6)
    alphabet = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]

    def text(k: int) -> str:
        return " ".join("".join(rng.choice(alphabet, size=rng.integers(1, 5))) for _ in range(k))

    refs = [text(8) for _ in range(60)]
    hyps = [r[: len(r) // 2] + text(3) for r in refs]
    for metric in ("chrf", "bleu"):
        fast = sufficient_stats(metric, hyps, refs)
        np.testing.assert_array_equal(fast, sufficient_stats(metric, hyps, refs, engine="sacrebleu"))
        assert fast[:, 2:].sum() > 0


# ------------------------------------------------------------------ golden: sacrebleu CLI


@pytest.fixture(scope="module")
def cli_bs() -> list[dict[str, dict[str, float]]]:
    return json.loads(_sacrebleu(",".join(SYSTEMS), "-m", "bleu", "chrf", "ter", "--paired-bs", "-f", "json"))


@pytest.fixture(scope="module")
def cli_ar() -> list[dict[str, dict[str, float]]]:
    return json.loads(_sacrebleu(",".join(SYSTEMS), "-m", "bleu", "chrf", "--paired-ar", "-f", "json"))


@pytest.mark.integration
@pytest.mark.parametrize("metric", ["bleu", "chrf", "ter"])
def test_paired_bs_identical_to_cli(stats: dict, cli_bs: list, metric: str) -> None:
    col = CLI_COLUMNS[metric]
    results = _paired(stats, metric, paired_bootstrap)
    base = cli_bs[0][col]
    assert (results[0].baseline_score, results[0].baseline_mean, results[0].baseline_half_width) == (
        base["score"], base["mean"], base["ci"])  # fmt: skip
    for row, res in zip(cli_bs[1:], results, strict=True):
        assert row["system"] == f"{res.system}.txt"
        cli = row[col]
        assert (res.system_score, res.mean, res.half_width, res.p_value) == (
            cli["score"], cli["mean"], cli["ci"], cli["p_value"])  # fmt: skip
        assert res.delta == res.system_score - res.baseline_score
        assert res.ci_low is not None and res.ci_high is not None and res.mean is not None
        assert res.ci_low <= res.mean <= res.ci_high


@pytest.mark.integration
def test_paired_bs_fixture_has_both_outcomes(stats: dict) -> None:
    """The golden data must exercise significant and non-significant comparisons."""
    flags = {r.significant() for m in ("bleu", "chrf") for r in _paired(stats, m, paired_bootstrap)}
    assert flags == {True, False}


@pytest.mark.integration
@pytest.mark.parametrize("metric", ["bleu", "chrf"])
def test_paired_ar_identical_to_cli(stats: dict, cli_ar: list, metric: str) -> None:
    col = CLI_COLUMNS[metric]
    results = _paired(stats, metric, paired_approximate_randomization)
    assert results[0].baseline_score == cli_ar[0][col]["score"]
    for row, res in zip(cli_ar[1:], results, strict=True):
        assert (res.system_score, res.p_value) == (row[col]["score"], row[col]["p_value"])
        assert res.n_samples == 10000 and res.ci_low is None and res.mean is None


@pytest.mark.integration
def test_paired_text_table_matches_printed_precision(stats: dict) -> None:
    out = _sacrebleu(",".join(SYSTEMS), "-m", "bleu", "chrf", "--paired-bs", "-f", "text", "-w", "4")
    for metric in ("bleu", "chrf"):
        for r in _paired(stats, metric, paired_bootstrap):
            assert f"{r.system_score:.4f} ({r.mean:.4f} ± {r.half_width:.4f})" in out
            assert f"(p = {r.p_value:.4f})" in out
        r0 = _paired(stats, metric, paired_bootstrap)[0]
        assert f"{r0.baseline_score:.4f} ({r0.baseline_mean:.4f} ± {r0.baseline_half_width:.4f})" in out


@pytest.mark.integration
def test_paired_bs_other_seed_and_sample_count(stats: dict) -> None:
    out = _sacrebleu("base,sys02", "-m", "bleu", "--paired-bs", "--paired-bs-n", "300", "-f", "json", seed="42")
    cli = json.loads(out)[1]["BLEU"]
    st = stats["bleu"]
    (res,) = paired_bootstrap(st["base"], {"sys02": st["sys02"]}, "bleu", n_samples=300, seed=42)
    assert (res.mean, res.half_width, res.p_value) == (cli["mean"], cli["ci"], cli["p_value"])
    (default,) = paired_bootstrap(st["base"], {"sys02": st["sys02"]}, "bleu", n_samples=300)
    assert default.mean != res.mean  # the seed is really used


@pytest.mark.integration
def test_confidence_identical_to_cli(stats: dict) -> None:
    """Single system ``--confidence``: compared at the printed width (6 decimals)."""
    out = json.loads(_sacrebleu("sys02", "-m", "bleu", "chrf", "ter", "--confidence", "-w", "6", "-f", "json"))
    for metric, cli in zip(("bleu", "chrf", "ter"), out, strict=True):
        ci = bootstrap_ci(stats[metric]["sys02"], metric)
        printed = (f"{ci.score:.6f}", f"{ci.mean:.6f}", f"{ci.half_width:.6f}")
        assert printed == (f"{cli['score']:.6f}", f"{cli['confidence_mean']:.6f}", f"{cli['confidence_var']:.6f}")


@pytest.mark.parametrize("metric", ["bleu", "chrf", "ter"])
def test_confidence_bit_identical_to_api(refs: list[str], stats: dict, metric: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import sacrebleu

    monkeypatch.setenv("SACREBLEU_SEED", "7")
    scorer = {"bleu": sacrebleu.BLEU(), "chrf": sacrebleu.CHRF(), "ter": sacrebleu.TER()}[metric]
    score = scorer.corpus_score(_lines("sys03"), [refs], n_bootstrap=500)
    ci = bootstrap_ci(stats[metric]["sys03"], metric, n_samples=500, seed=7)
    assert (ci.score, ci.mean, ci.half_width) == (score.score, score._mean, score._ci)


def test_paired_ar_confidence_identical_to_api(refs: list[str], stats: dict, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """sacrebleu's optional AR bootstrap CI (API only) draws its indices after the coin flips."""
    import sacrebleu
    from sacrebleu.significance import PairedTest

    monkeypatch.setenv("SACREBLEU_SEED", "12345")
    named: list[tuple[str, Sequence[str]]] = [(s, _lines(s)) for s in ("base", "sys01", "sys03")]
    test = PairedTest(named, {"chrF": sacrebleu.CHRF(references=[refs])}, None, "ar", 500, 200)
    _, scores = test()
    st = stats["chrf"]
    res = paired_approximate_randomization(
        st["base"], {"sys01": st["sys01"], "sys03": st["sys03"]}, "chrf", n_samples=500, n_confidence=200
    )
    base: Any = scores["chrF2"][0]
    assert (res[0].baseline_mean, res[0].baseline_half_width) == (base.mean, base.ci)
    refs_: list[Any] = scores["chrF2"][1:]
    for got, ref in zip(res, refs_, strict=True):
        assert (got.p_value, got.mean, got.half_width) == (ref.p_value, ref.mean, ref.ci)


# ------------------------------------------------------------------ segment-averaged metrics, rows, errors


def test_mean_metric_resamples_like_a_loop() -> None:
    rng = np.random.default_rng(5)
    base, sys_a = rng.uniform(0.4, 0.9, 120), rng.uniform(0.45, 0.95, 120)
    (res,) = paired_bootstrap(mean_stats(base), {"a": mean_stats(sys_a)}, "mean", n_samples=200, seed=9)
    idxs = np.random.default_rng(9).choice(120, size=(200, 120), replace=True)
    loop_sys = np.array([sys_a[i].mean() for i in idxs])
    loop_base = np.array([base[i].mean() for i in idxs])
    assert res.mean is not None
    np.testing.assert_allclose(res.mean, np.sort(loop_sys).mean(), rtol=1e-12)
    diffs = np.abs(loop_sys - loop_base)
    expected_p = (np.sum(diffs - diffs.mean() > abs(sys_a.mean() - base.mean())) + 1) / 201
    assert res.p_value == pytest.approx(expected_p)
    assert res.system_score == pytest.approx(sys_a.mean(), rel=1e-12)


def test_identical_systems_are_not_significant_under_ar() -> None:
    st = mean_stats(np.linspace(0, 1, 50))
    (ar,) = paired_approximate_randomization(st, {"same": st.copy()}, "mean", n_samples=100)
    assert ar.delta == 0.0 and ar.p_value == 1 / 101  # sacrebleu's strict ">" (multeval) keeps 1/(n+1)


def test_to_row_has_contract_columns(stats: dict) -> None:
    res = _paired(stats, "chrf", paired_bootstrap, n_samples=100)[0]
    row = res.to_row(lang="es")
    assert list(row) == CONTRACT
    assert row["lang"] == "es" and row["method"] == "paired-bs" and row["baseline"] == "base"
    ar = _paired(stats, "chrf", paired_approximate_randomization, n_samples=100)[0].to_row()
    assert ar["ci_low"] is None and ar["method"] == "paired-ar"


def test_bootstrap_ci_alpha_widens_interval(stats: dict) -> None:
    narrow = bootstrap_ci(stats["bleu"]["base"], "bleu", n_samples=400, alpha=0.2)
    wide = bootstrap_ci(stats["bleu"]["base"], "bleu", n_samples=400, alpha=0.05)
    assert wide.ci_low < narrow.ci_low < narrow.ci_high < wide.ci_high
    assert narrow.score == wide.score and narrow.mean == wide.mean


def test_segment_count_mismatch_names_both_counts(stats: dict) -> None:
    st = stats["bleu"]
    with pytest.raises(MetricError, match=r"system 'sysX' has 98 segments vs baseline 'base' 150"):
        paired_bootstrap(st["base"], {"sysX": st["sys01"][:98]}, "bleu", baseline="base")
    with pytest.raises(MetricError, match="98 segments"):
        paired_approximate_randomization(st["base"], {"sysX": st["sys01"][:98]}, "bleu", baseline="base")


def test_bad_input_raises_typed_errors(stats: dict) -> None:
    with pytest.raises(ConfigError, match="unknown metric 'bleurt'"):
        score_from_stats("bleurt", np.zeros(10))
    with pytest.raises(MetricError, match=r"expected \(\.\.\., 18\)"):
        score_from_stats("chrf", stats["bleu"]["base"])
    with pytest.raises(MetricError, match="'system' has 3 hypothesis segments vs 2 reference"):
        sufficient_stats("bleu", ["a", "b", "c"], ["a", "b"])
    with pytest.raises(ConfigError, match="n_samples must be >= 1"):
        paired_bootstrap(stats["bleu"]["base"], {}, "bleu", n_samples=0)
    with pytest.raises(ConfigError, match="mean_stats"):
        sufficient_stats("mean", ["a"], ["a"])
    with pytest.raises(ConfigError, match="unknown statistics engine"):
        sufficient_stats("bleu", ["a"], ["a"], engine="rust")
