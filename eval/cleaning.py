"""Remove site furniture (menus, datelines, cookie notices, tickers) from scraped documents.

Scraped versions carry text that is not part of the article; left in, it becomes unaligned
"additions" that punish the version for the website's layout. Every removal is recorded as a
DroppedLine (the run folder's cleaning.csv) so a reader can check that no article text was lost.

Rules are per corpus (the ``cleaning.rules`` block of conf/corpus/<name>.yaml); a language check
(lingua, restricted to the corpus languages) catches furniture the rules do not know, such as an
English banner inside an Italian page.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from eval.errors import CleaningError, ConfigError, InputError
from eval.languages.codes import base_language, normalize_code
from eval.languages.identify import Identifier

log = logging.getLogger(__name__)

Action = Literal["drop", "strip"]
_ACTIONS: tuple[str, ...] = ("drop", "strip")


@dataclass
class CleaningRule:
    """A named regex. "drop" removes the whole line on a match (re.search); "strip" cuts the match out."""

    name: str
    pattern: str
    action: Action = "drop"
    langs: list[str] | None = None
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.action not in _ACTIONS:
            raise ConfigError(
                f"cleaning rule {self.name!r}: unknown action {self.action!r}; use one of {', '.join(_ACTIONS)}"
            )
        if self.langs is not None:
            try:
                self.langs = [normalize_code(code, f"cleaning rule {self.name!r} langs") for code in self.langs]
            except InputError as exc:
                raise ConfigError(str(exc)) from exc
        try:
            self.regex = re.compile(self.pattern)
        except re.error as exc:
            raise ConfigError(
                f"cleaning rule {self.name!r}: invalid regex {self.pattern!r}: {exc}; "
                "fix the pattern in the corpus config's cleaning.rules"
            ) from exc

    def applies_to(self, lang: str) -> bool:
        return self.langs is None or lang in self.langs


@dataclass(frozen=True)
class DroppedLine:
    """One removed line or fragment; fields are the columns of cleaning.csv."""

    document: str
    lang: str
    line_no: int
    rule: str
    action: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CleaningResult:
    """The kept lines (stripped, in order) and what was removed."""

    lines: list[str]
    dropped: list[DroppedLine]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


class LanguageCheck:
    """Language ID of a line among the corpus languages only (fewer candidates, fewer errors).

    Languages lingua does not cover are not candidates. Lines shorter than ``min_chars`` are not
    judged: lingua is unreliable on "Menu" or "Seguici su Facebook"; the patterns handle those. A top
    confidence below ``min_confidence`` also leaves the line unjudged.
    """

    def __init__(self, langs: Sequence[str], min_chars: int = 30, min_confidence: float = 0.0) -> None:
        codes = tuple(sorted(set(langs)))
        identifier = Identifier(codes)
        if not identifier.usable:
            raise ConfigError(
                f"language check: need at least two languages lingua can identify, got {list(langs)} "
                f"(identifiable: {', '.join(identifier.codes.values()) or 'none'}); check the corpus languages"
            )
        if min_chars < 0 or not 0.0 <= min_confidence <= 1.0:
            raise ConfigError(
                f"language check: min_chars must be >= 0 and min_confidence in [0, 1], "
                f"got {min_chars} and {min_confidence}"
            )
        self.langs = codes
        self.min_chars = min_chars
        self.min_confidence = min_confidence
        self._identifier = identifier

    def language_of(self, line: str) -> str | None:
        """The corpus code of ``line``'s language, or None when the line is not judged."""
        text = line.strip()
        if len(text) < self.min_chars:
            return None
        values = self._identifier.confidences(text)
        if not values or values[0][1] < self.min_confidence:
            return None
        return values[0][0]


def rules_from_config(cfg: Sequence[Mapping[str, Any]] | None) -> list[CleaningRule]:
    """Build rules from the ``cleaning.rules`` list of a corpus config (dicts or DictConfigs)."""
    rules: list[CleaningRule] = []
    seen: set[str] = set()
    for i, item in enumerate(cfg or []):
        if not isinstance(item, Mapping) or "name" not in item or "pattern" not in item:
            raise ConfigError(
                f"cleaning.rules[{i}]: each rule needs 'name' and 'pattern' (optional 'action', 'langs'), got {item!r}"
            )
        extra = sorted(set(item) - {"name", "pattern", "action", "langs"})
        if extra:
            raise ConfigError(f"cleaning rule {item['name']!r}: unknown key(s) {', '.join(extra)}")
        name = str(item["name"])
        if name in seen:
            raise ConfigError(f"cleaning rule {name!r} is defined twice in cleaning.rules; rename one")
        seen.add(name)
        langs = item.get("langs")
        rules.append(
            CleaningRule(
                name=name,
                pattern=str(item["pattern"]),
                action=item.get("action", "drop"),
                langs=None if langs is None else [str(x) for x in langs],
            )
        )
    return rules


def language_check_from_config(cfg: Mapping[str, Any] | None, langs: Sequence[str]) -> LanguageCheck | None:
    """The ``cleaning.language_check`` block → a LanguageCheck, or None when disabled/absent."""
    if not cfg or not cfg.get("enabled", False):
        return None
    if len(set(langs)) < 2:
        log.info("language check skipped: the corpus has a single language %s", list(langs))
        return None
    if not Identifier(langs).usable:
        log.info("language check skipped: lingua identifies fewer than two of %s", list(langs))
        return None
    return LanguageCheck(
        langs,
        min_chars=int(cfg.get("min_chars", 30)),
        min_confidence=float(cfg.get("min_confidence", 0.0)),
    )


def clean_text(
    document: str,
    text: str,
    lang: str,
    rules: Sequence[CleaningRule],
    language_check: LanguageCheck | None,
    *,
    corpus: str = "<name>",
) -> CleaningResult:
    """Drop or strip furniture line by line; line numbers are 1-based in ``text``.

    Blank lines go silently. Rules run in order: strips cut their match (recorded) and the
    rest of the line carries on; the first matching drop removes the line. Then lines the
    language check assigns to another language go as ``language:<code>``. Raises CleaningError
    when nothing is left, naming the rules that removed it.
    """
    active = [rule for rule in rules if rule.applies_to(lang)]
    kept: list[str] = []
    dropped: list[DroppedLine] = []
    n_lines = 0
    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        n_lines += 1
        for rule in active:
            if rule.action == "strip":
                fragments = [m.group(0) for m in rule.regex.finditer(line) if m.group(0)]
                if fragments:
                    dropped.append(DroppedLine(document, lang, line_no, rule.name, "strip", " … ".join(fragments)))
                    line = rule.regex.sub("", line).strip()
                    if not line:
                        break
            elif rule.regex.search(line):
                dropped.append(DroppedLine(document, lang, line_no, rule.name, "drop", line))
                line = ""
                break
        if not line:
            continue
        detected = language_check.language_of(line) if language_check is not None else None
        if detected is not None and base_language(detected) != base_language(lang):
            dropped.append(DroppedLine(document, lang, line_no, f"language:{detected}", "drop", line))
            continue
        kept.append(line)
    if not kept:
        if n_lines == 0:
            raise CleaningError(f"{document}: the document has no text (only blank lines); check the file")
        used = sorted({d.rule for d in dropped})
        raise CleaningError(
            f"{document}: all {n_lines} lines were dropped as boilerplate (rules: {', '.join(used)}); "
            f"check the cleaning rules in conf/corpus/{corpus}.yaml"
        )
    log.debug("%s: kept %d of %d lines, %d removals", document, len(kept), n_lines, len(dropped))
    return CleaningResult(lines=kept, dropped=dropped)
