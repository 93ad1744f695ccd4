"""Scoring one answer against its question's gold, and aggregating records into suite metrics.

Every number comes from the pure functions of `metrics` (definitions there and in
evals/README.md); an optional LLM judge adds `groundedness_llm`. Groundedness is measured only for
backends that write their own sentences: an extractive answer is its quotes, so its citations are
judged against the gold evidence instead (`citation_precision`, `evidence_recall`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from assistant.errors import BadSuite
from assistant.types import Answer

from . import metrics as m
from .judge import GroundednessJudge
from .results import QuestionRecord
from .suites import Question, Suite

LEXICAL_METHOD = (
    f"lexical proxy: a sentence is supported when >= {m.SUPPORT_RATIO:.0%} of its content words "
    "occur in the quotes it cites"
)
QUOTING_BACKENDS = frozenset({"extractive"})
"""Backends whose answers are the cited sentences themselves: a groundedness score would only
find that a quote contains itself, so their answers are not judged for it."""
QUOTING_METHOD = (
    "not measured for the extractive backend (its answers are the quoted sentences): its "
    "citations are judged against the gold evidence (citation_precision, evidence_recall)"
)


def score_question(
    q: Question,
    answer: Answer,
    *,
    latency: float,
    report_text: Callable[[str], str | None],
    evidence: Sequence[Sequence[m.Span]],
    k: int,
    judge: GroundednessJudge | None = None,
) -> QuestionRecord:
    """Score one answer against its question's gold (definitions in `metrics`)."""
    rec = QuestionRecord(
        q.id, q.question, list(q.turns), list(q.tags), q.unanswerable, answer.text,
        answer.abstained, answer.backend, latency, timings=dict(answer.timings),
    )  # fmt: skip
    _score_retrieval(rec, q, answer, evidence, k)
    cited = _score_citations(rec, q, answer, evidence, report_text)
    if q.unanswerable:
        if not answer.abstained:
            rec.failures.append("answered an unanswerable question")
    else:
        _score_answer(rec, q, answer, evidence, cited)
    if not answer.abstained and answer.backend not in QUOTING_BACKENDS:
        _score_groundedness(rec, answer, judge)
    return rec


def groundedness_methods(backends: Sequence[str], judge: GroundednessJudge | None) -> list[str]:
    """How the groundedness of a suite's answers was measured (or why not), for the report."""
    methods = []
    if any(b in QUOTING_BACKENDS for b in backends):
        methods.append(QUOTING_METHOD)
    if any(b not in QUOTING_BACKENDS for b in backends):
        methods += [LEXICAL_METHOD] + ([judge.method] if judge else [])
    return methods


def _score_retrieval(
    rec: QuestionRecord, q: Question, answer: Answer, evidence: Sequence[Sequence[m.Span]], k: int
) -> None:
    retrieved = [(p.passage.report_id, p.passage.start, p.passage.end) for p in answer.considered]
    relevant = m.relevant_flags(retrieved, evidence, q.reports)
    rec.retrieved = [
        {"report": s[0], "start": s[1], "end": s[2], "score": p.score, "relevant": r}
        for s, p, r in zip(retrieved, answer.considered, relevant, strict=True)
    ]
    if q.has_gold:
        rec.scores.update(
            {"hit@1": m.hit_at_k(relevant, 1), "hit@k": m.hit_at_k(relevant, k)}
            | {"rr": m.reciprocal_rank(relevant)}
        )
        if not any(relevant[:k]):
            rec.failures.append(f"gold not retrieved in the top {k}")


def _score_citations(
    rec: QuestionRecord,
    q: Question,
    answer: Answer,
    evidence: Sequence[Sequence[m.Span]],
    report_text: Callable[[str], str | None],
) -> list[m.Span]:
    """Check every citation's quote against the stored text and the gold; returns the cited spans."""
    cited: list[m.Span] = []
    for c in answer.citations:
        span = (c.report_id, c.start, c.end)
        cited.append(span)
        valid = m.citation_valid(c.quote, c.start, c.end, report_text(c.report_id))
        gold = None
        if not q.unanswerable:
            gold = m.citation_supports_gold(span, c.quote, evidence, q.reports, q.facts)
        rec.citations.append(
            {"marker": c.marker, "report": c.report_id, "start": c.start, "end": c.end}
            | {"quote": c.quote, "valid": valid, "supports_gold": gold, "support": c.support}
        )
        if not valid:
            rec.failures.append(f"invalid citation [{c.marker}] ({c.report_id} {c.start}-{c.end})")
    flags = [c["supports_gold"] for c in rec.citations if c["supports_gold"] is not None]
    if flags:
        rec.scores["citation_precision"] = m.ratio(sum(flags), len(flags))
    return cited


