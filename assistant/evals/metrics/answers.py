"""Answer metrics: expected facts, abstention, SQuAD-style EM/F1 and lexical groundedness."""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Mapping, Sequence

from .stats import ratio
from .text import content_words, fact_found, split_sentences, strip_markers

SUPPORT_RATIO = 0.6
"""Share of a sentence's content words its quotes must contain for the lexical groundedness proxy."""


def fact_recall(text: str, facts: Sequence[Sequence[str]]) -> float | None:
    """Fact recall: share of expected facts (each a list of alternatives) the answer text contains.

    Markers are ignored; matching is case-, quote- and whitespace-insensitive, on whole words.
    None when the question expects no fact.
    """
    if not facts:
        return None
    return sum(fact_found(text, alts) for alts in facts) / len(facts)


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
        markers = [int(m) for m in re.findall(r"(?<!\\)\[(\d+)\]", sentence)]  # not quoted "\[7]"
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
