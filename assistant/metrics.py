"""Pure metric functions of the eval harness: no I/O, no model, no LLM.

Every function states its definition in its docstring; evals/README.md repeats them. Scores are in
[0, 1]. A metric with nothing to measure (no citations, no answerable question...) is `None`,
never 0 or 1, so "not measured" is never mistaken for "perfect" or "broken".
"""

from __future__ import annotations

import math
import re
import string
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

Span = tuple[str, int, int]
"""A report span: (report id, start, end) character offsets into the report's stored text."""

MARKER = re.compile(r"\s*\[\d+\]")
_FOLD = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-"})
_WORD = re.compile(r"[^\W_]+(?:['.,][^\W_]+)*")
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "being",
        "but",
        "by",
        "did",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "he",
        "her",
        "his",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "me",
        "my",
        "no",
        "not",
        "of",
        "on",
        "or",
        "our",
        "she",
        "so",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "to",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "also",
        "said",
        "says",
        "according",
        "reports",
        "report",
        "reported",
    ]
)
SUPPORT_RATIO = 0.6
"""Share of a sentence's content words its quotes must contain for the lexical groundedness proxy."""


def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the measured values (None skipped); None when nothing was measured."""
    kept = [v for v in values if v is not None]
    return sum(kept) / len(kept) if kept else None


def ratio(numerator: int, denominator: int) -> float | None:
    """numerator / denominator, or None when the denominator is 0 (nothing to measure)."""
    return numerator / denominator if denominator else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) with linear interpolation between ranks (numpy's default)."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low, high = math.floor(pos), math.ceil(pos)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def strip_markers(text: str) -> str:
    """Answer text without its `[n]` citation markers."""
    return MARKER.sub("", text)


def _fold_char(c: str) -> str:
    low = c.lower()
    return (low if len(low) == 1 else c).translate(_FOLD)


def normalize(text: str) -> str:
    """Case-folded text with curly quotes and dashes made plain and whitespace runs collapsed."""
    return " ".join("".join(_fold_char(c) for c in text).split())


def contains_phrase(text: str, phrase: str) -> bool:
    """True when `phrase` occurs in `text` as whole words, ignoring case, quotes and spacing.

    Whole words, so the fact "2" is not found in "2025" nor "army" in "armyless".
    """
    needle = normalize(phrase)
    if not needle:
        return False
    pattern = r"(?<![^\W_])" + re.escape(needle) + r"(?![^\W_])"
    return re.search(pattern, normalize(strip_markers(text))) is not None


def fact_found(text: str, alternatives: Sequence[str]) -> bool:
    """A fact is found when the text contains any of its alternative spellings (`contains_phrase`)."""
    return any(contains_phrase(text, alt) for alt in alternatives)


def fact_recall(text: str, facts: Sequence[Sequence[str]]) -> float | None:
    """Fact recall: share of expected facts (each a list of alternatives) the answer text contains.

    Markers are ignored; matching is case-, quote- and whitespace-insensitive, on whole words.
    None when the question expects no fact.
    """
    if not facts:
        return None
    return sum(fact_found(text, alts) for alts in facts) / len(facts)


def locate(needle: str, haystack: str) -> list[tuple[int, int]]:
    """Every (start, end) of `needle` in `haystack`, ignoring case, quote style and whitespace runs.

    Offsets index the original `haystack`, so gold evidence written on one line is found in a
    hard-wrapped report.
    """
    folded: list[str] = []
    index: list[int] = []
    for i, c in enumerate(haystack):
        if c.isspace():
            if folded and folded[-1] == " ":
                continue
            folded.append(" ")
        else:
            folded.append(_fold_char(c))
        index.append(i)
    text = "".join(folded)
    target = normalize(needle)
    spans: list[tuple[int, int]] = []
    if not target:
        return spans
    start = text.find(target)
    while start >= 0:
        last = start + len(target) - 1
        spans.append((index[start], index[last] + 1))
        start = text.find(target, start + 1)
    return spans


def overlap(a: Span, b: Span) -> int:
    """Characters two spans share (0 when they are in different reports)."""
    if a[0] != b[0]:
        return 0
    return max(0, min(a[2], b[2]) - max(a[1], b[1]))


def covers(a: Span, b: Span) -> bool:
    """Two spans cover each other when they share at least half of the shorter one.

    So a citation of one sentence covers a gold phrase inside it, and a one-sentence citation
    covers a two-sentence gold span it is half of; a neighbouring sentence does not.
    """
    shorter = min(a[2] - a[1], b[2] - b[1])
    return shorter > 0 and overlap(a, b) * 2 >= shorter


def evidence_covered(alternatives: Sequence[Span], spans: Sequence[Span]) -> bool:
    """A gold evidence item (its located spans) is covered when any of `spans` covers any of them."""
    return any(covers(gold, span) for gold in alternatives for span in spans)


def evidence_recall(evidence: Sequence[Sequence[Span]], cited: Sequence[Span]) -> float | None:
    """Evidence recall: share of gold evidence items that some citation covers (`covers`).

    Each item is the list of spans where its text (or any alternative) occurs. None without gold
    evidence; 0 when there are gold items but no citation.
    """
    if not evidence:
        return None
    return sum(evidence_covered(item, cited) for item in evidence) / len(evidence)


def relevant_flags(
    spans: Sequence[Span],
    evidence: Sequence[Sequence[Span]],
    gold_reports: Iterable[str],
) -> list[bool]:
    """Which retrieved passages (or citations) hit the gold: for ranking metrics.

    With gold evidence a span is relevant when it covers an evidence span; otherwise when it
    lies in a gold report. All False when the question has no gold at all.
    """
    reports = set(gold_reports)
    if evidence:
        return [any(evidence_covered(item, [s]) for item in evidence) for s in spans]
    return [s[0] in reports for s in spans]


def hit_at_k(relevant: Sequence[bool], k: int) -> float:
    """hit@k: 1 when any of the first k retrieved passages is relevant, else 0."""
    return 1.0 if any(relevant[:k]) else 0.0


def reciprocal_rank(relevant: Sequence[bool]) -> float:
    """Reciprocal rank: 1/rank of the first relevant passage (rank 1 = best), 0 when none is.

    Its mean over questions is MRR.
    """
    for rank, hit in enumerate(relevant, start=1):
        if hit:
            return 1.0 / rank
    return 0.0


def citation_valid(quote: str, start: int, end: int, report_text: str | None) -> bool:
    """Citation validity: the quote is exactly the report's stored text at [start, end).

    A citation of an unknown report (text None) or with out-of-range offsets is invalid.
    """
    if report_text is None or not 0 <= start < end <= len(report_text):
        return False
    return report_text[start:end] == quote


def citation_supports_gold(
    span: Span,
    quote: str,
    evidence: Sequence[Sequence[Span]],
    gold_reports: Iterable[str],
    facts: Sequence[Sequence[str]],
) -> bool | None:
    """Does one citation support something gold? (the unit of citation precision)

    With gold evidence: it covers an evidence span. Else with gold reports: it lies in one.
    Else with expected facts: its quote contains one. None when the question has no gold at all.
    """
    reports = set(gold_reports)
    if evidence:
        return any(evidence_covered(item, [span]) for item in evidence)
    if reports:
        return span[0] in reports
    if facts:
        return any(fact_found(quote, alts) for alts in facts)
    return None


def abstention_scores(
    unanswerable: Sequence[bool], abstained: Sequence[bool]
) -> dict[str, float | None]:
    """Abstention metrics over paired per-question flags.

    - abstention_precision: of the questions the assistant abstained on, the share that were
      unanswerable (None when it never abstained).
    - abstention_recall: of the unanswerable questions, the share it abstained on (None when
      there is none).
    - false_abstention_rate: of the answerable questions, the share it abstained on (None when
      there is none). Lower is better.
    """
    pairs = list(zip(unanswerable, abstained, strict=True))
    abstain_total = sum(1 for _, a in pairs if a)
    unanswerable_total = sum(1 for u, _ in pairs if u)
    right_abstentions = sum(1 for u, a in pairs if u and a)
    false_abstentions = sum(1 for u, a in pairs if a and not u)
    return {
        "abstention_precision": ratio(right_abstentions, abstain_total),
        "abstention_recall": ratio(right_abstentions, unanswerable_total),
        "false_abstention_rate": ratio(false_abstentions, len(pairs) - unanswerable_total),
    }


def squad_normalize(text: str) -> str:
    """SQuAD's answer normalisation: lower case, no punctuation, no articles, single spaces."""
    text = "".join(c for c in text.lower() if c not in string.punctuation)
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def exact_match(prediction: str, gold: str) -> float:
    """SQuAD exact match: 1 when the normalised strings are equal."""
    return float(squad_normalize(prediction) == squad_normalize(gold))


