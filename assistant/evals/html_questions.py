"""The questions part of report.html: failures first, each question folded in a <details>, and a
tag filter.

The filter is plain markup that starts `hidden`; the page's inline script shows it and hides the
questions without the chosen tag. With scripts off nothing is hidden: every question is shown.
Every text from a suite, an answer or a report is `html.escape`d.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from .formats import fmt, label
from .results import QuestionRecord, RunResult, SuiteResult

SCORE_LABELS = {"rr": "reciprocal rank"}
REASON_WIDTH = 90


def question_anchor(suite_index: int, question_index: int) -> str:
    """The id of a question's <details>, for links from the summary."""
    return f"q{suite_index}-{question_index}"


def ordered(records: Sequence[QuestionRecord], changed: set[str]) -> list[int]:
    """Indexes of the records, failures first; within each group, what changed since the
    baseline (broken, fixed) first, then the suite's order."""
    return sorted(
        range(len(records)), key=lambda i: (records[i].passed, records[i].id not in changed)
    )


def questions_html(run: RunResult, diff: Mapping[str, Any]) -> str:
    """The section: the tag filter, then each suite's questions, failures first."""
    tags = Counter(t for s in run.suites for r in s.records for t in r.tags)
    options = "".join(
        f'<option value="{escape(t)}">{escape(t)} ({n})</option>' for t, n in sorted(tags.items())
    )
    parts = [
        '<section aria-labelledby="questions"><h2 id="questions">Questions</h2>',
        "<p>Failing questions come first. Open a question for its answer, its citations and what "
        "failed.</p>",
        '<form id="filter" class="filter" hidden aria-label="Filter questions">'
        '<label for="tag-filter">Tag</label> <select id="tag-filter" name="tag">'
        f'<option value="">all tags</option>{options}</select> '
        '<label><input type="checkbox" id="only-failing" name="failing"> failing only</label> '
        '<span id="shown" role="status" aria-live="polite"></span></form>',
    ]
    suites = diff.get("suites", {})
    for i, s in enumerate(run.suites):
        parts.append(_suite_questions(s, i, suites.get(s.name, {}), len(run.suites) > 1))
    parts.append("</section>")
    return "\n".join(parts)


def _suite_questions(s: SuiteResult, index: int, sdiff: Mapping[str, Any], named: bool) -> str:
    fixed, broken = set(sdiff.get("fixed", [])), set(sdiff.get("broken", []))
    added = set(sdiff.get("added", [])) if sdiff else set()
    was_failing = sdiff.get("baseline_failures", {})
    order = ordered(s.records, fixed | broken)
    failing = [i for i in order if not s.records[i].passed]
    passing = [i for i in order if s.records[i].passed]
    out = [f"<h3>Questions of suite {escape(s.name)}</h3>" if named else ""]
    for title, group in (("Failing", failing), ("Passing", passing)):
        out.append(f"<h4>{title} ({len(group)})</h4>")
        if not group:
            out.append("<p>None.</p>")
        for i in group:
            r = s.records[i]
            change = "broken" if r.id in broken else "fixed" if r.id in fixed else ""
            change = change or ("new" if r.id in added else "")
            was = was_failing.get(r.id) if change == "fixed" else None
            out.append(question_html(r, question_anchor(index, i), change, was, bool(sdiff)))
    return "\n".join(out)


def _reason(r: QuestionRecord) -> str:
    if r.passed:
        return "abstained, as it should" if r.abstained and r.unanswerable else ""
    first = " ".join(r.failures[0].split())
    if len(first) > REASON_WIDTH:
        first = first[: REASON_WIDTH - 1] + "…"
    more = len(r.failures) - 1
    return first + (f" (+{more} more)" if more else "")


def question_html(
    r: QuestionRecord, anchor: str, change: str, was: Sequence[str] | None, compared: bool
) -> str:
    """One question as a <details>: a one-line summary, then everything measured on it."""
    verdict = (
        '<span class="verdict pass">✓ pass</span>'
        if r.passed
        else '<span class="verdict fail">✗ fail</span>'
    )
    tags = "".join(f'<span class="tag">{escape(t)}</span>' for t in r.tags)
    badge = ""
    if change:
        text = {"new": "new since baseline"}.get(change, f"{change} since baseline")
        badge = f' <span class="change {escape(change)}">{escape(text)}</span>'
    reason = _reason(r)
    summary = (
        f"<summary>{verdict} <span class=qid>{escape(r.id)}</span> {tags}{badge}"
        + (f' <span class="reason">{escape(reason)}</span>' if reason else "")
        + "</summary>"
    )
    body = [_question_text(r), _answer(r), _citations(r), _failed(r)]
    if compared and change == "fixed":
        body.append(
            "<p><strong>In the baseline</strong> it failed: "
            + escape("; ".join(was or ["(reasons not recorded)"]))
            + "</p>"
        )
    elif compared and change == "broken":
        body.append("<p><strong>In the baseline</strong> it passed.</p>")
    body += [_scores(r), "" if r.passed else _retrieved(r)]
    cls = "passed" if r.passed else "failed"
    return (
        f'<details class="question {cls}" id="{anchor}" '
        f'data-tags="{escape(json.dumps(list(r.tags)))}">{summary}'
        f'<div class="body">{"".join(body)}</div></details>'
    )


