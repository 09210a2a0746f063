"""A text-given annotation (DGSN style) placed as character spans for the MQM span matcher."""

from __future__ import annotations

from eval.detectors.base import AlignedPair, Span, TextSpan
from eval.meta.spanmatch import overlap_prf
from eval.meta.textgold import REF_SIDE, detected_char_spans, gold_char_spans

BEADS = {
    "es": [
        AlignedPair("es", "fr", "es", (0,), (0,), "Les drones volent.", "Los aviones vuelan.", 1.0),
        AlignedPair("es", "fr", "es", (1,), (1,), "Il pleut à Lyon.", "Llueve.", 1.0),
    ]
}
GOLD = {
    "es": [
        {"category": "accuracy/mistranslation", "severity": "major", "hyp": "aviones", "ref": "drones"},
        {"category": "accuracy/omission", "severity": "minor", "hyp": None, "ref": "à Lyon"},
        {"category": "accuracy/mistranslation", "severity": "minor", "hyp": "ausente", "ref": None},  # in no bead
    ]
}


def test_gold_and_detected_spans_meet_on_their_bead_and_side() -> None:
    gold = gold_char_spans(GOLD, BEADS)
    assert [(g.system, g.line, g.start, g.end) for g in gold] == [("es", 0, 4, 11), ("es" + REF_SIDE, 1, 9, 15)]
    b0, b1 = BEADS["es"]
    found = [
        Span.on(b0, TextSpan("aviones", 4, 11), TextSpan("drones", 4, 10), "accuracy/mistranslation", "major", "m", 1),
        Span.on(b1, None, TextSpan("Lyon", 11, 15), "accuracy/omission", "minor", "o", 1.0),  # omission: ref side
        Span.on(b1, TextSpan("Llueve", 0, 6), None, "accuracy/addition", "minor", "o", 1.0),  # a false alarm
    ]
    detected = detected_char_spans(found, BEADS)
    assert [(d.system, d.line) for d in detected] == [("es", 0), ("es" + REF_SIDE, 1), ("es", 1)]
    ov = overlap_prf(detected, gold)
    assert (ov.correct_detected, ov.detected, ov.found_human, ov.human) == (2, 3, 2, 2)
