"""Chat turns, and the offline way of turning a follow-up into a standalone question.

Offline condensing is lexical: a follow-up ("and how many were injured?", "what did they deny?")
borrows the content words of the previous question, so retrieval sees the topic. The LLM backend
rewrites follow-ups with the `condense` prompt instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from . import lexicon_en as en
from .lexical_input import terms
from .types import Answer, Turn

_OPENER = re.compile(rf"^\s*({'|'.join(en.FOLLOW_UP_OPENERS)})\b", re.IGNORECASE)
_REFERENCE = re.compile(rf"\b({'|'.join(en.FOLLOW_UP_REFERENCES)})\b", re.IGNORECASE)
_SHAPE = frozenset(terms(" ".join((en.QUESTION_WORDS, *en.FUNCTION_WORDS))))
# A question with more topic words than this says what it is about, even with "that", "there"
# or "its" in it ("Did the council say that forty people were killed?", "Is there a ferry
# between A and B?"); with fewer, the reference points back ("Did the union deny that?").
OWN_TOPIC = 4


def looks_like_follow_up(question: str) -> bool:
    """Short questions, ones opening as a continuation ("and ...", "what about ...") and ones
    leaning on a reference word without a topic of their own need the conversation."""
    if _OPENER.search(question) or len(question.split()) <= 4:
        return True
    if not _REFERENCE.search(question):
        return False
    return len([t for t in terms(question) if t not in _SHAPE]) <= OWN_TOPIC


def condense_offline(question: str, history: Sequence[Turn]) -> str:
    """Standalone query for retrieval: a follow-up gets the words of the question it follows,
    the last one the reports answered (an unanswered one gave nothing to follow up on)."""
    if not history or not looks_like_follow_up(question):
        return question
    answered = [t for t in history if not t.answer.abstained]
    last = (answered or list(history))[-1]
    return f"{last.answer.query or last.question} {question}"


@dataclass
class Conversation:
    """The turns of one chat, oldest first; `window` bounds what a condense step looks at."""

    turns: list[Turn] = field(default_factory=list)
    window: int = 6

    def add(self, question: str, answer: Answer) -> None:
        self.turns.append(Turn(question, answer))

    def recent(self) -> list[Turn]:
        return self.turns[-self.window :]

    def clear(self) -> None:
        self.turns.clear()
