"""``python -m eval.align SRC TGT --src-lang L --tgt-lang L [--embedder e5|use|hf] [--precision P] [-g GOLD ...]``.

Aligns two files of one sentence per line with the run's aligner (``eval.align.documents``) and
prints vecalign/bertalign lines ``[src ids]:[tgt ids]:similarity``; with ``-g`` also vecalign's
strict and lax precision/recall/F1 against the gold file(s). Several ``-g`` files are scored as
one pool, like vecalign's scorer. Every input problem ends in one line on stderr, exit code 2
(``eval.cli.run_tool``, the one place that turns errors into exit codes).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import get_args

from eval.align.documents import AlignSettings, align_documents
from eval.align.evaluate import StrictLax, bead_ids, format_bead, read_vecalign, strict_lax
from eval.align.sentences import MAX_ALIGN, METHODS, P_VALUE, SKIP, WINDOW
from eval.embedders.base import Embedder
from eval.embedders.loading import Precision
from eval.errors import InputError
from eval.languages import base_language, normalize_code
from eval.languages.identify import Identifier
from eval.textio import decode_bytes, text_lines

# One line longer than this is not a sentence (a file with no line breaks, or binary data).
MAX_LINE_CHARS = 20_000
# Lines per file that lingua reads to check the declared language.
LANGUAGE_SAMPLE = 30
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def read_sentences(path: Path) -> list[str]:
    """The lines of a UTF-8 text file, one sentence each (ids = line numbers from 0); InputError otherwise."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if data.startswith(UTF16_BOMS):  # UTF-16 text has NUL bytes but says so in its BOM
        text, _ = decode_bytes(data, str(path))
    elif b"\x00" in data:
        raise InputError(f"{path} is a binary file (NUL bytes), not one sentence per line of UTF-8 text")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line_no = data[: exc.start].count(b"\n") + 1
            raise InputError(
                f"{path}:{line_no}: not UTF-8 ({exc.reason} at byte {exc.start}); convert the file to UTF-8"
            ) from exc
    # Lines as Python text files (and so vecalign's readers) count them, so ids match the gold.
    lines = [line.strip() for line in text_lines(text)]
    for number, line in enumerate(lines, 1):
        if len(line) > MAX_LINE_CHARS:
            raise InputError(
                f"{path}:{number}: a line of {len(line):,} characters is not a sentence (limit "
                f"{MAX_LINE_CHARS:,}); split the text into one sentence per line first"
            )
    if not any(lines):
        raise InputError(f"{path} has no sentences (empty or blank lines only); expected one sentence per line")
    return lines


def blank_note(path: Path, sentences: list[str]) -> str | None:
    """The stderr note for blank lines, which stay empty sentences so that ids remain line numbers.

    Why not refuse them: vecalign reads a blank line as a sentence (its ``BLANK_LINE``) and gold
    files count it, so dropping it would shift every later id.
    """
    blank = [number for number, line in enumerate(sentences, 1) if not line]
    if not blank:
        return None
    shown = ", ".join(str(n) for n in blank[:5]) + (", ..." if len(blank) > 5 else "")
    return f"note: {path}: {len(blank)} blank line(s) (line {shown}) kept as empty sentences; ids are line numbers"


def check_languages(src_lang: str, tgt_lang: str) -> tuple[str, str]:
    """Both codes normalised by the language layer (InputError naming the option otherwise)."""
    return normalize_code(src_lang, "--src-lang"), normalize_code(tgt_lang, "--tgt-lang")


