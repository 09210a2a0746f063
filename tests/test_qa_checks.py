"""The mechanical QA checks (eval/detectors/qa_checks.py): each check finds its slip, leaves the right text alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.detectors.base import AlignedPair, Span
from eval.detectors.evaluate import load_beads
from eval.detectors.qa_checks import CHECKS, QAChecksDetector, end_punctuation, placeholders, unpaired_brackets
from eval.errors import ConfigError

DATA = Path(__file__).resolve().parent / "data"


def _pair(ref: str, hyp: str, ref_lang: str = "fr", hyp_lang: str = "es") -> AlignedPair:
    return AlignedPair("v", ref_lang, hyp_lang, (0,), (0,), ref, hyp, 0.9)


def _found(ref: str, hyp: str, check: str, **langs: str) -> list[Span]:
    return QAChecksDetector(checks=[check]).detect([_pair(ref, hyp, **langs)])


def test_repeated_word_is_a_minor_fluency_span_over_both_words() -> None:
    (span,) = _found("Le chat dort.", "El el gato duerme.", "repeated_word")
    assert (span.category, span.severity, span.hyp) == ("fluency", "minor", span.hyp)
    assert span.hyp is not None and (span.hyp.text, span.hyp.start, span.hyp.end) == ("El el", 0, 5)
    assert span.evidence == {"check": "repeated_word"}


def test_repetition_the_reference_has_too_is_not_flagged() -> None:
    assert not _found("Nous nous sommes vus.", "Nous nous sommes revus.", "repeated_word", hyp_lang="fr")
    assert not _found("Page 10 10.", "Página 10 10.", "repeated_word")  # numbers: lists, not slips
    assert not _found("Le thé.", "The theory.", "repeated_word")  # a prefix is not a repetition


def test_unpaired_bracket_only_when_the_reference_pairs_its_own() -> None:
    (span,) = _found("Voir (annexe).", "Ver (anexo.", "unpaired_bracket")
    assert span.hyp is not None and (span.hyp.text, span.hyp.start) == ("(", 4)
    assert not _found("Voir (annexe.", "Ver (anexo.", "unpaired_bracket")
    assert not _found("Voir [annexe (a)].", "Ver [anexo (a)].", "unpaired_bracket")
    assert unpaired_brackets("a) b ( c [d]") == [1, 5]


def test_final_punctuation_by_what_it_says_across_scripts() -> None:
    assert end_punctuation(hyp="¿De verdad?", ref="Vraiment ?") is None
    assert end_punctuation(hyp="Is it true?", ref="هل هذا صحيح؟") is None  # Arabic question mark
    assert end_punctuation(hyp="终于结束了。", ref="C'est fini.") is None  # CJK full stop
    assert end_punctuation(hyp="«¡No!»", ref="« Non ! »") is None  # closing quotes skipped
    assert end_punctuation(hyp="Título.", ref="Titre") is None  # a reference with no mark asks nothing
    found = end_punctuation(hyp="De verdad.", ref="Vraiment ?")
    assert found is not None and found[1:] == ("statement", "question") and found[0].text == "."
    found = end_punctuation(hyp="Está allí", ref="Il est là.")
    assert found is not None and found[1] == "none" and found[0].text == "allí"  # the last word


def test_mixed_script_word_names_its_alphabets() -> None:
    (span,) = _found("Texte.", "T\u0435xto.", "mixed_script")  # Cyrillic е inside a Latin word
    assert span.evidence["scripts"] == ["CYRILLIC", "LATIN"]
    assert not _found("Texte.", "Текст и text.", "mixed_script", hyp_lang="ru")
    assert not _found("Texte.", "東京タワー。", "mixed_script", hyp_lang="ja")  # Han + Katakana is Japanese


def test_words_in_another_script_are_untranslated() -> None:
    ref = "Сотрудничество между странами необходимо."
    (span,) = _found(ref, "Cooperation между странами необходимо.", "foreign_script", ref_lang="ru", hyp_lang="ru")
    assert (span.category, span.severity, span.hyp.text if span.hyp else None) == (
        "accuracy/untranslated",
        "minor",
        "Cooperation",
    )
    (run,) = _found("Встреча в Лионе.", "Встреча in the city of Lyon.", "foreign_script", ref_lang="ru", hyp_lang="ru")
    assert run.hyp is not None and run.hyp.text == "in the city of Lyon"  # one span for the run
    # what the reference writes in Latin too, acronyms, short words, placeholders and tags are no findings
    kept = "Apple выпустила iPhone и NATO {name} <b>км</b> ok."
    assert not _found("Apple выпустила iPhone.", kept, "foreign_script", hyp_lang="ru")
    assert not _found(
        "Nous utilisons le machine learning.", "我们使用 machine learning。", "foreign_script", hyp_lang="zh"
    )
    en = "The company plans to open a new factory."
    (han,) = _found(en, "The company plans to open a new 工厂.", "foreign_script", ref_lang="en", hyp_lang="en")
    assert han.hyp is not None and han.hyp.text == "工厂"
    assert not _found("Le ministre عبد اللطيف.", "The minister عبد اللطيف.", "foreign_script", hyp_lang="en")
    assert not _found("Le chat.", "El gato.", "foreign_script")
    assert not _found("Le chat.", "Cooperation ᏣᎳᎩ.", "foreign_script", hyp_lang="chr")  # a script not in the table


def test_mojibake_is_found_and_its_repair_given() -> None:
    (span,) = _found("C'est l'été.", "C'est l'Ã©tÃ©.", "mojibake", hyp_lang="fr")
    assert span.evidence["repaired"] == "l'été."
    (span,) = _found("Prix.", "Precio \ufffd.", "mojibake")
    assert span.hyp is not None and span.hyp.text == "\ufffd."
    assert not _found("Été.", "Verão, naïve café, Straße, مرحبا, 第8次会议.", "mojibake")


def test_missing_placeholder_is_a_major_omission_linked_to_the_reference() -> None:
    found = _found("Cliquez sur {0} pour <b>%s</b>.", "Haga clic para <b>%s</b> {1}.", "placeholder")
    kinds = {(s.category, s.severity, (s.ref or s.hyp).text) for s in found if (s.ref or s.hyp)}
    assert kinds == {("accuracy/omission", "major", "{0}"), ("accuracy/addition", "major", "{1}")}
    omission = next(s for s in found if s.category == "accuracy/omission")
    assert omission.hyp is None and omission.ref is not None and omission.ref.start == 12
    assert not _found("Bonjour {name}, %1$d messages.", "Hola {name}, %1$d mensajes.", "placeholder")
    assert placeholders("a <br/> b </i> %d ${x} {{ y }}") == {"<br/>": 1, "</i>": 1, "%d": 1, "${x}": 1, "{{ y }}": 1}


def test_beads_without_text_on_both_sides_are_skipped() -> None:
    det = QAChecksDetector()
    assert not det.detect([_pair("", "El el gato"), _pair("Le chat.", "  ")])


def test_unknown_check_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown \\['spelling'\\]"):
        QAChecksDetector(checks=["spelling"])
    assert QAChecksDetector().checks == list(CHECKS)


def test_no_false_alarm_on_the_dgsn_versions() -> None:
    """The DGSN gold beads (four scraped versions of one communiqué, French reference): none of these slips
    is there and none of the annotated errors is of these kinds, so every span would be a false alarm."""
    beads = load_beads(DATA / "dgsn_aligned_beads.jsonl")
    det = QAChecksDetector()
    assert [s for system in sorted(beads) for s in det.detect(beads[system])] == []


def test_xliff_write_back_gives_each_check_its_its_type() -> None:
    from eval.formats.writeback import its_comment, its_type

    (repeat,) = _found("Le chat.", "El el gato.", "repeated_word")
    (omitted,) = _found("Cliquez {0}.", "Haga clic.", "placeholder")
    assert (its_type(repeat), its_type(omitted)) == ("duplication", "markup")
    assert "qa_checks repeated_word" in its_comment(repeat)
    other = Span("v", "es", [0], [0], repeat.hyp, None, "fluency", "minor", "xcomet_spans", 0.5, {"check": "x"})
    assert its_type(other) == "grammar"  # another detector's evidence is not read as a QA check


def test_thai_and_lao_need_no_final_mark_and_other_scripts_marks_count() -> None:
    det = QAChecksDetector(checks=["end_punctuation"])
    ref = "The next meeting will take place in Cairo next year."
    assert det.detect([_pair(ref, "การประชุมครั้งต่อไปจะจัดขึ้นที่กรุงไคโรในปีหน้า", "en", "th")]) == []
    assert det.detect([_pair(ref, "ກອງປະຊຸມຄັ້ງຕໍ່ໄປຈະຈັດຂຶ້ນຢູ່ໄຄໂຣ", "en", "lo")]) == []
    assert det.detect([_pair(ref, "កិច្ចប្រជុំបន្ទាប់នឹងធ្វើឡើងនៅទីក្រុងគែរ។", "en", "km")]) == []
    assert det.detect([_pair(ref, "अगली बैठक अगले साल काहिरा में होगी॥", "en", "hi")]) == []
    (span,) = det.detect([_pair(ref, "अगली बैठक अगले साल काहिरा में होगी", "en", "hi")])
    assert span.hyp is not None and span.hyp.text == "होगी"  # the whole last word, not its consonant


def test_a_missing_final_mark_in_chinese_marks_the_last_character() -> None:
    det = QAChecksDetector(checks=["end_punctuation"])
    (span,) = det.detect([_pair("与会者通过了一项联合声明。", "与会者拒绝了一项联合声明", "zh", "zh")])
    assert span.hyp is not None and span.hyp.text == "明"
