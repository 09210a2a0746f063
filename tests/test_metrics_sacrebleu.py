"""BLEU/chrF/chrF++/TER against golden values printed by the sacrebleu 2.6.0 CLI.

Fixture: tests/data/golden/ref.fr (6 lines of the DGSN reference) and hyp.fr (their Apertium fr→es→fr
round trip). Values from:
  sacrebleu ref.fr -i hyp.fr -m bleu|chrf|ter [-b] [--sentence-level] -w 6   (and --chrf-word-order 2)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from eval.errors import MetricError
from eval.metrics.base import ScoringInput
from eval.metrics.bleu import BleuMetric
from eval.metrics.chrf import ChrfMetric
from eval.metrics.sacrebleu_base import SacrebleuMetric
from eval.metrics.ter import TerMetric

GOLDEN = {
    "bleu": (82.659029, [81.573466, 0.000000, 85.874302, 82.012680, 80.737112, 82.620870]),
    "chrf": (92.517729, [92.441283, 49.285714, 95.014706, 92.582983, 90.756220, 92.114642]),
    "chrf++": (91.606478, [91.373704, 42.244898, 94.208171, 91.742384, 90.154775, 91.038689]),
    "ter": (8.823529, [8.928571, 100.000000, 5.952381, 8.510638, 10.843373, 7.352941]),
}


def _data(golden_dir: Path) -> ScoringInput:
    hyps = (golden_dir / "hyp.fr").read_text(encoding="utf-8").splitlines()
    refs = (golden_dir / "ref.fr").read_text(encoding="utf-8").splitlines()
    return ScoringInput(hyps=hyps, refs=refs, hyp_lang="fr", ref_lang="fr")


@pytest.mark.parametrize(
    "metric", [BleuMetric(), ChrfMetric(), ChrfMetric(word_order=2), TerMetric()], ids=lambda m: m.name
)
def test_matches_sacrebleu_cli(metric, golden_dir: Path) -> None:
    result = metric.score(_data(golden_dir))
    corpus, segments = GOLDEN[metric.name]
    assert result.corpus == pytest.approx(corpus, abs=5e-7)
    assert result.segments == pytest.approx(segments, abs=5e-7)
    assert "version:2.6.0" in result.signature


def test_signature_names_the_settings(golden_dir: Path) -> None:
    assert BleuMetric().score(_data(golden_dir)).signature.startswith("nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp")
    assert "nw:2" in ChrfMetric(word_order=2).score(_data(golden_dir)).signature


def test_cross_language_pairing_is_refused() -> None:
    data = ScoringInput(hyps=["hola"], refs=["bonjour"], hyp_lang="es", ref_lang="fr")
    with pytest.raises(MetricError, match="one language only"):
        BleuMetric().score(data)


def test_count_mismatch_names_both_counts() -> None:
    with pytest.raises(MetricError, match="2 hypothesis segments vs 1 reference"):
        ChrfMetric().score(ScoringInput(hyps=["a", "b"], refs=["a"]))


@pytest.mark.parametrize(
    "metric",
    [
        BleuMetric(),
        BleuMetric(lowercase=True, tokenize="intl"),
        ChrfMetric(),
        ChrfMetric(word_order=2, lowercase=True),
        ChrfMetric(char_order=4, whitespace=True),
    ],
    ids=["bleu", "bleu-lc-intl", "chrf", "chrf++-lc", "chrf-c4-ws"],
)
def test_run_statistics_equal_sacrebleus_own(metric: SacrebleuMetric) -> None:
    """The run counts BLEU/chrF n-grams with eval.scoring's counter; the statistics are sacrebleu's."""
    hyps = ["Le chat est sur le tapis.", "", "Il PLEUT, à Lyon !", "un deux trois quatre cinq"]
    refs = ["Le chat dort sur le tapis.", "Rien.", "il pleut à Lyon.", "un deux trois quatre six"]
    expected = np.asarray(metric.corpus_metric._extract_corpus_statistics(hyps, [refs]), dtype=np.float64)
    np.testing.assert_array_equal(metric.statistics(hyps, refs), expected)


def test_ter_statistics_are_read_back_from_the_cache(golden_dir: Path, tmp_path: Path) -> None:
    """TER's statistics (pure-Python edit distance) are one cache entry per system: a rerun reads them, with
    the golden scores and signature; other settings or other texts are another entry."""
    from eval.cache import Cache

    cache = Cache(tmp_path, "stats")
    first = TerMetric(stats_cache=cache).score(_data(golden_dir))
    again = Cache(tmp_path, "stats")
    rerun = TerMetric(stats_cache=again).score(_data(golden_dir))
    assert (cache.hits, again.hits) == (0, 1)
    corpus, segments = GOLDEN["ter"]
    assert rerun.corpus == pytest.approx(corpus, abs=5e-7) and rerun.segments == pytest.approx(segments, abs=5e-7)
    assert rerun.signature == first.signature == TerMetric().score(_data(golden_dir)).signature
    np.testing.assert_array_equal(rerun.stats, first.stats)
    normalized = Cache(tmp_path, "stats")
    TerMetric(normalized=True, stats_cache=normalized).score(_data(golden_dir))
    data = _data(golden_dir)
    other_text = Cache(tmp_path, "stats")
    TerMetric(stats_cache=other_text).score(ScoringInput(hyps=data.hyps[::-1], refs=data.refs, hyp_lang="fr"))
    assert (normalized.hits, other_text.hits) == (0, 0)


ZH_REFS = ["内政部长在里昂主持了警察局长会议。", "下一次会议将于明年在开罗举行。"]
ZH_HYPS = ["内政部长在里昂主持了警察首脑会议。", "下次会议明年在开罗举行。"]


def test_bleu_tokenizes_for_the_reference_language_as_sacrebleu_l_does() -> None:
    import sacrebleu

    # sacrebleu -l en-zh: the zh tokenizer. With 13a a Chinese line is one word and BLEU is 0.
    result = BleuMetric().score(ScoringInput(hyps=ZH_HYPS, refs=ZH_REFS, hyp_lang="zh-Hans", ref_lang="zh-Hans"))
    expected = sacrebleu.corpus_bleu(ZH_HYPS, [ZH_REFS], tokenize="zh")
    assert result.corpus == pytest.approx(expected.score, abs=1e-9) and result.corpus > 30
    assert "tok:zh" in result.signature
    assert sacrebleu.corpus_bleu(ZH_HYPS, [ZH_REFS]).score < 10  # what the run reported before
    # the same object then scores a Latin-script language with 13a again
    en = BleuMetric().score(ScoringInput(hyps=["the cat sat"], refs=["the cat sat"], hyp_lang="en", ref_lang="en"))
    assert "tok:13a" in en.signature
    # an explicit tokenizer wins over the language's
    char = BleuMetric(tokenize="char").score(ScoringInput(hyps=ZH_HYPS, refs=ZH_REFS, hyp_lang="zh", ref_lang="zh"))
    assert "tok:char" in char.signature


def test_bleu_without_its_tokenizer_package_is_unavailable_with_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    import eval.metrics.bleu as bleu_module

    real = bleu_module.BLEU

    def without_mecab(**kwargs: object) -> object:
        if kwargs.get("trg_lang") == "ja":  # what sacrebleu raises when mecab-python3 is missing
            raise RuntimeError("Japanese tokenization requires extra dependencies.\n  pip install sacrebleu[ja]")
        return real(**kwargs)

    monkeypatch.setattr(bleu_module, "BLEU", without_mecab)
    data = ScoringInput(hyps=["会議は明日です"], refs=["会議は明日です"], hyp_lang="ja", ref_lang="ja")
    result = BleuMetric().score(data)
    assert not result.available and result.corpus is None
    assert "pip install sacrebleu[ja]" in result.reason and "metric.bleu.tokenize=char" in result.reason


@pytest.mark.parametrize(
    ("lang", "tokenizer", "refs", "hyps"),
    [
        ("ja", "ja-mecab", ["会議は明日東京で開かれます。"], ["会議は明日東京で行われます。"]),
        ("ko", "ko-mecab", ["회의는 내일 서울에서 열립니다."], ["회의는 내일 서울에서 개최됩니다."]),
    ],
)
def test_japanese_and_korean_bleu_use_sacrebleus_mecab_tokenizers(
    lang: str, tokenizer: str, refs: list[str], hyps: list[str]
) -> None:
    import sacrebleu

    pytest.importorskip("MeCab" if lang == "ja" else "mecab_ko", reason=f"sacrebleu[{lang}] is not installed")
    result = BleuMetric().score(ScoringInput(hyps=hyps, refs=refs, hyp_lang=lang, ref_lang=lang))
    assert result.corpus == pytest.approx(sacrebleu.corpus_bleu(hyps, [refs], tokenize=tokenizer).score, abs=1e-9)
    assert f"tok:{tokenizer}" in result.signature
