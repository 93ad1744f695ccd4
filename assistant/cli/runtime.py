"""What every command needs first: the `Assistant` for the settings, and on a first run an empty
store filled with the default corpus (or a one-line error that says what to run)."""

from __future__ import annotations

from typing import Any

from ..config import Settings
from ..errors import EmptyIndex
from ..types import Answer
from .output import echo


def open_assistant(settings: Settings) -> Any:
    from ..assistant import Assistant

    return Assistant(settings)


def ingest_default_corpus(assistant: Any, settings: Settings) -> None:
    """Fill an empty store with the default corpus, or say what to run when there is none."""
    corpus = settings.corpus_dir
    if corpus is None or not corpus.is_dir():
        where = f" and the corpus folder {corpus} does not exist" if corpus else ""
        raise EmptyIndex(
            f"no reports are ingested{where}: run `assistant ingest PATH` "
            "(or `assistant ingest --sample` for the bundled sample reports)"
        )
    echo(f"the store is empty: ingesting {corpus} first", err=True)
    echo(assistant.ingest([corpus]).line(), err=True)


def ask_with_corpus(assistant: Any, settings: Settings, question: str, **kwargs: Any) -> Answer:
    """Ask; on an empty store, ingest the default corpus first (or say what to run)."""
    try:
        return assistant.ask(question, **kwargs)  # type: ignore[no-any-return]
    except EmptyIndex:
        ingest_default_corpus(assistant, settings)
        return assistant.ask(question, **kwargs)  # type: ignore[no-any-return]