def check_declared(path: Path, sentences: list[str], declared: str, other: str, option: str) -> None:
    """Refuse a file that lingua reads as the other side's language (swapped or wrong codes).

    Only decided between the two declared languages, and only when lingua covers both and they
    differ: a language lingua does not know is never judged.
    """
    identifier = Identifier([declared, other])
    if not identifier.usable or base_language(declared) == base_language(other):
        return
    sample = sentences[:: max(1, len(sentences) // LANGUAGE_SAMPLE)][:LANGUAGE_SAMPLE]
    votes = [identifier.confidences(s)[0][0] for s in sample if len(s) >= 20]
    wrong = sum(v == other for v in votes)
    if votes and wrong > len(votes) / 2:
        raise InputError(
            f"{path}: {wrong} of {len(votes)} sampled lines read as {other!r}, not {declared!r} as {option} "
            "says; check the language codes (swapped?) and the file order"
        )


def make_embedder(name: str, model: str | None, threads: int, precision: str = "float32") -> Embedder:
    """The embedder as the run builds it (conf/embedder/*.yaml defaults), its passes at ``precision``.

    ``precision`` (float32, bfloat16, auto) applies to the transformers encoders (e5, hf); USE has one.
    """
    if name == "use":
        from eval.embedders.use import USEEmbedder

        if precision != "float32":
            raise InputError(f"--precision {precision} applies to --embedder e5 or hf; USE computes in float32 only")
        return USEEmbedder(threads=threads)
    if name == "hf":
        from eval.embedders.hf import HFEmbedder

        if not model:
            raise InputError("--embedder hf needs --model PATH_OR_HUB_NAME (a transformers encoder)")
        return HFEmbedder(model=model, threads=threads, precision=precision)
    from eval.embedders.e5 import E5Embedder

    if model is None:
        return E5Embedder(threads=threads, precision=precision)
    return E5Embedder(model_dir=model, threads=threads, precision=precision)


def format_scores(result: StrictLax) -> str:
    return "\n".join(
        [
            "             strict     lax",
            f"precision    {result.precision_strict:6.3f}  {result.precision_lax:6.3f}",
            f"recall       {result.recall_strict:6.3f}  {result.recall_lax:6.3f}",
            f"F1           {result.f1_strict:6.3f}  {result.f1_lax:6.3f}",
        ]
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m eval.align", description=__doc__.split("\n\n")[0])
    ap.add_argument("src", type=Path, help="source file, one sentence per line")
    ap.add_argument("tgt", type=Path, help="target file, one sentence per line")
    ap.add_argument("--src-lang", required=True, help="language code of SRC (BCP-47, e.g. de)")
    ap.add_argument("--tgt-lang", required=True, help="language code of TGT (BCP-47, e.g. fr)")
    ap.add_argument("--embedder", choices=["e5", "use", "hf"], default="e5")
    ap.add_argument("--model", help="model directory (e5, hf) or hub name (hf)")
    ap.add_argument("-g", "--gold", type=Path, action="append", default=[], help="gold alignment (vecalign format)")
    ap.add_argument(
        "--method", choices=list(METHODS), default="bertalign", help="bead score (see eval.align.sentences)"
    )
    ap.add_argument("--max-align", type=int, default=MAX_ALIGN, help="most sentences in one bead, both sides")
    ap.add_argument("--window", type=int, default=WINDOW, help="second-pass search width around the anchors")
    ap.add_argument("--skip", type=float, default=SKIP, help="score of a 1-0 or 0-1 bead")
    ap.add_argument("--p-value", type=float, default=P_VALUE, help="level of the 'nothing alignable' order test")
    ap.add_argument("--embedded-windows", type=int, default=4, help="largest window whose concatenation is encoded")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument(
        "--precision",
        choices=list(get_args(Precision)),
        default="float32",
        help="matmul precision of the e5/hf encoder (auto: bfloat16 where the CPU has it natively)",
    )
    return ap.parse_args(argv)


def run(args: argparse.Namespace) -> int:
    src_lang, tgt_lang = check_languages(args.src_lang, args.tgt_lang)
    if args.max_align < 2 or args.window < 1:
        raise InputError(f"--max-align must be >= 2 and --window >= 1 (got {args.max_align}, {args.window})")
    src, tgt = read_sentences(args.src), read_sentences(args.tgt)
    for path, sentences in ((args.src, src), (args.tgt, tgt)):
        note = blank_note(path, sentences)
        if note:
            print(note, file=sys.stderr)
    check_declared(args.src, src, src_lang, tgt_lang, "--src-lang")
    check_declared(args.tgt, tgt, tgt_lang, src_lang, "--tgt-lang")
    golds = [read_vecalign(g) for g in args.gold]
    for path, gold in zip(args.gold, golds, strict=True):
        top_src = max((i for s, _ in gold for i in s), default=-1)
        top_tgt = max((j for _, t in gold for j in t), default=-1)
        if top_src >= len(src) or top_tgt >= len(tgt):
            raise InputError(
                f"gold {path} names sentence {max(top_src, top_tgt)} but {args.src} has {len(src)} and "
                f"{args.tgt} {len(tgt)} sentences: gold ids count the lines from 0"
            )
    settings = AlignSettings(
        method=args.method,
        max_align=args.max_align,
        window=args.window,
        skip=args.skip,
        p_value=args.p_value,
        embedded_windows=args.embedded_windows,
    )
    embedder = make_embedder(args.embedder, args.model, args.threads, args.precision)
    beads = align_documents(embedder, src, tgt, system=args.tgt.name, settings=settings)
    print("\n".join(format_bead(b.ref_ids, b.hyp_ids, b.similarity) for b in beads))
    if golds:
        print(format_scores(strict_lax([(gold, bead_ids(beads)) for gold in golds])), file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    from eval.cli import run_tool

    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    args = parse_args(argv)
    return run_tool(lambda: run(args))


if __name__ == "__main__":
    raise SystemExit(main())
