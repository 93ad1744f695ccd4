"""What every answer carries beside its text, whichever backend wrote it: the parties behind its
citations (accounts.py) and the values its citations disagree on (disagreements.py). Both are
read from the verified citations alone, so an LLM answer and a quoted one are annotated alike."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from .accounts import PartyOf, accounts_of
from .answerers import AnswerRequest
from .disagreements import disagreements_of
from .types import Answer


def annotate(answer: Answer, request: AnswerRequest, party_of: PartyOf) -> Answer:
    if answer.abstained or not answer.citations:
        return answer
    return replace(
        answer,
        accounts=answer.accounts or accounts_of(answer.citations, request.report_text, party_of),
        disagreements=answer.disagreements or disagreements_of(answer.citations),
    )


def annotated(
    events: Iterator[str | Answer], request: AnswerRequest, party_of: PartyOf
) -> Iterator[str | Answer]:
    """An answerer's stream with its final answer annotated."""
    for event in events:
        yield annotate(event, request, party_of) if isinstance(event, Answer) else event
