"""Sentence splitting on the DGSN corpus's own sentences (fr, es, en, it, ar)."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.segmenting import segment_lines, split_sentences

CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpora" / "dgsn-interpol-mena"


def _lines(lang: str, first: int, last: int) -> list[str]:
    """Non-blank lines first..last (1-based, inclusive) of a corpus file."""
    raw = (CORPUS / f"{lang}.txt").read_text(encoding="utf-8").splitlines()
    return [line for line in raw[first - 1 : last] if line.strip()]


# --- French ---------------------------------------------------------------------------------------

FR_LEAD = (
    "Le Directeur général de la Sûreté Nationale et de la Surveillance du Territoire, M. Abdellatif "
    "Hammouchi, a pris part, les 3 et 4 septembre, à la 8ème réunion d'Interpol des chefs de police de "
    "la région du Moyen-Orient et de l'Afrique du Nord (MENA), tenue au siège de l'Organisation "
    "internationale de police criminelle (OIPC) à Lyon."
)


def test_fr_title_m_before_name_is_not_a_boundary() -> None:
    assert split_sentences(FR_LEAD, "fr") == [FR_LEAD]


def test_fr_sentence_starting_with_m_after_a_sentence() -> None:
    text = (
        "En marge de cette réunion, M. Hammouchi a eu un entretien avec le nouveau directeur de la "
        "Direction de la cybercriminalité d'Interpol, Neal Jetton. M. Hammouchi a aussi effectué une "
        "visite au Centre de commandement et de coordination d'Interpol."
    )
    sentences = split_sentences(text, "fr")
    assert len(sentences) == 2
    assert sentences[0].endswith("Neal Jetton.")
    assert sentences[1].startswith("M. Hammouchi a aussi effectué")


def test_fr_other_titles_and_ordinals() -> None:
    text = "Mme Dupont et MM. Martin et Dr Durand ont assisté à la 8e réunion avec le Dr. Benali à Lyon."
    assert split_sentences(text, "fr") == [text]


@pytest.mark.parametrize("closing", ["»", " »", "»)"])
def test_fr_closing_quotes_stay_with_the_sentence(closing: str) -> None:
    first = (
        "« La délégation marocaine a présenté un exposé sur l'utilisation abusive des nouvelles "
        f"technologies à des fins criminelles ou terroristes.{closing}"
    )
    second = "Lors de cette réunion, la délégation marocaine a également eu des entretiens bilatéraux."
    assert split_sentences(f"{first} {second}", "fr") == [first, second]


def test_fr_etc_p_ex_and_numbers() -> None:
    text = (
        "Les menaces (drones, crypto-monnaies, etc. Interpol les recense) coûtent 3.5 millions, "
        "p.ex. à Lyon, soit 1.000 euros par jour selon www.interpol.int et contact@dgsn.gov.ma."
    )
    assert split_sentences(text, "fr") == [text]


def test_fr_etc_before_sentence_opener_ends_the_sentence() -> None:
    text = "Drones, crypto-monnaies, etc. Le lendemain, M. Hammouchi a visité le Centre."
    assert split_sentences(text, "fr") == [
        "Drones, crypto-monnaies, etc.",
        "Le lendemain, M. Hammouchi a visité le Centre.",
    ]


def test_fr_whole_article_has_nine_sentences() -> None:
    # headline + the eight article paragraphs (line 14 is the "No Image" placeholder)
    lines = [line for line in _lines("fr", 10, 29) if line != "No Image"]
    sentences = segment_lines(lines, "fr")
    assert len(sentences) == 9
    assert sentences[0].startswith("Hammouchi prend part à la 8ème réunion")
    assert sentences[1] == FR_LEAD
    assert sentences[-1].endswith("conclut le communiqué.")


# --- Spanish --------------------------------------------------------------------------------------


def test_es_sr_and_sra_are_not_boundaries() -> None:
    text = (
        "El Sr. Abdellatif Hammouchi encabezó la delegación del Reino de Marruecos, y la Sra. Pérez "
        "y los Sres. Gómez y Ruiz de Interpol Inc. participaron en la reunión."
    )
    assert split_sentences(text, "es") == [text]


def test_es_period_before_lowercase_word_is_kept_inside() -> None:
    (line,) = _lines("es", 5, 5)
    assert "el combate. delincuencia transfronteriza" in line
    assert split_sentences(line, "es") == [line]


def test_es_paragraph_with_two_sentences() -> None:
    (line,) = _lines("es", 3, 3)
    sentences = split_sentences(line, "es")
    assert len(sentences) == 2
    assert sentences[0].endswith("Somalia, Sudán y Mauritania.")
    assert sentences[1].startswith("Durante la reunión, los servicios de seguridad marroquíes")


def test_es_inverted_marks() -> None:
    text = "¿Quién encabezó la delegación? ¡Hammouchi! El Sr. Hammouchi viajó a Lyon."
    assert split_sentences(text, "es") == [
        "¿Quién encabezó la delegación?",
        "¡Hammouchi!",
        "El Sr. Hammouchi viajó a Lyon.",
    ]


def test_es_whole_article_has_eight_sentences() -> None:
    sentences = segment_lines(_lines("es", 2, 7), "es")
    assert len(sentences) == 8
    assert sentences[-1].endswith("la seguridad y la estabilidad globales.")


# --- English --------------------------------------------------------------------------------------


def test_en_titles_initials_and_company_abbreviations() -> None:
    text = (
        "Mr. Hammouchi met Dr. Smith, Mrs. Jones, Ms. Lee and J. F. Kennedy of Acme Inc. Ltd. near "
        "St. Paul in room No. 5 at INTERPOL headquarters in Lyon, France."
    )
    assert split_sentences(text, "en") == [text]


def test_en_two_corpus_sentences_and_ellipsis() -> None:
    text = (
        "The Moroccan delegation delivered a comprehensive presentation on sharing expertise and "
        "information related to combating cybercrime and its evolving forms. The presentation "
        "underscored the growing threats… During the meeting, INTERPOL showcased a variety of solutions!"
    )
    sentences = split_sentences(text, "en")
    assert [s.split()[0] for s in sentences] == ["The", "The", "During"]
    assert sentences[1].endswith("threats…")


def test_en_every_line_is_one_sentence() -> None:
    lines = _lines("en", 1, 16)
    assert segment_lines(lines, "en") == lines


# --- Italian --------------------------------------------------------------------------------------


def test_it_paragraph_with_three_sentences_and_ordinal() -> None:
    (line,) = _lines("it", 16, 16)
    sentences = split_sentences(line, "it")
    assert len(sentences) == 3
    assert sentences[0].endswith("riconosciuto dall'Interpol.")
    assert sentences[1].startswith("A maggio, l'organizzazione")
    assert "la 93a Assemblea generale dell'Interpol a Marrakech nel 2025" in sentences[2]


def test_it_whole_article_has_fourteen_sentences() -> None:
    sentences = segment_lines(_lines("it", 11, 17), "it")
    assert len(sentences) == 14
    assert sentences[0].startswith("Il Marocco mette in mostra")
    assert sentences[-1].endswith("combattere la criminalità transnazionale.")


# --- Arabic ---------------------------------------------------------------------------------------


def test_ar_comma_and_semicolon_end_nothing() -> None:
    (line,) = _lines("ar", 1, 1)
    assert line.count("،") >= 3
    assert split_sentences(line, "ar") == [line]
    text = "ناقش الاجتماع الجريمة المنظمة؛ والتدفقات المالية، والإرهاب."
    assert split_sentences(text, "ar") == [text]


def test_ar_question_mark_full_stop_and_period_end_sentences() -> None:
    first, third = _lines("ar", 1, 1)[0], _lines("ar", 3, 3)[0]
    question = "هل شارك حموشي في الاجتماع؟"
    urdu_stop = "نعم شارك في ليون۔"
    sentences = split_sentences(f"{first} {question} {urdu_stop} {third}", "ar")
    assert sentences == [first, question, urdu_stop, third]


def test_ar_whole_document_has_eight_sentences() -> None:
    assert len(segment_lines(_lines("ar", 1, 8), "ar")) == 8


# --- API ------------------------------------------------------------------------------------------


def test_segment_lines_keeps_headlines_and_skips_blank_lines() -> None:
    lines = ["Hammouchi prend part à la 8ème réunion d'Interpol", "   ", "", FR_LEAD]
    assert segment_lines(lines, "fr") == ["Hammouchi prend part à la 8ème réunion d'Interpol", FR_LEAD]


def test_blank_line_is_a_hard_break_in_split_sentences() -> None:
    text = "Hammouchi prend part à la réunion\n\nLe Directeur général a pris part\nà la réunion."
    assert split_sentences(text, "fr") == [
        "Hammouchi prend part à la réunion",
        "Le Directeur général a pris part\nà la réunion.",
    ]
