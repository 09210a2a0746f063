"""Detectors on line-aligned input and with references that are not French (fake aligners, no model)."""

from __future__ import annotations

from eval.align.words import Word, WordLink
from eval.detectors.base import AlignedPair
from eval.detectors.names_numbers import NamesNumbersDetector, mid_sentence_capitals
from eval.detectors.omission_addition import OmissionAdditionDetector


def _word(text: str, w: str) -> Word:
    i = text.index(w)
    return Word(w, i, i + len(w))


def line_pair(ref: str, hyp: str, ref_lang: str = "en", hyp_lang: str = "en", i: int = 0) -> AlignedPair:
    """A pair as the line-aligned path builds it: one line each, similarity NaN (aligned by construction)."""
    return AlignedPair("sys", ref_lang, hyp_lang, (i,), (i,), ref, hyp, float("nan"))


def test_omission_planted_in_a_line_aligned_pair_is_found() -> None:
    ref = "The police closed the border near the old harbour bridge yesterday"
    hyp = "The police closed the border yesterday"

    def aligner(r: str, h: str) -> list[WordLink]:
        same = ["The", "police", "closed", "border", "yesterday"]
        return [WordLink(_word(r, w), _word(h, w), 0.9) for w in same if w in r and w in h]

    det = OmissionAdditionDetector(aligner=aligner, min_run=2)
    (span,) = det.detect([line_pair(ref, hyp)])
    assert (span.category, span.ref.text if span.ref else None) == ("accuracy/omission", "near the old harbour bridge")
    assert det.stats == {"pairs_examined": 1, "pairs_linked": 1}


def test_a_faithful_line_aligned_set_gives_no_span_and_says_how_many_pairs_it_examined() -> None:
    def aligner(r: str, h: str) -> list[WordLink]:
        return [WordLink(_word(r, w), _word(h, w), 0.9) for w in r.split() if w in h.split()]

    det = OmissionAdditionDetector(aligner=aligner, min_run=2)
    pairs = [line_pair("Die Polizei kam", "Die Polizei kam", "de", "de", i) for i in range(3)]
    assert det.detect(pairs) == []
    assert det.stats == {"pairs_examined": 3, "pairs_linked": 3}


ENGLISH = [
    "Just think about it for a second.",
    "(Laughter) Things are different now.",
    "I met Chris Anderson in Vancouver last year.",
    "and things just work, like the laughter of children.",
]


def test_english_reference_capitalised_words_are_not_names() -> None:
    hyps = ["Denk mal kurz nach.", "(Lachen) Die Dinge sind anders.", "Ich traf ihn letztes Jahr.", "und alles klappt."]
    det = NamesNumbersDetector(use_lexicon=False)
    spans = det.detect([line_pair(r, h, "en", "de", i) for i, (r, h) in enumerate(zip(ENGLISH, hyps, strict=True))])
    assert sorted(s.ref.text for s in spans if s.ref) == ["Chris Anderson", "Vancouver"]
    assert det.stats["pairs_examined"] == 4 and det.stats["names_by_capital"] == 1


def test_a_german_reference_capitalises_nouns_so_capitals_are_not_names() -> None:
    refs = [
        "Die Polizei hat die Grenze am Montag geschlossen, sagte der Sprecher der Stadt.",
        "Der Hafen und die Brücke bleiben bis auf Weiteres für den Verkehr zu.",
        "Nach Angaben der Behörden wurden in der Nacht mehrere Boote im Wasser gesehen.",
        "Die Fischer der Gegend warten seit Tagen auf eine Nachricht aus dem Rathaus.",
    ] * 3
    share, words = mid_sentence_capitals(refs)
    assert share > 0.18 and words >= 100
    det = NamesNumbersDetector(use_lexicon=False)
    pairs = [line_pair(r, "x y z", "de", "de", i) for i, r in enumerate(refs)]
    assert det.detect(pairs) == []
    assert det.stats["names_by_capital"] == 0


def test_numbers_are_checked_in_any_language_and_number_words_count() -> None:
    det = NamesNumbersDetector(use_lexicon=False)
    spans = det.detect(
        [
            line_pair("Es kamen 21 Leute und 300 Kinder.", "There came twenty-one people and 30 children.", "de", "en"),
            line_pair("我们有 3 个孩子。", "We have three children.", "zh", "en", 1),
        ]
    )
    # the version's 30 is none of the reference's numbers: the rendering of 300, linked to it
    assert [(s.ref.text if s.ref else None, s.hyp.text if s.hyp else None, s.category) for s in spans] == [
        ("300", "30", "accuracy/mistranslation")
    ]


def test_hebrew_and_persian_references_find_numbers_and_no_capital_names() -> None:
    det = NamesNumbersDetector(use_lexicon=False)
    spans = det.detect(
        [
            line_pair("המשטרה סגרה את הגבול ב-12 במאי.", "Police closed the border on May 13.", "he", "en"),
            line_pair("پلیس ۱۵ نفر را دستگیر کرد.", "Police arrested 14 people.", "fa", "en", 1),
        ]
    )
    assert [(s.ref.text if s.ref else None, s.hyp.text if s.hyp else None, s.category) for s in spans] == [
        ("ב-12", "13", "accuracy/mistranslation"),
        ("۱۵", "14", "accuracy/mistranslation"),
    ]
    assert det.stats["names_by_capital"] == 0


