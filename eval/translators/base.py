"""The translator interface: whole documents in, lines out, unknown words kept as data."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Translation:
    """Output of one ``translate`` call.

    ``lines`` are clean output lines (engine markup removed), one per input line;
    ``unknown`` holds per line the source words the engine marked as unknown;
    ``route`` names the engine and the hops, e.g. "apertium en→es→fr".
    """

    lines: list[str]
    unknown: list[list[str]] = field(default_factory=list)
    route: str = ""


class Translator(ABC):
    """An MT engine. ``name`` is the Hydra config name; ``pairs()`` lists what it covers."""

    name: str = "translator"

    @abstractmethod
    def pairs(self) -> set[tuple[str, str]]:
        """Language pairs (src, tgt) this engine can translate, chained routes included."""

    @abstractmethod
    def translate(self, lines: list[str], src: str, tgt: str) -> Translation:
        """Translate ``lines`` (one segment each) from ``src`` to ``tgt`` in one engine call."""

    def package_versions(self) -> dict[str, str]:
        """Versions of the engine's packages and models (manifest.json ``apertium``); none by default."""
        return {}

    def covers(self, src: str, tgt: str) -> bool:
        return (src, tgt) in self.pairs()

    def missing_install(self, src: str, tgt: str) -> str | None:
        """A message when the engine knows a src→tgt route whose packages are not installed, else None.

        The runner turns it into an error: a missing package is fixable, unlike a pair no engine has.
        """
        return None

    def not_covered_reason(self, src: str, tgt: str) -> str:
        covered = ", ".join(sorted(f"{a}→{b}" for a, b in self.pairs())) or "nothing installed"
        return f"{self.name} has no {src}→{tgt} route (covers: {covered})"
