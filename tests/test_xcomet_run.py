"""XCOMET through the runner: its error spans reach spans.jsonl via the xcomet_spans detector."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.clirun import run_cli

pytestmark = [pytest.mark.integration, pytest.mark.slow]
DATA = Path(__file__).parent / "data" / "linealigned" / "lines"


def test_xcomet_spans_flow_into_spans_jsonl(tmp_path: Path) -> None:
    from eval.metrics.base import ScoringInput
    from eval.metrics.comet import CometMetric
    from tests.comet_fixtures import build_checkpoint

    ckpt = build_checkpoint(tmp_path / "xcomet", "xcomet")
    res = run_cli(
        tmp_path / "r",
        "corpus=line-aligned",
        f"corpus.dir={DATA}",
        "~translator",
        "embedder=e5",
        "metric=[xcomet]",
        f"metric.xcomet.model={ckpt}",
        "detector=[xcomet_spans]",
        f"cache.dir={tmp_path / 'cache'}",
    )
    assert res.code == 0, res.stderr[-3000:]
    assert res.run_dir is not None
    manifest = json.loads((res.run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert not [s for s in manifest["skipped"] if s["stage"].startswith("detector")]
    spans = [json.loads(x) for x in (res.run_dir / "spans.jsonl").read_text(encoding="utf-8").splitlines()]

    # the same spans straight from COMET, on the same inputs the runner gives it (source = the real source)
    src = (DATA / "src.fr").read_text(encoding="utf-8").splitlines()
    ref = (DATA / "ref.es").read_text(encoding="utf-8").splitlines()
    expected = 0
    for system in ("sysA", "sysB"):
        hyp = (DATA / f"{system}.es").read_text(encoding="utf-8").splitlines()
        direct = CometMetric(mode="xcomet", model=str(ckpt), use_cache=False, progress=False).score(
            ScoringInput(hyps=hyp, refs=ref, srcs=src)
        )
        per_segment = direct.extra["error_spans"]
        expected += sum(len(s) for s in per_segment)
        got = [s for s in spans if s["system"] == system]
        assert all(s["detector"].startswith("xcomet_spans") for s in got)
    assert len(spans) <= expected  # merging may join overlapping spans, never invent them
    assert (expected == 0) == (len(spans) == 0)
