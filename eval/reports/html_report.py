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

from eval.reports import plots
from eval.reports.runfolder import RunData
from eval.reports.tables import (
    CATEGORY_ORDER,
    RTL_LANGS,
    SEVERITY_RANK,
    PlacedSpan,
    ReportConfig,
    SummaryRow,
    cleaning_summary,
    fmt_value,
    language_matrix,
    metrics_present,
    place_spans,
    rank_metric,
    ranked,
    signatures,
    sort_findings,
    summary_rows,
    unavailable_notes,
)

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
    """Cells are already-escaped HTML."""
    th = "".join(f"<th>{h}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table{attrs}><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


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
        title = f"{s['severity']} · {s['category']} · {s.get('detector', '?')} ({s.get('confidence', '?')})"
        evidence = s.get("evidence")
        if evidence:
            title += " · " + json.dumps(evidence, ensure_ascii=False, sort_keys=True)
        cat, sev = str(s["category"]), str(s["severity"])
        if p.hyp:
            hyp_marks.append(Mark(p.hyp[0], p.hyp[1], p.sid, "src", cat, sev, title))
        if p.ref:
            ref_marks.append(Mark(p.ref[0], p.ref[1], p.sid, "tgt", cat, sev, title))
            if not p.hyp:  # omission: the error is visible only on the reference side
                ref_marks.append(Mark(p.ref[0], p.ref[1], p.sid, "src", cat, sev, title))
    return hyp_marks, ref_marks


# ---------------------------------------------------------------- sections


def _summary_section(rows: list[SummaryRow], metrics: list[str], cfg: ReportConfig) -> str:
    metric = rank_metric(rows, cfg.rank_by)
    fair, apart = ranked(rows, metric)
    head = "".join(f"<th>{esc(m)}</th>" for m in ["version", "lang", "kind", *metrics])
    notes = unavailable_notes(rows)
    # footnote number of each (status, reason), in the order unavailable_notes lists them
    reasons: dict[tuple[str, str], int] = {}
    for row in rows:
        for c in row.cells.values():
            if c.status != "ok":
                reasons.setdefault((c.status, c.reason or "no reason recorded"), len(reasons) + 1)

    def tr(row: SummaryRow, cls: str) -> str:
        cells = [
            f"<td>{esc(row.system)}</td>",
            f"<td>{esc(row.lang)}</td>",
            f"<td>{esc(row.kind)}</td>",
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
                badge = '<span class="badge rt" title="the bridge engine produced this output">↺ round-trip</span>'
                also = "".join(
                    f'<span class="route also">also {esc(o.text)}{" ↺" if o.round_trip else ""} '
                    f"({esc(o.route or o.reason)})</span>"
                    for o in row.others.get(m, [])
                )
                cells.append(
                    f'<td class="num">{esc(c.text)}{badge if c.round_trip else ""}'
                    f'<span class="route">{esc(c.route)}</span>{also}</td>'
                )
        return f'<tr class="{cls}" data-system="{esc(row.system)}">' + "".join(cells) + "</tr>"

    body = "".join(tr(r, "fair") for r in fair)
    if apart:
        span = 3 + len(metrics)
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
        notes_html = f'<h3>Unavailable or not covered</h3><ol class="unavailable">{items}</ol>'
    return (
        f'<section id="summary"><h2>Summary</h2><p class="note">Versions × metrics, {ranking}; '
        "95% confidence intervals in brackets; the route under each score says how it was obtained.</p>"
        f'<table id="summary-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
        f"{notes_html}</section>"
    )


def _matrix_section(rows: list[SummaryRow], cfg: ReportConfig) -> str:
    matrix = language_matrix(rows, cfg.matrix_metrics)
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


def _significance_section(sig: pd.DataFrame | None) -> str:
    if sig is None or sig.empty:
        return ""
    rows = []
    for r in sig.to_dict("records"):
        metric = str(r["metric"])
        p = r.get("p_value")
        significant = p is not None and p == p and float(p) < 0.05
        ci = f"[{fmt_value(metric, r.get('ci_low'))}–{fmt_value(metric, r.get('ci_high'))}]"
        rows.append(
            [
                esc(r["lang"]),
                esc(metric),
                esc(r.get("method", "")),
                esc(r["baseline"]),
                esc(r["system"]),
                esc(fmt_value(metric, r.get("baseline_score"))),
                esc(fmt_value(metric, r.get("system_score"))),
                f'<span class="{"sig-yes" if significant else ""}">{esc(fmt_value(metric, r["delta"]))}</span>'
                f" {esc(ci)}",
                esc("" if p is None or p != p else f"{float(p):.4f}") + (" *" if significant else ""),
            ]
        )
    head = ["lang", "metric", "method", "baseline", "system", "baseline", "system", "Δ [95% CI]", "p"]
    return (
        '<section id="significance"><h2>Significance</h2><p class="note">Paired tests against the baseline '
        "(paired-bs = bootstrap resampling, paired-ar = approximate randomization); * = p &lt; 0.05.</p>"
        + _table(head, rows, ' id="significance-table"')
        + "</section>"
    )


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


def _segment_scores(segments: pd.DataFrame) -> dict[tuple[str, int], str]:
    out: dict[tuple[str, int], list[str]] = {}
    for r in segments.to_dict("records"):
        if r["bead"] != r["bead"] or r["score"] != r["score"]:
            continue
        key = (str(r["system"]), int(r["bead"]))
        out.setdefault(key, []).append(f"{r['metric']} {fmt_value(str(r['metric']), r['score'])}")
    return {k: " · ".join(v) for k, v in out.items()}


def _side_by_side_section(run: RunData, order: list[str]) -> str:
    placed, unplaced = place_spans(run.alignment, run.spans)
    seg = _segment_scores(run.segments)
    systems = [s for s in order if s in set(run.alignment["system"])]
    systems += sorted(set(run.alignment["system"]) - set(systems))
    cats_seen = {str(s["category"]) for s in run.spans}
    categories = [c for c in CATEGORY_ORDER if c in cats_seen] + sorted(cats_seen - set(CATEGORY_ORDER))
    ref_lang = run.ref_lang
    parts = [
        '<section id="side-by-side"><h2>Side by side</h2><p class="note">Reference, version and its '
        "back-translation per aligned bead. Colour = category, underline weight = severity (dotted minor, "
        "solid major, double critical). Hover or click an error to highlight the reference words it is "
        "linked to; omissions are marked on the reference side, additions on the version side.</p>",
        _filters(systems, categories),
    ]
    for system in systems:
        beads = run.alignment[run.alignment["system"] == system]
        lang = str(beads["lang"].iloc[0])
        rtl = lang.split("-")[0].lower() in RTL_LANGS
        hyp_attrs = f' lang="{esc(lang)}" dir="rtl"' if rtl else f' lang="{esc(lang)}" dir="ltr"'
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
                f'<td class="text ref" lang="{esc(ref_lang)}" dir="ltr">{highlight(ref_text, ref_marks)}</td>'
                f'<td class="text hyp"{hyp_attrs}>{highlight(hyp_text, hyp_marks)}</td>'
                f'<td class="text bridge" lang="{esc(ref_lang)}" dir="ltr">{esc(bridge) or "—"}</td></tr>'
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
            f'<section class="version" data-system="{esc(system)}"><h3>{esc(system)} '
            f'<span class="note">({esc(lang)}; {len(found)} span(s){": " + counts if counts else ""})</span></h3>'
            '<table class="beads"><thead><tr><th>bead</th>'
            f"<th>reference ({esc(ref_lang)})</th><th>version ({esc(lang)})</th>"
            f"<th>back-translation ({esc(ref_lang)})</th></tr></thead><tbody>"
            + "".join(rows)
            + f"</tbody></table>{lost_html}</section>"
        )
    parts.append("</section>")
    return "".join(parts)


def _charts_section(run: RunData, cfg: ReportConfig) -> str:
    if not cfg.charts:
        return ""
    figs = []
    for svg, caption in (
        (plots.scores_svg(run.scores), "Scores per metric with 95% CI"),
        (plots.mqm_svg(run.mqm), "MQM penalties by category per version"),
    ):
        if svg:
            figs.append(f"<figure>{svg}<figcaption>{esc(caption)}</figcaption></figure>")
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
    rows = [r for r in summary_rows(run.scores) if r.kind != "reference"]
    metrics = metrics_present(run.scores)
    fair, apart = ranked(rows, rank_metric(rows, cfg.rank_by))
    sections = [
        _summary_section(rows, metrics, cfg),
        _matrix_section(rows, cfg),
        _significance_section(run.significance),
        _side_by_side_section(run, [r.system for r in fair + apart]),
        _charts_section(run, cfg),
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
        body="\n".join(s for s in sections if s),
    )
