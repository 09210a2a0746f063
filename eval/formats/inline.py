"""Inline markup out of the metrics: the plain text of an XLIFF/TMX segment, and where each of its characters
came from, so a finding on the plain text can be marked in the original element (tags kept).

Native-code elements (XLIFF 1.2 x/bx/ex/ph/bpt/ept/it, XLIFF 2.0 ph/sc/ec/cp, TMX ph/bpt/ept/it/ut) carry no
translatable text and are dropped with their content; paired elements (g, pc, mrk, hi, sub) keep their text.
Placeholders (printf ``%s``/``%1$d``/``%(name)s``, ``{0}``/``{name}``, ``${var}``) are dropped too: they are
not words, and an n-gram metric would count them as such.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from lxml import etree

CODE_ELEMENTS = frozenset({"x", "bx", "ex", "ph", "bpt", "ept", "it", "ut", "sc", "ec", "cp"})
PLACEHOLDER = re.compile(
    r"%(?:\d+\$)?(?:\([A-Za-z_]\w*\))?[-+#0]?\d*(?:\.\d+)?[sdifuxXegc@]"  # printf and Python %-formats
    r"|\{[0-9A-Za-z_.]*\}"  # {0}, {name}, {}
    r"|\$\{[^}\s]+\}"  # ${var}
)
_SPACE = re.compile(r"\s")
_CLOSING = frozenset(",.;:!?)]»")  # a space left before these by a dropped placeholder goes too


def local_name(element: etree._Element) -> str:
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def strip_placeholders(text: str) -> str:
    """A plain string (a PO msgid/msgstr) without placeholders, whitespace collapsed."""
    marked = PLACEHOLDER.sub("\x00", unicodedata.normalize("NFC", text))
    marked = re.sub(r"\s*\x00\s*(?=[,.;:!?)\]»])", "", marked)
    return " ".join(marked.replace("\x00", " ").split())


@dataclass
class PlainText:
    """The plain text of one element and, per character, the text node and offset it came from.

    Text node k is ``nodes[k]`` = (element, "text" | "tail"), lxml's two places for character data.
    """

    text: str = ""
    where: list[tuple[int, int]] = field(default_factory=list)
    nodes: list[tuple[etree._Element, str]] = field(default_factory=list)

    def locate(self, start: int, end: int) -> tuple[int, int, int] | None:
        """(text node, start, end in it) when plain text [start, end) lies inside one text node, else None."""
        if not 0 <= start < end <= len(self.where):
            return None
        node, first = self.where[start]
        last_node, last = self.where[end - 1]
        if last_node != node or last - first != end - 1 - start:
            return None  # crosses a tag, or a collapsed run of spaces or a placeholder lies inside
        return node, first, last + 1


def plain_text(element: etree._Element) -> PlainText:
    """The element's translatable text: code elements and placeholders dropped, whitespace collapsed, NFC."""
    chars: list[tuple[str | None, int, int]] = []  # None: a dropped placeholder
    out = PlainText()

    def add(owner: etree._Element, attr: str) -> None:
        value = owner.text if attr == "text" else owner.tail
        if not value:
            return
        if unicodedata.normalize("NFC", value) != value:
            # lxml gives the node as stored; normalizing changes offsets, so write the normalized text back
            value = unicodedata.normalize("NFC", value)
            setattr(owner, attr, value)
        k = len(out.nodes)
        out.nodes.append((owner, attr))
        dropped = {i for m in PLACEHOLDER.finditer(value) for i in range(m.start(), m.end())}
        chars.extend((None if i in dropped else ch, k, i) for i, ch in enumerate(value))

    def walk(el: etree._Element) -> None:
        add(el, "text")
        for child in el:
            if local_name(child) and local_name(child) not in CODE_ELEMENTS:
                walk(child)
            add(child, "tail")

    walk(element)
    text: list[str] = []
    after_placeholder = False
    for ch, k, i in chars:
        if ch is None:
            after_placeholder = True
            continue
        if after_placeholder and ch in _CLOSING and text and text[-1] == " ":
            text.pop()
            out.where.pop()
        if _SPACE.match(ch) or ch == "\u00a0":
            if not text or text[-1] == " ":
                continue
            ch = " "
        else:
            after_placeholder = False
        text.append(ch)
        out.where.append((k, i))
    while text and text[-1] == " ":
        text.pop()
        out.where.pop()
    out.text = "".join(text)
    return out
