"""How metric values, deltas and thresholds are written and named, in the terminal tables and the
HTML report alike; and the few HTML pieces every part of the report uses (verdicts, deltas,
captioned tables). Every text is `html.escape`d."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from .suites import METRICS

LABELS = {
    "pass_rate": "pass rate",
    "hit@1": "gold retrieved first (hit@1)",
    "hit@k": "gold retrieved (hit@k)",
    "mrr": "MRR",
    "citation_validity": "citation validity",
    "evidence_recall": "citation recall (evidence_recall)",
    "citation_precision": "citation precision",
    "fact_recall": "fact recall",
    "answer_contains": "gold answer contained",
    "best_sentence_em": "best-sentence EM",
    "best_sentence_f1": "best-sentence F1",
    "abstention_precision": "abstention precision",
    "abstention_recall": "abstention recall",
    "false_abstention_rate": "false abstentions (lower is better)",
    "groundedness": "groundedness (lexical)",
    "groundedness_llm": "groundedness (LLM judge)",
    "answer_words_p50": "answer length, median (lower is better)",
    "latency_p50": "latency p50",
    "latency_p95": "latency p95",
}
"""What each metric is called for a reader; definitions in evals/README.md."""

KEY_METRICS = (
    "pass_rate",
    "fact_recall",
    "citation_precision",
    "evidence_recall",
    "hit@k",
    "answer_contains",
    "abstention_recall",
    "false_abstention_rate",
    "citation_validity",
    "groundedness",
    "groundedness_llm",
)
"""The shares plotted in the summary, against the baseline (each only when measured)."""


def label(metric: str) -> str:
    return LABELS.get(metric, metric)


def is_share(metric: str) -> bool:
    """True for the metrics in [0, 1] (shown as percentages and plotted)."""
    return not metric.startswith("latency") and metric != "answer_words_p50"


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


def bar_text(op: str, limit: float, metric: str) -> str:
    """A threshold as a reader says it, e.g. "≥ 80.0%"."""
    return f"{'≥' if op == 'min' else '≤'} {fmt(metric, limit)}"


# ---------------------------------------------------------------- HTML pieces


def verdict_html(passed: bool, text_ok: str, text_bad: str) -> str:
    """Pass or fail in words and a symbol (✓/✗) as well as colour."""
    if passed:
        return f'<span class="verdict pass">✓ {text_ok}</span>'
    return f'<span class="verdict fail">✗ {text_bad}</span>'


def delta_html(metric: str, delta: float | None) -> str:
    """A change since the baseline, saying whether it is better or worse for that metric."""
    good = delta_good(metric, delta)
    word = " better" if good else " worse" if good is False else ""
    cls = "better" if good else "worse" if good is False else "muted"
    return f' <span class="delta {cls}">{escape(fmt_delta(metric, delta))}{word}</span>'


def table_html(caption: str, head: Sequence[str], rows: Sequence[str]) -> str:
    """A captioned table in a region of its own that scrolls sideways on a narrow screen."""
    cols = "".join(f"<th scope=col>{escape(h)}</th>" for h in head)
    return (
        f'<div class="scroll" role="region" tabindex="0" aria-label="{escape(caption)}">'
        f"<table><caption>{escape(caption)}</caption>"
        f"<thead><tr>{cols}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def kv_table_html(caption: str, data: Mapping[str, Any]) -> str:
    """A captioned two-column table of names and values."""
    rows = [
        f"<tr><th scope=row>{escape(str(k))}</th><td>{escape(str(v))}</td></tr>"
        for k, v in data.items()
    ]
    return table_html(caption, ("name", "value"), rows)
