"""The language layer: codes, sentence splitting for languages without curated rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.errors import InputError
from eval.languages.codes import language_info, nearest_code, normalize_code
from eval.languages.sentences import segment_lines, split_sentences, splitter_for
from eval.linealigned import load_line_aligned


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ("de", "de"),
        ("deu", "de"),
        ("ger", "de"),
        ("de_DE", "de-DE"),
        ("iw", "he"),
        ("zh-Hans", "zh-Hans"),
        ("cmn", "zh"),
    ],
)
def test_codes_are_normalised(given: str, code: str) -> None:
    assert normalize_code(given, "x") == code


@pytest.mark.parametrize(("given", "hint"), [("German", "de"), ("fr.", "fr"), ("frn", "fr"), ("Chinese", "zh")])
def test_a_bad_code_names_the_file_the_code_and_the_nearest_valid_one(given: str, hint: str) -> None:
    assert nearest_code(given) == hint
    with pytest.raises(InputError, match=rf"^m\.yaml: unknown language code '{given}'; did you mean '{hint}'\?"):
        normalize_code(given, "m.yaml")


@pytest.mark.parametrize("given", ["xx", "", "123", "und"])
def test_an_unknown_code_without_a_near_one_says_so(given: str) -> None:
    with pytest.raises(InputError, match=rf"m\.yaml: unknown language code '{given}'; use a BCP-47"):
        normalize_code(given, "m.yaml")


def test_script_and_direction_come_from_cldr() -> None:
    he, fa, zh, de = (language_info(c) for c in ("he", "fa", "zh-Hant", "de"))
    assert (he.script, he.rtl, he.cased) == ("Hebr", True, False)
    assert (fa.script, fa.rtl) == ("Arab", True)
    assert (zh.script, zh.rtl, zh.cased, zh.name) == ("Hant", False, False, "Chinese (Traditional)")
    assert (de.script, de.direction, de.cased, de.name) == ("Latn", "ltr", True, "German")


def test_german_and_chinese_split_with_a_library() -> None:
    assert splitter_for("de").kind == "pysbd"
    assert split_sentences("Herr Dr. Müller kam um 3 Uhr. Er ging nach Hause.", "de") == [
        "Herr Dr. Müller kam um 3 Uhr.",
        "Er ging nach Hause.",
    ]
    assert segment_lines(["我今天很高兴。你呢？", "我们走吧！"], "zh-Hans") == [
        "我今天很高兴。",
        "你呢？",
        "我们走吧！",
    ]


def test_curated_rules_win_for_their_languages() -> None:
    assert splitter_for("fr-CA").kind == "curated"
    assert split_sentences("M. Dupont est venu. Il est parti.", "fr") == ["M. Dupont est venu.", "Il est parti."]


def test_a_language_without_rules_of_its_own_gets_sentencex_fallback() -> None:
    # before: one sentence per line, so a Ukrainian paragraph of three sentences aligned 3-1 to its reference
    splitter = splitter_for("sw")
    assert splitter.kind == "sentencex" and "fallback" in splitter.note
    assert segment_lines(["Habari. Za asubuhi.", "Asante."], "sw") == ["Habari.", "Za asubuhi.", "Asante."]
    text = "Міністр заявив, що закон набуде чинності 1 січня. Він сказав це в Києві. Проф. Іванов погодився."
    assert split_sentences(text, "uk") == [
        "Міністр заявив, що закон набуде чинності 1 січня.",
        "Він сказав це в Києві.",
        "Проф. Іванов погодився.",
    ]


def test_thai_and_lao_sentences_end_at_a_space_between_words_of_the_script() -> None:
    # Thai writes no end mark: the space is the boundary. A space by a number or a Latin word is not.
    text = "คณะผู้แทนนำเสนอรายงาน ผู้เข้าร่วมรับรองปฏิญญา การประชุมครั้งต่อไปในปี 2031 ที่ Lyon\n\nหัวข้อ"
    assert splitter_for("th").kind == "spaces"
    assert split_sentences(text, "th") == [
        "คณะผู้แทนนำเสนอรายงาน",
        "ผู้เข้าร่วมรับรองปฏิญญา",
        "การประชุมครั้งต่อไปในปี 2031 ที่ Lyon",
        "หัวข้อ",
    ]
    assert split_sentences("ກອງປະຊຸມເປີດ ຄະນະຜູ້ແທນລາຍງານ", "lo") == ["ກອງປະຊຸມເປີດ", "ຄະນະຜູ້ແທນລາຍງານ"]


def _line_set(root: Path, src: str, ref: str, lines: dict[str, list[str]]) -> Path:
    for name, text in lines.items():
        (root / name).write_text("\n".join(text) + "\n", encoding="utf-8")
    (root / "manifest.yaml").write_text(
        f"format: lines\nsource: {{file: src.txt, lang: {src}}}\nreference: {{file: ref.txt, lang: {ref}}}\n"
        "systems:\n  - {name: sysA, file: sysA.txt}\n",
        encoding="utf-8",
    )
    return root


@pytest.mark.parametrize(("src", "ref", "want"), [("en", "de", ("en", "de")), ("deu", "en-US", ("de", "en-US"))])
def test_line_aligned_sets_with_a_german_or_an_english_reference_load(
    tmp_path: Path, src: str, ref: str, want: tuple[str, str]
) -> None:
    root = _line_set(tmp_path, src, ref, {"src.txt": ["a", "b"], "ref.txt": ["c", "d"], "sysA.txt": ["e", "f"]})
    data = load_line_aligned(root)
    assert (data.src_lang, data.ref_lang, data.systems[0].lang) == (*want, want[1])


def test_a_line_aligned_set_with_a_bad_code_names_the_manifest_and_the_part(tmp_path: Path) -> None:
    root = _line_set(tmp_path, "en", "English", {"src.txt": ["a"], "ref.txt": ["c"], "sysA.txt": ["e"]})
    with pytest.raises(
        InputError, match=r"manifest\.yaml: reference: unknown language code 'English'; did you mean 'en'"
    ):
        load_line_aligned(root)


def test_capability_table_for_a_language_without_apertium_or_curated_rules() -> None:
    from eval.languages.apertium_modes import Mode
    from eval.languages.capabilities import format_table, language_capabilities, pair_capabilities

    modes = [Mode("fr-es", "fr", "es"), Mode("es-fr", "es", "fr")]
    rows = {r.component: r for r in language_capabilities("sw", modes)}
    assert rows["sentence splitting"].available and "sentencex's fallback" in rows["sentence splitting"].detail
    assert rows["stop words"].detail == "stopwordsiso"
    assert not rows["number words"].available
    assert not rows["apertium"].available and rows["apertium"].detail == "no installed mode has this language"
    pair = {r.component: r for r in pair_capabilities("fr", "sw", modes)}
    assert not pair["bridge"].available and "no chain of installed apertium modes" in pair["bridge"].detail
    assert not pair["BLEU/chrF/TER"].available
    assert "sw→fr" in format_table(list(pair.values()))


def test_apertium_routes_are_searched_over_the_installed_modes() -> None:
    from eval.languages.apertium_modes import pair_modes, shortest_route

    modes = pair_modes(["fr-es", "es-fr", "eng-spa", "spa-eng", "spa-ita", "spa-eng_US", "eco-fr-es", "cat-spa"])
    assert {(m.src, m.tgt) for m in modes} == {
        ("fr", "es"),
        ("es", "fr"),
        ("en", "es"),
        ("es", "en"),
        ("es", "it"),
        ("ca", "es"),
    }
    route = shortest_route("ca", "it", modes)
    assert route is not None and [m.name for m in route] == ["cat-spa", "spa-ita"]
    assert shortest_route("it", "fr", modes) is None
    assert shortest_route("fr", "fr-CA", modes) is None


def test_the_capability_cli_prints_a_table_and_refuses_a_bad_code(capsys: pytest.CaptureFixture[str]) -> None:
    from eval.languages.__main__ import main

    assert main(["en", "de"]) == 0
    out = capsys.readouterr().out
    assert "de→en  bridge" in out and "pysbd rules for de" in out
    assert main(["xx"]) == 2
    assert "command line: unknown language code 'xx'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("code", "direction"), [("he", "rtl"), ("fa", "rtl"), ("ur", "rtl"), ("ar", "rtl"), ("de", "ltr")]
)
def test_hebrew_and_persian_are_right_to_left(code: str, direction: str) -> None:
    from eval.languages.codes import text_direction

    assert text_direction(code) == direction
    assert text_direction("not a code") == "ltr"