def token_f1(prediction: str, gold: str) -> float:
    """SQuAD F1: harmonic mean of token precision and recall after normalisation."""
    pred, ref = squad_normalize(prediction).split(), squad_normalize(gold).split()
    if not pred or not ref:
        return float(pred == ref)
    common = sum((Counter(pred) & Counter(ref)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


def answer_contains(text: str, golds: Sequence[str]) -> float | None:
    """ "Answer contains a gold answer" (SQuAD/RGB style): 1 when any gold string is in the text."""
    if not golds:
        return None
    return 1.0 if fact_found(text, golds) else 0.0


def best_sentence_scores(text: str, golds: Sequence[str]) -> tuple[float, float] | None:
    """EM and F1 of the answer sentence closest to a gold answer (max over sentences and golds).

    An extractive answer is whole sentences, so whole-answer EM is always 0; the best sentence
    shows whether the span was found. (0, 0) for an empty answer; None without gold answers.
    """
    if not golds:
        return None
    sentences = [strip_markers(s) for s in split_sentences(text)] or [""]
    em = max(exact_match(s, g) for s in sentences for g in golds)
    f1 = max(token_f1(s, g) for s in sentences for g in golds)
    return em, f1


_SENTENCE_END = re.compile(r"[.!?][\"'”’)]*(?:\s*\[\d+\])*(?=\s|$)|\n")
_BULLET = re.compile(r"^(?:[-*•]|\d+[.)])\s+")


def split_sentences(text: str) -> list[str]:
    """Answer text split into sentences at . ! ? (plus any closing quote and the `[n]` markers
    that follow) and at line breaks; list bullets are dropped."""
    parts: list[str] = []
    last = 0
    for match in _SENTENCE_END.finditer(text):
        parts.append(text[last : match.end()])
        last = match.end()
    parts.append(text[last:])
    return [_BULLET.sub("", p.strip()) for p in parts if p.strip()]


def content_words(text: str) -> set[str]:
    """Lower-cased words minus stop words, with a crude plural fold (killed/kill stay distinct)."""
    words = (w.lower() for w in _WORD.findall(normalize(strip_markers(text))))
    return {w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words if w not in STOPWORDS}


def sentence_supported(sentence: str, quotes: Sequence[str]) -> bool:
    """Lexical support: at least SUPPORT_RATIO of the sentence's content words occur in the quotes."""
    words = content_words(sentence)
    if not words:
        return True
    source: set[str] = set()
    for q in quotes:
        source |= content_words(q)
    return len(words & source) >= SUPPORT_RATIO * len(words)


def grounding_claims(text: str, quotes_by_marker: Mapping[int, str]) -> list[tuple[str, list[str]]]:
    """The answer sentences to judge for groundedness, each with the quotes it is checked against.

    Judged sentences have at least 2 content words and do not end with a colon (so "The reports
    give differing accounts:", which introduces a list, is not judged). A
    sentence is checked against the quotes of its own `[n]` markers; one without a marker is
    checked against all the answer's quotes.
    """
    claims: list[tuple[str, list[str]]] = []
    for sentence in split_sentences(text):
        if len(content_words(sentence)) < 2 or sentence.endswith(":"):
            continue
        markers = [int(m) for m in re.findall(r"\[(\d+)\]", sentence)]
        quotes = [quotes_by_marker[m] for m in markers if m in quotes_by_marker]
        claims.append((sentence, quotes if markers else list(quotes_by_marker.values())))
    return claims


def groundedness_counts(text: str, quotes_by_marker: Mapping[int, str]) -> tuple[int, int]:
    """(supported, judged) answer sentences under the lexical groundedness proxy.

    Groundedness = share of judged answer sentences (`grounding_claims`) whose content words
    are at least SUPPORT_RATIO found in their quotes (`sentence_supported`), summed over a suite.
    """
    claims = grounding_claims(text, quotes_by_marker)
    return sum(sentence_supported(s, q) for s, q in claims), len(claims)
