"""FilesTranslator: user-supplied MT outputs, one line per source line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from eval.errors import ConfigError, InputError
from eval.translators.files import FilesTranslator


def test_reads_lines_tolerating_bom_and_crlf(tmp_path: Path) -> None:
    out = tmp_path / "out.es.txt"
    out.write_bytes("\ufeffuna línea\r\n\r\n«tres» *x*\r\n".encode())
    t = FilesTranslator(outputs={"fr-es": str(out)})
    assert t.pairs() == {("fr", "es")}
    tr = t.translate(["une ligne", "", "« trois » *x*"], "fr", "es")
    assert tr.lines == ["una línea", "", "«tres» *x*"]
    assert tr.unknown == [[], [], []]
    assert tr.route == "files out.es.txt"


def test_line_count_mismatch_names_file_and_both_counts(tmp_path: Path) -> None:
    out = tmp_path / "out.es.txt"
    out.write_text("\n".join(f"l{i}" for i in range(12)) + "\n", encoding="utf-8")
    t = FilesTranslator(outputs={"fr-es": str(out)})
    with pytest.raises(InputError, match=re.escape("12 lines in out.es.txt vs 10 source segments")):
        t.translate([f"s{i}" for i in range(10)], "fr", "es")


def test_missing_file_is_named(tmp_path: Path) -> None:
    t = FilesTranslator(outputs={"fr-es": str(tmp_path / "nope.txt")})
    with pytest.raises(InputError, match=re.escape("nope.txt does not exist")):
        t.translate(["x"], "fr", "es")


def test_not_utf8_is_an_input_error(tmp_path: Path) -> None:
    out = tmp_path / "latin1.txt"
    out.write_bytes("línea\n".encode("latin-1"))
    with pytest.raises(InputError, match=re.escape("latin1.txt is not UTF-8")):
        FilesTranslator(outputs={"fr-es": str(out)}).translate(["ligne"], "fr", "es")


def test_uncovered_pair_and_bad_key(tmp_path: Path) -> None:
    t = FilesTranslator(outputs={})
    assert not t.covers("fr", "es")
    with pytest.raises(ConfigError, match="no fr→es route"):
        t.translate(["x"], "fr", "es")
    with pytest.raises(ConfigError, match="not 'src-tgt'"):
        FilesTranslator(outputs={"fres": "x.txt"})
