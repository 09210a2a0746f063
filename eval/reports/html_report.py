"""report.html: one self-contained page (inline CSS, JS and SVG) a localization team opens offline.

Why: the team needs to see *where* a version is wrong, next to the reference words it betrays, and
to trust the numbers (routes, round-trip flags, signatures, hashes, what cleaning dropped). Every
piece of run-folder text goes through ``html.escape``; the page template is ``string.Template``.
"""

from __future__ import annotations

import html
import itertools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any

import pandas as pd

from eval.languages.codes import text_direction
from eval.reports import plots
from eval.reports.evidence import evidence_items
from eval.reports.pairwise import Pairwise, pairwise_views
from eval.reports.runfolder import RunData
from eval.reports.significance import alpha_of, comparisons, reading
from eval.reports.tables import (
    CATEGORY_ORDER,
    SEVERITY_RANK,
    Infos,
    PlacedSpan,
    ReportConfig,
    SummaryRow,
    cleaning_summary,
    finding_pair,
    fmt_value,
    info_of,
    language_matrix,
    metrics_present,
    place_spans,
    rank_metric,
    ranked,
    signatures,
    snippet,
    sort_findings,
    summary_rows,
    unavailable_notes,
)
from eval.reports.verdict import verdict_line, verdicts

TEMPLATES = Path(__file__).with_name("templates")


