"""Reading an eval run: rich tables in the terminal, result.json, and one self-contained HTML file.

The HTML has no external asset (inline CSS, inline SVG plots, no JavaScript), so it can be
attached to a CI run or mailed. Every piece of question, answer and report text is
`html.escape`d: reports are untrusted input.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from html import escape
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape as rich_escape
from rich.table import Table

from .plots import bar_chart, histogram
from .results import RunResult, SuiteResult
from .suites import METRICS

TAG_COLUMNS = {
    "pass_rate": "pass",
    "hit@k": "hit@k",
    "mrr": "MRR",
    "fact_recall": "facts",
    "evidence_recall": "evid.",
    "citation_precision": "c.prec",
    "abstention_recall": "abst.R",
    "false_abstention_rate": "f.abst",
    "answer_contains": "contains",
    "groundedness": "ground.",
}
"""Per-tag table columns and their short headers (the table must fit an 80-column terminal)."""
LEGEND = (
    "facts = fact recall, evid. = evidence recall, c.prec = citation precision, "
    "abst.R = abstention recall, f.abst = false-abstention rate"
)
BAR_METRICS = (
    "pass_rate",
    "hit@k",
    "fact_recall",
    "evidence_recall",
    "abstention_recall",
    "groundedness",
)


def fmt(metric: str, value: float | None) -> str:
    """Latencies in seconds, every other metric as a percentage; '–' when not measured."""
    if value is None:
        return "–"
    if metric == "answer_words_p50":
        return f"{value:.0f} words"
    return f"{value:.3f} s" if metric.startswith("latency") else f"{value:.1%}"


def fmt_delta(metric: str, delta: float | None) -> str:
    if delta is None:
        return ""
    if delta == 0:
        return "="
    if metric.startswith("latency"):
        return f"{delta:+.3f} s"
    if metric == "answer_words_p50":
        return f"{delta:+.0f} words"
    return f"{delta * 100:+.1f} pt"


def delta_good(metric: str, delta: float | None) -> bool | None:
    """True when the change is an improvement (direction depends on the metric)."""
    if not delta:
        return None
    return (delta > 0) == METRICS.get(metric, True)


def _bar(check_op: str, limit: float, metric: str) -> str:
    return f"{'≥' if check_op == 'min' else '≤'} {fmt(metric, limit)}"


# ---------------------------------------------------------------- terminal


def print_run(run: RunResult, console: Console) -> None:
    """One metrics table and one per-tag table per suite, then failures and baseline changes."""
    diff = run.baseline or {}
    for s in run.suites:
        sdiff = diff.get("suites", {}).get(s.name, {})
        status = "[green]PASSED[/]" if s.passed else "[red]FAILED[/]"
        console.rule(f"{rich_escape(s.name)}  {status}")
        c = s.counts
        console.print(
            f"{rich_escape(s.scope())} ({c['unanswerable']} unanswerable), collection "
            f"{rich_escape(s.collection)}, corpus {s.corpus_hash}, top k={s.k}, {s.duration:.1f} s"
        )
        console.print(f"[dim]machine: {rich_escape(s.machine.line())}[/]")
        console.print(_metric_table(s, sdiff.get("metrics", {})))
        if s.per_tag:
            console.print(_tag_table(s))
            console.print(f"[dim]{LEGEND}[/]")
        failing = [r for r in s.records if not r.passed]
        for r in failing[:15]:
            console.print(f"  [red]✗[/] {rich_escape(r.id)}: {rich_escape('; '.join(r.failures))}")
        if len(failing) > 15:
            console.print(f"  … {len(failing) - 15} more failing questions in the HTML report")
        for word, color in (("fixed", "green"), ("broken", "red")):
            if sdiff.get(word):
                console.print(f"[{color}]{word}[/]: {rich_escape(', '.join(sdiff[word]))}")
        if sdiff.get("questions_changed"):
            console.print("[yellow]the baseline ran other questions (split or size)[/]")
    for key in ("settings", "models", "prompts"):
        for name, (old, new) in diff.get(key, {}).items():
            console.print(f"changed {key[:-1]} {rich_escape(name)}: {old!r} → {new!r}")
    for note in run.skipped:
        console.print(f"[yellow]skipped[/] {rich_escape(note)}")
    if run.machine is not None:
        console.print(f"run: {rich_escape(run.machine.line())}")
    if run.suites:
        console.print("groundedness: " + "; ".join(run.suites[0].groundedness_methods))


def _metric_table(s: SuiteResult, deltas: Mapping[str, Any]) -> Table:
    table = Table("metric", "value", "threshold", "Δ baseline", box=None, pad_edge=False)
    bars = {c.metric: c for c in s.checks}
    for name, value in s.metrics.items():
        check = bars.get(name)
        if value is None and check is None:
            continue
        bar = ""
        if check is not None:
            mark = "[green]ok[/]" if check.passed else "[red]FAIL[/]"
            bar = f"{_bar(check.op, check.limit, name)} {mark}"
        d = deltas.get(name, {}).get("delta")
        good = delta_good(name, d)
        color = "green" if good else "red" if good is False else "dim"
        table.add_row(name, fmt(name, value), bar, f"[{color}]{fmt_delta(name, d)}[/]")
    return table


def _tag_table(s: SuiteResult) -> Table:
    cols = [m for m in TAG_COLUMNS if any(v.get(m) is not None for v in s.per_tag.values())]
    table = Table("tag", "n", *(TAG_COLUMNS[m] for m in cols), box=None, pad_edge=False)
    for tag, values in s.per_tag.items():
        n = sum(tag in r.tags for r in s.records)
        cells = ("–" if values.get(m) is None else f"{values[m]:.0%}" for m in cols)
        table.add_row(rich_escape(tag), str(n), *cells)
    return table


# ---------------------------------------------------------------- HTML

CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#222;max-width:1400px}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:3px 7px;vertical-align:top;text-align:left}
th{background:#f4f4f4}.pass{color:#1a7f37}.fail{color:#c62828}.bad td{background:#fff5f5}
.q{max-width:260px}.a{max-width:420px;white-space:pre-wrap}.cite{font-size:12px;color:#444}
.good{color:#1a7f37}.worse{color:#c62828}code{font-size:12px}details{margin:.5em 0}
"""


