"""What a reader of the sample corpus relies on: right sentences, cited and verified; both sides of a
disputed claim; plain abstention when the reports are silent; follow-ups that use the conversation."""

from __future__ import annotations

import pytest

from assistant import Answer, Assistant

from .conftest import NAYRAB_REPORT, SDF_REPORT

HEALTH = "The Aleppo Health Directorate announced that two people were killed"


def assert_verified(assistant: Assistant, answer: Answer) -> None:
    """The citation contract: every quote is the exact report span it claims to be."""
    for c in answer.citations:
        assert c.quote == assistant.report(c.report_id).text[c.start : c.end]
        assert f"[{c.marker}]" in answer.text


def quotes(answer: Answer) -> str:
    return " ".join(" ".join(c.quote.split()) for c in answer.citations)


# question, words the cited quotes must contain (all of them), report the first citation comes from
ANSWERABLE = [
    ("How many people were killed in the shelling?", ["two people were killed"], SDF_REPORT),
    (
        "How many people were injured by the shelling of residential neighborhoods?",
        ["eight others were injured"],
        SDF_REPORT,
    ),
    ("Which road was closed?", ["Gaziantep-Aleppo road was closed"], SDF_REPORT),
    (
        "Near which roundabouts did the qasad target Internal Security Forces?",
        ["Shihane", "Lairamoun"],
        SDF_REPORT,
    ),
    (
        "What did SANA say the SDF targeted?",
        ["SANA said that the qasad forces targeted"],
        SDF_REPORT,
    ),
    (
        "How many civilians were injured in the attack on the Internal Security Forces points?",
        ["injury of 4 civilians"],
        SDF_REPORT,
    ),
    ("What did the snipers target?", ["snipers belonging to the qasad targeted"], SDF_REPORT),
    ("Who is Raed al-Saleh?", ["Emergency Minister Raed al-Saleh"], SDF_REPORT),
    (
        "What did the Emergency Minister call the targeting of civil defense personnel?",
        ["serious crime"],
        SDF_REPORT,
    ),
    ("What agreement did the foreign minister mention?", ["March 10 agreement"], SDF_REPORT),
    ("Who did the Syrian Democratic Forces clash with in Aleppo?", ["Syrian army"], SDF_REPORT),
    ("In which neighborhoods did the clashes take place?", ["Sheikh Maqsoud"], SDF_REPORT),
    (
        "Where did the skirmishes take place according to Al Ekhbariya?",
        ["Nayrab refugee camp"],
        NAYRAB_REPORT,
    ),
    ("Where did Assad and his family flee to?", ["refuge in Russia"], NAYRAB_REPORT),
    ("When did the opposition groups capture Damascus?", ["December 8th"], NAYRAB_REPORT),
    ("Which city did the Kurdish Syrian Democratic Forces seize?", ["Deir ez-Zor"], NAYRAB_REPORT),
    (
        "When did the major offensive by opposition armed groups begin?",
        ["November 28th"],
        NAYRAB_REPORT,
    ),
]


@pytest.mark.parametrize(
    ("question", "needles", "report"), ANSWERABLE, ids=[q for q, _, _ in ANSWERABLE]
)
def test_answers_cite_the_sentence_that_answers(
    sample: Assistant, question: str, needles: list[str], report: str
) -> None:
    answer = sample.ask(question)
    assert not answer.abstained, answer.text
    assert_verified(sample, answer)
    assert any(c.report_id == report for c in answer.citations)
    for needle in needles:
        assert needle in quotes(answer), (needle, answer.text)


def test_shelling_death_toll_is_two_from_the_health_directorate(sample: Assistant) -> None:
    answer = sample.ask("How many people were killed in the shelling?")
    assert "two people were killed" in answer.text
    first = answer.citations[0]
    assert first.report_id == SDF_REPORT
    assert first.quote.startswith(HEALTH)
    # the sentence is hard-wrapped in the file: the quote keeps the file's own line break
    assert "\n" in first.quote


def test_who_started_the_clashes_shows_both_accounts_with_who_said_them(sample: Assistant) -> None:
    answer = sample.ask("Who started the clashes?")
    assert not answer.abstained
    assert_verified(sample, answer)
    text = answer.text
    assert "differing accounts" in text
    assert "Syrian Democratic Forces announced" in text
    assert "Ministry of Defense denied" in text
    assert "exodus" not in text, "claims about other things are not sides of this dispute"


@pytest.mark.parametrize("alias", ["qasad", "QASAD", "SDF", "Syrian Democratic Forces"])
def test_aliases_of_the_sdf_find_the_same_accusation(sample: Assistant, alias: str) -> None:
    answer = sample.ask(f"Whom did the {alias} hold responsible for the clashes?")
    assert not answer.abstained
    assert "held the Syrian government fully responsible" in quotes(answer)


UNANSWERABLE = [
    "What is the capital of France?",
    "How many people were killed in the clashes near the Nayrab refugee camp?",
    "What is the population of Aleppo?",
    "Who won the 2018 football World Cup?",
    "How many tanks did the Syrian army deploy?",
    "asdkj qwpoe zzxq",
]


@pytest.mark.parametrize("question", UNANSWERABLE)
def test_abstains_plainly_when_the_reports_are_silent(sample: Assistant, question: str) -> None:
    answer = sample.ask(question)
    assert answer.abstained, answer.text
    assert answer.citations == ()
    assert "do not contain" in answer.text
    assert answer.considered, "an abstention still shows the closest passages it looked at"


