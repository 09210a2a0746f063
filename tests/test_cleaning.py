"""Cleaning the raw DGSN scrapes with the real corpus config: furniture goes, article text stays."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from eval.cleaning import (
    CleaningRule,
    DroppedLine,
    LanguageCheck,
    clean_text,
    language_check_from_config,
    rules_from_config,
)
from eval.errors import CleaningError, ConfigError
from eval.segmenting import segment_lines

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "data" / "corpora" / "dgsn-interpol-mena"
CONFIG = ROOT / "conf" / "corpus" / "dgsn-interpol-mena.yaml"
LANGS = ["fr", "es", "en", "ar", "it"]


@pytest.fixture(scope="module")
def cleaning_cfg() -> dict[str, Any]:
    cfg = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    return dict(cfg["cleaning"])


@pytest.fixture(scope="module")
def rules(cleaning_cfg: dict[str, Any]) -> list[CleaningRule]:
    return rules_from_config(cleaning_cfg["rules"])


@pytest.fixture(scope="module")
def language_check(cleaning_cfg: dict[str, Any]) -> LanguageCheck:
    check = language_check_from_config(cleaning_cfg["language_check"], LANGS)
    assert check is not None
    return check


def _raw(lang: str) -> str:
    return (CORPUS / f"{lang}.txt").read_text(encoding="utf-8")


def _raw_lines(lang: str, numbers: list[int]) -> list[str]:
    raw = _raw(lang).splitlines()
    return [raw[n - 1].strip() for n in numbers]


# Per language: the 1-based line numbers of the article text, the furniture lines, the rules that fire,
# the headline (or lead), the last sentence's ending, and the sentence count after segmentation.
CASES: dict[str, dict[str, Any]] = {
    "fr": {
        "article": [10, 12, 15, 19, 21, 23, 25, 27, 29],
        "furniture": [
            "Menu",
            "Search",
            "Lundi 25 Novembre 2024",
            "S'abonner",
            "close",
            "No Image",
            "Lisez nos e-Papers",
        ],
        "rules": {"site-navigation", "weekday-date", "subscribe-follow", "image-placeholder", "cookie-notice"},
        "headline": "Hammouchi prend part à la 8ème réunion d'Interpol des chefs de police de la région MENA",
        "first": "Le Directeur général de la Sûreté Nationale et de la Surveillance du Territoire, M. Abdellatif",
        "last": "du crime organisé et du terrorisme, conclut le communiqué.",
        "sentences": 9,
    },
    "es": {
        "article": [2, 3, 4, 5, 6, 7],
        "furniture": ["Bandera electrónica – Rabat"],
        "rules": {"site-name-dateline"},
        "headline": "Abdellatif Hammouchi, director general de Seguridad Nacional y Vigilancia Territorial,",
        "first": "Abdellatif Hammouchi, director general de Seguridad Nacional",
        "last": "para lograr la seguridad y la estabilidad globales.",
        "sentences": 8,
    },
    "en": {
        "article": [1, *range(3, 17)],
        "furniture": [
            "Your go-to source for in-depth coverage of political developments, economic trends, "
            "social affairs, and vibrant cultural stories from across the continent."
        ],
        "rules": {"site-tagline"},
        "headline": "Abdellatif Hammouchi, the Director General of National Security and Territorial",
        "first": "Abdellatif Hammouchi, the Director General",
        "last": "regional and international expansion of organized crime and terrorism.",
        "sentences": 15,
    },
    "ar": {
        "article": list(range(1, 9)),
        "furniture": [],
        "rules": {"subscribe-banner"},
        "headline": "شارك المدير العام للأمن الوطني ومراقبة التراب الوطني، عبد اللطيف حموشي",
        "first": "شارك المدير العام للأمن الوطني",
        "last": "الإقليمية والدولية للجريمة المنظمة والإرهاب.",
        "sentences": 8,
    },
    "it": {
        "article": list(range(11, 18)),
        "furniture": ["Seguici su Facebook", "Commenti (0)"],
        "rules": {"news-ticker", "subscribe-follow", "comment-counter"},
        "headline": "Il Marocco mette in mostra la sua competenza in materia di sicurezza all'ottavo incontro",
        "first": "Il massimo funzionario della sicurezza del Marocco, Abdellatif Hammouchi, ha partecipato",
        "last": "mantenere la sicurezza internazionale e combattere la criminalità transnazionale.",
        "sentences": 14,
    },
}


@pytest.mark.parametrize("lang", LANGS)
def test_real_document_keeps_exactly_the_article(
    lang: str, rules: list[CleaningRule], language_check: LanguageCheck
) -> None:
    case = CASES[lang]
    result = clean_text(f"{lang}.txt", _raw(lang), lang, rules, language_check, corpus="dgsn-interpol-mena")

    expected = _raw_lines(lang, case["article"])
    if lang == "ar":  # the English banner glued to paragraph 2 is cut, the Arabic text stays
        expected[1] = expected[1].removeprefix("Thank you for reading this post, don't forget to subscribe!")
        assert expected[1].startswith("ترأس حموشي وفد المملكة المغربية")
    assert result.lines == expected

    for furniture in case["furniture"]:
        assert furniture not in result.lines
    assert not any("cookie" in line.lower() or "subscribe" in line.lower() for line in result.lines)
    assert not any(line.startswith("- ") for line in result.lines)  # Italian ticker
    assert result.lines[0].startswith(case["headline"])
    assert any(line.startswith(case["first"]) for line in result.lines[:2])

    sentences = segment_lines(result.lines, lang)
    assert sentences[-1].endswith(case["last"])
    assert len(sentences) == case["sentences"]

    assert {d.rule for d in result.dropped} == case["rules"]
    raw_lines = _raw(lang).splitlines()
    for d in result.dropped:
        assert (d.document, d.lang) == (f"{lang}.txt", lang)
        assert d.text in raw_lines[d.line_no - 1]  # 1-based line numbers into the original text
        assert d.line_no not in case["article"] or d.action == "strip"


def test_fr_dropped_records_name_the_rules(rules: list[CleaningRule]) -> None:
    result = clean_text("fr.txt", _raw("fr"), "fr", rules, None)
    by_line = {d.line_no: (d.rule, d.action) for d in result.dropped}
    assert by_line == {
        1: ("site-navigation", "drop"),
        2: ("site-navigation", "drop"),
        3: ("weekday-date", "drop"),
        4: ("subscribe-follow", "drop"),
        5: ("site-navigation", "drop"),
        6: ("weekday-date", "drop"),
        7: ("site-navigation", "drop"),
        8: ("site-navigation", "drop"),
        14: ("image-placeholder", "drop"),
        30: ("subscribe-follow", "drop"),
        31: ("cookie-notice", "drop"),
    }
    assert result.dropped[-1].text.startswith("Nous utilisons des cookies")
    assert list(result.dropped[0].to_dict()) == ["document", "lang", "line_no", "rule", "action", "text"]


def test_ar_banner_strip_is_recorded(rules: list[CleaningRule]) -> None:
    result = clean_text("ar.txt", _raw("ar"), "ar", rules, None)
    assert result.dropped == [
        DroppedLine(
            "ar.txt",
            "ar",
            2,
            "subscribe-banner",
            "strip",
            "Thank you for reading this post, don't forget to subscribe!",
        )
    ]


@pytest.mark.parametrize(
    "line",
    [
        "Lundi 25 Novembre 2024",
        "mardi 3 septembre 2024",
        "Martes, 3 de septiembre de 2024",
        "Monday, September 2, 2024",
        "Tuesday 3 September 2024 - 10:45",
        "Lunedì 2 settembre 2024",
        "- 09:05Il Marocco rafforza la sua partnership",
        "Comments (12)",
        "Síguenos en Twitter",
        "Follow us on Instagram",
        "This website uses cookies to improve your experience.",
    ],
)
def test_rules_are_general_for_news_furniture(line: str, rules: list[CleaningRule]) -> None:
    assert [r for r in rules if r.action == "drop" and r.regex.search(line)], f"no rule drops {line!r}"


@pytest.mark.parametrize(
    "line",
    [
        "Lundi 25 novembre 2024, M. Hammouchi a présenté un exposé à Lyon.",
        "Le menu des discussions comprenait la cybercriminalité.",
        "Les cookies des navigateurs servent au pistage, a rappelé Interpol.",
        "Il Marocco ha evidenziato alle 17:00 i suoi progetti.",
        "Seguici su Facebook, ha detto il ministro, e su Twitter per le novità.",
    ],
)
def test_drop_rules_do_not_eat_article_like_sentences(line: str, rules: list[CleaningRule]) -> None:
    assert [r.name for r in rules if r.action == "drop" and r.regex.search(line)] == []


def test_language_check_drops_an_english_line_in_an_italian_doc(
    rules: list[CleaningRule], language_check: LanguageCheck
) -> None:
    english = "Thank you for reading our coverage of Moroccan security cooperation with Interpol."
    lines = _raw("it").splitlines()
    lines.insert(12, english)  # becomes line 13, between two article paragraphs
    result = clean_text("it.txt", "\n".join(lines), "it", rules, language_check)
    assert english not in result.lines
    assert DroppedLine("it.txt", "it", 13, "language:en", "drop", english) in result.dropped
    assert len(result.lines) == 7  # the article paragraphs all stay


def test_language_check_does_not_judge_short_lines(language_check: LanguageCheck) -> None:
    assert language_check.language_of("Seguici su Facebook") is None
    assert (
        language_check.language_of(
            "Il coinvolgimento del Marocco negli sforzi di sicurezza internazionale è stato riconosciuto."
        )
        == "it"
    )


def test_language_check_min_confidence_leaves_uncertain_lines() -> None:
    strict = LanguageCheck(LANGS, min_chars=5, min_confidence=1.0)
    assert strict.language_of("Interpol MENA Lyon Hammouchi DGSN 2024") is None


def test_language_check_config() -> None:
    assert language_check_from_config({"enabled": False}, LANGS) is None
    assert language_check_from_config({"enabled": True}, ["fr"]) is None
    assert language_check_from_config({"enabled": True}, ["fr", "tlh"]) is None  # lingua has no Klingon
    with pytest.raises(ConfigError, match=r"identifiable: fr\)"):
        LanguageCheck(["fr", "tlh"])
    german = LanguageCheck(["fr", "de"], min_chars=10)
    assert german.language_of("Die Polizei hat gestern die Grenze geschlossen.") == "de"


def test_blank_lines_are_dropped_silently() -> None:
    rules = [CleaningRule("menu", r"^Menu$")]
    result = clean_text("doc", "Menu\n\n   \nLe texte reste.\n", "fr", rules, None)
    assert result.lines == ["Le texte reste."]
    assert result.dropped == [DroppedLine("doc", "fr", 1, "menu", "drop", "Menu")]


def test_first_drop_wins_strips_accumulate_and_langs_restrict() -> None:
    rules = [
        CleaningRule("banner", r"^\[AD\]\s*", action="strip"),
        CleaningRule("es-only", r"texto", langs=["es"]),
        CleaningRule("first", r"^Publicité"),
        CleaningRule("second", r"Publicité"),
    ]
    text = "[AD] Publicité\n[AD] Le texto reste.\nLe lead."
    result = clean_text("doc", text, "fr", rules, None)
    assert result.lines == ["Le texto reste.", "Le lead."]
    assert [(d.line_no, d.rule, d.action, d.text) for d in result.dropped] == [
        (1, "banner", "strip", "[AD] "),
        (1, "first", "drop", "Publicité"),
        (2, "banner", "strip", "[AD] "),
    ]


def test_bad_regex_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"'broken'.*invalid regex.*missing \)"):
        rules_from_config([{"name": "broken", "pattern": "(Menu|Search"}])


@pytest.mark.parametrize(
    ("cfg", "message"),
    [
        ([{"name": "x", "pattern": "a", "action": "delete"}], "unknown action 'delete'"),
        ([{"name": "x"}], "needs 'name' and 'pattern'"),
        ([{"name": "x", "pattern": "a", "langs": ["xx"]}], "unknown language code 'xx'"),
        ([{"name": "x", "pattern": "a"}, {"name": "x", "pattern": "b"}], "defined twice"),
        ([{"name": "x", "pattern": "a", "flags": "i"}], "unknown key"),
    ],
)
def test_invalid_rule_configs(cfg: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        rules_from_config(cfg)


def test_all_boilerplate_document_is_a_cleaning_error(rules: list[CleaningRule]) -> None:
    text = "Menu\nLundi 25 Novembre 2024\n\nLisez nos e-Papers\n"
    with pytest.raises(CleaningError) as info:
        clean_text("fr.txt", text, "fr", rules, None, corpus="dgsn-interpol-mena")
    message = str(info.value)
    assert message.startswith("fr.txt: all 3 lines were dropped as boilerplate")
    assert "site-navigation, subscribe-follow, weekday-date" in message
    assert "conf/corpus/dgsn-interpol-mena.yaml" in message


def test_empty_document_is_a_cleaning_error() -> None:
    with pytest.raises(CleaningError, match="no text"):
        clean_text("empty.txt", "\n  \n", "fr", [], None)