def esc(value: Any) -> str:
    """Escape anything for HTML text and attribute values; None/NaN become empty."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return html.escape(str(value), quote=True)


def css_class(category: str) -> str:
    """ "accuracy/mistranslation" → "cat-accuracy-mistranslation" (a safe class name)."""
    return "cat-" + re.sub(r"[^a-z0-9]+", "-", category.lower()).strip("-")


def _table(head: Iterable[str], rows: Iterable[Iterable[str]], attrs: str = "") -> str:
    """Cells are already-escaped HTML. Wrapped so a wide table scrolls inside its box, never the page."""
    th = "".join(f"<th>{h}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<div class="scroll"><table{attrs}><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table></div>'


# ---------------------------------------------------------------- highlighting


@dataclass(frozen=True)
class Mark:
    """A range of one bead text: ``src`` marks are the error itself, ``tgt`` marks the linked words."""

    start: int
    end: int
    sid: str
    role: str  # "src" | "tgt"
    category: str
    severity: str
    title: str


def highlight(text: str, marks: list[Mark]) -> str:
    """Escaped ``text`` with marks as nested-free <span>s (overlaps split into pieces)."""
    cuts = sorted({0, len(text), *(m.start for m in marks), *(m.end for m in marks)})
    out: list[str] = []
    for a, b in itertools.pairwise(cuts):
        if a >= b:
            continue
        piece = esc(text[a:b])
        cover = [m for m in marks if m.start <= a and b <= m.end]
        if not cover:
            out.append(piece)
            continue
        classes: list[str] = []
        attrs: list[str] = []
        srcs = sorted((m for m in cover if m.role == "src"), key=lambda m: (-SEVERITY_RANK.get(m.severity, 0), m.sid))
        tgts = [m.sid for m in cover if m.role == "tgt"]
        if srcs:
            top = srcs[0]
            classes += ["err", css_class(top.category), f"sev-{esc(top.severity)}"]
            attrs += [
                f'data-sids="{" ".join(m.sid for m in srcs)}"',
                f'data-cat="{esc(top.category)}"',
                f'data-sev="{esc(top.severity)}"',
                f'title="{esc(" | ".join(m.title for m in srcs))}"',
                'tabindex="0"',
            ]
        if tgts:
            classes.append("ref-link")
            attrs.append(f'data-for="{" ".join(tgts)}"')
        out.append(f'<span class="{" ".join(classes)}" {" ".join(attrs)}>{piece}</span>')
    return "".join(out)


def _marks(placed: list[PlacedSpan]) -> tuple[list[Mark], list[Mark]]:
    """(hyp marks, ref marks). Omissions are errors on the reference side; additions on the hyp side."""
    hyp_marks: list[Mark] = []
    ref_marks: list[Mark] = []
    for p in placed:
        s = p.span
        title = f"{s['severity']} · {s['category']} · {s.get('detector', '?')} — click for the evidence"
        cat, sev = str(s["category"]), str(s["severity"])
        if p.hyp:
            hyp_marks.append(Mark(p.hyp[0], p.hyp[1], p.sid, "src", cat, sev, title))
        if p.ref:
            ref_marks.append(Mark(p.ref[0], p.ref[1], p.sid, "tgt", cat, sev, title))
            if not p.hyp:  # omission: the error is visible only on the reference side
                ref_marks.append(Mark(p.ref[0], p.ref[1], p.sid, "src", cat, sev, title))
    return hyp_marks, ref_marks


# ---------------------------------------------------------------- sections


def _verdict_section(run: RunData, rows: list[SummaryRow], cfg: ReportConfig, sids: Mapping[int, str]) -> str:
    """The first screen: per language and version, pass/fail, OQS, the worst findings, the main scores."""
    groups = verdicts(rows, run.mqm, run.spans, cfg.matrix_metrics, cfg.top_findings)
    if not groups:
        return ""
    thresholds = sorted({f"{t:g}" for t in run.mqm.get("threshold", pd.Series(dtype=float)).dropna()})
    rule = (
        f"A version passes when its MQM quality score (OQS = 100 − penalty points per 100 words) is at least "
        f"{' / '.join(thresholds)}."
        if thresholds
        else "No MQM threshold in this run."
    )
    parts = [
        '<section id="verdict"><h2>Verdict</h2>',
        f'<p class="note">{esc(rule)} Minor errors cost 1 point, major 5, critical 10 (mqm config). '
        "Scores: 95% CI in brackets; ↺ = round trip (biased upward, ranked apart).</p>",
    ]
    parts.append('<div class="verdict-grid">')
    for lang, cards in groups.items():
        parts.append(f'<div class="lang-group"><h3>{esc(lang)}</h3><div class="cards">')
        for v in cards:
            sev = ", ".join(f"{n} {k}" for k, n in v.severities.items()) or "no findings"
            scores = "".join(
                f"<dt>{esc(c.metric)}</dt><dd>{esc(c.text)}{' ↺' if c.round_trip else ''}</dd>" for c in v.scores
            )
            finds = "".join(
                f'<li><a href="#{sids.get(id(f), "")}" class="goto" data-sid="{sids.get(id(f), "")}">'
                f"{esc(f['severity'])} · {esc(f['category'])}</a>: {esc(finding_pair(f, 48))}</li>"
                for f in v.findings
            )
            state = v.verdict or "none"
            parts.append(
                f'<article class="card v-{esc(state)}" data-system="{esc(v.system)}">'
                f'<header><strong>{esc(v.system)}</strong> <span class="kind">{esc(v.kind)}</span>'
                f'<span class="verdict v-{esc(state)}">{esc(v.verdict.upper() or "NO VERDICT")}</span></header>'
                f'<p class="why">{esc(verdict_line(v))} · {esc(sev)}</p>'
                + (f'<dl class="scores">{scores}</dl>' if scores else "")
                + (f'<ol class="findings">{finds}</ol>' if finds else "")
                + "</article>"
            )
        parts.append("</div></div>")
    parts.append("</div></section>")
    return "".join(parts)


def _summary_section(rows: list[SummaryRow], metrics: list[str], cfg: ReportConfig, infos: Infos) -> str:
    metric = rank_metric(rows, cfg.rank_by)
    fair, apart = ranked(rows, metric, infos)
    head = "".join(
        f"<th>{esc(m)}" + (f'<span class="route">{esc(info_of(infos, m).arrow)}</span>' if m in infos else "") + "</th>"
        for m in ["version", *metrics]
    )
    notes = unavailable_notes(rows)
    # footnote number of each (status, reason), in the order unavailable_notes lists them
    reasons: dict[tuple[str, str], int] = {}
    for row in rows:
        for c in row.cells.values():
            if c.status != "ok":
                reasons.setdefault((c.status, c.reason or "no reason recorded"), len(reasons) + 1)

    def tr(row: SummaryRow, cls: str) -> str:
        route = f'<span class="route">{esc(row.route)}</span>' if row.route else ""
        cells = [
            f"<td><strong>{esc(row.system)}</strong> "
            f'<span class="kind">{esc(row.lang)} · {esc(row.kind)}</span>{route}</td>'
        ]
        for m in metrics:
            c = row.cells.get(m)
            if c is None:
                cells.append("<td></td>")
            elif c.status != "ok":
                n = reasons[(c.status, c.reason or "no reason recorded")]
                cells.append(
                    f'<td class="na" data-status="{esc(c.status)}" title="{esc(c.reason)}">{esc(c.text)}'
                    f'<sup class="fn"><a href="#na-{n}">{n}</a></sup></td>'
                )
            else:
                badge = '<span class="badge rt" title="the bridge engine produced this output">↺</span>'
                own = f'<span class="route">{esc(c.route)}</span>' if c.route and c.route != row.route else ""
                also = "".join(
                    f'<span class="route also">also {esc(o.text)}{" ↺" if o.round_trip else ""} '
                    f"({esc(o.route or o.reason)})</span>"
                    for o in row.others.get(m, [])
                )
                cells.append(
                    f'<td class="num" title="{esc(c.route)}">{esc(c.text)}'
                    f"{badge if c.round_trip else ''}{own}{also}</td>"
                )
        return f'<tr class="{cls}" data-system="{esc(row.system)}">' + "".join(cells) + "</tr>"

    body = "".join(tr(r, "fair") for r in fair)
    if apart:
        span = 1 + len(metrics)
        body += (
            f'<tr class="group"><th colspan="{span}">Round-trip scores, ranked apart: the bridge engine also '
            "produced the output, so its n-gram scores are biased upward; compare on the cross-lingual "
            "metrics and the spans instead.</th></tr>"
        )
        body += "".join(tr(r, "apart") for r in apart)
    ranking = f"ranked by {esc(metric)}" if metric else "unranked (no fair score)"
    notes_html = ""
    if notes:
        items = "".join(f'<li id="na-{i}">{esc(n)}</li>' for i, n in enumerate(notes, 1))
        notes_html = (
            f'<details class="unavailable"><summary>Unavailable or not covered ({len(notes)})</summary>'
            f'<ol class="unavailable">{items}</ol></details>'
        )
    return (
        f'<section id="summary"><h2>Scores</h2><p class="note">Versions × metrics, {ranking}; '
        "95% confidence intervals in brackets; the route under a version says how its same-language scores "
        "were obtained (the bridge into the reference language).</p>"
        f'<div class="scroll"><table id="summary-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
        f"{notes_html}</section>"
    )


def _matrix_section(rows: list[SummaryRow], cfg: ReportConfig, infos: Infos) -> str:
    matrix = language_matrix(rows, cfg.matrix_metrics, infos)
    if not matrix:
        return ""
    metrics = [m for m in cfg.matrix_metrics if any(r.metric == m for r in matrix)]
    langs = sorted({r.lang for r in matrix})
    cells = {(r.lang, r.metric): r for r in matrix}
    body = []
    for lang in langs:
        line = [f"<strong>{esc(lang)}</strong>"]
        for metric in metrics:
            m = cells.get((lang, metric))
            if m is None:
                line.append("—")
                continue
            pub = [f"{esc(s)} <em>published</em>: {esc(t)}" for s, t in m.published]
            mt = [f"{esc(s)} <em>mt</em>: {esc(t)}" + (f" (Δ {esc(d)})" if d else "") for s, t, d in m.mt]
            line.append("<br>".join(pub + mt) or "—")
        body.append(line)
    return (
        '<section id="matrix"><h2>Language × system</h2><p class="note">Per language, the published version '
        "against the MT outputs in the same language (Δ = MT − published; ↺ = round-trip).</p>"
        + _table(["lang", *(esc(m) for m in metrics)], body, ' id="matrix-table" class="matrix"')
        + "</section>"
    )


def _significance_section(run: RunData, rows: list[SummaryRow]) -> str:
    comps = comparisons(run.significance, run.metrics, rows)
    if not comps:
        return ""
    alpha = alpha_of(run.manifest)
    body = []
    for c in comps:
        f = c.info.fmt
        ci = f"[{f(c.ci[0])}–{f(c.ci[1])}]" if c.ci else "—"
        notes = [reading(c, alpha)]
        if c.other_segments:
            shown = ", ".join(
                f"{name} {c.info.fmt(v)}"
                for name, v in ((c.system, c.summary_system), (c.baseline, c.summary_baseline))
                if v is not None
            )
            notes.append(
                f"Scored on the segments of {c.baseline}, the set both versions cover, so these scores "
                f"differ from the Scores table ({shown}, each over its own alignment)."
            )
        cls = ' class="disagree"' if c.disagree(alpha) else (' class="other-set"' if c.other_segments else "")

        def p(v: float | None) -> str:
            return "—" if v is None else f"{v:.4f}" + (" *" if v < alpha else "")

        body.append(
            f"<tr{cls}><td>{esc(c.lang)}</td><td>{esc(c.metric)}</td>"
            f"<td><strong>{esc(c.system)}</strong> vs {esc(c.baseline)}</td>"
            f'<td class="num">{esc(f(c.baseline_score) if c.baseline_score is not None else "")}</td>'
            f'<td class="num">{esc(f(c.system_score) if c.system_score is not None else "")}'
            f"{'<sup>§</sup>' if c.other_segments else ''}</td>"
            f'<td class="num">{esc(c.info.fmt_delta(c.delta) if c.delta is not None else "")}</td>'
            f'<td class="num">{esc(ci)}</td><td class="num">{esc(p(c.p_bs))}</td><td class="num">{esc(p(c.p_ar))}</td>'
            f'<td class="reading">{"<br>".join(esc(n) for n in notes)}</td></tr>'
        )
    head = [
        "lang",
        "metric",
        "compared",
        "baseline score",
        "system score",
        "Δ (system − baseline)",
        "95% CI of the system score",
        "p, paired bootstrap",
        "p, approximate randomization",
        "what it means",
    ]
    th = "".join(f"<th>{h}</th>" for h in head)
    return (
        '<section id="significance"><h2>Significance</h2>'
        '<div class="explain"><p>Each row compares two versions of one language <strong>on the same reference '
        "segments</strong>: a version against the published one. The question: is the difference in score "
        "real, or could it come from which segments happen to be in the text?</p><ul>"
        "<li><strong>Null hypothesis:</strong> the two versions are equally good on this metric.</li>"
        "<li><strong>p</strong> is how often a difference at least this large would appear if they were: "
        f"below {alpha:g} (marked *) we call the difference significant.</li>"
        "<li>Two tests, side by side: the <em>paired bootstrap</em> resamples the segments with replacement "
        "(<code>bootstrap.n_samples</code> times); <em>approximate randomization</em> swaps the two versions' "
        "segment scores at random (<code>bootstrap.ar_samples</code> times). "
        "When they disagree the row says so: the difference is then not established.</li>"
        "<li>The <strong>95% CI is of the system score</strong> (paired bootstrap), not of the difference.</li>"
        "<li>§ = scored on the baseline's segments, not the set of the Scores table.</li></ul></div>"
        f'<div class="scroll"><table id="significance-table"><thead><tr>{th}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div></section>"
    )


def _pairwise_section(views: list[Pairwise], snippet_chars: int) -> str:
    if not views:
        return ""
    parts = [
        '<section id="pairwise"><h2>Two versions, segment by segment</h2><p class="note">As in MT-Telescope\'s '
        "pairwise view: each version against the published one of its language, per reference segment, on a "
        "segment-level metric. Wins count segments where one version scores higher by more than 1% of the "
        "scale; buckets split both versions' segments into the low, middle and high third of their pooled "
        "scores.</p>"
    ]
    for v in views:
        a_wins, b_wins, ties = v.wins()
        buckets = v.buckets()
        f = v.info.fmt
        bucket_rows = "".join(
            f'<tr><td>{esc(name)}</td><td class="num">{na}</td><td class="num">{nb}</td></tr>'
            for name, (na, nb) in buckets.items()
        )
        total = len(v.pairs) or 1
        bar = (
            f'<div class="winbar" role="img" aria-label="{esc(v.a)} better on {a_wins}, {esc(v.b)} better on '
            f'{b_wins}, ties {ties}"><span class="wa" style="width:{100 * a_wins / total:.1f}%"></span>'
            f'<span class="wt" style="width:{100 * ties / total:.1f}%"></span>'
            f'<span class="wb" style="width:{100 * b_wins / total:.1f}%"></span></div>'
            f'<p class="legend"><i class="wa"></i>{esc(v.a)} better<i class="wt"></i>tie<i class="wb"></i>'
            f"{esc(v.b)} better</p>"
        )
        seg_rows = "".join(
            f'<tr><td>{esc(p.ref_ids)}</td><td class="text">{esc(snippet(p.ref_text, snippet_chars))}</td>'
            f'<td class="num">{esc(f(p.a))}</td><td class="num">{esc(f(p.b))}</td>'
            f'<td class="num {"up" if (p.delta > 0) == v.info.higher_is_better and abs(p.delta) > v.tie else ""}">'
            f"{esc(v.info.fmt_delta(p.delta))}</td></tr>"
            for p in sorted(v.pairs, key=lambda p: -abs(p.delta))
        )
        parts.append(
            f'<div class="pairwise" data-a="{esc(v.a)}" data-b="{esc(v.b)}"><h3>{esc(v.b)} vs {esc(v.a)} '
            f'<span class="note">({esc(v.lang)}, {esc(v.metric)}, {v.info.arrow})</span></h3>'
            f"<p><strong>{esc(v.b)}</strong> better on {b_wins} segment(s), <strong>{esc(v.a)}</strong> on {a_wins}, "
            f"{ties} tie(s) of {len(v.pairs)} paired"
            + (f"; {v.unpaired} bead(s) cover different reference sentences and are not paired" if v.unpaired else "")
            + f".</p>{bar}"
            f'<div class="scroll"><table class="buckets"><thead><tr><th>bucket (edges {esc(f(v.edges[0]))}, '
            f"{esc(f(v.edges[1]))})</th><th>{esc(v.a)}</th><th>{esc(v.b)}</th></tr></thead><tbody>{bucket_rows}"
            f"</tbody></table></div>"
            f"<details><summary>Per segment, largest difference first</summary>"
            f'<div class="scroll"><table class="segments"><thead><tr><th>ref</th><th>reference</th><th>{esc(v.a)}</th>'
            f"<th>{esc(v.b)}</th><th>Δ</th></tr></thead><tbody>{seg_rows}</tbody></table></div></details></div>"
        )
    parts.append("</section>")
    return "".join(parts)


def _ids(ids: Any) -> str:
    return ";".join(str(i) for i in ids or []) or "—"


def _evidence_templates(run: RunData, sids: Mapping[int, str]) -> str:
    """One hidden block per span: what was flagged and why, shown in the evidence panel on click or tap."""
    out = []
    for span in run.spans:
        sid = sids[id(span)]
        items = "".join(
            f"<dt>{esc(label)}{f' <small>({esc(det)})</small>' if det else ''}</dt><dd>{esc(value)}</dd>"
            for det, label, value in evidence_items(span.get("evidence"))
        )
        hyp, ref = span.get("hyp"), span.get("ref")
        out.append(
            f'<template id="ev-{sid}"><h4>{esc(span.get("severity"))} · {esc(span.get("category"))}</h4>'
            f'<p class="pair">{esc(finding_pair(span, 200))}</p><dl>'
            f"<dt>version</dt><dd>{esc(span.get('system'))} ({esc(span.get('lang'))}), segment "
            f"{esc(_ids(span.get('hyp_segment_ids')))}"
            + ("" if isinstance(hyp, Mapping) else " — nothing in the version")
            + f"</dd><dt>reference segment</dt><dd>{esc(_ids(span.get('ref_segment_ids')))}"
            + ("" if isinstance(ref, Mapping) else " — not in the reference")
            + f"</dd><dt>detector</dt><dd>{esc(span.get('detector'))} (confidence {esc(span.get('confidence'))})</dd>"
            f"{items or '<dt>evidence</dt><dd>none recorded</dd>'}</dl></template>"
        )
    panel = (
        '<aside id="evidence" class="evidence" hidden aria-live="polite"><button type="button" class="close" '
        'aria-label="close the evidence">×</button><div class="body"></div></aside>'
    )
    return f'<div id="evidence-templates">{"".join(out)}</div>{panel}'


def _filters(systems: list[str], categories: list[str]) -> str:
    opts = '<option value="">all versions</option>' + "".join(
        f'<option value="{esc(s)}">{esc(s)}</option>' for s in systems
    )
    cats = "".join(
        f'<label class="{css_class(c)}"><input type="checkbox" name="f-cat" value="{esc(c)}" checked> {esc(c)}</label> '
        for c in categories
    )
    sevs = "".join(
        f'<label><input type="checkbox" name="f-sev" value="{s}" checked> {s}</label> '
        for s in ("critical", "major", "minor")
    )
    return (
        '<form class="filters" onsubmit="return false">'
        f'<fieldset><legend>Version</legend><select id="f-system">{opts}</select></fieldset>'
        f"<fieldset><legend>Category</legend>{cats}</fieldset>"
        f"<fieldset><legend>Severity</legend>{sevs}</fieldset>"
        '<fieldset><legend>Rows</legend><label><input type="checkbox" id="f-only"> only beads with '
        "findings</label></fieldset></form>"
    )


def _segment_scores(segments: pd.DataFrame, infos: Infos) -> dict[tuple[str, int], str]:
    out: dict[tuple[str, int], list[str]] = {}
    for r in segments.to_dict("records"):
        if r["bead"] != r["bead"] or r["score"] != r["score"]:
            continue
        key = (str(r["system"]), int(r["bead"]))
        out.setdefault(key, []).append(f"{r['metric']} {fmt_value(info_of(infos, str(r['metric'])), r['score'])}")
    return {k: " · ".join(v) for k, v in out.items()}


def _side_by_side_section(run: RunData, order: list[str]) -> str:
    placed, unplaced = place_spans(run.alignment, run.spans)
    seg = _segment_scores(run.segments, run.metrics)
    systems = [s for s in order if s in set(run.alignment["system"])]
    systems += sorted(set(run.alignment["system"]) - set(systems))
    cats_seen = {str(s["category"]) for s in run.spans}
    categories = [c for c in CATEGORY_ORDER if c in cats_seen] + sorted(cats_seen - set(CATEGORY_ORDER))
    ref_lang = run.ref_lang
    parts = [
        '<section id="side-by-side"><h2>Side by side</h2><p class="note">Reference, version and its '
        "back-translation per aligned bead. Colour = category, underline weight = severity (dotted minor, "
        "solid major, double critical). Click or tap an error to see why it was flagged (back-translation, "
        "dictionary entries, approved terms, similarity and threshold) and the reference words it is linked "
        "to; omissions are marked on the reference side, additions on the version side.</p>",
        _filters(systems, categories),
    ]
    for system in systems:
        beads = run.alignment[run.alignment["system"] == system]
        lang = str(beads["lang"].iloc[0])
        hyp_attrs = f' lang="{esc(lang)}" dir="{text_direction(lang)}"'
        ref_attrs = f' lang="{esc(ref_lang)}" dir="{text_direction(ref_lang)}"'
        found = [s for s in run.spans if str(s["system"]) == system]
        counts = ", ".join(
            f"{sum(1 for s in found if s['severity'] == sev)} {sev}"
            for sev in ("critical", "major", "minor")
            if any(s["severity"] == sev for s in found)
        )
        rows = []
        for b in beads.to_dict("records"):
            bead = int(b["bead"])
            here = placed.get((system, bead), [])
            hyp_marks, ref_marks = _marks(here)
            hyp_text, ref_text = str(b["hyp_text"]), str(b["ref_text"])
            bridge = str(b.get("bridge_text", "") or "")
            info = f"{esc(b.get('bead_type', ''))}<br>ref {esc(b['ref_ids'] or '—')} / hyp {esc(b['hyp_ids'] or '—')}"
            for key, label in (("unit_ids", "unit"), ("doc", "doc")):  # XLIFF/TMX/PO unit ids, many documents
                if b.get(key):
                    info += f"<br>{label} {esc(b[key])}"
            sim = b.get("similarity")
            if sim is not None and sim == sim:
                info += f"<br>sim {float(sim):.3f}"
            if (system, bead) in seg:
                info += f'<br><span class="route">{esc(seg[(system, bead)])}</span>'
            rows.append(
                f'<tr class="bead" data-system="{esc(system)}" data-bead="{bead}" data-spans="{len(here)}">'
                f'<td class="info">{info}</td>'
                f'<td class="text ref"{ref_attrs} data-label="reference ({esc(ref_lang)})">'
                f"{highlight(ref_text, ref_marks)}</td>"
                f'<td class="text hyp"{hyp_attrs} data-label="version ({esc(lang)})">'
                f"{highlight(hyp_text, hyp_marks)}</td>"
                f'<td class="text bridge"{ref_attrs} data-label="back-translation">'
                f"{esc(bridge) or '—'}</td></tr>"
            )
        lost = [s for s in unplaced if str(s["system"]) == system]
        lost_html = ""
        if lost:
            items = "".join(
                f"<li>{esc(s['severity'])} · {esc(s['category'])}: "
                f"{esc((s.get('hyp') or {}).get('text', '(omitted)'))} ↔ "
                f"{esc((s.get('ref') or {}).get('text', '(not in the reference)'))}</li>"
                for s in sort_findings(lost)
            )
            lost_html = (
                f'<p class="unplaced">{len(lost)} span(s) match no bead text of alignment.csv:</p>'
                f'<ul class="unplaced">{items}</ul>'
            )
        parts.append(
            f'<section class="version" data-system="{esc(system)}"><details class="beads" open><summary>'
            f"<h3>{esc(system)} "
            f'<span class="note">({esc(lang)}; {len(found)} span(s){": " + counts if counts else ""})</span></h3>'
            '</summary><div class="scroll"><table class="beads"><thead><tr><th>bead</th>'
            f"<th>reference ({esc(ref_lang)})</th><th>version ({esc(lang)})</th>"
            f"<th>back-translation ({esc(ref_lang)})</th></tr></thead><tbody>"
            + "".join(rows)
            + f"</tbody></table></div>{lost_html}</details></section>"
        )
    parts.append("</section>")
    return "".join(parts)


def _charts_section(run: RunData, cfg: ReportConfig) -> str:
    if not cfg.charts:
        return ""
    figs = []
    for chart, caption in (
        (plots.scores_svg(run.scores, run.metrics), "Scores per metric on its own scale, with 95% CI whiskers"),
        (plots.mqm_svg(run.mqm), "MQM penalty points per 100 words by category; dashed red line: fail above it"),
    ):
        if chart:
            ranges = json.dumps([[a.panel, a.lo, a.hi, a.data_lo, a.data_hi] for a in chart.axes])
            figs.append(
                f"<figure data-axes='{esc(ranges)}'>{chart.svg}<figcaption>{esc(caption)}</figcaption></figure>"
            )
    if not figs:
        return ""
    return '<section id="charts"><h2>Charts</h2>' + "".join(figs) + "</section>"


def _kv_table(data: Mapping[str, Any], head: tuple[str, str], table_id: str) -> str:
    rows = [[esc(k), f'<span class="mono">{esc(v)}</span>'] for k, v in sorted(data.items())]
    return _table(head, rows, f' id="{table_id}"') if rows else '<p class="note">none recorded</p>'


def _provenance_section(run: RunData) -> str:
    man = run.manifest
    meta = {k: man.get(k, "") for k in ("harness_version", "created", "tag", "command", "python")}
    meta["run folder"] = run.path.name
    skipped = man.get("skipped") or []
    skipped_html = (
        _table(
            ["stage", "system", "lang", "reason"],
            [[esc(s.get(k, "")) for k in ("stage", "system", "lang", "reason")] for s in skipped],
            ' id="skipped-table"',
        )
        if skipped
        else '<p class="note">No stage was skipped.</p>'
    )
    systems = man.get("systems") or []
    systems_html = _table(
        ["name", "lang", "kind", "route"],
        [[esc(s.get(k, "")) for k in ("name", "lang", "kind", "route")] for s in systems],
    )
    audit = cleaning_summary(run.cleaning)
    audit_html = _table(
        ["document", "lang", "rule", "action", "lines"],
        [[esc(v) for v in r] for r in audit.itertuples(index=False)],
        ' id="cleaning-table"',
    )
    detail_cols = [c for c in ("document", "lang", "line_no", "rule", "action", "text") if c in run.cleaning]
    detail = _table(
        detail_cols,
        [
            [esc(int(v) if c == "line_no" and v == v else v) for c, v in zip(detail_cols, r, strict=True)]
            for r in run.cleaning[detail_cols].itertuples(index=False)
        ],
    )
    return (
        '<section id="provenance"><h2>Provenance</h2>'
        + _kv_table(meta, ("run", "value"), "run-table")
        + "<h3>Signatures</h3>"
        + _kv_table(signatures(run.scores, man), ("metric", "signature"), "signatures-table")
        + "<h3>Inputs (SHA-256)</h3>"
        + _kv_table(man.get("inputs") or {}, ("path", "sha256"), "inputs-table")
        + "<h3>Models</h3>"
        + _kv_table(man.get("models") or {}, ("name", "id / sha"), "models-table")
        + "<h3>Packages</h3>"
        + _kv_table(man.get("packages") or {}, ("package", "version"), "packages-table")
        + "<h3>Apertium</h3>"
        + _kv_table(man.get("apertium") or {}, ("package", "version"), "apertium-table")
        + "<h3>Systems</h3>"
        + systems_html
        + "<h3>Skipped stages</h3>"
        + skipped_html
        + f'<h3>Cleaning audit</h3><p class="note">{len(run.cleaning)} line(s) dropped or stripped before '
        "alignment, by rule.</p>"
        + audit_html
        + f"<details><summary>All {len(run.cleaning)} cleaned lines</summary>{detail}</details>"
        + "</section>"
    )


def _category_css() -> str:
    rules = []
    for cat, colour in plots.CATEGORY_COLOURS.items():
        cls = css_class(cat)
        rules.append(f".{cls} {{ color: {colour}; }} .err.{cls} {{ background: {colour}1f; }}")
    return "\n".join(rules)


def render_html(run: RunData, cfg: ReportConfig | None = None) -> str:
    """The whole report.html as a string (one file, nothing fetched)."""
    cfg = cfg or ReportConfig()
    man = run.manifest
    infos = run.metrics
    rows = [r for r in summary_rows(run.scores, infos) if r.kind != "reference"]
    metrics = metrics_present(run.scores)
    fair, apart = ranked(rows, rank_metric(rows, cfg.rank_by), infos)
    sids = {id(span): f"s{i}" for i, span in enumerate(run.spans)}
    views = pairwise_views(fair + apart, run.segments, run.alignment, infos, [*cfg.rank_by, *metrics])
    sections = [
        _verdict_section(run, fair + apart, cfg, sids),
        _summary_section(rows, metrics, cfg, infos),
        _charts_section(run, cfg),
        _significance_section(run, rows),
        _pairwise_section(views, cfg.snippet_chars),
        _matrix_section(rows, cfg, infos),
        _side_by_side_section(run, [r.system for r in fair + apart]),
        _provenance_section(run),
    ]
    ids = re.findall(r'<section id="([^"]+)"><h2>([^<]+)</h2>', "".join(sections))
    nav = "".join(f'<a href="#{i}">{t}</a>' for i, t in ids)
    tag = man.get("tag") or run.path.name
    meta = (
        f"Run <code>{esc(run.path.name)}</code> · created {esc(man.get('created', '?'))} · reference: "
        f"{esc(run.ref_lang)} · {len(rows)} version(s) · {len(run.spans)} span(s)"
    )
    style = Template((TEMPLATES / "report.css").read_text(encoding="utf-8")).substitute(category_css=_category_css())
    page = Template((TEMPLATES / "report.html").read_text(encoding="utf-8"))
    return page.substitute(
        title=esc(f"{cfg.title} — {tag}"),
        harness_version=esc(man.get("harness_version", "?")),
        meta=meta,
        nav=nav,
        style=style,
        script=(TEMPLATES / "report.js").read_text(encoding="utf-8"),
        body="\n".join(s for s in sections if s) + _evidence_templates(run, sids),
    )