def _kv_table(data: Mapping[str, Any]) -> str:
    rows = "".join(
        f"<tr><th>{escape(str(k))}</th><td>{escape(str(v))}</td></tr>" for k, v in data.items()
    )
    return f"<table>{rows}</table>"


def render_html(run: RunResult) -> str:
    """The whole run as one HTML page (no external resources)."""
    first = run.suites[0] if run.suites else None
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>assistant eval</title>",
        f"<style>{CSS}</style></head><body><h1>Eval run {escape(run.started)}</h1>",
        f"<p>{'<b class=pass>all thresholds hold</b>' if run.passed else '<b class=fail>thresholds failed</b>'}"
        f" · {run.duration:.1f} s</p>",
    ]
    if run.machine is not None:
        parts.append(f"<p>Machine: {escape(run.machine.line())}</p>")
    if first:
        parts.append("<p>Groundedness: " + escape("; ".join(first.groundedness_methods)) + "</p>")
        parts.append("<h3>Models</h3>" + _kv_table(first.models))
        parts.append(
            "<details><summary>Prompt hashes</summary>"
            + _kv_table(first.prompt_hashes)
            + "</details>"
        )
    parts.append("<details><summary>Settings</summary>" + _kv_table(run.settings) + "</details>")
    for note in run.skipped:
        parts.append(f"<p>skipped: {escape(note)}</p>")
    diff = run.baseline or {}
    if diff:
        parts.append(f"<h3>Baseline</h3><p>compared with {escape(str(diff.get('path')))} "
                     f"({escape(str(diff.get('started')))})</p>")  # fmt: skip
        for key in ("settings", "models", "prompts"):
            for name, (old, new) in diff.get(key, {}).items():
                parts.append(f"<p>changed {key[:-1]} <code>{escape(name)}</code>: "
                             f"{escape(repr(old))} → {escape(repr(new))}</p>")  # fmt: skip
    for s in run.suites:
        parts.append(_suite_html(s, diff.get("suites", {}).get(s.name, {})))
    parts.append("</body></html>")
    return "\n".join(parts)


