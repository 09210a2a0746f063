"""A run folder against human MQM ratings: the tables ``python -m eval.meta`` prints.

The run must have scored the rated outputs as a line-aligned set (``python -m eval.meta.build``):
its reference lines are matched, in order, to the rated reference system's segments, and every
system's line must equal the rated target text, or nothing is reported (a silent mismatch would
make every figure wrong).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from eval.errors import InputError
from eval.languages import base_language
from eval.meta.baselines import edit_spans, random_placement
from eval.meta.ceiling import rater_agreement
from eval.meta.correlation import (
    SegmentAgreement,
    SegmentStats,
    SystemAgreement,
    mean_score,
    mean_stats,
    segment_agreement,
    system_agreement,
)
from eval.meta.mqm_tsv import MqmRatings, SegmentKey, segment_penalty
from eval.meta.spanmatch import PRF, CharSpan, SegmentRef, overlap_prf, partial_prf, segment_prf
from eval.reports.runfolder import RunData
from eval.scoring.bootstrap import score_from_stats, sufficient_stats_many

SACREBLEU_METRICS = ("bleu", "chrf", "chrf++", "ter")
SEVERITY_WEIGHTS = {"minor": 1.0, "major": 5.0, "critical": 10.0}
SPAN_PENALTY = "span-penalty"
RANDOM_SEEDS = 10


@dataclass
class MatchedRun:
    """A run folder aligned to the ratings. Segments in scope are numbered 0..len(keys)-1 (``hyps``,
    ``refs`` and every table use that number); ``position`` maps a run line to it."""

    keys: list[SegmentKey]
    systems: list[str]
    hyps: dict[SegmentRef, str]
    refs: dict[int, str]
    notes: list[str] = field(default_factory=list)
    position: dict[int, int] = field(default_factory=dict)  # run line -> index in keys (lines in scope only)


def _single_id(value: Any) -> int | None:
    text = str(value).strip()
    return int(text) if text.isdigit() else None


def match_run(
    run: RunData, ratings: MqmRatings, reference: str = "ref", docs: Collection[str] | None = None
) -> MatchedRun:
    """Line order of the run ↔ rated segments, by the reference texts (a subsequence of the TSV's order);
    ``docs`` keeps the segments of some documents only (a held-out talk)."""
    if reference not in ratings.outputs:
        raise InputError(f"{ratings.path}: no reference system {reference!r}; systems: {', '.join(ratings.systems)}")
    al = run.alignment
    refs: dict[int, str] = {}
    hyps: dict[SegmentRef, str] = {}
    for row in al.itertuples(index=False):
        r, h = _single_id(row.ref_ids), _single_id(row.hyp_ids)
        if r is None or h is None or r != h:
            continue
        refs.setdefault(r, str(row.ref_text))
        hyps[(str(row.system), r)] = str(row.hyp_text)
    if not refs:
        raise InputError(
            f"{run.path}/alignment.csv: no one-to-one line beads; run the harness on the line-aligned set "
            "that `python -m eval.meta.build` writes"
        )
    tsv_ref = ratings.outputs[reference]
    keys: list[SegmentKey] = []
    i = 0
    for line in sorted(refs):
        while i < len(ratings.segments) and tsv_ref[ratings.segments[i]].target != refs[line]:
            i += 1
        if i == len(ratings.segments):
            raise InputError(
                f"{run.path}: reference line {line + 1} ({refs[line][:60]!r}) is not a segment of system "
                f"{reference!r} in {ratings.path} (in order); was the run built from this TSV?"
            )
        keys.append(ratings.segments[i])
        i += 1
    if sorted(refs) != list(range(len(refs))):
        raise InputError(f"{run.path}: reference lines are not numbered 0..{len(refs) - 1}; not a line-aligned run")
    run_systems = sorted({s for s, _ in hyps})
    systems = [s for s in run_systems if s in ratings.outputs and s != reference]
    notes = [f"{ratings.path}: {n}" for n in ratings.notes]
    notes += [f"system {s} is not in the ratings; left out" for s in run_systems if s not in ratings.outputs]
    notes += [f"rated system {s} is not in the run" for s in ratings.systems if s not in run_systems and s != reference]
    for s in systems:
        bad = [ln for ln, k in enumerate(keys) if hyps.get((s, ln)) != ratings.outputs[s][k].target]
        if bad:
            ln = bad[0]
            raise InputError(
                f"{run.path}: system {s} line {ln + 1} differs from its rated text in {ratings.path} "
                f"({len(bad)} of {len(keys)} lines); rebuild the set with `python -m eval.meta.build` and rerun"
            )
    if len(systems) < 3:
        raise InputError(f"{run.path}: {len(systems)} rated system(s) in the run; the meta-evaluation needs at least 3")
    if docs is not None:
        unknown = sorted(set(docs) - {k.doc for k in keys})
        if unknown:
            raise InputError(f"{run.path}: no segment of document(s) {unknown} in the run")
    scope = [ln for ln, k in enumerate(keys) if docs is None or k.doc in docs]
    position = {ln: j for j, ln in enumerate(scope)}
    return MatchedRun(
        [keys[ln] for ln in scope],
        systems,
        {(s, position[ln]): v for (s, ln), v in hyps.items() if s in systems and ln in position},
        {position[ln]: refs[ln] for ln in scope},
        notes,
        position,
    )


def human_spans(ratings: MqmRatings, m: MatchedRun) -> tuple[list[CharSpan], list[SegmentRef]]:
    """Target-side human spans (an unmarked target error covers the segment) and source-side ones."""
    chars: list[CharSpan] = []
    source_side: list[SegmentRef] = []
    for s in m.systems:
        for line, key in enumerate(m.keys):
            seg = ratings.outputs[s][key]
            for e in seg.errors:
                if e.side == "source":
                    source_side.append((s, line))
                    continue
                start, end = (e.start, e.end) if e.start is not None and e.end is not None else (0, len(seg.target))
                chars.append(CharSpan(s, line, start, end, e.category, e.severity.lower(), e.rater))
    return chars, source_side


def _line_of(rec: dict[str, Any], m: MatchedRun) -> int | None:
    """The in-scope segment number of a span record (version side; reference side for an omission)."""
    ids = (rec.get("hyp_segment_ids") if rec.get("hyp") else rec.get("ref_segment_ids")) or []
    return m.position.get(int(ids[0])) if len(ids) == 1 else None


def detected_spans(run: RunData, m: MatchedRun) -> tuple[list[CharSpan], list[SegmentRef], list[dict[str, Any]]]:
    """The run's spans on the matched systems: hypothesis-side ones and omissions (no hypothesis side)."""
    chars: list[CharSpan] = []
    omissions: list[SegmentRef] = []
    records: list[dict[str, Any]] = []
    wanted = set(m.systems)
    for rec in run.spans:
        system = str(rec.get("system"))
        if system not in wanted:
            continue
        hyp = rec.get("hyp")
        line = _line_of(rec, m)
        if line is None:
            continue
        records.append(rec)
        if not hyp:
            omissions.append((system, line))
            continue
        chars.append(
            CharSpan(
                system,
                line,
                int(hyp["start"]),
                int(hyp["end"]),
                str(rec.get("category")),
                str(rec.get("severity")),
                str(rec.get("detector")),
            )
        )
    return chars, omissions, records


@dataclass(frozen=True)
class SpanRow:
    group: str
    name: str
    overlap: PRF
    partial: PRF


def _detector_names(spans: Iterable[CharSpan]) -> list[str]:
    return sorted({d for s in spans for d in s.source.split("+")})


def _human_category(category: str) -> str:
    return category.split("/", 1)[0].strip().lower() or "other"


def _random_prf(spans: list[CharSpan], human: list[CharSpan], lengths: Mapping[SegmentRef, int]) -> tuple[PRF, PRF]:
    """Mean over seeds of the random-placement baseline (counts summed, so ratios are pooled)."""
    runs = [random_placement(spans, lengths, seed) for seed in range(RANDOM_SEEDS)]
    ov = [overlap_prf(r, human) for r in runs]
    pa = [partial_prf(r, human) for r in runs]

    def pooled(prfs: list[PRF]) -> PRF:
        k = len(prfs)
        return PRF(
            prfs[0].detected,
            prfs[0].human,
            sum(p.correct_detected for p in prfs) / k,
            sum(p.found_human for p in prfs) / k,
            sum(p.detected_units for p in prfs) / k,
            sum(p.human_units for p in prfs) / k,
        )

    return pooled(ov), pooled(pa)


def span_table(detected: list[CharSpan], human: list[CharSpan], m: MatchedRun) -> list[SpanRow]:
    """P/R/F1 of all detectors merged, per detector, per detected category and severity, per human
    category and severity, and the two baselines."""
    rows = [SpanRow("all", "all detectors", overlap_prf(detected, human), partial_prf(detected, human))]
    lengths = {k: len(v) for k, v in m.hyps.items()}
    groups: list[tuple[str, str, list[CharSpan], list[CharSpan]]] = []
    for d in _detector_names(detected):
        groups.append(("detector", d, [s for s in detected if d in s.source.split("+")], human))
    for c in sorted({s.category for s in detected}):
        groups.append(("detected category", c, [s for s in detected if s.category == c], human))
    for v in sorted({s.severity for s in detected}):
        groups.append(("detected severity", v, [s for s in detected if s.severity == v], human))
    for c in sorted({_human_category(s.category) for s in human}):
        groups.append(("human category", c, detected, [s for s in human if _human_category(s.category) == c]))
    for v in sorted({s.severity for s in human}):
        groups.append(("human severity", v, detected, [s for s in human if s.severity == v]))
    rows += [SpanRow(g, n, overlap_prf(d, h), partial_prf(d, h)) for g, n, d, h in groups]
    for gap, name in ((0, "edit spans (words absent from the reference)"), (1, "edit spans merged across ≤ 1 word")):
        naive = edit_spans(m.hyps, m.refs, gap)
        rows.append(SpanRow("baseline", name, overlap_prf(naive, human), partial_prf(naive, human)))
    if detected:
        rows.append(
            SpanRow("baseline", "random placement of all detectors' spans", *_random_prf(detected, human, lengths))
        )
    for d in _detector_names(detected):
        mine = [s for s in detected if d in s.source.split("+")]
        rows.append(SpanRow("baseline", f"random placement of {d}", *_random_prf(mine, human, lengths)))
    return rows


def _human_stats(ratings: MqmRatings, m: MatchedRun) -> tuple[SegmentStats, dict[str, np.ndarray]]:
    per_seg = {s: np.array([-segment_penalty(ratings.outputs[s][k]) for k in m.keys]) for s in m.systems}
    return SegmentStats("human MQM", {s: mean_stats(v) for s, v in per_seg.items()}, mean_score), per_seg


def _span_penalty(records: list[dict[str, Any]], m: MatchedRun) -> dict[str, np.ndarray]:
    """Minus the scorecard penalty of each segment (the run's merged spans, omissions included)."""
    pen = {s: np.zeros(len(m.keys)) for s in m.systems}
    for rec in records:
        line = _line_of(rec, m)
        if line is not None:
            pen[str(rec["system"])][line] -= SEVERITY_WEIGHTS.get(str(rec.get("severity")), 1.0)
    return pen


def metric_stats(
    run: RunData, m: MatchedRun, records: list[dict[str, Any]]
) -> list[tuple[SegmentStats, dict[str, np.ndarray]]]:
    """Every metric of the run as per-segment statistics (system level) and segment scores (segment level)."""
    out: list[tuple[SegmentStats, dict[str, np.ndarray]]] = []
    seg = run.segments
    seg = seg[seg["system"].isin(m.systems)]
    ok = run.scores[(run.scores["status"] == "ok") & run.scores["system"].isin(m.systems)]
    refs = [m.refs[i] for i in range(len(m.keys))]
    for metric in sorted(set(ok["metric"])):
        rows = seg[seg["metric"] == metric]
        per_seg: dict[str, np.ndarray] = {}
        for s in m.systems:
            sr = rows[(rows["system"] == s) & rows["bead"].isin(list(m.position))].sort_values("bead")
            if len(sr) != len(m.keys):
                break
            per_seg[s] = sr["score"].to_numpy(dtype=np.float64)
        if len(per_seg) != len(m.systems):
            continue
        info = run.metrics.get(metric)
        sign = 1.0 if info is None or info.higher_is_better else -1.0  # direction as the run declared it
        if metric in SACREBLEU_METRICS:
            texts = {s: [m.hyps[(s, i)] for i in range(len(m.keys))] for s in m.systems}
            # BLEU tokenizes for the reference language as the run did (zh: sacrebleu's zh tokenizer).
            lang = {"trg_lang": base_language(run.ref_lang)} if metric == "bleu" else {}
            stats = sufficient_stats_many(metric, texts, refs, **lang)

            def score(x: np.ndarray, metric: str = metric, sign: float = sign) -> np.ndarray:
                return sign * score_from_stats(metric, x)

            out.append((SegmentStats(metric, stats, score), {s: sign * v for s, v in per_seg.items()}))
        else:
            out.append(
                (
                    SegmentStats(metric, {s: mean_stats(sign * v) for s, v in per_seg.items()}, mean_score),
                    {s: sign * v for s, v in per_seg.items()},
                )
            )
    pen = _span_penalty(records, m)
    words = {
        s: np.array([len(m.hyps[(s, i)].split()) for i in range(len(m.keys))], dtype=np.float64) for s in m.systems
    }

    def oqs(x: np.ndarray) -> np.ndarray:
        return np.asarray(100.0 + 100.0 * x[..., 0] / np.maximum(x[..., 1], 1.0))

    stats = {s: np.column_stack([pen[s], words[s]]) for s in m.systems}
    out.append((SegmentStats("mqm scorecard (spans)", stats, oqs), pen))
    return out


def _ceiling_rows(ratings: MqmRatings, m: MatchedRun) -> list[SpanRow]:
    """Another rater's spans on the same text (see eval.meta.ceiling), when some output was rated twice."""
    pairs, ov, pa = rater_agreement(ratings, m.systems, m.keys)
    return [SpanRow("ceiling", f"another rater on identical outputs ({pairs} rating pairs)", ov, pa)] if pairs else []


@dataclass
class MetaReport:
    systems: list[str]
    segments: int
    human_spans: int
    system_level: list[SystemAgreement]
    segment_level: list[SegmentAgreement]
    spans: list[SpanRow]
    omissions: PRF
    notes: list[str]


def meta_evaluate(
    run: RunData,
    ratings: MqmRatings,
    reference: str = "ref",
    n_samples: int = 1000,
    seed: int = 12345,
    docs: Collection[str] | None = None,
) -> MetaReport:
    """Every table of the meta-evaluation for one run and one set of ratings (``docs``: some documents only)."""
    m = match_run(run, ratings, reference, docs)
    human_chars, human_source = human_spans(ratings, m)
    det_chars, det_omissions, records = detected_spans(run, m)
    human, human_seg = _human_stats(ratings, m)
    metrics = metric_stats(run, m, records)
    sys_level = [system_agreement(st, human, m.systems, n_samples, seed) for st, _ in metrics]
    seg_level = [segment_agreement(st.name, per_seg, human_seg) for st, per_seg in metrics]
    return MetaReport(
        m.systems,
        len(m.keys),
        len(human_chars) + len(human_source),
        sys_level,
        seg_level,
        span_table(det_chars, human_chars, m) + _ceiling_rows(ratings, m),
        segment_prf(det_omissions, human_source),
        m.notes,
    )
