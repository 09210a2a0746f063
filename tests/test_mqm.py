"""MQM 2.0 raw scoring: APT, NPT per reference word count, OQS, verdict, mqm.csv columns."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from eval.detectors.base import Span
from eval.errors import ConfigError
from eval.scoring.mqm import MQMConfig, scorecard, write_mqm_csv


def span(sev: str, cat: str = "accuracy/mistranslation") -> Span:
    return Span("es", "es", [0], [0], None, None, cat, sev, "d", 1.0)  # type: ignore[arg-type]


def test_raw_scoring_model(tmp_path: Path) -> None:
    spans = [span("minor"), span("major"), span("critical", "accuracy/omission")]
    (row,) = scorecard(spans, {"es": ("es", 200)}, MQMConfig(threshold=95.0))
    assert row.apt == 16.0  # 1 + 5 + 10
    assert row.npt == pytest.approx(8.0)  # 16 / 200 × 100
    assert row.oqs == pytest.approx(92.0) and row.verdict == "fail"
    write_mqm_csv(tmp_path / "mqm.csv", [row])
    rec = next(csv.DictReader((tmp_path / "mqm.csv").open(encoding="utf-8")))
    assert rec["cat:accuracy/omission"] == "1" and rec["verdict"] == "fail"
    assert rec["pen:accuracy/omission"] == "10.0" and rec["pen:accuracy/mistranslation"] == "6.0"
    assert rec["npt_limit"] == "5.0"  # OQS 92 < 95 <=> NPT 8 > 5


def test_bad_config() -> None:
    with pytest.raises(ConfigError, match="critical"):
        MQMConfig(severity_weights={"minor": 1, "major": 5})
