"""One exception root; front ends turn these into one-line messages and exit codes."""

from __future__ import annotations


class AssistantError(Exception):
    """Root of every error a user can cause or meet; its message is one line for the user."""

    exit_code = 1


class ConfigError(AssistantError):
    """A setting is missing or invalid."""

    exit_code = 2


class UnreadableReport(AssistantError):
    """A report file cannot be read: empty, binary, truncated, wrong encoding or too large."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


class UnknownReport(AssistantError):
    """A report id that the store does not hold."""


class UnknownConversation(AssistantError):
    """A saved conversation id that does not exist (or belongs to another user)."""


class EmptyIndex(AssistantError):
    """A question was asked before any report was ingested."""


class BadQuestion(AssistantError):
    """The question is empty, too long, or contains nothing searchable."""

    exit_code = 2


class EmbeddingMismatch(AssistantError):
    """The collection was built with another embedding model than the one configured."""


class StoreError(AssistantError):
    """The store failed on a request (a one-line cause; the data already stored is untouched)."""


class StoreBusy(StoreError):
    """Another writer (an ingest or a removal in another process) holds the store too long."""


class StoreUnavailable(StoreError):
    """The store (embedded folder or server) cannot be reached; the next call reconnects."""


class BackendUnavailable(AssistantError):
    """The answering backend (an OpenAI-compatible server) failed after retries."""


class BadSuite(AssistantError):
    """An evaluation suite file is malformed."""

    exit_code = 2
