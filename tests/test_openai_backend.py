"""The `openai` backend against an OpenAI-compatible server on 127.0.0.1, through the real openai
client over HTTP: streaming, citations verified, retries on 429/500/timeouts, then one clear error."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from assistant import Assistant, BackendUnavailable, Settings

from .conftest import SDF_REPORT
from .fake_openai import FakeOpenAI, start

HEALTH_ANSWER = "The Aleppo Health Directorate said two people were killed in the shelling [1]."


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI()
    server, thread = start(fake)
    yield fake
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def llm_assistant(fake: FakeOpenAI, sample: Assistant) -> Assistant:
    """The sample store, answered by the openai backend pointed at the loopback server."""
    settings = sample.settings.model_copy(
        update={
            "openai_base_url": fake.url,
            "openai_api_key": "test-key",
            "backend": "auto",
            "request_timeout": 1.0,
            "max_retries": 2,
            "llm_model": "test-model",
        }
    )
    return Assistant(settings, store=sample.store, embedder=sample.embedder)


def test_auto_backend_is_openai_when_a_server_is_configured(llm_assistant: Assistant) -> None:
    assert llm_assistant.settings.chosen_backend == "openai"
    assert Settings().chosen_backend == "extractive"


def test_streams_tokens_and_maps_markers_to_verified_sentences(
    fake: FakeOpenAI, llm_assistant: Assistant
) -> None:
    fake.script = [("text", HEALTH_ANSWER)]
    stream = llm_assistant.stream("How many people were killed in the shelling?")
    deltas = list(stream)
    assert len(deltas) > 3, "tokens arrive one by one"
    answer = stream.result()
    assert answer.backend == "openai" and not answer.abstained
    assert answer.text == HEALTH_ANSWER
    [citation] = answer.citations
    assert citation.report_id == SDF_REPORT
    assert citation.quote.startswith(
        "The Aleppo Health Directorate announced that two people were killed"
    )
    assert citation.quote == llm_assistant.report(SDF_REPORT).text[citation.start : citation.end]
    request = fake.requests[-1]
    assert request["stream"] is True and request["model"] == "test-model"
    prompt = request["messages"][-1]["content"]
    assert "[1]" in prompt and "Health Directorate" in prompt, "numbered sources are in the prompt"


def test_a_marker_citing_a_missing_source_is_removed_and_counted(
    fake: FakeOpenAI, llm_assistant: Assistant
) -> None:
    fake.script = [("text", "Two people were killed [1]. Ten tanks were destroyed [7].")]
    answer = llm_assistant.ask("How many people were killed in the shelling?")
    assert answer.dropped_markers == 1
    assert "[7]" not in answer.text and "[1]" in answer.text
    assert len(answer.citations) == 1


def test_an_answer_without_any_valid_citation_is_not_shown(
    fake: FakeOpenAI, llm_assistant: Assistant
) -> None:
    fake.script = [("text", "Paris is the capital of France [9].")]
    answer = llm_assistant.ask("What is the capital of France?")
    assert answer.abstained and answer.citations == ()
    assert "Paris" not in answer.text


def test_the_model_saying_the_reports_are_silent_is_an_abstention(
    fake: FakeOpenAI, llm_assistant: Assistant
) -> None:
    fake.script = [("text", "The reports do not contain an answer to this question.")]
    assert llm_assistant.ask("What is the population of Aleppo?").abstained


def test_a_429_is_retried_then_answered(fake: FakeOpenAI, llm_assistant: Assistant) -> None:
    fake.script = [("status", 429), ("text", HEALTH_ANSWER)]
    answer = llm_assistant.ask("How many people were killed in the shelling?")
    assert not answer.abstained
    assert len(fake.requests) == 2


def test_a_server_that_keeps_failing_gives_one_clear_error(
    fake: FakeOpenAI, llm_assistant: Assistant
) -> None:
    fake.default = lambda body: ("status", 500)
    with pytest.raises(BackendUnavailable) as err:
        llm_assistant.ask("How many people were killed in the shelling?")
    message = str(err.value)
    assert "HTTP 500" in message and "3 attempts" in message and "\n" not in message
    assert len(fake.requests) == 3


def test_a_timeout_is_retried_then_reported(fake: FakeOpenAI, llm_assistant: Assistant) -> None:
    fake.default = lambda body: ("sleep", 2.5)
    with pytest.raises(BackendUnavailable, match="timed out"):
        llm_assistant.ask("How many people were killed in the shelling?")
    assert len(fake.requests) == 3


def test_follow_ups_are_condensed_by_the_llm(fake: FakeOpenAI, llm_assistant: Assistant) -> None:
    chat = llm_assistant.chat()
    fake.script = [("text", HEALTH_ANSWER)]
    chat.ask("How many people were killed in the shelling?")
    fake.script = [
        ("text", "How many people were injured in the shelling in Aleppo?"),
        ("text", "Eight others were injured [1]."),
    ]
    answer = chat.ask("And injured?")
    condense = fake.requests[-2]["messages"][-1]["content"]
    assert "How many people were killed in the shelling?" in condense and "And injured?" in condense
    assert answer.query == "How many people were injured in the shelling in Aleppo?"
    assert "eight others were injured" in answer.citations[0].quote


def test_cli_uses_the_server_from_openai_base_url(fake: FakeOpenAI, cli) -> None:
    fake.default = lambda body: ("text", HEALTH_ANSWER)
    out = cli(
        "ask",
        "How many people were killed in the shelling?",
        "--json",
        OPENAI_BASE_URL=fake.url,
        OPENAI_API_KEY="k",
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["backend"] == "openai" and data["citations"][0]["report"] == SDF_REPORT
    assert data["answer"] == HEALTH_ANSWER
    assert fake.requests and fake.requests[-1]["messages"], "the answer came from the server"


def test_openai_compatible_embeddings_build_and_query_the_store(
    fake: FakeOpenAI, tmp_path, corpus_copy
) -> None:
    """ASSISTANT_EMBEDDING=openai: passages and questions are embedded by the server."""
    settings = Settings(
        data_dir=tmp_path / "d",
        corpus_dir=corpus_copy,
        embedding="openai",
        openai_base_url=fake.url,
        openai_api_key="k",
        backend="extractive",
        openai_embedding_model="test-embed",
    )
    a = Assistant(settings)
    summary = a.ingest([corpus_copy])
    assert fake.embedded == summary.passages_embedded > 0
    answer = a.ask("Which road was closed?")
    assert "Gaziantep-Aleppo road" in answer.text
    assert a.embed_model_name == "test-embed"
