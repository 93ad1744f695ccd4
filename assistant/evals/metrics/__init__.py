"""Pure metric functions of the eval harness: no I/O, no model, no LLM.

Each function's docstring states its definition; evals/README.md repeats them. Scores are in
[0, 1], and a metric with nothing to measure is `None`, so "not measured" is never mistaken for
"perfect" or "broken". Grouped by what they judge: text matching, spans (retrieval and
citations), answers; the averaging rules are in `stats`.
"""

from __future__ import annotations

from .answers import (
    SUPPORT_RATIO,
    abstention_scores,
    answer_contains,
    best_sentence_scores,
    exact_match,
    fact_recall,
    groundedness_counts,
    grounding_claims,
    sentence_supported,
    squad_normalize,
    token_f1,
)
from .spans import (
    Span,
    citation_supports_gold,
    citation_valid,
    covers,
    evidence_covered,
    evidence_recall,
    hit_at_k,
    overlap,
    reciprocal_rank,
    relevant_flags,
)
from .stats import mean, percentile, ratio
from .text import (
    STOPWORDS,
    contains_phrase,
    content_words,
    fact_found,
    locate,
    normalize,
    split_sentences,
    strip_markers,
)

__all__ = [
    "STOPWORDS",
    "SUPPORT_RATIO",
    "Span",
    "abstention_scores",
    "answer_contains",
    "best_sentence_scores",
    "citation_supports_gold",
    "citation_valid",
    "contains_phrase",
    "content_words",
    "covers",
    "evidence_covered",
    "evidence_recall",
    "exact_match",
    "fact_found",
    "fact_recall",
    "groundedness_counts",
    "grounding_claims",
    "hit_at_k",
    "locate",
    "mean",
    "normalize",
    "overlap",
    "percentile",
    "ratio",
    "reciprocal_rank",
    "relevant_flags",
    "sentence_supported",
    "split_sentences",
    "squad_normalize",
    "strip_markers",
    "token_f1",
]
