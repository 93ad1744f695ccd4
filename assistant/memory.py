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
from .types import Answer, Turn

_FOLLOW_UP = re.compile(
    rf"^\s*({'|'.join(en.FOLLOW_UP_OPENERS)})\b|\b({'|'.join(en.FOLLOW_UP_REFERENCES)})\b",
    re.IGNORECASE,
)


def looks_like_follow_up(question: str) -> bool:
    """Short questions and ones leaning on pronouns need the conversation to make sense."""
    return bool(_FOLLOW_UP.search(question)) or len(question.split()) <= 4


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
