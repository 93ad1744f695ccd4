"""What a user asking about reports relies on from the offline answerer (invented reports only):
a question that names its sources, their publication dates and how they report is answered from
the sentences that hold its facts; the same question about facts no report holds is refused; the
words of a question that only shape it weigh nothing; "when" is answered with the whole date."""

from __future__ import annotations

from datetime import date

from assistant.answerers import ABSTAIN_TEXT, AnswerRequest
from assistant.answerers.extractive import Candidate, ExtractiveAnswerer
from assistant.framing import framing_terms
from assistant.lexical import terms
from assistant.types import Answer, Passage, ScoredPassage

THRESHOLD = 0.45

REPORTS = {
    "ferry.txt": (
        "Ferry service returns\n\n"
        "The ferry from Varrow resumed service after its engine was repaired. "
        "Passengers queued at the pier from early morning."
    ),
    "strike.txt": (
        "Dock strike ends\n\n"
        "Dock workers at Saltmere ended their strike after a new pay offer. "
        "Cranes were moving again by noon."
    ),
    "weather.txt": "Storm warning\n\nA storm warning was issued for the northern coast.",
}
SOURCES = {"ferry.txt": "Harbour Times", "strike.txt": "Coastal Wire", "weather.txt": None}


def passages(
    reports: dict[str, str], sources: dict[str, str | None] | None = None
) -> list[ScoredPassage]:
    """Each report as one passage whose sentences are split at ". " (the text is invented)."""
    out = []
    for rid, text in reports.items():
        spans, start = [], 0
        for piece in text.split(". "):
            end = start + len(piece) + (1 if start + len(piece) < len(text) else 0)
            spans.append((start, min(end, len(text))))
            start = end + 1
        passage = Passage(f"{rid}#0", rid, 0, len(text), text, sentences=tuple(spans))
        source = (sources or {}).get(rid)
        out.append(ScoredPassage(passage, 1.0, rid, source=source, published=date(2024, 5, 3)))
    return out


def ask(question: str, reports: dict[str, str] = REPORTS, sources=SOURCES) -> Answer:
    request = AnswerRequest(
        question, question, passages(reports, sources), reports.__getitem__, lambda t: 1.0
    )
    answerer = ExtractiveAnswerer(THRESHOLD, max_sentences=4)
    events = list(answerer.answer(request))
    final = events[-1]
    assert isinstance(final, Answer)
    return final


def test_a_question_naming_two_sources_and_dates_is_answered_from_both_reports() -> None:
    answer = ask(
        "Does the Northern Ledger article published on 3 May 2024 suggest that the ferry from "
        "Varrow resumed service, while the report from Field Dispatch indicates that dock "
        "workers at Saltmere ended their strike?"
    )
    assert not answer.abstained
    cited = {c.report_id for c in answer.citations}
    assert cited == {"ferry.txt", "strike.txt"}
    for c in answer.citations:
        assert c.quote == REPORTS[c.report_id][c.start : c.end]


def test_the_same_question_about_facts_no_report_holds_is_refused() -> None:
    answer = ask(
        "Does the Northern Ledger article published on 3 May 2024 suggest that the bakery in "
        "Quillon doubled its bread prices, while the report from Field Dispatch indicates that "
        "the mayor of Dunhaven resigned?"
    )
    assert answer.abstained
    assert answer.text == ABSTAIN_TEXT
    assert answer.citations == ()


def test_the_sources_date_and_reporting_words_of_a_question_are_framing() -> None:
    question = (
        "Was the coverage consistent between the Valley Courier | Weekend Edition report on "
        "2024-05-03 and the article by 'Harbour Times' published on May 9, 2024 about the ferry?"
    )
    framing = framing_terms(question)
    assert set(terms("Valley Courier Weekend Edition Harbour Times")) <= framing
    assert set(terms("2024-05-03 May 9 2024 coverage consistent")) <= framing
    assert not set(terms("ferry")) & framing


