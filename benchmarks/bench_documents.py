"""Many documents per corpus: the same text cut into 20 documents and into 200, wall time and peak RSS.

The TED MQM dev set (en→de, 171 segments) is cycled to N segments; the German reference and two systems, as
published versions, are cut into D documents of N/D lines each (``segmented: true``: one sentence per line), so
both corpora hold the same text and only the number of documents differs. Each run aligns every version document
against its reference document, scores BLEU/chrF and runs names_numbers. A warm-up run fills the embedding
cache first, so both measured runs read it alike; with ``cold``, each count runs once on its own empty cache
instead (the e5 model loaded, sentence vectors computed: the peak RSS of a first run).
Run: .venv/bin/python benchmarks/bench_documents.py [segments=400] [docs=20,200] [warm|cold]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchrun import build_ted, run_eval


def build_corpus(out: Path, ted: Path, segments: int, docs: int) -> Path:
    manifest = yaml.safe_load((ted / "manifest.yaml").read_text(encoding="utf-8"))
    texts = {"ref": manifest["reference"]["file"], **{s["name"]: s["file"] for s in manifest["systems"][:2]}}
    folder = out / f"docs{docs}"
    folder.mkdir()
    entries = []
    per_doc = segments // docs
    for name, file in texts.items():
        lines = (ted / file).read_text(encoding="utf-8").splitlines()
        cycled = [lines[k % len(lines)] for k in range(per_doc * docs)]
        for d in range(docs):
            path = folder / f"{name}.{d}.txt"
            path.write_text("\n".join(cycled[d * per_doc : (d + 1) * per_doc]) + "\n", encoding="utf-8")
            role = "reference" if name == "ref" else "version"
            entries.append(
                {"file": path.name, "lang": "de", "role": role, "doc": f"d{d}", "name": name, "segmented": True}
            )
    (folder / "manifest.yaml").write_text(yaml.safe_dump({"documents": entries}, sort_keys=False), encoding="utf-8")
    return folder


def main() -> None:
    segments = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    counts = [int(x) for x in (sys.argv[2] if len(sys.argv) > 2 else "20,200").split(",")]
    cold = len(sys.argv) > 3 and sys.argv[3] == "cold"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        ted = build_ted(out)
        print(f"{segments} segments x 3 texts (reference + 2 versions), cut into {counts} documents")
        for docs in counts:
            folder = build_corpus(out, ted, segments, docs)
            args = [
                "corpus=documents",
                f"corpus.dir={folder}",
                "corpus.language_check=off",
                "corpus.cleaning.language_check.enabled=false",
                "mt.enabled=false",
                "metric=[bleu,chrf]",
                "detector=[names_numbers]",
                "~report",
                "progress=false",
                f"results_dir={out / 'results'}",
                f"cache.dir={out / (f'cache{docs}' if cold else 'cache')}",
            ]
            if docs == counts[0] and not cold:
                run_eval(args, f"warm-up ({docs} documents, fills the cache)")
            run_eval(args, f"{docs} documents of {segments // docs} segments{', empty cache' if cold else ''}")


if __name__ == "__main__":
    main()
