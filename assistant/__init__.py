"""Question answering over reports, with verified citations.

from assistant import Assistant
a = Assistant()                      # or Assistant.from_settings(Settings(...))
a.ingest(["corpus"])
answer = a.ask("How many people were killed in the shelling?")
for c in answer.citations:
    print(c.marker, c.report_id, c.quote)
"""

from __future__ import annotations

from .assistant import AnswerStream, Assistant, Chat
from .config import Settings
from .errors import (
    AssistantError,
    BackendUnavailable,
    BadQuestion,
    BadSuite,
    ConfigError,
    EmbeddingMismatch,
    EmptyIndex,
    StoreBusy,
    StoreError,
    StoreUnavailable,
    UnknownReport,
    UnreadableReport,
)
from .timeline import Timeline, TimelineEvent
from .types import (
    Answer,
    Citation,
    EventDate,
    IngestSummary,
    Passage,
    Report,
    ReportInfo,
    ScoredPassage,
    Turn,
)

__all__ = [
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
