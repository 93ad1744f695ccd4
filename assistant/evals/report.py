"""Reading an eval run: rich tables in the terminal, and the files of a run (result.json and the
self-contained report.html of `html_report`)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape as rich_escape
from rich.table import Table

from .formats import bar_text, delta_good, fmt, fmt_delta
from .html_report import render_html
from .results import RunResult, SuiteResult

__all__ = ["print_run", "render_html", "write_run"]

TAG_COLUMNS = {
    "pass_rate": "pass",
    "hit@k": "hit@k",
    "mrr": "MRR",
    "fact_recall": "facts",
    "evidence_recall": "c.rec",
    "citation_precision": "c.prec",
    "abstention_recall": "abst.R",
    "false_abstention_rate": "f.abst",
    "answer_contains": "contains",
    "groundedness": "ground.",
}
"""Per-tag table columns and their short headers (the table must fit an 80-column terminal)."""
LEGEND = (
    "facts = fact recall, c.rec = citation recall (evidence_recall), c.prec = citation precision, "
    "abst.R = abstention recall, f.abst = false-abstention rate"
)


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
            if check.value is None:
                mark = "[dim]not measured[/]"
            bar = f"{bar_text(check.op, check.limit, name)} {mark}"
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


def write_run(run: RunResult, out_dir: Path) -> tuple[Path, Path]:
    """Write result.json and report.html into `out_dir`; returns both paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, html_path = out_dir / "result.json", out_dir / "report.html"
    json_path.write_text(json.dumps(run.to_json(), indent=1, ensure_ascii=False), "utf-8")
    html_path.write_text(render_html(run), encoding="utf-8")
    return json_path, html_path
