"""Mistranslation recall on planted errors: nouns of an Apertium Spanish version replaced by other nouns.

Why: the thresholds were tuned on the DGSN versions, which are also the gold annotation. Here the
version is new (Apertium's own fr→es output), the errors are planted by a seeded random draw that
nobody tuned for, and the bridge is Apertium es→fr of the corrupted text, as in a run. Floors sit a
little under the measured figures, which the test prints.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from eval.detectors.evaluate import Injection, inject_clauses, inject_deletions, inject_substitutions, load_beads

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "multilingual-e5-small"
SEEDS = (7, 8, 9)  # seeds 1-6 were used to choose backtranslation_threshold and to study misses; these were not
# Measured on seeds 7-9: 36 of 60 planted nouns found (0.60; 0.28 before a 1:1 bridge gap outranked weak
# alignment links, 0.20 with the former threshold 0.28), no span on any other word, none on the clean version.
RECALL_FLOOR = 0.55
OTHER_SPANS_PER_VERSION = 1.0

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (MODEL / "config.json").is_file(), reason="e5 model not built (make setup)"),
    pytest.mark.skipif(
        shutil.which("apertium") is None or not Path("/usr/share/apertium/apertium-fr-es").is_dir(),
        reason="Apertium fr-es not installed",
    ),
]


def test_injection_offsets_point_at_the_replacements() -> None:
    texts = ["la reunión de los jefes de policía", "sin nombres"]
    out, planted = inject_substitutions(texts, [[(3, 10), (18, 23), (27, 34)], []], ["frontera", "queso"], 2, 7)
    assert out[1] == "sin nombres" and len(planted) == 2
    for inj in planted:
        assert out[inj.bead][inj.start : inj.start + len(inj.replacement)] == inj.replacement
        assert inj.replacement.lower() != inj.original.lower()


@dataclass
class ApertiumSpanish:
    """Apertium's fr→es of the reference beads: a fresh version to plant errors into, bridged back like a run."""

    refs: list[str]
    clean: list[str]
    engine: Any

    @classmethod
    def build(cls) -> ApertiumSpanish:
        from eval.translators.apertium import ApertiumTranslator

        beads = load_beads(ROOT / "tests" / "data" / "dgsn_aligned_beads.jsonl")
        refs = list(dict.fromkeys(p.ref for ps in beads.values() for p in ps if p.ref.strip()))
        engine = ApertiumTranslator()
        return cls(refs, engine.translate(refs, "fr", "es").lines, engine)

    def pairs(self, name: str, hyps: list[str]) -> list[Any]:
        """One bead per reference sentence, with the version's es→fr bridge."""
        from eval.detectors.base import AlignedPair

        bridge = self.engine.translate(hyps, "es", "fr").lines
        return [
            AlignedPair(name, "fr", "es", (i,), (i,), r, h, 1.0, bridge=b)
            for i, (r, h, b) in enumerate(zip(self.refs, hyps, bridge, strict=True))
        ]


def tally(
    runs: list[tuple[list[Injection], list[Any]]], hits: Callable[[Any, Injection], bool]
) -> tuple[int, int, int]:
    """(planted errors some span hits, planted errors, spans that hit none) over (planted, spans) runs."""
    found = sum(any(hits(s, inj) for s in spans) for planted, spans in runs for inj in planted)
    total = sum(len(planted) for planted, _ in runs)
    other = sum(not any(hits(s, inj) for inj in planted) for planted, spans in runs for s in spans)
    return found, total, other


def summary(
    what: str,
    runs: list[tuple[list[Injection], list[Any]]],
    hits: Callable[[Any, Injection], bool],
    baseline: list[Any],
) -> dict[str, Any]:
    """The ``tally`` of planted-error runs and the spans on the clean version: printed (the figures the README
    quotes) and returned for the assertions."""
    found, total, other = tally(runs, hits)
    print(
        f"\nplanted {total} {what} in {len(runs)} versions: found {found} (recall {found / total:.2f}); "
        f"spans elsewhere {other} ({other / len(runs):.1f} per version); clean Apertium version: {len(baseline)} spans"
    )
    return {"found": found, "total": total, "other": other, "baseline": baseline}


