"""Follow-ups that stay on topic: a question that leans on the conversation (a pronoun, an
ellipsis, "and the injured?", "what about X?") is searched with the words of the question it
follows; a question that stands alone is searched exactly as asked, whatever came before. Both
backends decide this the same way (`looks_like_follow_up`; the LLM backend then rewrites with its
prompt). Invented topics only."""

from __future__ import annotations

import pytest

from assistant.memory import condense_offline, looks_like_follow_up
from assistant.types import Answer, Turn

# (the question before, the follow-up, a word of the question before the search must hold)
PAIRS = [
    ("How many guards were wounded at the Old Mill bridge?", "And the civilians?", "guards"),
    ("What did the Norland Press Agency say about the attack?", "What did they add?", "Agency"),
    ("Who attacked the checkpoints in Port Elden?", "Why?", "checkpoints"),
    ("When did the dock strike in Castor Bay begin?", "What about Saltmere?", "strike"),
    ("How many workers did the Castor Bay port dismiss?", "And how many were rehired?", "port"),
    ("Which union called the dock strike?", "Who leads it?", "union"),
    ("What did the port authority say about the dismissals?", "Did the union deny that?",
     "dismissals"),
    ("Where did the Interior Guard set up checkpoints?", "How many were there?", "checkpoints"),
    ("What did the Interior Ministry say about the assault?", "And the Front?", "Ministry"),
    ("Who was appointed harbour master of Port Elden?", "When did he take office?", "harbour"),
]  # fmt: skip

# Questions that stand alone, asked after one of the above.
ALONE = [
    "What is the capital of France?",
    "How many people were killed in the explosion at the Elden fish market?",
    "Which ministry denied the account of the Northern Valley Front?",
    "When did the dock workers in Castor Bay walk off the job?",
    "What did the city hospital say about the blast at the fish market?",
    "Is there a ferry between Port Elden and Castor Bay?",
    "Did the regional council say that forty people were killed?",
    "Who owns the container port at Castor Bay and its cranes?",
    "Which guild built the Old Mill bridge that crosses the river in Port Elden?",
    "Were there injuries among the dock workers at the Castor Bay container port?",
    "Did the Norland Interior Ministry publish its account of the Harbour District clashes?",
]


def history(question: str) -> list[Turn]:
    answered = Answer(question, "An answer [1].", (), False, "extractive", query=question)
    return [Turn(question, answered)]


@pytest.mark.parametrize(("before", "follow_up", "topic"), PAIRS)
def test_a_follow_up_is_searched_with_the_question_it_follows(
    before: str, follow_up: str, topic: str
) -> None:
    assert looks_like_follow_up(follow_up)
    searched = condense_offline(follow_up, history(before))
    assert topic in searched and follow_up in searched


@pytest.mark.parametrize("question", ALONE)
def test_a_question_that_stands_alone_is_searched_as_asked(question: str) -> None:
    for before, _, _ in PAIRS:
        assert condense_offline(question, history(before)) == question


def test_without_a_conversation_nothing_is_rewritten() -> None:
    for _, follow_up, _ in PAIRS:
        assert condense_offline(follow_up, []) == follow_up


def test_a_follow_up_after_an_unanswered_question_follows_the_last_answered_one() -> None:
    answered = history("How many guards were wounded at the Old Mill bridge?")[0]
    refused = Turn(
        "What is the capital of France?",
        Answer("What is the capital of France?", "No answer.", (), True, "extractive"),
    )
    searched = condense_offline("And the civilians?", [answered, refused])
    assert "guards" in searched and "France" not in searched
