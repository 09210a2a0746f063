"""Word alignment: tokenization, Itermax on synthetic matrices (fast), e5 on the dgsn corpus (slow)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from eval.align.words import (
    Word,
    align_words,
    align_words_from_states,
    itermax,
    links_by_ref,
    mutual_argmax,
    words_of,
)
from eval.embedders.base import TokenStates
from eval.errors import ConfigError

E5_DIR = Path(__file__).resolve().parents[1] / "models" / "multilingual-e5-small"


def test_words_of_splits_elisions_and_keeps_hyphens_and_numbers() -> None:
    text = "les menaces d’enrôlement de l'OIPC qu'Interpol, la plate-forme, 3,5 et 1.000 dell'Interpol."
    assert [w.text for w in words_of(text)] == [
        "les", "menaces", "d’", "enrôlement", "de", "l'", "OIPC", "qu'", "Interpol", "la",
        "plate-forme", "3,5", "et", "1.000", "dell'", "Interpol",
    ]  # fmt: skip
    for w in words_of(text):
        assert text[w.start : w.end] == w.text


def test_words_of_keeps_arabic_words_with_diacritics_whole() -> None:
    text = "قدم الوفد عرضًا شاملًا يومي 3 و4 شتنبر"
    assert [w.text for w in words_of(text)] == ["قدم", "الوفد", "عرضًا", "شاملًا", "يومي", "3", "و4", "شتنبر"]


def test_words_of_keeps_english_possessives_and_names() -> None:
    assert [w.text for w in words_of("INTERPOL’s O'Brien don't")] == ["INTERPOL’s", "O'Brien", "don't"]


def test_mutual_argmax_and_itermax_on_a_synthetic_matrix() -> None:
    sim = np.array(
        [
            [0.9, 0.1, 0.1, 0.1],
            [0.1, 0.8, 0.7, 0.1],
            [0.1, 0.75, 0.2, 0.1],
            [0.1, 0.1, 0.1, 0.6],
        ]
    )
    assert sorted(zip(*np.nonzero(mutual_argmax(sim)), strict=True)) == [(0, 0), (1, 1), (3, 3)]
    # Round two (worked by hand from simalign's iter_max): row 2 and column 2 were left over;
    # each takes its best partner among the half-masked (alpha 0.9) aligned ones.
    assert sorted(zip(*np.nonzero(itermax(sim)), strict=True)) == [(0, 0), (1, 1), (1, 2), (2, 1), (3, 3)]
    assert sorted(zip(*np.nonzero(itermax(sim, max_count=1)), strict=True)) == [(0, 0), (1, 1), (3, 3)]


def _states(text: str, vectors: list[list[float]], spans: list[tuple[int, int]]) -> TokenStates:
    return TokenStates(text=text, vectors=np.asarray(vectors, dtype=float), offsets=spans)


def test_subword_links_map_to_words_with_the_max_similarity() -> None:
    ref = _states("le drone", [[1, 0, 0], [0, 1, 0], [0, 0.9, 0.1]], [(0, 2), (3, 6), (6, 8)])
    hyp = _states("el dron", [[1, 0.1, 0], [0, 1, 0.05]], [(0, 2), (3, 7)])
    links = align_words_from_states(ref, hyp, "mutual_argmax")
    assert [(lk.ref.text, lk.hyp.text) for lk in links] == [("le", "el"), ("drone", "dron")]
    assert links[1].similarity == pytest.approx(1 / np.sqrt(1.0025), abs=1e-6)
    assert links_by_ref(links)[Word("drone", 3, 8)][0].hyp == Word("dron", 3, 7)


def test_unknown_method_is_a_config_error() -> None:
    s = _states("a", [[1.0]], [(0, 1)])
    with pytest.raises(ConfigError, match="unknown word alignment method"):
        align_words_from_states(s, s, "argmax")  # type: ignore[arg-type]


@pytest.mark.slow
@pytest.mark.skipif(not (E5_DIR / "model.safetensors").is_file(), reason=f"e5 model not built at {E5_DIR}")
def test_e5_links_the_mistranslations_in_the_aligned_beads() -> None:
    from test_align_sentences import aligned_corpus, corpus_sentences

    from eval.embedders.e5 import E5Embedder

    embedder = E5Embedder(model_dir=str(E5_DIR))
    sents = corpus_sentences()
    ref_id = next(i for i, s in enumerate(sents["fr"]) if "enrôlement" in s)
    expected = {
        "es": {"enrôlement": "congelación", "drones": "aviones"},
        "en": {"enrôlement": "recruitment", "drones": "drones"},
        "it": {"enrôlement": "reclutamento", "drones": "droni"},
        "ar": {"enrôlement": "التجنيد"},
    }
    beads = aligned_corpus("e5")
    for lang, wanted in expected.items():
        bead = next(b for b in beads[lang][0] if ref_id in b.ref_ids)
        ref_text = " ".join(sents["fr"][i] for i in bead.ref_ids)
        hyp_text = " ".join(sents[lang][j] for j in bead.hyp_ids)
        by_ref = links_by_ref(align_words(ref_text, hyp_text, embedder))
        for ref_word, hyp_word in wanted.items():
            got = [lk.hyp.text for w, lks in by_ref.items() if w.text == ref_word for lk in lks]
            print(f"e5 fr-{lang}: {ref_word} -> {got}")
            assert any(hyp_word in g for g in got), (lang, ref_word, got)


def test_subwords_map_to_the_word_they_overlap_most() -> None:
    from eval.align.words import _word_index

    words = [Word("l'", 0, 2), Word("enrôlement", 2, 12), Word("de", 13, 15)]
    # "▁l'en" straddles two words (2 characters of "l'", 2 of "enrôlement": the first wins), "rôle", the
    # space alone, "ment", "de" and a special token with no characters
    offsets = [(0, 4), (4, 8), (12, 13), (8, 12), (13, 15), (0, 0)]
    assert _word_index(words, offsets).tolist() == [0, 1, -1, 1, 2, -1]
    assert _word_index([], offsets).tolist() == [-1] * 6


def test_word_vectors_are_unit_means_of_the_overlapping_subwords() -> None:
    from eval.detectors.wordlinks import word_vectors
    from eval.embedders.base import TokenStates

    st = TokenStates(
        "drones aériens", np.array([[3.0, 0.0], [0.0, 1.0], [1.0, 1.0]], np.float32), [(0, 3), (3, 6), (7, 14)]
    )
    got = word_vectors(st, [(0, 6), (7, 14), (6, 7), (0, 3)])
    assert np.allclose(got, [[0.9486833, 0.3162278], [0.7071068, 0.7071068], [0.0, 0.0], [1.0, 0.0]])
    assert word_vectors(st, []).shape == (0, 2)


def test_words_of_gives_each_han_and_kana_character_a_unit_and_keeps_latin_runs() -> None:
    zh = "我们今天去了北京，买了3本book。"
    assert [w.text for w in words_of(zh)] == [
        "我",
        "们",
        "今",
        "天",
        "去",
        "了",
        "北",
        "京",
        "买",
        "了",
        "3",
        "本",
        "book",
    ]
    ja = "私は東京タワーに行きました"
    assert [w.text for w in words_of(ja)][:7] == ["私", "は", "東", "京", "タ", "ワ", "ー"]
    assert [w.text for w in words_of("COVID-19疫情 한국어 문장")] == [
        "COVID-19",
        "疫",
        "情",
        "한국어",
        "문장",
    ]  # Hangul: spaced
    for text in (zh, ja):
        for w in words_of(text):
            assert text[w.start : w.end] == w.text


def test_chinese_departures_are_the_changed_characters_not_the_clause() -> None:
    from eval.detectors.reference_edits import absent_runs

    ref, hyp = words_of("我们今天去了北京。"), words_of("我们昨天去了上海。")
    assert [[hyp[i].text for i in run] for run in absent_runs(hyp, ref)] == [["昨"], ["上", "海"]]


@pytest.mark.skipif(not (E5_DIR / "tokenizer.json").is_file(), reason="e5 not converted (make setup)")
def test_e5_subwords_of_chinese_give_every_character_unit_a_vector() -> None:
    """XLM-R's pieces span several Han characters ("▁我们"); a unit inside a piece takes that piece's state
    (``word_vectors``, what reference_edits reads), so no unit is left without a vector."""
    from tokenizers import Tokenizer

    from eval.detectors.wordlinks import word_vectors

    text = "我们去了北京 and Paris"
    words = words_of(text)
    offsets = Tokenizer.from_file(str(E5_DIR / "tokenizer.json")).encode(text).offsets
    assert any(end - start > 1 for start, end in offsets[1:3])  # multi-character pieces: the case tested
    states = TokenStates(text, np.eye(len(offsets), dtype=np.float32), offsets)
    vecs = word_vectors(states, [(w.start, w.end) for w in words])
    assert (np.linalg.norm(vecs, axis=1) > 0.99).all()
    assert np.allclose(vecs[0], vecs[1])  # 我 and 们 share the piece 我们


def test_words_of_cuts_thai_lao_and_khmer_into_dictionary_words() -> None:
    from eval.align.words import words_of

    thai = "รัฐมนตรีว่าการกระทรวงมหาดไทยเปิดการประชุม"
    words = words_of(thai)
    assert [w.text for w in words] == ["รัฐมนตรี", "ว่าการ", "กระทรวง", "มหาดไทย", "เปิด", "การ", "ประชุม"]
    assert all(thai[w.start : w.end] == w.text for w in words)
    assert [w.text for w in words_of("ກອງປະຊຸມຄັ້ງຕໍ່ໄປ")] == ["ກອງ", "ປະຊຸມ", "ຄັ້ງ", "ຕໍ່ໄປ"]
    assert [w.text for w in words_of("កិច្ចប្រជុំបន្ទាប់")] == ["កិច្ចប្រជុំ", "បន្ទាប់"]
    # offsets stay those of the whole text, with other words around
    mixed = "Lyon ลียง 2031"
    assert [(w.text, w.start) for w in words_of(mixed)] == [("Lyon", 0), ("ลียง", 5), ("2031", 10)]
