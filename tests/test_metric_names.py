"""Metric names follow the parameters that change the score, so configurations never share a column."""

from __future__ import annotations

import pytest
from sacrebleu.metrics import CHRF

from eval.errors import ConfigError
from eval.metrics.bleu import BleuMetric
from eval.metrics.chrf import ChrfMetric, chrf_name
from eval.metrics.ter import TerMetric
from eval.metrics.unique import unique_metrics


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({}, "chrf"),
        ({"word_order": 2}, "chrf++"),
        ({"word_order": 1}, "chrf+"),
        ({"char_order": 4, "lowercase": True}, "chrf-c4-lc"),
        ({"word_order": 2, "beta": 1, "whitespace": True, "eps_smoothing": True}, "chrf++-b1-ws-eps"),
    ],
)
def test_chrf_name_carries_its_parameters(kwargs: dict[str, int | bool], name: str) -> None:
    assert chrf_name(CHRF(**kwargs)) == name  # type: ignore[arg-type]
    assert ChrfMetric(**kwargs).name == name  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({}, "bleu"),
        ({"lowercase": True}, "bleu-lc"),
        ({"tokenize": "intl", "smooth_method": "floor", "smooth_value": 0.1}, "bleu-tok-intl-s-floor-sv0.1"),
    ],
)
def test_bleu_name_carries_its_parameters(kwargs: dict[str, object], name: str) -> None:
    assert BleuMetric(**kwargs).name == name  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [({}, "ter"), ({"normalized": True, "case_sensitive": True}, "ter-norm-cs"), ({"no_punct": True}, "ter-nopunct")],
)
def test_ter_name_carries_its_parameters(kwargs: dict[str, bool], name: str) -> None:
    assert TerMetric(**kwargs).name == name


def test_renamed_ter_keeps_sacrebleu_score_and_bootstrap_kind() -> None:
    """A non-default TER keeps sacrebleu's number (the name changes, the computation does not)."""
    from sacrebleu.metrics import TER

    from eval.metrics.base import ScoringInput

    hyps, refs = ["The Cat sat on the mat ."], ["the cat sat on a mat"]
    metric = TerMetric(case_sensitive=True, no_punct=True)
    result = metric.score(ScoringInput(hyps=hyps, refs=refs, hyp_lang="en", ref_lang="en"))
    expected = TER(case_sensitive=True, no_punct=True).corpus_score(hyps, [refs]).score
    assert result.metric == "ter-nopunct-cs" and metric.bootstrap_spec() == ("ter", {})
    assert result.corpus == pytest.approx(expected, abs=1e-12)


def test_same_metric_twice_is_scored_once() -> None:
    metrics = {"chrf": ChrfMetric(word_order=2), "chrfpp": ChrfMetric(word_order=2), "bleu": BleuMetric()}
    same = {"_target_": "eval.metrics.chrf.ChrfMetric", "word_order": 2}
    kept = unique_metrics(metrics, {"chrf": same, "chrfpp": dict(same), "bleu": {}})
    assert list(kept) == ["chrf", "bleu"]


def test_one_name_for_two_computations_is_refused() -> None:
    metrics = {"a": ChrfMetric(name="x"), "b": ChrfMetric(word_order=2, name="x")}
    with pytest.raises(ConfigError, match=r"metric\.a and metric\.b are both named 'x'"):
        unique_metrics(metrics, {"a": {"name": "x"}, "b": {"name": "x", "word_order": 2}})