def _score_answer(
    rec: QuestionRecord,
    q: Question,
    answer: Answer,
    evidence: Sequence[Sequence[m.Span]],
    cited: Sequence[m.Span],
) -> None:
    """An answerable question: facts, evidence, gold answers (an abstention says nothing)."""
    said = "" if answer.abstained else answer.text
    if answer.abstained:
        rec.failures.append("abstained on an answerable question")
    rec.scores["fact_recall"] = m.fact_recall(said, q.facts)
    rec.failures += [
        f"missing fact: {' | '.join(alts)}" for alts in q.facts if not m.fact_found(said, alts)
    ]
    rec.scores["evidence_recall"] = m.evidence_recall(evidence, cited)
    for alts, spans in zip(q.evidence, evidence, strict=True):
        if not m.evidence_covered(spans, cited):
            rec.failures.append(f"gold evidence not cited: {_short(alts[0])}")
    rec.scores["answer_contains"] = m.answer_contains(said, q.answers)
    if rec.scores["answer_contains"] == 0.0 and not answer.abstained:
        rec.failures.append("no gold answer in the answer")
    best = m.best_sentence_scores(m.strip_markers(said), q.answers)
    if best is not None:
        rec.scores["best_sentence_em"], rec.scores["best_sentence_f1"] = best


def _score_groundedness(
    rec: QuestionRecord, answer: Answer, judge: GroundednessJudge | None
) -> None:
    quotes = {c.marker: c.quote for c in answer.citations}
    supported, judged = m.groundedness_counts(answer.text, quotes)
    rec.counts |= {"grounded": supported, "judged": judged}
    rec.scores["groundedness"] = m.ratio(supported, judged)
    if supported < judged:
        rec.failures.append(
            f"{judged - supported} of {judged} sentences not supported by their quotes"
        )
    if judge is not None:
        verdicts = judge.judge(m.grounding_claims(answer.text, quotes))
        if verdicts is not None:
            rec.counts |= {"llm_grounded": sum(verdicts), "llm_judged": len(verdicts)}
            rec.scores["groundedness_llm"] = m.ratio(sum(verdicts), len(verdicts))


def answer_words(text: str) -> int:
    """Length of an answer in words, `[n]` markers not counted: how concise it is."""
    return len(m.strip_markers(text).split())


def aggregate(records: Sequence[QuestionRecord]) -> dict[str, float | None]:
    """Suite metrics from question records (definitions: `metrics`, evals/README.md)."""
    ok = [r for r in records if r.error is None]
    answerable = [r for r in ok if not r.unanswerable]
    citations = [c for r in ok for c in r.citations]
    gold_flags = [
        c["supports_gold"]
        for r in answerable
        for c in r.citations
        if c["supports_gold"] is not None
    ]

    def avg(key: str) -> float | None:
        return m.mean(r.scores.get(key) for r in answerable)

    def total(key: str) -> int:
        return sum(r.counts.get(key, 0) for r in ok)

    latencies = [r.latency for r in ok]
    return {
        "pass_rate": m.ratio(sum(r.passed for r in records), len(records)),
        "hit@1": avg("hit@1"),
        "hit@k": avg("hit@k"),
        "mrr": avg("rr"),
        "citation_validity": m.ratio(sum(c["valid"] for c in citations), len(citations)),
        "evidence_recall": avg("evidence_recall"),
        "citation_precision": m.ratio(sum(gold_flags), len(gold_flags)),
        "fact_recall": avg("fact_recall"),
        "answer_contains": avg("answer_contains"),
        "best_sentence_em": avg("best_sentence_em"),
        "best_sentence_f1": avg("best_sentence_f1"),
        **m.abstention_scores([r.unanswerable for r in ok], [r.abstained for r in ok]),
        "groundedness": m.ratio(total("grounded"), total("judged")),
        "groundedness_llm": m.ratio(total("llm_grounded"), total("llm_judged")),
        "answer_words_p50": m.percentile(
            [float(answer_words(r.answer)) for r in answerable if not r.abstained], 50
        ),
        "latency_p50": m.percentile(latencies, 50),
        "latency_p95": m.percentile(latencies, 95),
    }


def resolve_evidence(
    suite: Suite, report_ids: Sequence[str], report_text: Callable[[str], str | None]
) -> dict[str, list[list[m.Span]]]:
    """Locate every gold evidence text in the stored reports; BadSuite names what is missing."""
    known = set(report_ids)
    out: dict[str, list[list[m.Span]]] = {}
    for q in suite.questions:
        missing = [r for r in q.reports if r not in known]
        if missing:
            raise BadSuite(f"{suite.path}: question {q.id!r}: unknown report {missing[0]!r}")
        items: list[list[m.Span]] = []
        for alts in q.evidence:
            spans = [
                (rid, s, e)
                for rid in (q.reports or report_ids)
                for alt in alts
                for s, e in m.locate(alt, report_text(rid) or "")
            ]
            if not spans:
                where = "its gold reports" if q.reports else "any report"
                raise BadSuite(
                    f"{suite.path}: question {q.id!r}: evidence {_short(alts[0])} is not in {where}"
                )
            items.append(spans)
        out[q.id] = items
    return out


def _short(text: str, width: int = 70) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= width else flat[: width - 1] + "…")
