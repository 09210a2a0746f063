"""MQM scorecard per system, after the MQM 2.0 scoring model (themqm.org, "Scoring models").

Why: localization leads decide pass/fail on an MQM score, not on BLEU. APT sums the severity
multipliers (× category weight) of the merged spans; NPT normalises APT to a reference word count
(APT / EWC × reference_word_count); OQS = MSV − NPT × scaling, so with the defaults
(reference_word_count = MSV = 100, scaling 1) OQS = 100 × (1 − APT/EWC), the raw scoring model.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval.align.words import has_unspaced_script, words_of
from eval.detectors.base import CATEGORIES, AlignedPair, Span
from eval.errors import ConfigError
from eval.metrics.base import MetricInfo
from eval.runfolder import MQM, write_table

BASE_COLUMNS = tuple(MQM.names)
# The scorecard's quality score as it appears in scores.csv (metric ``mqm``): OQS can go below 0.
MQM_METRIC = MetricInfo(
    name="mqm",
    direction="higher",
    scale=(None, 100.0),
    precision=1,
    reads_reference_language=False,
    produces_stats=False,
    produces_spans=False,
)


@dataclass(frozen=True)
class MQMConfig:
    """Penalty multipliers per severity, optional weights per category, and the pass threshold."""

    severity_weights: dict[str, float] = field(default_factory=lambda: {"minor": 1.0, "major": 5.0, "critical": 10.0})
    category_weights: dict[str, float] = field(default_factory=dict)
    reference_word_count: float = 100.0
    max_score: float = 100.0
    scaling: float = 1.0
    threshold: float = 90.0

    def __post_init__(self) -> None:
        missing = {"minor", "major", "critical"} - set(self.severity_weights)
        if missing:
            raise ConfigError(f"mqm.severity_weights lacks {sorted(missing)}; set minor, major and critical")
        if self.reference_word_count <= 0 or self.scaling <= 0:
            raise ConfigError("mqm.reference_word_count and mqm.scaling must be > 0")

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> MQMConfig:
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        unknown = sorted(set(d) - set(known) - {"_target_"})
        if unknown:
            raise ConfigError(f"mqm config: unknown keys {unknown}; known: {sorted(cls.__dataclass_fields__)}")
        return cls(**known)


@dataclass(frozen=True)
class MQMRow:
    """One mqm.csv row (columns: eval.runfolder.MQM, then one ``cat:<category>`` count per category)."""

    system: str
    lang: str
    eval_words: int
    n_minor: int
    n_major: int
    n_critical: int
    apt: float
    npt: float
    oqs: float
    threshold: float
    verdict: str
    categories: dict[str, int]
    penalties: dict[str, float] = field(default_factory=dict)  # APT per category (penalty points)
    npt_limit: float = 0.0  # the NPT above which the version fails: (max_score - threshold) / scaling

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {c: getattr(self, c) for c in BASE_COLUMNS}
        d.update({f"cat:{k}": v for k, v in self.categories.items()})
        d.update({f"pen:{k}": v for k, v in self.penalties.items()})
        return d


def eval_word_count(pairs: Iterable[AlignedPair]) -> int:
    """Words of the evaluated version: each hyp sentence counted once.

    Whitespace tokens, except in text written without spaces (Chinese, Japanese, Thai...), where a
    whitespace token is a whole clause: there each Han/Kana character and each Thai/Lao/Khmer/Burmese
    dictionary word is a unit, as the detectors count it
    (``eval.align.words.words_of``) and as CJK word counts are made, so that penalty points per word
    do not come out tens of times too high.
    """
    seen: set[tuple[int, ...]] = set()
    n = 0
    for p in pairs:
        if p.hyp_ids and p.hyp_ids not in seen:
            seen.add(p.hyp_ids)
            n += len(words_of(p.hyp)) if has_unspaced_script(p.hyp) else len(p.hyp.split())
    return n


def score_system(system: str, lang: str, spans: list[Span], eval_words: int, config: MQMConfig) -> MQMRow:
    """APT, NPT, OQS and verdict of one system from its (merged) spans."""
    if eval_words <= 0:
        raise ConfigError(f"MQM for system {system!r}: eval_words is {eval_words}; nothing was evaluated")
    counts = {"minor": 0, "major": 0, "critical": 0}
    cats = dict.fromkeys(CATEGORIES, 0)
    pens = dict.fromkeys(CATEGORIES, 0.0)
    for s in spans:
        counts[s.severity] += 1
        cats[s.category] = cats.get(s.category, 0) + 1
        points = config.severity_weights[s.severity] * config.category_weights.get(s.category, 1.0)
        pens[s.category] = pens.get(s.category, 0.0) + points
    apt = sum(pens.values())
    npt = apt / eval_words * config.reference_word_count
    oqs = config.max_score - npt * config.scaling
    return MQMRow(
        system,
        lang,
        eval_words,
        counts["minor"],
        counts["major"],
        counts["critical"],
        round(apt, 4),
        round(npt, 4),
        round(oqs, 4),
        config.threshold,
        "pass" if oqs >= config.threshold else "fail",
        cats,
        {k: round(v, 4) for k, v in pens.items()},
        round((config.max_score - config.threshold) / config.scaling, 4),
    )


def scorecard(spans: list[Span], systems: dict[str, tuple[str, int]], config: MQMConfig | None = None) -> list[MQMRow]:
    """One row per system; ``systems`` maps name → (lang, eval_words)."""
    cfg = config or MQMConfig()
    return [
        score_system(name, lang, [s for s in spans if s.system == name], words, cfg)
        for name, (lang, words) in systems.items()
    ]


def write_mqm_csv(path: str | Path, rows: list[MQMRow]) -> None:
    """Write mqm.csv: the schema's columns, then per category seen its span count (cat:<category>)
    and its penalty points (pen:<category>, summing to apt)."""
    write_table(Path(path), MQM, [r.to_dict() for r in rows])