MEETING = [
    "The interior minister opened the meeting of police chiefs in Lyon.",
    "Abdellatif Hammouchi led the delegation to the meeting.",
    "The next meeting will take place in Cairo next year.",
]


def _names_missing(hyps: list[str], lang: str) -> list[str]:
    det = NamesNumbersDetector(use_lexicon=False)
    pairs = [line_pair(r, h, "en", lang, i) for i, (r, h) in enumerate(zip(MEETING, hyps, strict=True))]
    return sorted(s.ref.text for s in det.detect(pairs) if s.ref)


def test_names_written_in_another_script_are_found() -> None:
    # Each version writes the names in its own script; none is an omission.
    hindi = [
        "गृह मंत्री ने ल्यों में पुलिस प्रमुखों की बैठक का उद्घाटन किया।",
        "अब्देललतीफ़ हम्मूशी ने बैठक में प्रतिनिधिमंडल का नेतृत्व किया।",
        "अगली बैठक अगले साल काहिरा में होगी।",
    ]
    russian = [
        "Министр внутренних дел открыл совещание руководителей полиции в Лионе.",
        "Абдельлатиф Хаммуши возглавил делегацию на совещании.",
        "Следующее совещание состоится в Каире в следующем году.",
    ]
    greek = [
        "Ο υπουργός Εσωτερικών άνοιξε τη συνάντηση των αρχηγών της αστυνομίας στη Λυών.",
        "Ο Αμπντελατίφ Χαμούσι ηγήθηκε της αντιπροσωπείας στη συνάντηση.",
        "Η επόμενη συνάντηση θα πραγματοποιηθεί στο Κάιρο του χρόνου.",
    ]
    assert _names_missing(hindi, "hi") == []
    assert _names_missing(russian, "ru") == []
    assert _names_missing(greek, "el") == []


def test_a_name_replaced_in_another_script_is_still_missing() -> None:
    hindi = [
        "गृह मंत्री ने पेरिस में पुलिस प्रमुखों की बैठक का उद्घाटन किया।",  # Paris, not Lyon
        "एक अधिकारी ने बैठक में प्रतिनिधिमंडल का नेतृत्व किया।",  # the name left out
        "अगली बैठक अगले साल काहिरा में होगी।",
    ]
    assert _names_missing(hindi, "hi") == ["Hammouchi", "Lyon"]


def test_names_in_a_script_without_spaces_are_looked_for_inside_the_line() -> None:
    thai = [
        "รัฐมนตรีว่าการกระทรวงมหาดไทยเปิดการประชุมหัวหน้าตำรวจที่เมืองลียง",
        "อับเดลลาตีฟ ฮัมมูชี เป็นหัวหน้าคณะผู้แทนในการประชุม",
        "การประชุมครั้งต่อไปจะจัดขึ้นที่กรุงไคโรในปีหน้า",
    ]
    assert _names_missing(thai, "th") == []
    # The long name's consonants (hms...) are nowhere in a line that leaves it out; a name of two
    # consonants (Lyon: l-n) could sit in any line by chance, so it is not judged without words.
    thai[1] = "เจ้าหน้าที่คนหนึ่งเป็นหัวหน้าคณะผู้แทนในการประชุม"
    assert _names_missing(thai, "th") == ["Hammouchi"]


def test_words_of_abugidas_stay_whole() -> None:
    from eval.languages.stopwords import tokens

    assert [t for t, _, _ in tokens("अगली बैठक काहिरा में होगी।")] == ["अगली", "बैठक", "काहिरा", "में", "होगी"]
    assert [t for t, _, _ in tokens("কলকাতা শহর")] == ["কলকাতা", "শহর"]
    assert [t for t, _, _ in tokens("عرضًا جديدًا")] == ["عرضًا", "جديدًا"]


def test_mqm_word_count_counts_han_characters_and_latin_words() -> None:
    from eval.scoring.mqm import eval_word_count

    pairs = [
        line_pair("Le centre.", "参观指挥中心结束了第一天。", "fr", "zh", 0),  # 12 Han characters
        line_pair("La réunion de 2031.", "会议于2031年举行", "fr", "zh", 1),  # 会议于 + 2031 + 年举行
        line_pair("Un texte.", "A text of four words.", "fr", "en", 2),
    ]
    assert eval_word_count(pairs) == 12 + 7 + 5


def test_a_cyrillic_references_names_are_found_in_a_latin_version() -> None:
    refs = [
        "Министр открыл совещание руководителей полиции в Лионе.",
        "Следующее совещание состоится в Каире в следующем году.",
    ]
    det = NamesNumbersDetector(use_lexicon=False)

    def missing(hyps: list[str]) -> list[str]:
        pairs = [line_pair(r, h, "ru", "en", i) for i, (r, h) in enumerate(zip(refs, hyps, strict=True))]
        return sorted(s.ref.text for s in det.detect(pairs) if s.ref)

    # "Лионе" is the locative of Лион; both romanize to the skeleton of Lyon.
    assert missing(["The minister opened the meeting of police chiefs in Lyon.", "The next meeting is in Cairo."]) == []
    assert missing(["The minister opened the meeting of police chiefs in Paris.", "The next meeting is in Cairo."]) == [
        "Лионе"
    ]
