"""The summary at the top of report.html: the suites against their thresholds, then per suite its
verdict, what changed since the baseline, its key metrics and its pass rate per tag, as inline SVG
bars (this run beside the baseline) and as captioned tables with the baseline value and change."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from .formats import (
    KEY_METRICS,
    bar_text,
    delta_html,
    fmt,
    label,
    table_html,
    verdict_html,
)
from .html_questions import question_anchor
from .plots import BarRow, paired_bars
from .results import RunResult, SuiteResult, ThresholdCheck

TAG_METRICS = ("fact_recall", "citation_precision", "evidence_recall", "abstention_recall")
"""Per-tag table columns beside the pass rate (each only when some tag measured it)."""


def summary_html(run: RunResult, diff: Mapping[str, Any]) -> str:
    suites_diff = diff.get("suites", {})
    rows = []
    for i, s in enumerate(run.suites):
        sdiff = suites_diff.get(s.name, {})
        pr = sdiff.get("metrics", {}).get("pass_rate", {})
        missed = ", ".join(
            f"{label(c.metric)} {fmt(c.metric, c.value)}" for c in s.checks if not c.passed
        )
        rows.append(
            f'<tr class="{"" if s.passed else "missed"}"><th scope=row><a href="#suite-{i}">'
            f"{escape(s.name)}</a></th><td>{verdict_html(s.passed, 'passed', 'failed')}</td>"
            f"<td class=num>{s.counts.get('passed', 0)} of {len(s.records)}</td>"
            f"<td class=num>{fmt('pass_rate', s.metrics.get('pass_rate'))}"
            + (delta_html("pass_rate", pr.get("delta")) if diff else "")
            + "</td>"
            + (_baseline_cell(s.name in suites_diff, pr.get("baseline")) if diff else "")
            + f"<td>{escape(missed) or 'none'}</td></tr>"
        )
    head = ["suite", "verdict", "questions passed", "pass rate"]
    head += ["baseline pass rate"] if diff else []
    parts = [
        '<section aria-labelledby="summary"><h2 id="summary">Summary</h2>',
        table_html("Suites against their thresholds", [*head, "thresholds missed"], rows),
    ]
    if len(run.suites) > 1:
        bars = [
            BarRow(
                s.name + (" (not in the baseline)" if diff and s.name not in suites_diff else ""),
                s.metrics.get("pass_rate"),
                suites_diff.get(s.name, {}).get("metrics", {}).get("pass_rate", {}).get("baseline"),
            )
            for s in run.suites
        ]
        parts.append(paired_bars(bars, title="Pass rate per suite", baseline=bool(diff)))
    for i, s in enumerate(run.suites):
        parts.append(_suite_summary(s, i, suites_diff.get(s.name), bool(diff)))
    parts.append("</section>")
    return "\n".join(parts)


def _baseline_cell(compared: bool, value: float | None) -> str:
    if not compared:
        return '<td class="muted">not in the baseline</td>'
    return f"<td class=num>{fmt('pass_rate', value)}</td>"


def _check_cell(check: ThresholdCheck | None) -> str:
    if check is None:
        return "<td></td><td></td>"
    bar = escape(bar_text(check.op, check.limit, check.metric))
    if check.value is None:
        return f'<td>{bar}</td><td class="muted">– not measured</td>'
    return f"<td>{bar}</td><td>{verdict_html(check.passed, 'met', 'missed')}</td>"


def _suite_summary(
    s: SuiteResult, index: int, sdiff: Mapping[str, Any] | None, compared: bool
) -> str:
    c = s.counts
    missed = [ch for ch in s.checks if not ch.passed]
    unmeasured = [ch.metric for ch in s.checks if ch.value is None]
    if missed:
        line = verdict_html(
            False, "", f"{len(missed)} of {len(s.checks)} thresholds missed: "
        ) + escape(
            "; ".join(
                f"{label(ch.metric)} {fmt(ch.metric, ch.value)} (threshold "
                f"{bar_text(ch.op, ch.limit, ch.metric)})"
                for ch in missed
            )
        )
    else:
        met = len(s.checks) - len(unmeasured)
        line = verdict_html(True, f"all {met} measured thresholds met", "")
    if unmeasured:
        line += escape(f" ({len(unmeasured)} not measured: {', '.join(unmeasured)})")
    out = [
        f'<h3 id="suite-{index}">Suite {escape(s.name)}: '
        f"{verdict_html(s.passed, 'passed', 'failed')}</h3>",
        f"<p>{line}</p>",
        f'<p class="muted">{escape(s.scope())} ({c.get("unanswerable", 0)} unanswerable) · '
        f"collection {escape(s.collection)} · corpus {escape(s.corpus_hash)} · top k={s.k} · "
        f"{s.duration:.1f} s{' · ingest: ' + escape(s.ingest) if s.ingest else ''}</p>",
        _changes(s, index, sdiff, compared),
        "<p><strong>Groundedness:</strong> " + escape("; ".join(s.groundedness_methods)) + "</p>",
    ]
    deltas = (sdiff or {}).get("metrics", {})
    checks = {ch.metric: ch for ch in s.checks}
    bars = []
    for name in KEY_METRICS:
        now, before = s.metrics.get(name), deltas.get(name, {}).get("baseline")
        if now is None and before is None and name not in checks:
            continue
        ch = checks.get(name)
        bars.append(
            BarRow(label(name), now, before, ch.limit if ch else None,
                   bar_text(ch.op, ch.limit, name) if ch else "")
        )  # fmt: skip
    out.append(f"<h4>Key metrics of {escape(s.name)}</h4>")
    out.append(paired_bars(bars, title=f"Key metrics of suite {s.name}", baseline=compared))
    out.append(_metrics_table(s, deltas, compared))
    if s.per_tag:
        out.append(_tags_html(s, (sdiff or {}).get("per_tag", {}), compared))
    return "\n".join(out)


def _changes(s: SuiteResult, index: int, sdiff: Mapping[str, Any] | None, compared: bool) -> str:
    if not compared:
        return ""
    if sdiff is None:
        return f"<p>The baseline has no suite named {escape(s.name)}: nothing to compare.</p>"
    ids = {r.id: i for i, r in enumerate(s.records)}

    def links(names: Sequence[str]) -> str:
        return ", ".join(
            f'<a href="#{question_anchor(index, ids[q])}">{escape(q)}</a>'
            if q in ids
            else escape(q)
            for q in names
        )

    parts = []
    for word, cls in (("broken", "fail"), ("fixed", "pass")):
        names = sdiff.get(word, [])
        parts.append(
            f'<span class="{cls if names else ""}"><strong>{len(names)} {word}</strong></span>'
            + (f" ({links(names)})" if names else "")
        )
    for word in ("added", "removed"):
        if sdiff.get(word):
            parts.append(f"{len(sdiff[word])} {word}")
    notes = []
    if sdiff.get("corpus_changed"):
        notes.append("the corpus changed")
    if sdiff.get("questions_changed"):
        notes.append("the baseline ran other questions (split or size)")
    tail = f" Note: {'; '.join(notes)}." if notes else ""
    return f"<p><strong>Since the baseline:</strong> {'; '.join(parts)}.{tail}</p>"


def _metrics_table(s: SuiteResult, deltas: Mapping[str, Any], compared: bool) -> str:
    checks = {ch.metric: ch for ch in s.checks}
    rows = []
    for name, value in s.metrics.items():
        ch = checks.get(name)
        d = deltas.get(name, {})
        if value is None and ch is None and d.get("baseline") is None:
            continue
        cls = "missed" if ch is not None and not ch.passed else ""
        base = (
            f"<td class=num>{fmt(name, d.get('baseline'))}</td><td class=num>"
            f"{delta_html(name, d.get('delta'))}</td>"
            if compared
            else ""
        )
        rows.append(
            f'<tr class="{cls}"><th scope=row>{escape(label(name))} <code>{escape(name)}</code></th>'
            f"<td class=num>{fmt(name, value)}</td>{_check_cell(ch)}{base}</tr>"
        )
    head = ["metric", "this run", "threshold", "result"] + (
        ["baseline", "change"] if compared else []
    )
    return table_html(f"Metrics of suite {s.name}", head, rows)


def _tags_html(s: SuiteResult, tag_deltas: Mapping[str, Any], compared: bool) -> str:
    tags = list(s.per_tag)
    cols = [m for m in TAG_METRICS if any(s.per_tag[t].get(m) is not None for t in tags)]
    rows = []
    for t in tags:
        n = sum(t in r.tags for r in s.records)
        failing = sum(t in r.tags and not r.passed for r in s.records)
        cells = []
        for m in ("pass_rate", *cols):
            d = tag_deltas.get(t, {}).get(m, {})
            extra = delta_html(m, d.get("delta")) if compared else ""
            if compared and d.get("delta") != 0 and d.get("baseline") is not None:
                extra += f' <span class="delta muted">was {fmt(m, d["baseline"])}</span>'
            cells.append(f"<td class=num>{fmt(m, s.per_tag[t].get(m))}{extra}</td>")
        rows.append(
            f"<tr><th scope=row>{escape(t)}</th>"
            f"<td class=num>{n}</td><td class=num>{failing}</td>{''.join(cells)}</tr>"
        )
    bars = [
        BarRow(
            t,
            s.per_tag[t].get("pass_rate"),
            tag_deltas.get(t, {}).get("pass_rate", {}).get("baseline"),
        )
        for t in tags
    ]
    return "\n".join(
        [
            f"<h4>Per tag in {escape(s.name)}</h4>",
            paired_bars(bars, title=f"Pass rate per tag, suite {s.name}", baseline=compared),
            table_html(
                f"Per tag in suite {s.name}"
                + (" (with the change since the baseline)" if compared else ""),
                ["tag", "questions", "failing", label("pass_rate"), *(label(m) for m in cols)],
                rows,
            ),
        ]
    )
