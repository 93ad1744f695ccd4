"""A small registry of answerers: built-in backends register exactly as a new one would."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ..accounts import plain_party
from ..config import Settings
from ..registry import Registry
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
    # question stem -> stem sets of other names of the same thing, learned from the reports
    aliases: Mapping[str, Sequence[frozenset[str]]] = field(default_factory=dict)
    # the question asks for the latest / most recent: passages come newest report first, and
    # answerers prefer sentences of newer reports (recency.py)
    prefer_recent: bool = False
    # a speaker's name -> the key of its party (names of one thing share one: learned aliases)
    party_of: Callable[[str], str] = plain_party
    # passages ranked below `passages`, read only for other values of the answer's facts: a
    # source that disagrees is not silently dropped for ranking sixth (Settings.cross_check)
    further: Sequence[ScoredPassage] = ()


class Answerer(Protocol):
    """Yields text deltas as they are produced, then the final, verified `Answer` last."""

    name: str

    def answer(self, request: AnswerRequest) -> Iterator[str | Answer]: ...

    def condense(self, question: str, history: Sequence[Turn]) -> str: ...


Factory = Callable[[Settings], Answerer]


def _builtins(registry: Registry[Factory]) -> None:
    """Built-ins register like any backend, but lazily: the openai SDK costs a second to import."""
    registry.register("extractive", _lazy("extractive"))
    registry.register("openai", _openai)


def _openai(settings: Settings) -> Answerer:
    """Fail before paying 2-3 s of llama-index and openai imports for a one-line config error."""
    if not settings.openai_configured:
        from ..errors import ConfigError

        raise ConfigError("the openai backend needs OPENAI_API_KEY or OPENAI_BASE_URL")
    return _lazy("openai")(settings)


ANSWERERS: Registry[Factory] = Registry("backend", _builtins)
"""The answerer seam: `settings.backend`, CLI `--backend`, the UI's backend picker read this."""


def register(name: str) -> Callable[[Factory], Factory]:
    """Decorator: make an answerer factory available under `name` (settings.backend)."""

    def deco(factory: Factory) -> Factory:
        return ANSWERERS.register(name, factory, replace=True)

    return deco


def make_answerer(name: str, settings: Settings) -> Answerer:
    """Build the answerer registered under `name` (unknown names: a one-line ConfigError)."""
    return ANSWERERS.get(name)(settings)


def _lazy(module: str) -> Factory:
    def factory(settings: Settings) -> Answerer:
        import importlib

        made: Answerer = importlib.import_module(f"{__name__}.{module}").make(settings)
        return made

    return factory
