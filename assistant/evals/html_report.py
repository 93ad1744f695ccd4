"""report.html: one self-contained page, read from the top.

First a summary (`html_summary`): per suite, its verdict against its thresholds, its key metrics and its pass rate
per tag, each beside the baseline's value and the change, as tables and inline SVG bars. Then the
questions, failures first, each folded in a <details>, with a tag filter (`html_questions`). Last
the run's details: latency, models, prompt hashes, settings, machine.

Nothing is loaded from anywhere: inline CSS, inline SVG, and one small inline script that only
filters questions (with scripts off, every question is shown). Every text from a suite, an answer
or a report is `html.escape`d: reports are untrusted input.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

from .formats import fmt, kv_table_html, table_html, verdict_html
from .html_questions import questions_html
from .html_summary import summary_html
from .plots import histogram
from .results import RunResult

CSS = """
:root{color-scheme:light}[hidden]{display:none!important}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;padding:1rem;
max-width:70rem;color:#1b1b1b;background:#fff;overflow-wrap:break-word}
h1{font-size:1.5rem;margin:.3rem 0}h2{font-size:1.3rem;margin-top:2rem;padding-bottom:.2rem;
border-bottom:2px solid #d0d7de}h3{font-size:1.15rem;margin-top:1.6rem}h4{font-size:1rem}
a{color:#0b5394}.pass,.better{color:#1a7f37}.fail,.worse{color:#b3261e}.muted{color:#57606a}
.verdict{font-weight:700}.small{font-size:.9em}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:.5rem 0}caption{text-align:left;font-weight:700;padding:.3rem 0}
th,td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f5f7}td.num{text-align:right;white-space:nowrap}tr.missed td{background:#fdecea}
.delta{display:block;font-size:.85em}
.plot{display:block;width:100%;max-width:34rem;height:auto;margin:.5rem 0}
details.question{border:1px solid #d0d7de;border-left:6px solid #1a7f37;border-radius:4px;
margin:.4rem 0;padding:.2rem .6rem;scroll-margin-top:5rem}details.question.failed{border-left-color:#b3261e;background:#fffafa}
summary{cursor:pointer;padding:.2rem 0}.qid{font-weight:700;overflow-wrap:anywhere}
summary:focus-visible,a:focus-visible,select:focus-visible,input:focus-visible{outline:3px solid #1f5f99;outline-offset:2px}
.tag,.change{white-space:nowrap}.tag{display:inline-block;background:#eef1f4;border-radius:3px;padding:0 .35rem;margin:0 .15rem;font-size:.85em}
.change{font-weight:700;font-size:.85em;padding:0 .3rem;border:1px solid currentColor;border-radius:3px}
.change.broken{color:#b3261e}.change.fixed{color:#1a7f37}.change.new{color:#57606a}
.reason{color:#57606a}.body{padding:.2rem 0 .5rem}
.answer{white-space:pre-wrap;background:#f6f8fa;padding:.4rem .6rem;border-radius:4px}
blockquote{margin:.2rem 0 .5rem;padding:.1rem .6rem;border-left:3px solid #6e7781}
#shown{margin-left:.8rem;color:#57606a}.filter label{margin-right:.6rem}
.filter{position:sticky;top:0;background:#fff;padding:.5rem 0;border-bottom:1px solid #d0d7de;z-index:1}
select,input{font:inherit}code{font-size:.9em}
@media (max-width:40rem){body{padding:.5rem;font-size:14px}th,td{padding:.2rem .3rem}}
@media print{.filter{display:none}}
"""

SCRIPT = """
(function () {
  var form = document.getElementById("filter");
  if (!form) return;
  var select = document.getElementById("tag-filter");
  var failing = document.getElementById("only-failing");
  var shown = document.getElementById("shown");
  var questions = document.querySelectorAll("details.question");
  function apply() {
    var tag = select.value, n = 0;
    questions.forEach(function (q) {
      var tags = JSON.parse(q.getAttribute("data-tags") || "[]");
      var show = (!tag || tags.indexOf(tag) >= 0) &&
        (!failing.checked || q.classList.contains("failed"));
      q.hidden = !show;
      if (show) n += 1;
    });
    shown.textContent = n + " of " + questions.length + " questions shown";
  }
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  select.addEventListener("change", apply);
  failing.addEventListener("change", apply);
  form.hidden = false;
  apply();
})();
"""
"""Shows the filter and applies it; the only script of the page, and it loads nothing."""


def render_html(run: RunResult) -> str:
    """The whole run as one HTML page (no external resources)."""
    diff = run.baseline or {}
    title = f"Eval run {run.started}: " + ("passed" if run.passed else "failed")
    return "\n".join(
        [
            '<!doctype html><html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escape(title)}</title><style>{CSS}</style></head><body><main>",
            _header(run, diff),
            summary_html(run, diff),
            questions_html(run, diff),
            _run_details(run, diff),
            f"</main><script>{SCRIPT}</script></body></html>",
        ]
    )


def _header(run: RunResult, diff: Mapping[str, Any]) -> str:
    failed = [s for s in run.suites if not s.passed]
    n = len(run.suites)
    verdict = verdict_html(
        run.passed,
        "The suite meets its thresholds" if n == 1 else f"All {n} suites meet their thresholds",
        "The suite misses its thresholds"
        if n == 1
        else f"{len(failed)} of {n} suites miss their thresholds",
    )
    first = run.suites[0] if run.suites else None
    models = ""
    if first is not None:
        models = " · ".join(f"{k} {v}" for k, v in first.models.items() if v)
    base = (
        f"compared with the baseline {escape(str(diff.get('path')))} "
        f"(run {escape(str(diff.get('started')))})"
        if diff
        else "no baseline given (run with <code>--baseline RUN/result.json</code> for changes)"
    )
    return (
        f"<header><h1>Eval run {escape(run.started)}</h1><p>{verdict}</p>"
        f"<p>{escape(models)} · {run.duration:.1f} s · {base}</p>"
        '<nav aria-label="Sections"><a href="#summary">Summary</a> · '
        '<a href="#questions">Questions</a> · <a href="#run">Run details</a></nav></header>'
    )


def _run_details(run: RunResult, diff: Mapping[str, Any]) -> str:
    first = run.suites[0] if run.suites else None
    parts = ['<section aria-labelledby="run"><h2 id="run">Run details</h2>']
    if run.machine is not None:
        parts.append(f"<p><strong>Machine:</strong> {escape(run.machine.line())}</p>")
    for note in run.skipped:
        parts.append(f"<p><strong>Skipped:</strong> {escape(note)}</p>")
    changed = [
        f"<tr><th scope=row>{key[:-1]} <code>{escape(name)}</code></th><td>{escape(repr(old))}</td>"
        f"<td>{escape(repr(new))}</td></tr>"
        for key in ("settings", "models", "prompts")
        for name, (old, new) in diff.get(key, {}).items()
    ]
    if changed:
        parts.append(
            table_html("Changed since the baseline", ["what", "baseline", "this run"], changed)
        )
    for s in run.suites:
        latencies = [r.latency for r in s.records if r.error is None]
        parts.append(f"<h3>Latency of {escape(s.name)}</h3>")
        parts.append(
            f"<p>p50 {fmt('latency_p50', s.metrics.get('latency_p50'))} · p95 "
            f"{fmt('latency_p95', s.metrics.get('latency_p95'))} · {escape(s.machine.line())}</p>"
        )
        parts.append(
            histogram(
                latencies,
                {"p50": s.metrics.get("latency_p50"), "p95": s.metrics.get("latency_p95")},
            )
        )
    if first is not None:
        parts.append(kv_table_html("Models", first.models))
        parts.append(kv_table_html("Prompt hashes", first.prompt_hashes))
    parts.append(
        "<details><summary>Settings</summary>"
        + kv_table_html("Settings", run.settings)
        + "</details>"
    )
    parts.append("</section>")
    return "\n".join(parts)
