"""A small registry of answerers: built-in backends register exactly as a new one would."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ..config import Settings
from ..types import Answer, ScoredPassage, Turn

ABSTAIN_TEXT = "The reports do not contain an answer to this question."


@dataclass(frozen=True)
class AnswerRequest:
    """Everything an answerer needs: the question as asked, the standalone query used for retrieval,
    the retrieved passages (rank order), the chat history, and access to stored report texts."""

    question: str
    query: str
    passages: Sequence[ScoredPassage]
    report_text: Callable[[str], str]
    idf: Callable[[str], float]
    history: Sequence[Turn] = ()
    timings: dict[str, float] = field(default_factory=dict)


class Answerer(Protocol):
    """Yields text deltas as they are produced, then the final, verified `Answer` last."""

    name: str

    def answer(self, request: AnswerRequest) -> Iterator[str | Answer]: ...

    def condense(self, question: str, history: Sequence[Turn]) -> str: ...


Factory = Callable[[Settings], Answerer]
_REGISTRY: dict[str, Factory] = {}


def register(name: str) -> Callable[[Factory], Factory]:
    """Decorator: make an answerer factory available under `name` (settings.backend)."""

    def deco(factory: Factory) -> Factory:
        _REGISTRY[name] = factory
        return factory

    return deco


def make_answerer(name: str, settings: Settings) -> Answerer:
    """Build the answerer registered under `name`."""
    from ..errors import ConfigError

    _load_builtins()
    if name not in _REGISTRY:
        raise ConfigError(f"unknown backend '{name}' (choose from {', '.join(sorted(_REGISTRY))})")
    return _REGISTRY[name](settings)


def _load_builtins() -> None:
    """Built-ins register like any backend, but lazily: the openai SDK costs a second to import."""
    if "extractive" not in _REGISTRY:
        _REGISTRY["extractive"] = _lazy("extractive")
    if "openai" not in _REGISTRY:
        _REGISTRY["openai"] = _lazy("openai")


def _lazy(module: str) -> Factory:
    def factory(settings: Settings) -> Answerer:
        import importlib

        made: Answerer = importlib.import_module(f"{__name__}.{module}").make(settings)
        return made

    return factory
