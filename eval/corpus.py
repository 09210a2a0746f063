"""Plain data for documents, segments and systems, plus the corpus manifest reader."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Role = Literal["reference", "version"]
SystemKind = Literal["reference", "published", "mt"]


@dataclass(frozen=True)
class Document:
    """One text as received, after decoding and Unicode/whitespace normalization."""

    name: str
    lang: str
    role: Role
    path: str
    text: str
    sha256: str
    origin: str = ""
    licence: str = ""


@dataclass(frozen=True)
class Segment:
    """One sentence (or one line of a line-aligned set) of a system, in reading order."""

    system: str
    lang: str
    index: int
    text: str

    @property
    def id(self) -> str:
        return f"{self.system}:{self.index}"


@dataclass
class System:
    """A text scored against the reference: a published version or an MT output.

    ``route`` says how it was produced ("published", "apertium fr→es"); ``unknown_words``
    holds per segment the words an MT engine could not translate (signals for detectors).
    """

    name: str
    lang: str
    kind: SystemKind
    segments: list[str]
    route: str = "published"
    engine: str = ""
    unknown_words: list[list[str]] = field(default_factory=list)