@pytest.fixture(scope="module")
def planted_run() -> dict[str, Any]:
    from eval.detectors.bridge_links import cached_words
    from eval.detectors.lexicon import Lexicon
    from eval.detectors.mistranslation import MistranslationDetector
    from eval.embedders.e5 import E5Embedder

    version = ApertiumSpanish.build()
    refs, clean = version.refs, version.clean
    words = [list(cached_words(h)) for h in clean]
    readings = Lexicon().analyse("es", [w.text for ws in words for w in ws])
    nouns = {w for w, rs in readings.items() if any(r.pos == "n" for r in rs) and len(w) >= 4 and w.isalpha()}
    candidates = [[(w.start, w.end) for w in ws if w.text in nouns] for ws in words]  # lower-case: no names
    pool = sorted(nouns)
    emb = E5Embedder(model_dir=str(MODEL), layer=6)

    def spans_for(name: str, hyps: list[str]) -> list[Any]:
        return MistranslationDetector(embedder=emb).detect(version.pairs(name, hyps))

    runs: list[tuple[list[Injection], list[Any]]] = []
    for seed in SEEDS:
        hyps, planted = inject_substitutions(clean, candidates, pool, per_text=2, seed=seed)
        runs.append((planted, spans_for(f"planted-{seed}", hyps)))
    baseline = spans_for("clean", clean)

    def hits(s: Any, inj: Injection) -> bool:
        return bool(s.hyp) and s.hyp_segment_ids == [inj.bead] and s.hyp.start <= inj.start < s.hyp.end

    return summary(f"wrong nouns ({len(refs)} beads per version)", runs, hits, baseline)


def test_planted_wrong_nouns_are_found(planted_run: dict[str, Any]) -> None:
    assert planted_run["total"] >= 50
    assert planted_run["found"] / planted_run["total"] >= RECALL_FLOOR


def test_few_spans_away_from_the_planted_words(planted_run: dict[str, Any]) -> None:
    assert planted_run["other"] / len(SEEDS) <= OTHER_SPANS_PER_VERSION
    assert len(planted_run["baseline"]) <= OTHER_SPANS_PER_VERSION


# Off-topic Spanish clauses, written for this test (none is about policing or Interpol).
CLAUSES = [
    "que fue recibida con entusiasmo por la prensa local",
    "mientras miles de aficionados celebraban la victoria del equipo",
    "según un estudio publicado la semana pasada por una universidad británica",
    "a pesar de las fuertes lluvias que afectaron a la capital",
    "en un ambiente marcado por la música tradicional y la gastronomía",
    "tras varios años de negociaciones comerciales con empresas europeas",
    "lo que provocó un aumento notable del precio del petróleo",
    "cuyo nuevo museo abrirá sus puertas el próximo verano",
    "como demuestran las cifras récord de turismo registradas este año",
    "en presencia de numerosos artistas y escritores invitados",
    "aunque el calendario escolar no fue modificado",
    "gracias a una donación privada de una fundación cultural",
]
ADDITION_SEEDS = (7, 8, 9)  # seeds 1-6 were used to choose addition_min_link_similarity; these were not
# Measured on seeds 7-9: 28 of 30 (0.93), none elsewhere; seeds 1-6 gave 49 of 60 (0 with no link threshold, 56 at 0.55,
# which flags paraphrases in the annotated versions).
ADDITION_RECALL_FLOOR = 0.85


def test_injected_clauses_land_where_recorded() -> None:
    out, planted = inject_clauses(["a, b, c.", "sin comas."], ["X Y"], seed=3)
    for inj in planted:
        assert out[inj.bead][inj.start : inj.start + len(inj.replacement)] == inj.replacement
    assert out[1] == "sin comas, X Y."


