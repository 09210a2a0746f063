"""The console says each skip once, naming every system it applies to."""

from __future__ import annotations

import logging

import pytest

from eval.stages.state import progress, warn_skipped


def test_one_warning_per_reason_with_every_system(caplog: pytest.LogCaptureFixture) -> None:
    reason = "COMET model x unavailable"
    skipped = [
        {"stage": "metric", "system": s, "lang": s[-2:], "reason": reason} for s in ("es", "en", "apertium-es")
    ] * 2  # comet-qe and comet-ref of the same systems
    skipped.append({"stage": "bridge", "system": "ar", "lang": "ar", "reason": "no ar→fr route"})
    with caplog.at_level(logging.WARNING):
        warn_skipped(skipped)
    assert [r.getMessage() for r in caplog.records] == [
        f"metric skipped for es (es), en (en), apertium-es (es): {reason}",
        "bridge skipped for ar (ar): no ar→fr route",
    ]


def test_detector_bar_names_the_detector_in_progress(capsys: pytest.CaptureFixture[str]) -> None:
    bar = progress(["a", "b"], "spans (4 pairs)", True, unit="detector", eta=False)
    for name in bar:
        bar.note(f"now {name}")
    err = capsys.readouterr().err
    assert "spans (4 pairs): 0/2 detectors" in err and "now a" in err and "now b" in err


def test_disabled_bar_is_silent(capsys: pytest.CaptureFixture[str]) -> None:
    bar = progress([1, 2], "metrics", False)
    for item in bar:
        bar.note(str(item))
    assert list(bar) == [1, 2] and capsys.readouterr().err == ""
