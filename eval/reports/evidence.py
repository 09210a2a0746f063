"""A span's evidence in words: the back-translation, dictionary entries, approved terms, similarity
and threshold a detector decided on, as label/value pairs for the page and the Excel issue list.

Why: spans.jsonl keeps evidence as each detector's raw record; a reader needs "back-translation:
congélation · similarity 0.26 < threshold 0.35", not JSON, on a phone as well as on a desktop.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

LABELS: dict[str, str] = {
    "back_translation": "back-translation",
    "bridge": "back-translation",
    "bridge_word": "bridge word",
    "bridge_match": "bridge match",
    "dictionary": "dictionary entries",
    "approved": "approved terms",
    "term": "glossary term",
    "used": "word used",
    "used_link_similarity": "link similarity of the word used",
    "similarity": "similarity",
    "threshold": "threshold",
    "link_similarity": "alignment link similarity",
    "ref_lemmas": "reference lemmas",
    "hyp_lemmas": "version lemmas",
    "route": "route",
    "note": "note",
}


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, Mapping):
        return "; ".join(f"{k} → {_value(v)}" for k, v in value.items()) or "none"
    if isinstance(value, (list, tuple)):
        return ", ".join(_value(v) for v in value) or "none"
    return str(value)


def evidence_items(evidence: Any) -> list[tuple[str, str, str]]:
    """(detector or "", label, value) per evidence field, in the detector's order.

    A merged span's evidence is keyed by detector (``{"mistranslation": {...}, "terminology": {...}}``);
    a single detector's is flat.
    """
    if not isinstance(evidence, Mapping) or not evidence:
        return []
    nested = all(isinstance(v, Mapping) for v in evidence.values())
    groups = evidence.items() if nested else [("", evidence)]
    out: list[tuple[str, str, str]] = []
    for detector, fields in groups:
        for key, value in fields.items():
            out.append((str(detector), LABELS.get(str(key), str(key).replace("_", " ")), _value(value)))
    return out


def evidence_text(evidence: Any) -> str:
    """One line for a spreadsheet cell: "mistranslation: back-translation congélation; similarity -0.047"."""
    parts = []
    for detector, label, value in evidence_items(evidence):
        parts.append(f"{detector + ': ' if detector else ''}{label} {value}")
    return "; ".join(parts)