@pytest.fixture(scope="module")
def planted_additions() -> dict[str, Any]:
    from eval.detectors.omission_addition import OmissionAdditionDetector
    from eval.embedders.e5 import E5Embedder

    version = ApertiumSpanish.build()
    det = OmissionAdditionDetector(embedder=E5Embedder(model_dir=str(MODEL), layer=6), min_run=3)

    def additions(name: str, hyps: list[str]) -> list[Any]:
        return [s for s in det.detect(version.pairs(name, hyps)) if s.category == "accuracy/addition"]

    def hits(s: Any, inj: Injection) -> bool:
        end = inj.start + len(inj.replacement)
        return bool(s.hyp) and s.hyp_segment_ids == [inj.bead] and s.hyp.start < end and inj.start < s.hyp.end

    runs: list[tuple[list[Injection], list[Any]]] = []
    for seed in ADDITION_SEEDS:
        hyps, planted = inject_clauses(version.clean, CLAUSES, seed)
        runs.append((planted, additions(f"added-{seed}", hyps)))
    return summary("clauses (additions)", runs, hits, additions("clean", version.clean))


def test_planted_clauses_are_found_as_additions(planted_additions: dict[str, Any]) -> None:
    assert planted_additions["total"] >= 30
    assert planted_additions["found"] / planted_additions["total"] >= ADDITION_RECALL_FLOOR
    assert planted_additions["other"] == 0 and planted_additions["baseline"] == []


DELETION_SEEDS = (1, 2, 3, 4, 5, 6)  # nothing was tuned on planted deletions
# Measured: 9 of 55 deletions found (0.16), none elsewhere. Low, and kept as a floor, not a goal: in 33 of the 46
# misses the aligner still links half the deleted reference words (similarity >= 0.5) to other version words, so no
# run of 3 forms; in 13 the words occur in the bridge of the bead or its neighbours (this news text repeats "lutte
# contre", "sécurité", "réunion") or stay e5-similar. Links >= 0.55 find 14 but raise the annotated versions' spans
# from 34 to 54 (precision 0.47 -> 0.37).
DELETION_RECALL_FLOOR = 0.12


def test_injected_deletions_are_recorded() -> None:
    out, planted = inject_deletions(
        ["uno dos tres cuatro cinco seis siete ocho", "corto"], seed=1, min_words=2, max_words=3
    )
    (inj,) = planted
    assert out[1] == "corto" and inj.original and inj.original not in out[0]
    assert out[0].startswith("uno dos tres cuatro cinco seis siete ocho"[: inj.start])


def test_planted_deletions_are_found_as_omissions() -> None:
    from eval.detectors.omission_addition import OmissionAdditionDetector
    from eval.detectors.stopwords import is_content
    from eval.detectors.wordlinks import align_pairs
    from eval.embedders.e5 import E5Embedder

    version = ApertiumSpanish.build()
    emb = E5Embedder(model_dir=str(MODEL), layer=6)
    det = OmissionAdditionDetector(embedder=emb, min_run=3)
    clean_links = align_pairs(emb, list(zip(version.refs, version.clean, strict=True)))
    found = total = other = 0
    for seed in DELETION_SEEDS:
        hyps, planted = inject_deletions(version.clean, seed)
        spans = [s for s in det.detect(version.pairs(f"deleted-{seed}", hyps)) if s.category == "accuracy/omission"]
        # The reference words of each deletion: strong links of the deleted words in the clean version.
        deleted: dict[int, list[int]] = {}
        for inj in planted:
            end = inj.start + len(inj.original)
            deleted[inj.bead] = [
                lk.ref.start
                for lk in clean_links[inj.bead]
                if inj.start <= lk.hyp.start < end and lk.similarity >= 0.6 and is_content(lk.ref.text, "fr")
            ]

        def on_deleted(s: Any, words: dict[int, list[int]] = deleted) -> bool:
            return bool(s.ref) and any(s.ref.start <= a < s.ref.end for a in words.get(s.ref_segment_ids[0], []))

        targets = [b for b, refs in deleted.items() if len(set(refs)) >= 3]  # what min_run=3 can find
        total += len(targets)
        found += sum(any(s.ref_segment_ids == [b] and on_deleted(s) for s in spans) for b in targets)
        other += sum(not on_deleted(s) for s in spans)
    print(
        f"\nplanted {total} deletions of 6-10 words: found {found} ({found / total:.2f}); omissions elsewhere {other}"
    )
    assert total >= 30
    assert found / total >= DELETION_RECALL_FLOOR
    assert other == 0
