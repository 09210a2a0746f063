"""Decoding, normalization, manifests and line-aligned sets: the bad input gets named, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.errors import InputError
from eval.linealigned import load_line_aligned
from eval.manifest import load_document, load_manifest
from eval.textio import normalize_text, read_lines, read_text

DATA = Path(__file__).parent / "data" / "linealigned"


def test_utf8_bom_and_crlf_are_read(tmp_path: Path) -> None:
    p = tmp_path / "doc.txt"
    p.write_bytes(b"\xef\xbb\xbfM. Hammouchi a pris part\r\n\r\nLa r\xc3\xa9union\r\n")
    decoded = read_text(p)
    assert decoded.text == "M. Hammouchi a pris part\n\nLa réunion\n"
    assert decoded.encoding == "utf-8-sig"


def test_utf16_with_bom(tmp_path: Path) -> None:
    p = tmp_path / "doc.txt"
    p.write_bytes("réunion à Lyon".encode("utf-16"))
    assert read_text(p).text == "réunion à Lyon"


def test_other_encoding_is_detected(tmp_path: Path) -> None:
    p = tmp_path / "latin1.txt"
    text = "La délégation marocaine a présenté un exposé exhaustif sur la coopération régionale. " * 5
    p.write_bytes(text.encode("cp1252"))
    assert "délégation marocaine" in read_text(p).text


def test_undecodable_bytes_name_the_file(tmp_path: Path) -> None:
    p = tmp_path / "garbage.txt"
    p.write_bytes(bytes(range(128, 256)) * 4 + b"\x00\x81\x8d\x8f\x90\x9d")
    with pytest.raises(InputError, match=r"garbage\.txt.*iconv"):
        read_text(p)


def test_nfc_and_whitespace() -> None:
    decomposed = "re\u0301union\u00a0\u00a0 de\u200b  Lyon \t"
    assert normalize_text(decomposed) == "réunion de Lyon"


def test_zwnj_and_zwj_stay_so_scores_are_sacrebleu_s(tmp_path: Path) -> None:
    # Persian writes می‌خواهم with a ZWNJ; removing it made a hypothesis without one match the reference
    # (BLEU 100 where sacrebleu gives 74.2, chrF 100 vs 89.9).
    import sacrebleu

    ref, hyp = tmp_path / "ref.fa", tmp_path / "hyp.fa"
    ref.write_text("من می\u200cخواهم به خانه بروم.\nاو کتاب\u200cها را خواند. 👨\u200d👩\u200d👧\n", encoding="utf-8")
    hyp.write_text("من میخواهم به خانه بروم.\nاو کتاب\u200cها را خواند. 👨\u200d👩\u200d👧\n", encoding="utf-8")
    (refs, _), (hyps, _) = read_lines(ref), read_lines(hyp)
    assert "\u200c" in refs[0] and "\u200d" in refs[1] and "\u200c" not in hyps[0]
    raw_refs = ref.read_text(encoding="utf-8").splitlines()
    raw_hyps = hyp.read_text(encoding="utf-8").splitlines()
    assert sacrebleu.corpus_bleu(hyps, [refs]).score == sacrebleu.corpus_bleu(raw_hyps, [raw_refs]).score < 100
    assert sacrebleu.corpus_chrf(hyps, [refs]).score == sacrebleu.corpus_chrf(raw_hyps, [raw_refs]).score


@pytest.mark.parametrize("content", [b"", b"  \n\r\n \t\n"])
def test_empty_document(tmp_path: Path, content: bytes) -> None:
    p = tmp_path / "es.txt"
    p.write_bytes(content)
    with pytest.raises(InputError, match=r"es\.txt: the document is empty"):
        read_text(p)


def test_missing_document(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.txt: file not found"):
        read_text(tmp_path / "nope.txt")


def test_dgsn_manifest(corpus_dir: Path) -> None:
    m = load_manifest(corpus_dir)
    assert m.reference.lang == "fr"
    assert sorted(d.lang for d in m.versions) == ["ar", "en", "es", "it"]
    doc = load_document(m, m.reference)
    assert doc.text.startswith("Menu") and len(doc.sha256) == 64
    assert "M. Abdellatif Hammouchi" in doc.text


def _manifest(tmp_path: Path, body: str) -> Path:
    (tmp_path / "manifest.yaml").write_text(body, encoding="utf-8")
    (tmp_path / "fr.txt").write_text("Bonjour.", encoding="utf-8")
    return tmp_path


def test_unknown_language(tmp_path: Path) -> None:
    d = _manifest(
        tmp_path,
        "documents:\n  - {file: fr.txt, lang: fr, role: reference}\n  - {file: de.txt, lang: Deutsch, role: version}\n",
    )
    with pytest.raises(
        InputError, match=r"manifest\.yaml: document de\.txt: unknown language code 'Deutsch'; did you mean 'de'\?"
    ):
        load_manifest(d)


def test_any_language_code_is_accepted_and_normalised(tmp_path: Path) -> None:
    d = _manifest(
        tmp_path,
        "documents:\n  - {file: fr.txt, lang: deu, role: reference}\n  - {file: zh.txt, lang: zh_Hans, role: version}"
        "\n",
    )
    assert [doc.lang for doc in load_manifest(d).documents] == ["de", "zh-Hans"]


def test_unknown_role(tmp_path: Path) -> None:
    d = _manifest(tmp_path, "documents:\n  - {file: fr.txt, lang: fr, role: source}\n")
    with pytest.raises(InputError, match="unknown role 'source'"):
        load_manifest(d)


def test_two_references(tmp_path: Path) -> None:
    d = _manifest(
        tmp_path,
        "documents:\n  - {file: fr.txt, lang: fr, role: reference}\n  - {file: es.txt, lang: es, role: reference}\n",
    )
    with pytest.raises(InputError, match="exactly one document must have role 'reference', found 2"):
        load_manifest(d)


@pytest.mark.parametrize("fmt", ["lines", "tsv", "jsonl"])
def test_line_aligned_formats_agree(fmt: str) -> None:
    data = load_line_aligned(DATA / fmt)
    assert data.ref_lang == "es" and data.src_lang == "fr"
    assert len(data.references) == 7 and data.sources is not None
    assert [s.name for s in data.systems] == ["sysA", "sysB"]
    lines = load_line_aligned(DATA / "lines")
    assert data.references == lines.references
    assert [s.segments for s in data.systems] == [s.segments for s in lines.systems]


def test_line_count_mismatch_gives_both_counts(tmp_path: Path) -> None:
    for name in ("ref.es", "sysA.es", "src.fr", "manifest.yaml"):
        (tmp_path / name).write_bytes((DATA / "lines" / name).read_bytes())
    lines, _ = read_lines(tmp_path / "sysA.es")
    (tmp_path / "sysA.es").write_text("\n".join(lines[:-2]) + "\n", encoding="utf-8")
    (tmp_path / "manifest.yaml").write_text(
        "format: lines\nreference: {file: ref.es, lang: es}\nsystems:\n  - {name: sysA, file: sysA.es, lang: es}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"system sysA \(sysA\.es\) has 5 segments vs 7 in the reference"):
        load_line_aligned(tmp_path)


def test_line_aligned_lines_are_those_sacrebleu_reads(tmp_path: Path) -> None:
    # sacrebleu iterates a Python text file: only \n, \r\n and \r end a line. A U+2028 or a form
    # feed inside a segment must not become a break that shifts every later segment.
    path = tmp_path / "hyp.de"
    path.write_bytes("eins\u2028zwei\r\ndrei\x0cvier\x85fünf\n\nsechs\u2029sieben\n".encode())
    with open(path, encoding="utf-8") as f:
        python_lines = [line.rstrip("\n") for line in f]
    lines, _ = read_lines(path)
    assert len(lines) == len(python_lines) == 4
    assert lines == ["eins zwei", "drei vier fünf", "", "sechs sieben"]


def test_tsv_ragged_row_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "manifest.yaml").write_text("format: tsv\nfile: t.tsv\nref_lang: es\n", encoding="utf-8")
    (tmp_path / "t.tsv").write_text("reference\tsysA\nhola\tholas\nadios\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"t\.tsv:3"):
        load_line_aligned(tmp_path)
