"""Property tests: from bytes on disk through decoding, cleaning and segmentation to span offsets, on text with
RTL marks, ZWJ, NFD accents and emoji. Every offset must index the cleaned segment exactly."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eval.cleaning import clean_text
from eval.detectors.base import AlignedPair
from eval.detectors.names_numbers import NamesNumbersDetector, name_evidence, reference_entities
from eval.detectors.terminology import find_term
from eval.segmenting import segment_lines
from eval.textio import read_text

WORDS = [
    "Hammouchi",
    "Lyon",
    "Interpol",
    "réunion",
    "re\u0301union",  # NFD: e + combining acute
    "MENA",
    "2024",
    "8ème",
    "drones",
    "الشرطة",
    "\u200fالمغرب\u200f",  # RTL marks around an Arabic word
    "👨\u200d👩\u200d👧",  # ZWJ family
    "👍🏽",
    "Ca\u0327ta\u0301lunya",  # two combining marks
    "\u202bاﻹنتربول\u202c",  # RTL embedding
    "3,5",
    "septembre",
    "Sûreté",
]
PUNCT = [" ", " ", " ", ", ", ". ", " — ", "\u00a0", " (", ") "]

sentence = st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(PUNCT)), min_size=3, max_size=18).map(
    lambda parts: "".join(w + p for w, p in parts).strip() + "."
)
document = st.lists(sentence, min_size=1, max_size=6).map("\n".join)
encoding = st.sampled_from(["utf-8", "utf-8-sig", "utf-16"])


def ingest(tmp_path: Path, text: str, enc: str) -> list[str]:
    """Bytes on disk → decoded, normalized → cleaned (no rules) → sentences."""
    path = tmp_path / "doc.txt"
    path.write_bytes(text.encode(enc))
    decoded = read_text(path)
    result = clean_text(path.name, decoded.text, "fr", [], None)
    return segment_lines(result.lines, "fr")


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(text=document, enc=encoding)
def test_segments_are_normalized_substrings_of_the_decoded_text(tmp_path: Path, text: str, enc: str) -> None:
    sents = ingest(tmp_path, text, enc)
    assert sents, "every generated document keeps at least one sentence"
    for sent in sents:
        assert sent == sent.strip() and sent
        assert unicodedata.is_normalized("NFC", sent)
        assert "\n" not in sent


@SETTINGS
@given(text=document, enc=encoding, data=st.data())
def test_term_offsets_index_the_segment(tmp_path: Path, text: str, enc: str, data: st.DataObject) -> None:
    for sent in ingest(tmp_path, text, enc):
        word = data.draw(st.sampled_from(sent.split()))
        for hit in find_term(sent, word.strip(".,()—")):
            assert sent[hit.start : hit.end] == hit.text


@SETTINGS
@given(text=document, enc=encoding)
def test_entity_offsets_index_the_segment(tmp_path: Path, text: str, enc: str) -> None:
    sents = ingest(tmp_path, text, enc)
    evidence = name_evidence(sents, "fr", None)
    for sent in sents:
        for ent in reference_entities(sent, evidence):
            assert sent[ent.span.start : ent.span.end] == ent.span.text


@pytest.mark.slow
@SETTINGS
@given(ref_text=document, hyp_text=document, enc=encoding)
def test_span_offsets_index_reference_and_version(tmp_path: Path, ref_text: str, hyp_text: str, enc: str) -> None:
    """The names/numbers detector on a generated reference and version: each span's hypothesis and reference
    offsets index the cleaned segments the pair was built from."""
    refs = ingest(tmp_path, ref_text, enc)
    hyps = ingest(tmp_path, hyp_text, "utf-8")
    n = min(len(refs), len(hyps))
    pairs = [
        AlignedPair(
            system="v",
            ref_lang="fr",
            hyp_lang="es",
            ref_ids=(i,),
            hyp_ids=(i,),
            ref=refs[i],
            hyp=hyps[i],
            similarity=0.9,
        )
        for i in range(n)
    ]
    spans = NamesNumbersDetector().detect(pairs)
    by_ids = {(p.ref_ids, p.hyp_ids): p for p in pairs}
    for span in spans:
        pair = by_ids[(tuple(span.ref_segment_ids), tuple(span.hyp_segment_ids))]
        if span.hyp is not None:
            assert pair.hyp[span.hyp.start : span.hyp.end] == span.hyp.text
        if span.ref is not None:
            assert pair.ref[span.ref.start : span.ref.end] == span.ref.text
