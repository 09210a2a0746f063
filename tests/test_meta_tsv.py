"""The MQM TSV reader and the line-aligned set built from it (tests/data/mqm/toy.tsv, made up for the tests)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from eval.errors import InputError
from eval.linealigned import load_line_aligned
from eval.meta.build import build_line_aligned, main
from eval.meta.mqm_tsv import SegmentKey, parse_mqm_tsv, penalty, read_marks, read_mqm_tsv, segment_penalty

TOY = Path(__file__).parent / "data" / "mqm" / "toy.tsv"
HEADER = "system\tdoc\tdoc_id\tseg_id\trater\tsource\ttarget\tcategory\tseverity\tcomment\n"


def test_reader_spans_order_and_penalties() -> None:
    ratings = read_mqm_tsv(TOY)
    assert ratings.systems == ["ref", "sysA", "sysB"]
    assert ratings.segments == [SegmentKey("talk.a", 1), SegmentKey("talk.a", 2), SegmentKey("talk.b", 1)]
    seg = ratings.outputs["sysA"][SegmentKey("talk.a", 1)]
    assert seg.target == "El perro duerme."
    assert [(e.text, e.start, e.end, e.side) for e in seg.errors] == [
        ("perro", 3, 8, "target"),
        (".", 15, 16, "target"),
    ]
    assert segment_penalty(seg) == pytest.approx(5.1)
    omission = ratings.outputs["sysB"][SegmentKey("talk.a", 2)].errors[0]
    assert (omission.side, omission.text, omission.major_category) == ("source", "a lot", "accuracy")
    assert segment_penalty(ratings.outputs["sysB"][SegmentKey("talk.b", 1)]) == 25.0
    assert ratings.outputs["sysB"][SegmentKey("talk.a", 1)].errors == []
    assert len(ratings.errors(["sysA", "sysB"])) == 5


def test_penalty_weights() -> None:
    assert penalty("Accuracy/Mistranslation", "Major") == 5.0
    assert penalty("Style/Awkward", "Minor") == 1.0
    assert penalty("Fluency/Punctuation", "Minor") == 0.1
    assert penalty("Fluency/Punctuation", "Major") == 5.0
    assert penalty("Non-translation!", "Major") == 25.0
    assert penalty("Other", "Neutral") == 0.0


def test_select_docs() -> None:
    ratings = read_mqm_tsv(TOY).select_docs(["talk.b"])
    assert ratings.segments == [SegmentKey("talk.b", 1)]
    assert len(ratings.errors()) == 1
    with pytest.raises(InputError, match=re.escape("no document ['talk.z']")):
        read_mqm_tsv(TOY).select_docs(["talk.z"])


@pytest.mark.parametrize(
    ("marked", "text", "span", "problem"),
    [
        ("a <v>b</v> c", "a b c", (2, 3), ""),
        ("plain", "plain", (None, None), ""),
        ("a <v>b", "a b", (2, 3), "without '</v>'"),
        ("a b</v>", "a b", (None, None), "without '<v>'"),
        ("<v>a</v> x <v>b</v>", "a x b", (0, 5), "more than one"),
    ],
)
def test_read_marks(marked: str, text: str, span: tuple[int | None, int | None], problem: str) -> None:
    cell = read_marks(marked)
    assert (cell.text, (cell.start, cell.end)) == (text, span)
    assert (problem in cell.problem) if problem else cell.problem == ""


def test_parse_errors_name_file_and_line() -> None:
    with pytest.raises(InputError, match=re.escape("f.tsv:1: missing column")):
        parse_mqm_tsv("system\tdoc\n", "f.tsv")
    with pytest.raises(InputError, match=re.escape("f.tsv:2: column doc_id is 'x'")):
        parse_mqm_tsv(HEADER + ROW.replace("\t1\t1\t", "\tx\t1\t"), "f.tsv")
    with pytest.raises(InputError, match=re.escape("f.tsv:3: d segment 1 has seg_id 2 and 1")):
        parse_mqm_tsv(HEADER + ROW + ROW.replace("\t1\t1\t", "\t1\t2\t"), "f.tsv")


ROW = "s\td\t1\t1\tr\tsrc\ttgt\tNo-error\tNo-error\t\n"


def _row(system: str, seg: int, target: str, category: str = "No-error", severity: str = "No-error") -> str:
    return f"{system}\td\t{seg}\t{seg}\tr\tsrc {seg}\t{target}\t{category}\t{severity}\t\n"


def test_a_row_with_another_text_keeps_the_common_one_and_places_its_span_by_text() -> None:
    rows = [
        _row("s", 1, "Der Hund schläft heute."),
        # the same line as a run reads it (single spaces, stripped): no note, the offsets move with it
        _row("s", 1, "Der  <v>Hund</v>\u00a0schläft heute. ", "Accuracy/Mistranslation", "Major"),
        _row("s", 1, "Der Hund <v>schläft</v>.", "Fluency/Grammar", "Minor"),  # another text: placed by its span
        _row("s", 1, "Die <v>Katze</v> schläft.", "Style/Awkward", "Minor"),  # not in the kept text
    ]
    ratings = parse_mqm_tsv(HEADER + "".join(rows), "f.tsv")
    seg = ratings.outputs["s"][SegmentKey("d", 1)]
    assert seg.target == "Der Hund schläft heute."
    assert [(e.start, e.end, e.text) for e in seg.errors] == [(4, 8, "Hund"), (9, 16, "schläft"), (None, None, "")]
    assert segment_penalty(seg) == 7.0  # an error without a place still weighs
    assert ratings.notes == [
        "2 row(s): a text that differs from the one most rows of its segment carry: that one is kept (first: f.tsv:4)",
        "1 row(s): a span not found in the segment's kept text: the error is kept without a span (first: f.tsv:5)",
    ]


def test_the_text_most_rows_carry_is_kept_even_when_the_first_row_differs() -> None:
    rows = [
        _row("s", 1, "Der Hund <v>schlaft</v> heute.", "Fluency/Spelling", "Minor"),  # one rater's altered copy
        _row("s", 1, "Der <v>Hund</v> schläft heute.", "Accuracy/Mistranslation", "Major"),
        _row("s", 1, "Der Hund schläft <v>heute</v>.", "Style/Awkward", "Minor"),
    ]
    ratings = parse_mqm_tsv(HEADER + "".join(rows), "f.tsv")
    seg = ratings.outputs["s"][SegmentKey("d", 1)]
    assert seg.target == "Der Hund schläft heute." and seg.rater == "r"
    assert [e.text for e in seg.errors] == ["", "Hund", "heute"]
    assert ratings.notes[0].startswith("1 row(s): a text that differs") and "f.tsv:2" in ratings.notes[0]


def test_cells_are_read_as_a_run_reads_the_line() -> None:
    cell = read_marks(" Ein\u00a0 <v>gro\u0301sser</v>  Hund\u200b ")
    assert cell.text == "Ein gróßer Hund".replace("ß", "ss") and cell.text[cell.start : cell.end] == "grósser"


def test_malformed_marks_are_read_and_reported() -> None:
    rows = [_row("s", 1, "<v>a</v> b <v>c</v>", "Fluency/Grammar", "Minor"), _row("s", 2, "x <v>y", "Other", "Minor")]
    ratings = parse_mqm_tsv(HEADER + "".join(rows), "f.tsv")
    spans = [(e.text, e.side) for seg in ratings.outputs["s"].values() for e in seg.errors]
    assert spans == [("a b c", "target"), ("y", "target")]
    assert len(ratings.notes) == 2 and "f.tsv:2" in ratings.notes[0] and "f.tsv:3" in ratings.notes[1]


def test_segments_or_systems_without_every_rating_are_left_out_with_a_note() -> None:
    full = [_row(s, k, f"t{k}") for s in ("a", "b") for k in (1, 2, 3)]
    ratings = parse_mqm_tsv(HEADER + "".join(full) + _row("c", 1, "t1") + _row("c", 2, "t2"), "f.tsv")
    assert ratings.systems == ["a", "b", "c"]
    assert [k.doc_id for k in ratings.segments] == [1, 2]
    assert all(len(segs) == 2 for segs in ratings.outputs.values())
    assert ratings.notes == ["1 of 3 segments are not rated for every system (c lacks 1): left out, 2 kept"]
    sparse = parse_mqm_tsv(HEADER + "".join(full) + _row("c", 1, "t1"), "f.tsv")
    assert sparse.systems == ["a", "b"] and len(sparse.segments) == 3
    assert sparse.notes == ["system c is rated on 1 of 3 segments (< half): left out"]
    with pytest.raises(InputError, match="no segment is rated for every system"):
        parse_mqm_tsv(HEADER + _row("a", 1, "t") + _row("a", 2, "t") + _row("b", 3, "t") + _row("b", 4, "t"), "f.tsv")


def test_build_line_aligned_loads(tmp_path: Path) -> None:
    built = build_line_aligned(read_mqm_tsv(TOY), tmp_path / "set", src_lang="en", ref_lang="es")
    assert built.systems == ["sysA", "sysB"]
    data = load_line_aligned(tmp_path / "set")
    assert data.references == ["El gato duerme.", "Hoy llueve mucho.", "Gracias."]
    assert data.sources == ["The cat sleeps.", "It rains a lot today.", "Thank you."]
    assert {s.name: s.segments for s in data.systems} == {
        "sysA": ["El perro duerme.", "Hoy llueve mucho.", "Gracias."],
        "sysB": ["El gato duerme.", "Hoy llueve.", "Thank you."],
    }
    index = (tmp_path / "set" / "segments.tsv").read_text(encoding="utf-8").splitlines()
    assert index == ["line\tdoc\tdoc_id\tseg_id", "1\ttalk.a\t1\t1", "2\ttalk.a\t2\t2", "3\ttalk.b\t1\t7"]


def test_build_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "set"
    assert main([str(TOY), str(out), "--src-lang", "en", "--ref-lang", "es", "--docs", "talk.a"]) == 0
    assert "2 segments, 2 systems" in capsys.readouterr().out
    assert main([str(TOY), str(out), "--src-lang", "en", "--ref-lang", "es", "--reference", "human"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "no system 'human'" in err and "Traceback" not in err


def test_meta_tool_output_into_head_is_not_a_traceback() -> None:
    """``python -m eval.meta … | head`` closes the pipe early: exit 0, nothing on stderr."""
    import subprocess
    import sys

    code = "import sys; from eval.meta.cli import run_tool; sys.exit(run_tool(lambda: 'row\\n' * 200_000))"
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.read(4) == b"row\n"
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0 and err == "", err


def test_critical_weighs_as_major_unless_non_translation() -> None:
    assert penalty("Accuracy/Mistranslation", "Critical") == 5.0
    assert penalty("Non-translation!", "Critical") == 25.0
    assert penalty("Other", "Neutral") == 0.0


def test_a_segment_rated_by_several_raters_averages_their_penalties() -> None:
    """WMT20-style releases rate each output by 3 raters: the segment's penalty is their mean (Freitag et al.),
    and the ceiling pairs those raters on the one output."""
    from eval.meta.ceiling import rater_agreement

    rows = [
        "A\td\t1\t1\tr1\tThe dog.\tEl <v>perro</v>.\tAccuracy/Mistranslation\tMajor\t",
        "A\td\t1\t1\tr2\tThe dog.\tEl <v>perro</v>.\tAccuracy/Mistranslation\tMinor\t",
        "A\td\t1\t1\tr3\tThe dog.\tEl perro.\tNo-error\tNo-error\t",
        "B\td\t1\t1\tr1\tThe dog.\tEl can.\tNo-error\tNo-error\t",
        "C\td\t1\t1\tr2\tThe dog.\tEl can.\tNo-error\tNo-error\t",
    ]
    ratings = parse_mqm_tsv(HEADER + "\n".join(rows) + "\n", "multi.tsv")
    seg = ratings.outputs["A"][SegmentKey("d", 1)]
    assert (seg.rater, seg.raters) == ("r1", ["r1", "r2", "r3"])
    assert segment_penalty(seg) == pytest.approx((5.0 + 1.0 + 0.0) / 3)
    assert segment_penalty(ratings.outputs["B"][SegmentKey("d", 1)]) == 0.0
    pairs, overlap, _ = rater_agreement(ratings, ["A", "B", "C"], ratings.segments)
    assert pairs == 6 + 2  # A: 3 raters, ordered pairs; B and C: identical text, r1 vs r2 both ways
    # r1 and r2 mark the same word, r3 nothing: 2 of the 4 spans marked in a pair are matched, either way
    assert (overlap.precision, overlap.recall) == (pytest.approx(0.5), pytest.approx(0.5))