def test_reporting_words_are_the_topic_of_a_question_that_is_not_about_reports() -> None:
    assert framing_terms("What describes the way a ferry engine is repaired?") == frozenset()
    assert "describ" in framing_terms("What does the article from Coastal Wire describe?")


def test_a_source_the_reports_metadata_names_earns_its_words() -> None:
    same = "The ferry from Varrow resumed service on Monday. It was full."
    answer = ask(
        "What did the Coastal Wire report say about the ferry from Varrow?",
        {"a.txt": same, "b.txt": same},
        {"a.txt": "Harbour Times", "b.txt": "Coastal Wire"},
    )
    assert answer.citations[0].report_id == "b.txt"


def test_function_words_of_a_question_weigh_nothing() -> None:
    answer = ask("Which dock workers ended their strike after a new pay offer?")
    plain = ask("Which dock workers ended their strike, new pay offer?")
    assert [c.quote for c in answer.citations] == [c.quote for c in plain.citations]
    assert answer.citations[0].report_id == "strike.txt"


def test_when_is_answered_with_the_sentence_that_gives_the_whole_date() -> None:
    reports = {
        "a.txt": "The ferry from Varrow resumed service on Sunday, 12 May.",
        "b.txt": "The ferry from Varrow resumed service on 12 May 2024.",
    }
    answer = ask("When did the ferry from Varrow resume service?", reports, {})
    assert [c.report_id for c in answer.citations] == ["b.txt"]
    assert "12 May 2024" in answer.text


def test_a_date_opening_a_sentence_is_its_stamp_not_the_answer() -> None:
    reports = {
        "a.txt": "On 12 May 2024, we heard the ferry from Varrow resumed service on Sunday.",
        "b.txt": "12 May 2024 - The ferry from Varrow resumed service on Sunday.",
        "c.txt": "The ferry from Varrow resumed service on 9 May 2023.",
    }
    question = "When did the ferry from Varrow resume service?"
    request = AnswerRequest(question, question, passages(reports), reports.__getitem__, _one)
    ranked = ExtractiveAnswerer(THRESHOLD, max_sentences=4).score_sentences(request)
    assert ranked[0].report_id in {"a.txt", "c.txt"}
    assert ranked[-1].report_id == "b.txt"


def _one(term: str) -> float:
    return 1.0


def test_a_sentence_that_only_names_the_source_or_its_date_is_not_an_answer() -> None:
    reports = dict(REPORTS, **{"other.txt": "The Northern Ledger printed a weather map."})
    answer = ask(
        "Does the Northern Ledger article published on 3 May 2024 suggest that the ferry from "
        "Varrow resumed service, while the report from Field Dispatch indicates that dock "
        "workers at Saltmere ended their strike?",
        reports,
    )
    assert {c.report_id for c in answer.citations} == {"ferry.txt", "strike.txt"}


def test_the_kind_asked_for_and_sources_after_reporting_verbs_are_framing() -> None:
    question = "Which company, highlighted by Valley Courier, opened the clinic in Brannock?"
    framing = framing_terms(question)
    assert set(terms("company Valley Courier highlighted")) <= framing
    assert not set(terms("opened clinic Brannock")) & framing
    # not a question about reports: the kind asked for is owed like any word
    assert framing_terms("Which company opened the clinic in Brannock?") == frozenset()


def test_a_sentence_that_adds_a_fact_never_lowers_a_many_part_answer_below_the_gate() -> None:
    """Questions with many parts are judged by what their sentences cover together; a weakly
    matching sentence that adds one more of the question's words must not pull that judgement
    under the gate (it did when the sentences' dense matches were averaged)."""
    text = "Varrow pier opened. Saltmere cranes stopped. Northern storm came."
    passage = Passage("r.txt#0", "r.txt", 0, len(text), text)
    source = ScoredPassage(passage, 1.0, "r.txt", dense=0.9)
    weights = {"varrow": 1.0, "pier": 1.0, "saltmer": 1.0, "crane": 1.0, "storm": 0.5}

    def sentence(start: int, words: tuple[str, ...], dense: float) -> Candidate:
        end = text.index(".", start) + 1
        credit = tuple((w, weights[w]) for w in words)
        return Candidate(source, start, end, text[start:end], 0.5, frozenset(words), credit, dense)

    strong = [sentence(0, ("varrow", "pier"), 0.9), sentence(20, ("saltmer", "crane"), 0.9)]
    weak = sentence(45, ("storm",), 0.1)
    answerer = ExtractiveAnswerer(THRESHOLD, max_sentences=4)
    chosen, with_weak = answerer.cover([*strong, weak], weights)
    assert weak in chosen  # it adds a word of the question
    assert with_weak >= answerer.cover(strong, weights)[1] >= THRESHOLD


