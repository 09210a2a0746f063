"""Findings back into the XLIFF a CAT tool opens: each version re-emitted with ITS 2.0 Localization Quality
Issue markup (its:locQualityIssueType, its:locQualityIssueComment, its:locQualityIssueSeverity) on the words
of its targets, the form Okapi CheckMate and other QA tools exchange.

The original file is re-parsed with translate-toolkit and changed in place: inline tags, notes and states are
kept as they were. A finding whose words sit in one text node is marked on those words; one that crosses a tag,
or has no words in the version (an omission), marks the whole target.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from eval.detectors.base import Span
from eval.formats.inline import plain_text
from eval.formats.units import BilingualFile
from eval.formats.xliff import child, identified_units, parse_store, unit_element

ITS_NS = "http://www.w3.org/2005/11/its"
#: MQM category → ITS 2.0 locQualityIssueType (the ITS list has no "fluency": it is "grammar" there).
ITS_TYPES = {
    "accuracy/mistranslation": "mistranslation",
    "accuracy/omission": "omission",
    "accuracy/addition": "addition",
    "accuracy/untranslated": "untranslated",
    "terminology": "terminology",
    "fluency": "grammar",
}
#: qa_checks names its check in ``evidence["check"]``; ITS has a finer type for each than its category's.
ITS_CHECK_TYPES = {
    "repeated_word": "duplication",
    "unpaired_bracket": "typographical",
    "end_punctuation": "typographical",
    "mixed_script": "characters",
    "mojibake": "characters",
    "placeholder": "markup",
    "foreign_script": "untranslated",
}
#: MQM severity → ITS locQualityIssueSeverity (0-100, higher is worse).
ITS_SEVERITY = {"minor": "30", "major": "70", "critical": "100"}


def its_type(span: Span) -> str:
    """The ITS locQualityIssueType of a span: its QA check's type when it has one, else its category's."""
    check = span.evidence.get("check") if span.detector == "qa_checks" else None
    return ITS_CHECK_TYPES.get(str(check), ITS_TYPES.get(span.category, "other"))


def its_comment(span: Span) -> str:
    """What a reviewer reads in the CAT tool: the category, the reference words and the detector."""
    ref = f"reference “{span.ref.text}”" if span.ref is not None else "not in the reference"
    check = f" {span.evidence['check']}" if span.detector == "qa_checks" and "check" in span.evidence else ""
    return f"{span.category}: {ref} ({span.detector}{check}, confidence {span.confidence:.2f})"


def _mrk(target: etree._Element, span: Span, serial: int) -> etree._Element:
    ns = etree.QName(target).namespace
    mrk = etree.Element(f"{{{ns}}}mrk" if ns else "mrk")
    if ns and ns.startswith("urn:oasis:names:tc:xliff:document:2."):
        mrk.set("id", f"lqi{serial}")
        mrk.set("type", "its:any")
    else:
        mrk.set("mtype", "x-its")
    mrk.set(f"{{{ITS_NS}}}locQualityIssueType", its_type(span))
    mrk.set(f"{{{ITS_NS}}}locQualityIssueComment", its_comment(span))
    mrk.set(f"{{{ITS_NS}}}locQualityIssueSeverity", ITS_SEVERITY.get(span.severity, "50"))
    return mrk


def mark_span(target: etree._Element, span: Span, serial: int) -> bool:
    """Wrap the span's words in an ITS <mrk>; True when they were found in one text node."""
    mrk = _mrk(target, span, serial)
    plain = plain_text(target)
    hyp = span.hyp
    same_words = hyp is not None and plain.text[hyp.start : hyp.end] == hyp.text
    found = plain.locate(hyp.start, hyp.end) if hyp is not None and same_words else None
    if found is None:
        mrk.text, target.text = target.text, None
        for node in list(target):
            mrk.append(node)  # moves it, tail included
        target.append(mrk)
        return False
    node, start, end = found
    owner, attr = plain.nodes[node]
    value = (owner.text if attr == "text" else owner.tail) or ""
    mrk.text, mrk.tail = value[start:end], value[end:]
    if attr == "text":
        owner.text = value[:start]
        owner.insert(0, mrk)
    else:
        owner.tail = value[:start]
        owner.addnext(mrk)
    return True


def declare_its(document: etree._ElementTree) -> None:
    """The root re-made with ``xmlns:its`` (lxml fixes an element's namespaces at creation), children moved."""
    old = document.getroot()
    root = etree.Element(old.tag, attrib=dict(old.attrib), nsmap={**old.nsmap, "its": ITS_NS})
    root.text = old.text
    for node in list(old):
        root.append(node)
    root.set(f"{{{ITS_NS}}}version", "2.0")
    document._setroot(root)


def write_back(sources: list[BilingualFile], spans: list[Span], segment_ids: list[str], out_dir: Path) -> Path:
    """``<out_dir>/<version>.xlf``: the version's XLIFF with its findings marked; returns its path.

    ``sources`` are the documents read from one file: one, or one per ``<file>`` element of it."""
    source = sources[0]
    store, _ = parse_store(source.path)
    declare_its(store.document)
    targets = {uid: child(unit_element(u), "target") for uid, u in identified_units(store)}
    # the corpus segments these documents hold (each document one range of the concatenated corpus)
    ranges = [(s.offset, min(s.offset + len(s.units), len(segment_ids))) for s in sources]
    # spans on one unit, last first, so marking one leaves the earlier offsets of its text node valid
    ordered = sorted(spans, key=lambda s: -(s.hyp.start if s.hyp is not None else -1))
    for serial, span in enumerate(ordered, 1):
        ids = span.ref_segment_ids or span.hyp_segment_ids
        for index in ids[:1]:
            inside = any(start <= index < end for start, end in ranges)
            target = targets.get(segment_ids[index]) if inside else None
            if target is not None:
                mark_span(target, span, serial)
    out_dir.mkdir(parents=True, exist_ok=True)
    one_of_many = source.doc and len(sources) == 1  # a file that is one document of the corpus
    path = out_dir / (f"{source.name}.{source.doc}.xlf" if one_of_many else f"{source.name}.xlf")
    path.write_bytes(bytes(store))
    return path