def test_follow_up_uses_the_conversation(sample: Assistant) -> None:
    chat = sample.chat()
    first = chat.ask("What did the Aleppo Health Directorate announce?")
    assert "two people were killed" in quotes(first)
    follow = chat.ask("And how many were injured?")
    assert not follow.abstained
    assert "eight others were injured" in quotes(follow)
    assert len(chat.turns) == 2


def test_a_question_that_stands_alone_is_searched_as_asked_even_mid_conversation(
    sample: Assistant,
) -> None:
    chat = sample.chat()
    chat.ask("How many people were killed in the shelling?")
    unrelated = chat.ask("What is the capital of France?")
    assert unrelated.standalone_question == "What is the capital of France?"
    assert unrelated.abstained
    follow = chat.ask("And the injured?")
    assert follow.standalone_question != "And the injured?"
    assert "killed" in follow.standalone_question and "injured" in follow.standalone_question
    assert follow.to_json()["standalone_question"] == follow.standalone_question


def test_follow_up_about_a_person_named_earlier(sample: Assistant) -> None:
    chat = sample.chat()
    chat.ask("Which minister spoke about the civil defense personnel?")
    follow = chat.ask("What did he call it?")
    assert "serious crime" in quotes(follow)


def test_new_conversation_forgets_the_old_one(sample: Assistant) -> None:
    chat = sample.chat()
    chat.ask("What did the Aleppo Health Directorate announce?")
    chat.reset()
    assert chat.turns == []
    assert chat.ask("And what about it?").query == "And what about it?"


def test_report_filter_restricts_the_sources(sample: Assistant) -> None:
    answer = sample.ask("Where did the clashes take place?", report_ids=[NAYRAB_REPORT])
    assert {c.report_id for c in answer.citations} == {NAYRAB_REPORT}


def test_stream_yields_text_then_the_verified_answer(sample: Assistant) -> None:
    stream = sample.stream("Which road was closed?")
    chunks = list(stream)
    assert chunks and "".join(chunks).strip()
    answer = stream.result()
    assert "Gaziantep-Aleppo road" in answer.text
    assert_verified(sample, answer)


def test_json_shape_is_the_documented_contract(sample: Assistant) -> None:
    data = sample.ask("Which road was closed?").to_json()
    assert list(data) == [
        "question",
        "answer",
        "abstained",
        "backend",
        "citations",
        "unsupported",
        "incomplete",
        "standalone_question",
        "accounts",
        "disagreements",
    ]
    assert list(data["citations"][0]) == [  # type: ignore[index]
        "marker", "report", "title", "start", "end", "quote", "support", "publisher", "published",
        "page", "section",
    ]  # fmt: skip


def test_a_question_with_several_parts_is_answered_from_several_sentences(
    sample: Assistant,
) -> None:
    answer = sample.ask(
        "How many people did the Aleppo Health Directorate say were killed, and which road was "
        "closed after the bombing near the Shihane and Lairamoun roundabouts?"
    )
    assert not answer.abstained, answer.text
    assert_verified(sample, answer)
    assert "two people were killed" in quotes(answer)
    assert "Gaziantep-Aleppo road was closed" in quotes(answer)


def test_a_new_backend_registers_like_the_built_in_ones(sample: Assistant) -> None:
    """The registry is the extension point: a backend registered by name is usable at once."""
    from assistant.answerers import ABSTAIN_TEXT, register
    from assistant.answerers.extractive import make

    class Shouting:
        name = "shouting"

        def __init__(self, settings) -> None:
            self.inner = make(settings)

        def condense(self, question, history):
            return self.inner.condense(question, history)

        def answer(self, request):
            for event in self.inner.answer(request):
                yield event.upper() if isinstance(event, str) else event

    from assistant.answerers import ANSWERERS

    register("shouting")(Shouting)
    try:
        stream = sample.stream("Which road was closed?", backend="shouting")
        assert "GAZIANTEP-ALEPPO ROAD" in "".join(stream)
        assert stream.result().text != ABSTAIN_TEXT
    finally:
        ANSWERERS.unregister("shouting")


def test_a_zero_threshold_still_abstains_when_nothing_was_retrieved(sample: Assistant) -> None:
    """A gate at 0 never crashes: with no candidate sentence there is nothing to say."""
    from assistant.answerers import AnswerRequest
    from assistant.answerers.extractive import ExtractiveAnswerer

    answerer = ExtractiveAnswerer(threshold=0.0, max_sentences=4)
    request = AnswerRequest("Which road was closed?", "Which road was closed?", [], str, len)
    events = list(answerer.answer(request))
    assert isinstance(events[-1], Answer) and events[-1].abstained


def test_a_zero_threshold_answers_from_the_best_sentences(sample: Assistant, monkeypatch) -> None:
    from assistant import Settings

    monkeypatch.setenv("ASSISTANT_ABSTAIN_THRESHOLD", "0")
    zero = Assistant(
        Settings(data_dir=sample.settings.data_dir, corpus_dir=sample.settings.corpus_dir),
        embedder=sample.embedder,
    )
    answer = zero.ask("Which road was closed?")
    assert not answer.abstained and "Gaziantep-Aleppo road" in quotes(answer)
    assert_verified(zero, answer)
