"""Group configs (metric, detector, embedder, translator) checked against their constructors before any work."""

from __future__ import annotations

import typing

import pytest
from omegaconf import OmegaConf

from eval.errors import ConfigError
from eval.group_schema import check_node, group_nodes, value_fits
from eval.schema import validate_run_config
from tests.test_schema_and_keys import composed

EVERY_METRIC = "metric=[bleu,chrf,chrfpp,ter,adequacy,comet-ref,comet-qe,xcomet]"
EVERY_DETECTOR = (
    "detector=[mistranslation,names_numbers,omission_addition,terminology,untranslated,xcomet_spans,reference_edits]"
)


@pytest.mark.parametrize("embedder", ["e5", "use", "hf"])
@pytest.mark.parametrize("translator", ["apertium", "files", "marian"])
def test_every_shipped_group_config_passes(embedder: str, translator: str) -> None:
    cfg = composed(EVERY_METRIC, EVERY_DETECTOR, f"embedder={embedder}", f"translator={translator}")
    checked = [where for where, _ in group_nodes(cfg)]
    assert len(checked) == 8 + 7 + 2
    validate_run_config(cfg)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            "metric.bleu.smooth_method=bogus",
            "metric.bleu.smooth_method='bogus' is invalid: expected one of none, floor",
        ),
        ("metric.bleu.lowercase=abc", "metric.bleu.lowercase='abc' is invalid: expected true or false"),
        ("metric.bleu.tokenize=foo", "metric.bleu.tokenize='foo' is invalid: expected one of none, zh, 13a"),
        ("metric.chrf.char_order=2.5", "metric.chrf.char_order=2.5 is invalid: expected an integer"),
        ("metric.ter.normalized=yes", "metric.ter.normalized='yes' is invalid: expected true or false"),
    ],
)
def test_bad_group_value_is_one_line_naming_key_value_and_type(override: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        validate_run_config(composed("metric=[bleu,chrf,ter]", override))
    assert message in str(err.value) and "\n" not in str(err.value)


def test_unknown_key_in_a_group_yaml_gets_the_nearest_parameter() -> None:
    node = OmegaConf.create({"_target_": "eval.metrics.bleu.BleuMetric", "lowrcase": True})
    with pytest.raises(ConfigError, match=r"config key metric\.bleu\.lowrcase is unknown; did you mean 'lowercase'\?"):
        check_node("metric.bleu", node)


def test_target_that_does_not_import_is_named() -> None:
    node = OmegaConf.create({"_target_": "eval.metrics.nope.Missing"})
    with pytest.raises(ConfigError, match=r"metric\.x\._target_='eval\.metrics\.nope\.Missing' cannot be imported"):
        check_node("metric.x", node)


def test_bleu_tokenizers_are_sacrebleus() -> None:
    from sacrebleu.metrics import bleu

    from eval.metrics.bleu import Tokenizer

    assert typing.get_args(Tokenizer) == tuple(bleu._TOKENIZERS)


@pytest.mark.parametrize(
    ("value", "tp", "fits"),
    [
        (True, bool, True),
        (1, bool, False),
        (True, int, False),
        (3, float, True),
        (float("nan"), float, False),
        (None, int | None, True),
        ("a", typing.Literal["a", "b"], True),
        ("c", typing.Literal["a", "b"], False),
        ([1, 2], list[int], True),
        ("x", list[str], False),
        ({"a": 1}, dict[str, int], True),
    ],
)
def test_value_fits_follows_the_annotation(value: object, tp: object, fits: bool) -> None:
    assert value_fits(value, tp) is fits


def test_constructor_value_error_becomes_one_config_line() -> None:
    """What the signature cannot say (a value sacrebleu or numpy refuses) still ends as a ConfigError."""
    from eval.config import instantiate_with

    node = OmegaConf.create({"_target_": "fractions.Fraction", "numerator": "abc"})
    with pytest.raises(ConfigError, match=r"config metric\.x \(fractions\.Fraction\) rejected its parameters: "):
        instantiate_with(node, "metric.x")
