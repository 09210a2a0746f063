"""ApertiumTranslator: real Apertium (integration) plus fake binaries for the error paths."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest

from eval.cache import Cache
from eval.errors import ConfigError, MissingApertiumError, ResourceError
from eval.translators.apertium import ApertiumTranslator, install_hint, strip_marks

CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpora" / "dgsn-interpol-mena"
HAVE_APERTIUM = shutil.which("apertium") is not None
needs_apertium = pytest.mark.skipif(not HAVE_APERTIUM, reason="apertium is not installed")


def fake_apertium(tmp_path: Path, modes: str, body: str = "cat") -> str:
    """A stand-in `apertium`: `-l` lists ``modes``; otherwise runs ``body`` on stdin."""
    script = tmp_path / "apertium"
    script.write_text(f'#!/bin/sh\nif [ "$1" = "-l" ]; then printf "{modes}"; exit 0; fi\n{body}\n', encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


# -- pure helpers ---------------------------------------------------------------------------------
def test_strip_marks_without_literals() -> None:
    assert strip_marks("x", "las amenazas de *enrôlement y *drone-test, #ser @prendre") == (
        "las amenazas de enrôlement y drone-test, ser prendre",
        ["enrôlement", "drone-test", "ser", "prendre"],
    )


def test_strip_marks_keeps_literal_mark_characters() -> None:
    src = "Il a dit @Jean et *important* et #hashtag a@b.com 5*3 *enrôlement"
    out = "Ha dicho @Jean y *de entidad* y #*hashtag a@b.com 5*3 **enrôlement"
    clean, words = strip_marks(src, out)
    assert clean == "Ha dicho @Jean y *de entidad* y #hashtag a@b.com 5*3 *enrôlement"
    assert words == ["hashtag", "enrôlement"]


def test_install_hint_names_packages() -> None:
    assert install_hint(["ita-spa", "es-fr"]) == (
        "run `sudo apt-get install apertium apertium-spa-ita cg3 apertium-fr-es` (or as root without sudo)"
    )


# -- fake binaries: discovery and error paths -----------------------------------------------------
def test_pairs_from_mode_list_with_chains(tmp_path: Path) -> None:
    modes = "  eco-fr-es\\n  fr-es\\n  es-fr\\n  eng-spa\\n  spa-eng\\n  spa-eng_US\\n  spa-ita\\n  ita-spa\\n"
    t = ApertiumTranslator(apertium_bin=fake_apertium(tmp_path, modes))
    pairs = t.pairs()
    for pair in [("fr", "es"), ("es", "fr"), ("en", "fr"), ("fr", "en"), ("it", "fr"), ("fr", "it"), ("en", "es")]:
        assert pair in pairs
    assert ("ar", "fr") not in pairs and ("es", "eng_US") not in pairs
    assert t.route_name("en", "fr") == "apertium en→es→fr"
    assert t.route_name("fr", "es") == "apertium fr→es"


def test_missing_mode_message_has_the_apt_command(tmp_path: Path) -> None:
    t = ApertiumTranslator(apertium_bin=fake_apertium(tmp_path, "  es-fr\\n"))
    assert not t.covers("fr", "es")
    with pytest.raises(MissingApertiumError) as err:
        t.translate(["bonjour"], "fr", "es")
    assert str(err.value) == (
        "apertium mode fr-es is not installed: run `sudo apt-get install apertium apertium-fr-es` "
        "(or as root without sudo)"
    )
    assert "apt-get install apertium apertium-fr-es" in t.not_covered_reason("fr", "es")


def test_missing_hop_of_a_chain(tmp_path: Path) -> None:
    t = ApertiumTranslator(apertium_bin=fake_apertium(tmp_path, "  es-fr\\n  fr-es\\n"))
    with pytest.raises(MissingApertiumError, match=r"mode ita-spa .*apertium-spa-ita cg3"):
        t.translate(["ciao"], "it", "fr")


def test_missing_binary(tmp_path: Path) -> None:
    t = ApertiumTranslator(apertium_bin=str(tmp_path / "no-such-apertium"))
    assert t.pairs() == set()
    with pytest.raises(MissingApertiumError, match="apt-get install apertium apertium-fr-es"):
        t.translate(["bonjour"], "fr", "es")


def test_pair_not_covered_is_a_config_error(tmp_path: Path) -> None:
    t = ApertiumTranslator(apertium_bin=fake_apertium(tmp_path, "  fr-es\\n  es-fr\\n"))
    assert not t.covers("ar", "fr")
    with pytest.raises(ConfigError, match="no ar→fr route"):
        t.translate(["مرحبا"], "ar", "fr")


def test_failing_mode_reports_mode_and_stderr(tmp_path: Path) -> None:
    body = 'echo "lt-proc: cannot open fr-es.automorf.bin" >&2; exit 3'
    t = ApertiumTranslator(apertium_bin=fake_apertium(tmp_path, "  fr-es\\n", body))
    with pytest.raises(ResourceError, match=r"mode fr-es failed \(exit 3\): lt-proc: cannot open"):
        t.translate(["bonjour"], "fr", "es")


def test_line_count_mismatch_names_both_counts(tmp_path: Path) -> None:
    t = ApertiumTranslator(apertium_bin=fake_apertium(tmp_path, "  fr-es\\n", "head -n 1"))
    with pytest.raises(ResourceError, match="returned 1 lines vs 3 input lines"):
        t.translate(["a", "b", "c"], "fr", "es")


# -- real Apertium --------------------------------------------------------------------------------
@pytest.mark.integration
@needs_apertium
def test_fr_es_unknown_words_are_data_and_marks_are_removed() -> None:
    t = ApertiumTranslator()
    out = t.translate(["les menaces d’enrôlement et de radicalisation en ligne", "Lundi 25 Novembre 2024"], "fr", "es")
    assert out.route == "apertium fr→es"
    assert out.lines[0].startswith("las amenazas de enrôlement y de radicalización")
    assert "*" not in out.lines[0]
    assert out.unknown[0] == ["enrôlement"]
    assert len(out.unknown) == 2


@pytest.mark.integration
@needs_apertium
def test_en_fr_chain_records_unknowns_of_every_hop() -> None:
    t = ApertiumTranslator()
    out = t.translate(["the threats of enlistment and the gogglers were running"], "en", "fr")
    assert out.route == "apertium en→es→fr"
    # "gogglers" is unknown to eng-spa; "alistamiento" (hop 1 output) is unknown to es-fr.
    assert out.unknown == [["gogglers", "alistamiento"]]
    assert out.lines[0] == "Les menaces de alistamiento et le gogglers courait"


@pytest.mark.integration
@needs_apertium
def test_it_fr_through_cg3() -> None:
    t = ApertiumTranslator()
    line = "Hammouchi ha partecipato alla riunione di Interpol dei capi della polizia"
    out = t.translate([line], "it", "fr")
    assert out.route == "apertium it→es→fr"
    assert out.lines == ["Hammouchi A participé à la réunion d'Interpol des chefs de la polizia"]
    assert out.unknown == [["Hammouchi", "Interpol", "polizia"]]
    assert not any(m in out.lines[0] for m in "*#@")


@pytest.mark.integration
@needs_apertium
def test_line_count_and_tricky_lines_preserved() -> None:
    lines = [
        "",
        'Il a dit « bonjour » et "au revoir".',
        "   ",
        "*",
        "5*3 = 15 et #hashtag @compte",
        "[crochets] <balise> ^chapeau$ \\ / {accolades}",
        "",
        "ligne\tavec\ttabulations\r",
        "",
    ]
    out = ApertiumTranslator().translate(lines, "fr", "es")
    assert len(out.lines) == len(lines) == len(out.unknown)
    assert [i for i, s in enumerate(out.lines) if not s.strip()] == [0, 2, 6, 8]
    assert out.lines[3] == "*"
    assert "5*3" in out.lines[4] and "#hashtag" in out.lines[4] and "@" in out.lines[4]
    assert "[" in out.lines[5] and "^" in out.lines[5]


@pytest.mark.integration
@needs_apertium
def test_whole_document_lines_translate_as_if_alone() -> None:
    """No context leaks between lines: batch output equals line-by-line output."""
    lines = (CORPUS / "fr.txt").read_text(encoding="utf-8").split("\n")[8:12]
    t = ApertiumTranslator()
    batch = t.translate(lines, "fr", "es").lines
    assert batch == [t.translate([line], "fr", "es").lines[0] for line in lines]


@pytest.mark.integration
@needs_apertium
def test_cache_sends_only_misses_in_one_process_per_hop(tmp_path: Path) -> None:
    log = tmp_path / "calls.log"
    body = f'echo "$1" >> {log}; tee -a {log} | apertium "$1"'
    real_modes = "  fr-es\\n  es-fr\\n  eng-spa\\n  spa-eng\\n"
    cache = Cache(tmp_path / "cache", namespace="mt")
    t = ApertiumTranslator(apertium_bin=fake_apertium(tmp_path, real_modes, body), cache=cache)
    first = t.translate(["the threats", "the meeting"], "en", "fr")
    assert log.read_text(encoding="utf-8").count("eng-spa") == 1
    log.write_text("", encoding="utf-8")
    second = t.translate(["the meeting", "the police", "the threats"], "en", "fr")
    calls = log.read_text(encoding="utf-8")
    assert calls.splitlines()[0] == "eng-spa" and calls.count("es-fr") == 1
    assert "the police" in calls and "the meeting" not in calls
    assert second.lines[0] == first.lines[1] and second.lines[2] == first.lines[0]
    assert second.route == "apertium en→es→fr"


@needs_apertium
def test_package_versions_for_the_manifest() -> None:
    versions = ApertiumTranslator().package_versions()
    assert {"apertium", "apertium-fr-es", "cg3"} <= set(versions)
    assert versions["apertium"] != ""
