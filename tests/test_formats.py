"""XLIFF 1.2/2.0, TMX and PO read through translate-toolkit into line-aligned sets; bad files fail on one line
naming the file and the unit; findings are written back as ITS 2.0 markup that translate-toolkit still parses."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from lxml import etree
from translate.storage import factory, xliff2

from eval.detectors.base import Span, TextSpan
from eval.errors import InputError
from eval.formats.inline import plain_text, strip_placeholders
from eval.formats.writeback import ITS_NS, write_back
from eval.linealigned import load_line_aligned

DATA = Path(__file__).parent / "data" / "formats"


def copy(tmp_path: Path, name: str) -> Path:
    return Path(shutil.copytree(DATA / name, tmp_path / name))


@pytest.mark.parametrize("fmt", ["xliff", "tmx"])
def test_units_pair_by_id_and_inline_markup_stays_out(fmt: str) -> None:
    data = load_line_aligned(DATA / fmt)
    assert data.ref_lang == "fr"
    assert data.segment_ids == ["intro", "welcome", "close"]
    assert data.references[0] == "La réunion a rassemblé 300 délégués à Rabat le 12 mai."  # <g>/<pc> text kept
    assert "%s" not in data.references[1] and "{city}" not in data.references[1]  # placeholders and <ph> dropped
    assert [(s.lang, s.kind) for s in data.systems] == [("es", "published"), ("it", "published")]
    assert data.systems[0].segments[0] == "La reunión reunió a 200 delegados en Rabat el 12 de mayo."


def test_xliff_12_and_20_files_are_versions_named_by_the_manifest() -> None:
    data = load_line_aligned(DATA / "xliff")
    assert [s.name for s in data.systems] == ["es", "it-vendor"]
    assert data.references[1] == "Bienvenue à, dit le directeur."
    assert data.systems[1].segments[1] == "Benvenuti a, ha detto il direttore."
    assert set(data.bilingual) == {"es", "it-vendor"}


def test_po_msgids_are_the_reference_and_ids_keep_the_context() -> None:
    data = load_line_aligned(DATA / "po")
    assert data.ref_lang == "en"
    assert data.segment_ids[0] == "headline::The meeting brought together 300 delegates in Rabat on 12 May."
    assert data.references[1] == "Welcome to, said the director."
    assert [s.name for s in data.systems] == ["es", "it"]


def test_placeholders() -> None:
    assert strip_placeholders("%1$s has %d files in {0} and ${dir}.") == "has files in and."
    assert strip_placeholders("50 % des voix, 100%") == "50 % des voix, 100%"  # a percent sign is a word


def test_plain_text_locates_words_inside_one_text_node() -> None:
    el = etree.fromstring('<target>El <g id="1">avión  %s</g> vuela <x id="2"/>bien.</target>')
    plain = plain_text(el)
    assert plain.text == "El avión vuela bien."
    start = plain.text.index("avión")
    node, a, b = plain.locate(start, start + 5) or (0, 0, 0)
    owner, attr = plain.nodes[node]
    assert (owner.text if attr == "text" else owner.tail)[a:b] == "avión"
    assert plain.locate(0, len(plain.text)) is None  # crosses tags


BAD_INPUT = {
    "xliff 1.2 unit without target": (
        "xliff",
        ("es.xlf", '<target state="translated">La cooperación policial continúa.</target>', ""),
        r"es\.xlf: unit close has no target",
    ),
    "xliff 2.0 unit with an empty target": (
        "xliff",
        ("it.xlf", "<target>La cooperazione di polizia continua.</target>", "<target/>"),
        r"it\.xlf: unit close has no target",
    ),
    "sources differ across files": (
        "xliff",
        ("it.xlf", "<source>La coopération policière continue.</source>", "<source>La coopération.</source>"),
        r"it\.xlf: unit close has source 'La coopération\.' but es\.xlf has",
    ),
    "units differ across files": (
        "xliff",
        ("it.xlf", '<unit id="close">', '<unit id="closing">'),
        r"it\.xlf: unit closing is not in",
    ),
    "tmx without the reference language": (
        "tmx",
        ("memory.tmx", '<tuv xml:lang="fr"><seg>La coopération policière continue.</seg></tuv>', ""),
        r"memory\.tmx: unit close has no 'fr' variant \(reference_lang\)",
    ),
    "tmx unit lacking a version language": (
        "tmx",
        ("memory.tmx", '<tuv xml:lang="it"><seg>La cooperazione di polizia continua.</seg></tuv>', ""),
        r"memory\.tmx: unit close has no target",
    ),
    "po without source_lang": (
        "po",
        ("manifest.yaml", "source_lang: en\n", ""),
        r"needs 'source_lang'.* es\.po, unit 'headline",
    ),
    "po untranslated entry": (
        "po",
        ("it.po", 'msgstr "La cooperazione di polizia continua."', 'msgstr ""'),
        r"it\.po: unit Police cooperation continues\. has no target",
    ),
    # a typo'd key of an XLIFF/TMX/PO manifest gets the line and did-you-mean of the other manifests
    "xliff manifest key": (
        "xliff",
        ("manifest.yaml", "files:", "fils:"),
        r"manifest\.yaml:4: unknown key 'fils'; did you mean 'files'\?",
    ),
    "xliff manifest entry key": (
        "xliff",
        ("manifest.yaml", "name: it-vendor", "nmae: it-vendor"),
        r"unknown key 'nmae' in files #2; did you mean 'name'\?",
    ),
    "tmx manifest key": (
        "tmx",
        ("manifest.yaml", "reference_lang:", "reference_language:"),
        r"unknown key 'reference_language'; did you mean",
    ),
    "po manifest key": (
        "po",
        ("manifest.yaml", "source_lang:", "source_lnag:"),
        r"unknown key 'source_lnag'; did you mean 'source_lang'\?",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_names_file_and_unit_on_one_line(tmp_path: Path, case: str) -> None:
    name, (file, old, new), pattern = BAD_INPUT[case]
    root = copy(tmp_path, name)
    path = root / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(InputError, match=pattern) as info:
        load_line_aligned(root)
    assert "\n" not in str(info.value)


def _spans(system: str) -> list[Span]:
    return [
        Span(system, "es", [0], [0], TextSpan("200", 20, 23), TextSpan("300", 23, 26), "accuracy/mistranslation",
             "major", "names_numbers", 0.9),
        Span(system, "es", [2], [2], None, TextSpan("policière", 16, 25), "accuracy/omission", "minor", "x", 0.5),
    ]  # fmt: skip


@pytest.mark.parametrize(("name", "file"), [("es", "es.xlf"), ("it-vendor", "it.xlf")])
def test_write_back_marks_findings_and_still_parses(tmp_path: Path, name: str, file: str) -> None:
    data = load_line_aligned(DATA / "xliff")
    [source] = data.bilingual[name]
    spans = _spans(name)
    if name == "it-vendor":
        spans[0] = Span(name, "it", [0], [0], TextSpan("300", 23, 26), None, "terminology", "minor", "y", 0.4)
    out = write_back([source], spans, data.segment_ids, tmp_path / "xliff")
    store = factory.getobject(str(out)) if name == "es" else xliff2.Xliff2File.parsefile(str(out))
    original = (
        factory.getobject(str(DATA / "xliff" / file))
        if name == "es"
        else xliff2.Xliff2File.parsefile(str(DATA / "xliff" / file))
    )
    assert [str(u.target) for u in store.units] == [str(u.target) for u in original.units]  # text untouched
    tree = etree.parse(str(out))
    marks = tree.findall(f".//{{*}}mrk[@{{{ITS_NS}}}locQualityIssueType]")
    assert len(marks) == 2
    first = marks[0] if marks[0].text in ("200", "300") else marks[1]
    assert first.text == spans[0].hyp.text  # type: ignore[union-attr]
    assert etree.QName(first.getparent()).localname in ("g", "pc")  # marked inside the inline tag, tag kept
    whole = marks[1] if first is marks[0] else marks[0]
    assert whole.get(f"{{{ITS_NS}}}locQualityIssueType") == "omission"
    assert whole.get(f"{{{ITS_NS}}}locQualityIssueSeverity") == "30"
    assert "policière" in whole.get(f"{{{ITS_NS}}}locQualityIssueComment", "")
    assert tree.getroot().get(f"{{{ITS_NS}}}version") == "2.0"
    assert b"xmlns:its=" in out.read_bytes()
    assert len(tree.findall(".//{*}target//{*}x")) + len(tree.findall(".//{*}target//{*}ph")) == 1  # code kept


def _two_documents(tmp_path: Path, versions: tuple[str, ...] = ("es.xlf", "it.xlf")) -> Path:
    root = tmp_path / "docs"
    root.mkdir()
    entries = []
    for doc in ("d1", "d2"):
        for file in versions:
            shutil.copy(DATA / "xliff" / file, root / f"{doc}.{file}")
            entries.append(f"  - {{file: {doc}.{file}, doc: {doc}}}\n")
    (root / "manifest.yaml").write_text("format: xliff\nfiles:\n" + "".join(entries), encoding="utf-8")
    return root


def test_xliff_files_as_documents(tmp_path: Path) -> None:
    data = load_line_aligned(_two_documents(tmp_path))
    assert [(r.doc, r.start, r.end) for r in data.doc_ranges] == [("d1", 0, 3), ("d2", 3, 6)]
    assert data.segment_ids == ["intro", "welcome", "close"] * 2
    assert [(s.name, len(s.segments)) for s in data.systems] == [("es", 6), ("it", 6)]  # named by language
    d2 = next(f for f in data.bilingual["es"] if f.doc == "d2")
    span = Span("es", "es", [3], [3], TextSpan("200", 20, 23), None, "terminology", "major", "x", 1.0)
    out = write_back([d2], [span], data.segment_ids, tmp_path / "out")
    assert out.name == "es.d2.xlf"
    marked = etree.parse(str(out)).findall(f".//{{*}}mrk[@{{{ITS_NS}}}locQualityIssueType]")
    assert [m.text for m in marked] == ["200"]
    d1 = next(f for f in data.bilingual["es"] if f.doc == "d1")
    clean = write_back([d1], [span], data.segment_ids, tmp_path / "out")  # the span is in d2, not here
    assert not etree.parse(str(clean)).findall(f".//{{*}}mrk[@{{{ITS_NS}}}locQualityIssueType]")


def test_a_version_lacking_a_document_is_named(tmp_path: Path) -> None:
    root = _two_documents(tmp_path)
    manifest = root / "manifest.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("  - {file: d2.it.xlf, doc: d2}\n", ""))
    with pytest.raises(InputError, match=r"version it lacks document 'd2'"):
        load_line_aligned(root)


def _bundle(tmp_path: Path, files: dict[str, str]) -> Path:
    """Test XLIFFs as project exports of two <file> elements: communique.html (intro, welcome) and annexe.html
    (close); ``files`` maps each written file to its source in tests/data/formats/xliff, listed without 'doc'."""
    root = tmp_path / "bundle"
    root.mkdir(parents=True)
    second = {
        '      <trans-unit id="close">': '    </body>\n  </file>\n  <file original="annexe.html" '
        'source-language="fr" target-language="es" datatype="html">\n    <body>\n      <trans-unit id="close">',
        '    <unit id="close">': '  </file>\n  <file id="f2" original="annexe.html">\n    <unit id="close">',
    }
    for name, source in files.items():
        text = (DATA / "xliff" / source).read_text(encoding="utf-8")
        for old, new in second.items():
            text = text.replace(old, new)
        (root / name).write_text(text, encoding="utf-8")
    (root / "manifest.yaml").write_text(f"format: xliff\nfiles: [{', '.join(files)}]\n", encoding="utf-8")
    return root


def test_each_file_element_of_an_xliff_is_a_document(tmp_path: Path) -> None:
    """XLIFF 1.2: a <file>'s document id is its original (its id where it has one, as in 2.0 below)."""
    data = load_line_aligned(_bundle(tmp_path, {"es.xlf": "es.xlf", "es-b.xlf": "es.xlf"}))
    assert [(r.doc, r.start, r.end) for r in data.doc_ranges] == [("communique.html", 0, 2), ("annexe.html", 2, 3)]
    assert data.segment_ids == ["intro", "welcome", "close"]  # ids unique in the file stay bare
    assert [(s.name, len(s.segments)) for s in data.systems] == [("es", 3), ("es-b", 3)]  # a version per file
    two = load_line_aligned(_bundle(tmp_path / "2.0", {"it.xlf": "it.xlf"}))
    assert [(r.doc, r.start, r.end) for r in two.doc_ranges] == [("f1", 0, 2), ("f2", 2, 3)]
    es = data.bilingual["es"]
    assert [f.doc for f in es] == ["communique.html", "annexe.html"] and {f.path.name for f in es} == {"es.xlf"}
    spans = [
        Span("es", "es", [0], [0], TextSpan("200", 20, 23), None, "terminology", "major", "x", 1.0),
        Span("es", "es", [2], [2], None, None, "accuracy/omission", "minor", "y", 1.0),
    ]
    out = write_back(es, spans, data.segment_ids, tmp_path / "out")  # one file out, findings of both documents
    assert out.name == "es.xlf"
    tree = etree.parse(str(out))
    assert len(tree.findall(".//{*}file")) == 2
    marked = tree.findall(f".//{{*}}mrk[@{{{ITS_NS}}}locQualityIssueType]")
    assert [m.get(f"{{{ITS_NS}}}locQualityIssueType") for m in marked] == ["terminology", "omission"]


def test_file_elements_sharing_an_id_are_refused(tmp_path: Path) -> None:
    root = _bundle(tmp_path, {"es.xlf": "es.xlf"})
    path = root / "es.xlf"
    path.write_text(path.read_text(encoding="utf-8").replace("annexe.html", "communique.html"), encoding="utf-8")
    with pytest.raises(InputError, match=r"es\.xlf: two <file> elements share the id 'communique.html'"):
        load_line_aligned(root)
