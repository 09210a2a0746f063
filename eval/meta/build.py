"""Build a line-aligned set from an MQM TSV: the harness then runs on the rated outputs.

``python -m eval.meta.build TSV OUT_DIR --src-lang en --ref-lang de`` writes ``source.<src>``, ``reference.<ref>``
(the rows of the reference system, ``ref`` by default), one ``<system>.<ref>`` per other system, a
``segments.tsv`` (line → doc, doc_id, seg_id) and a ``manifest.yaml`` in the line-aligned format
(``format: lines``, see tests/data/linealigned/). Run it with ``corpus=line-aligned corpus.dir=OUT_DIR``.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from eval.errors import InputError
from eval.meta.mqm_tsv import MqmRatings, read_mqm_tsv

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class BuiltSet:
    out_dir: Path
    systems: list[str]
    segments: int


def file_stem(system: str) -> str:
    """A file name for a system name (which may hold spaces or slashes)."""
    return _UNSAFE.sub("_", system).strip("_") or "system"


def _check_line(text: str, where: str) -> None:
    if "\n" in text or "\r" in text:
        raise InputError(f"{where}: a segment holds a line break; a line-aligned set needs one line per segment")


def build_line_aligned(
    ratings: MqmRatings,
    out_dir: str | Path,
    src_lang: str,
    ref_lang: str,
    reference: str = "ref",
    name: str | None = None,
) -> BuiltSet:
    """Write the line-aligned set of ``ratings`` into ``out_dir`` (created; existing files are replaced)."""
    if reference not in ratings.outputs:
        raise InputError(
            f"{ratings.path}: no system {reference!r} to use as the reference; systems: {', '.join(ratings.systems)}. "
            "Fix: pass --reference NAME" + "".join(f" (note: {n})" for n in ratings.notes)
        )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    order = ratings.segments
    ref_out = ratings.outputs[reference]
    columns: dict[str, list[str]] = {f"source.{src_lang}": [ref_out[k].source for k in order]}
    columns[f"reference.{ref_lang}"] = [ref_out[k].target for k in order]
    systems = [s for s in ratings.systems if s != reference]
    stems: dict[str, str] = {}
    for system in systems:
        stem = file_stem(system)
        if stem in stems.values() or stem in ("source", "reference"):
            raise InputError(f"{ratings.path}: system names {system!r} and another map to one file name {stem!r}")
        stems[system] = stem
        columns[f"{stem}.{ref_lang}"] = [ratings.outputs[system][k].target for k in order]
    for fname, lines in columns.items():
        for i, line in enumerate(lines, 1):
            _check_line(line, f"{ratings.path}: {fname} line {i}")
        (out / fname).write_text("\n".join(lines) + "\n", encoding="utf-8")
    index = ["line\tdoc\tdoc_id\tseg_id"] + [
        f"{i}\t{k.doc}\t{k.doc_id}\t{ref_out[k].seg_id}" for i, k in enumerate(order, 1)
    ]
    (out / "segments.tsv").write_text("\n".join(index) + "\n", encoding="utf-8")
    manifest = {
        "name": name or out.name,
        "format": "lines",
        "description": f"built by eval.meta.build from {ratings.path} (sha256 {ratings.sha256})",
        "source": {"file": f"source.{src_lang}", "lang": src_lang},
        "reference": {"file": f"reference.{ref_lang}", "lang": ref_lang},
        "systems": [{"name": s, "file": f"{stems[s]}.{ref_lang}", "lang": ref_lang, "kind": "mt"} for s in systems],
    }
    header = "# Line-aligned set built from human MQM ratings; segments.tsv maps each line to its document.\n"
    (out / "manifest.yaml").write_text(header + yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False), "utf-8")
    return BuiltSet(out, systems, len(order))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.meta.build", description=__doc__.split("\n\n")[0])
    parser.add_argument("tsv", help="MQM TSV (system doc doc_id seg_id rater source target category severity comment)")
    parser.add_argument("out_dir", help="folder to write the line-aligned set into")
    parser.add_argument("--src-lang", required=True, help="language of the source column (BCP-47, e.g. en)")
    parser.add_argument("--ref-lang", required=True, help="language of the targets (BCP-47, e.g. de)")
    parser.add_argument("--reference", default="ref", help="the system whose targets are the reference (default: ref)")
    parser.add_argument("--docs", nargs="+", help="keep only these documents (e.g. talk.1)")
    parser.add_argument("--name", help="corpus name in the manifest (default: the folder name)")
    args = parser.parse_args(argv)
    from eval.meta.cli import run_tool

    def build() -> str:
        ratings = read_mqm_tsv(args.tsv)
        if args.docs:
            ratings = ratings.select_docs(args.docs)
        built = build_line_aligned(ratings, args.out_dir, args.src_lang, args.ref_lang, args.reference, args.name)
        for note in ratings.notes:
            print(f"note: {args.tsv}: {note}", file=sys.stderr)
        return (
            f"{built.out_dir}: {built.segments} segments, {len(built.systems)} systems + reference; "
            f"run: python -m eval corpus=line-aligned corpus.dir={built.out_dir}"
        )

    return run_tool(build)


if __name__ == "__main__":
    raise SystemExit(main())