def _question_text(r: QuestionRecord) -> str:
    out = ""
    if r.turns:
        items = "".join(f"<li>{escape(t)}</li>" for t in r.turns)
        out = (
            f"<p><strong>Earlier turns</strong> (asked first, as chat history):</p><ol>{items}</ol>"
        )
    note = " <em>(unanswerable: the reports do not say)</em>" if r.unanswerable else ""
    return out + f"<p><strong>Question:</strong> {escape(r.question)}{note}</p>"


def _answer(r: QuestionRecord) -> str:
    if r.error is not None:
        return f'<p class="fail"><strong>Error:</strong> {escape(r.error)}</p>'
    head = f"<p><strong>Answer</strong> ({escape(r.backend or 'no backend')}"
    head += ", abstained)" if r.abstained else ")"
    return f'{head}:</p><div class="answer">{escape(r.answer) or "<em>(empty)</em>"}</div>'


def _citations(r: QuestionRecord) -> str:
    if not r.citations:
        return "<p><strong>Citations:</strong> none.</p>"
    items = []
    for c in r.citations:
        valid = "✓ quote matches the report" if c["valid"] else "✗ quote differs from the report"
        gold = {True: "✓ supports the gold", False: "✗ supports no gold", None: "no gold to check"}[
            c.get("supports_gold")
        ]
        support = f" · support check: {escape(str(c['support']))}" if c.get("support") else ""
        quote = " ".join(str(c["quote"]).split())
        items.append(
            f'<li><span class="cmeta">[{escape(str(c["marker"]))}] <code>{escape(str(c["report"]))}'
            f" {escape(str(c['start']))}–{escape(str(c['end']))}</code> · "
            f'<span class="{"pass" if c["valid"] else "fail"}">{valid}</span> · '
            f'<span class="{"fail" if c.get("supports_gold") is False else ""}">{gold}</span>'
            f"{support}</span><blockquote>{escape(quote)}</blockquote></li>"
        )
    return (
        f'<p><strong>Citations</strong> ({len(items)}):</p><ol class="cites">{"".join(items)}</ol>'
    )


def _failed(r: QuestionRecord) -> str:
    if r.passed:
        return "<p><strong>What failed:</strong> nothing.</p>"
    items = "".join(f"<li>{escape(f)}</li>" for f in r.failures)
    return f'<p><strong>What failed:</strong></p><ul class="failures">{items}</ul>'


def _scores(r: QuestionRecord) -> str:
    scores = " · ".join(
        f"{escape(SCORE_LABELS.get(k, label(k)))} {fmt(k, v)}"
        for k, v in r.scores.items()
        if v is not None
    )
    steps = " · ".join(f"{escape(k)} {v:.3f} s" for k, v in r.timings.items())
    latency = f"<strong>Latency:</strong> {r.latency:.3f} s" + (f" ({steps})" if steps else "")
    return f'<p class="small">{"<strong>Scores:</strong> " + scores + "<br>" if scores else ""}{latency}</p>'


def _retrieved(r: QuestionRecord) -> str:
    if not r.retrieved:
        return ""
    rows = "".join(
        f"<tr><td class=num>{n}</td><td><code>{escape(str(p['report']))}</code></td>"
        f"<td class=num>{escape(str(p['start']))}–{escape(str(p['end']))}</td>"
        f"<td class=num>{float(p['score']):.3f}</td>"
        f"<td>{'✓ yes' if p.get('relevant') else 'no'}</td></tr>"
        for n, p in enumerate(r.retrieved, start=1)
    )
    return (
        f"<details class=retrieved><summary>Passages given to the answerer ({len(r.retrieved)})"
        '</summary><div class="scroll" role="region" tabindex="0" aria-label="retrieved passages">'
        "<table><caption>Passages retrieved for "
        f"{escape(r.id)}, best first</caption><thead><tr><th scope=col>rank</th>"
        "<th scope=col>report</th><th scope=col>span</th><th scope=col>score</th>"
        f"<th scope=col>covers gold</th></tr></thead><tbody>{rows}</tbody></table></div></details>"
    )