def test_a_question_about_a_name_no_passage_mentions_is_refused_and_says_which() -> None:
    answer = ask("Why did the ferry from Brennick stop running?")
    assert answer.abstained and not answer.citations
    assert answer.text == f"{ABSTAIN_TEXT} None of the passages found mentions “Brennick”."
    assert not ask("Why did the ferry from Varrow stop running?").abstained
    # the first word of a question is capitalised without being a name
    assert not ask("Roughly when did the ferry from Varrow resume service?").abstained


def test_a_name_the_reports_define_another_way_is_not_missing() -> None:
    question = "When did the ferry from VRW resume service?"
    request = AnswerRequest(
        question,
        question,
        passages(REPORTS, SOURCES),
        REPORTS.__getitem__,
        lambda t: 1.0,
        aliases={"vrw": [frozenset(terms("Varrow"))]},
    )
    answerer = ExtractiveAnswerer(THRESHOLD, max_sentences=4)
    assert answerer.unmentioned(request) == []
    plain = AnswerRequest(question, question, request.passages, REPORTS.__getitem__, lambda t: 1.0)
    assert answerer.unmentioned(plain) == ["VRW"]


def test_names_match_without_accents_and_a_word_with_digits_is_no_name() -> None:
    reports = {"lab.txt": "Lab note\n\nThe Kérvan station measured CO2 levels twice a day."}
    answer = ask("How often did the Kervan station measure CO2 levels?", reports, {})
    assert not answer.abstained, answer.text


def test_a_when_answer_leaves_out_sentences_without_a_date() -> None:
    reports = {
        "ferry.txt": (
            "Ferry returns\n\n"
            "The Varrow ferry resumed its crossings on 4 March 2024. "
            "Islanders had waited months for the ferry from Varrow, whose crossings resumed "
            "once the harbour was dredged."
        )
    }
    answer = ask("When did the Varrow ferry resume its crossings?", reports, {})
    assert not answer.abstained
    assert "4 March 2024" in answer.text and "dredged" not in answer.text, answer.text


def test_a_cross_check_report_removed_since_retrieval_drops_its_value_not_the_answer() -> None:
    from assistant.errors import UnknownReport

    reports = {
        "a.txt": "Toll\n\nTwelve people were killed in the blast at the Elden fish market on Friday.",
        "b.txt": "Toll\n\nForty people were killed in the blast at the Elden fish market on Friday.",
    }
    found = passages(reports)

    def text(report_id: str) -> str:
        if report_id == "b.txt":
            raise UnknownReport(report_id)
        return reports[report_id]

    question = "How many people were killed in the blast at the fish market?"
    request = AnswerRequest(question, question, found[:1], text, lambda t: 1.0, further=found[1:])
    final = list(ExtractiveAnswerer(THRESHOLD, max_sentences=4).answer(request))[-1]
    assert isinstance(final, Answer) and not final.abstained
    assert {c.report_id for c in final.citations} == {"a.txt"}
    kept = AnswerRequest(
        question, question, found[:1], reports.__getitem__, lambda t: 1.0, further=found[1:]
    )
    both = list(ExtractiveAnswerer(THRESHOLD, max_sentences=4).answer(kept))[-1]
    assert isinstance(both, Answer)
    assert {c.report_id for c in both.citations} == {"a.txt", "b.txt"}, "the cross-check works"