def _suite_html(s: SuiteResult, sdiff: Mapping[str, Any]) -> str:
    c = s.counts
    status = "<b class=pass>PASSED</b>" if s.passed else "<b class=fail>FAILED</b>"
    out = [
        f"<h2>{escape(s.name)} {status}</h2>",
        f"<p>{escape(s.path)} · {escape(s.scope())} ({c['unanswerable']} unanswerable) · "
        f"collection {escape(s.collection)} · corpus {escape(s.corpus_hash)} · top k={s.k} · "
        f"{s.duration:.1f} s{' · ingest: ' + escape(s.ingest) if s.ingest else ''}</p>",
        f"<p>Machine: {escape(s.machine.line())}</p>",
    ]
    checks = {ch.metric: ch for ch in s.checks}
    rows = []
    for name, value in s.metrics.items():
        ch = checks.get(name)
        if value is None and ch is None:
            continue
        bar = ""
        if ch is not None:
            bar = f"{escape(_bar(ch.op, ch.limit, name))} " + (
                "<span class=pass>ok</span>" if ch.passed else "<span class=fail>FAIL</span>"
            )
        d = sdiff.get("metrics", {}).get(name, {}).get("delta")
        good = delta_good(name, d)
        cls = "good" if good else "worse" if good is False else ""
        rows.append(f"<tr><td>{escape(name)}</td><td>{fmt(name, value)}</td><td>{bar}</td>"
                    f"<td class='{cls}'>{escape(fmt_delta(name, d))}</td></tr>")  # fmt: skip
    out.append("<table><tr><th>metric</th><th>value</th><th>threshold</th><th>Δ baseline</th></tr>"
               + "".join(rows) + "</table>")  # fmt: skip
    for word in ("fixed", "broken"):
        if sdiff.get(word):
            out.append(
                f"<p class={'pass' if word == 'fixed' else 'fail'}>{word}: {escape(', '.join(sdiff[word]))}</p>"
            )
    if s.per_tag:
        tags = list(s.per_tag)
        series = {m: [s.per_tag[t].get(m) for t in tags] for m in BAR_METRICS}
        series = {m: v for m, v in series.items() if any(x is not None for x in v)}
        out.append("<h3>Per tag</h3>" + bar_chart(tags, series))
    latencies = [r.latency for r in s.records if r.error is None]
    out.append(
        "<h3>Latency</h3>"
        + histogram(
            latencies, {"p50": s.metrics.get("latency_p50"), "p95": s.metrics.get("latency_p95")}
        )
    )
    out.append(_questions_html(s, sdiff))
    return "\n".join(out)


def _questions_html(s: SuiteResult, sdiff: Mapping[str, Any]) -> str:
    fixed, broken = set(sdiff.get("fixed", [])), set(sdiff.get("broken", []))
    rows = []
    for r in s.records:
        change = (
            " <b class=pass>fixed</b>"
            if r.id in fixed
            else " <b class=fail>broken</b>"
            if r.id in broken
            else ""
        )
        turns = "".join(f"<div class=cite>↳ {escape(t)}</div>" for t in r.turns)
        cites = "".join(
            f"<div class=cite>[{c['marker']}] <code>{escape(c['report'])} {c['start']}-{c['end']}</code>"
            f"{'' if c['valid'] else ' <b class=fail>INVALID</b>'}"
            f"{' gold' if c['supports_gold'] else ''}: “{escape(' '.join(c['quote'].split()))}”</div>"
            for c in r.citations
        )
        scores = ", ".join(f"{escape(k)} {fmt(k, v)}" for k, v in r.scores.items() if v is not None)
        answer = "<i>abstained</i> " if r.abstained else ""
        rows.append(
            f"<tr class='{'' if r.passed else 'bad'}'><td>{escape(r.id)}{change}<div class=cite>"
            f"{escape(', '.join(r.tags))}{' · unanswerable' if r.unanswerable else ''}</div></td>"
            f"<td class=q>{turns}{escape(r.question)}</td><td class=a>{answer}{escape(r.answer)}{cites}</td>"
            f"<td class=cite>{scores}<br>{r.latency:.3f} s</td>"
            f"<td class=fail>{'<br>'.join(escape(f) for f in r.failures)}</td></tr>"
        )
    head = "<tr><th>id</th><th>question</th><th>answer and citations</th><th>scores</th><th>failed</th></tr>"
    return f"<h3>Questions</h3><table>{head}{''.join(rows)}</table>"


def write_run(run: RunResult, out_dir: Path) -> tuple[Path, Path]:
    """Write result.json and report.html into `out_dir`; returns both paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, html_path = out_dir / "result.json", out_dir / "report.html"
    json_path.write_text(json.dumps(run.to_json(), indent=1, ensure_ascii=False), "utf-8")
    html_path.write_text(render_html(run), encoding="utf-8")
    return json_path, html_path
