"""The facade: everything a user can do in the CLI, the UI or the eval harness is one call here."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from .answerers import Answerer, AnswerRequest, make_answerer
from .config import Settings
from .embeddings import Embedder, make_embedder
from .errors import AssistantError, BadQuestion, UnreadableReport
from .ingestion import discover, read_report, split_passages
from .lexical import LexicalIndex
from .memory import Conversation
from .prompts import hashes
from .retrieval import Filters, Retriever
from .store import Store
from .types import Answer, IngestSummary, Report, ReportInfo, ScoredPassage, Turn

MAX_QUESTION_CHARS = 2000
Progress = Callable[[int, int, str], None]


class AnswerStream:
    """Iterate for text deltas as they are produced; `.answer` holds the verified Answer at the end.

    The streamed text may contain markers that verification later drops: show `.answer.text` once done.
    """

    def __init__(
        self, events: Iterator[str | Answer], on_done: Callable[[Answer], None] | None = None
    ):
        self._events = events
        self._on_done = on_done
        self.answer: Answer | None = None

    def __iter__(self) -> Iterator[str]:
        for event in self._events:
            if isinstance(event, Answer):
                self.answer = event
                if self._on_done:
                    self._on_done(event)
            else:
                yield event

    def result(self) -> Answer:
        """Consume what is left and return the final answer."""
        for _ in self:
            pass
        assert self.answer is not None, "answerer ended without an answer"
        return self.answer


class Assistant:
    """Ingest reports, answer questions with verified citations, keep chats."""

    def __init__(
        self,
        settings: Settings | None = None,
        store: Store | None = None,
        embedder: Embedder | str | None = "from-settings",
        answerers: dict[str, Answerer] | None = None,
    ) -> None:
        """Collaborators are injected (tests pass their own); anything omitted is built from settings,
        and `embedder=None` means lexical-only retrieval."""
        self.settings = settings = settings or Settings()
        self.embedder = make_embedder(settings) if isinstance(embedder, str) else embedder
        name = self.embedder.model_name if self.embedder is not None else "none"
        self.store = store or Store.from_settings(settings, name)
        self.retriever = Retriever(
            self.store, self.embedder, LexicalIndex(), settings.candidates, settings.rrf_k
        )
        self._answerers: dict[str, Answerer] = dict(answerers or {})
        self._texts: dict[str, tuple[str, str]] = {}

    @classmethod
    def from_settings(cls, settings: Settings | None = None, **overrides: Any) -> Assistant:
        """Build everything from settings (env vars `ASSISTANT_*` when none are given)."""
        settings = settings or Settings()
        if overrides:
            settings = settings.model_copy(update=overrides)
        return cls(settings)

    @property
    def embed_model_name(self) -> str:
        return self.store.embed_model

    def answerer(self, backend: str | None = None) -> Answerer:
        name = backend or self.settings.chosen_backend
        if name not in self._answerers:
            self._answerers[name] = make_answerer(name, self.settings)
        return self._answerers[name]

    # reports ----------------------------------------------------------------------------------

    def ingest(
        self,
        paths: Sequence[Path | str] | None = None,
        *,
        prune: bool = False,
        rebuild: bool = False,
        progress: Progress | None = None,
    ) -> IngestSummary:
        """Add new and changed reports; skip unchanged ones; with `prune`, forget reports whose files
        are gone. A file that cannot be read is named in `failed`; the rest of the batch goes on."""
        summary = IngestSummary()
        if rebuild:
            self.store.drop()
        roots = [Path(p) for p in (paths or [self.settings.corpus_dir])]
        files: list[tuple[Path, str]] = []
        for root in roots:
            try:
                files += discover([root], self.settings.corpus_dir)
            except UnreadableReport as exc:
                summary.failed.append((exc.name, exc.reason))
        records = self.store.records()
        max_bytes = int(self.settings.max_file_mb * 1024 * 1024)
        seen: set[str] = set()
        for done, (path, report_id) in enumerate(files):
            if progress:
                progress(done, len(files), report_id)
            seen.add(report_id)
            try:
                report = read_report(path, report_id, max_bytes)
            except UnreadableReport as exc:
                summary.failed.append((exc.name, exc.reason))
                continue
            old = records.get(report_id)
            if old is not None and old.hash == report.hash:
                summary.unchanged.append(report_id)
                continue
            summary.passages_embedded += self._store_report(report)
            (summary.updated if old is not None else summary.added).append(report_id)
        if progress:
            progress(len(files), len(files), "")
        if prune:
            for rid in sorted(set(records) - seen):
                self.store.remove_report(rid)
                summary.removed.append(rid)
            self.store.sweep()
        return summary

    def _store_report(self, report: Report) -> int:
        """Embed and write the new passages, commit the report, then drop its old passages.

        Until the commit, readers keep seeing the old version (retrieval checks each passage's
        report hash against the registry); a run killed anywhere loses nothing."""
        import numpy as np

        passages = split_passages(report, self.settings.chunk_chars)
        if self.embedder is None:
            vectors = np.zeros((len(passages), 1), dtype=np.float32)
        else:
            batch = self.settings.embed_batch
            texts = [_embed_text(report, p.section, p.text) for p in passages]
            vectors = (
                np.concatenate(
                    [
                        self.embedder.embed_passages(texts[i : i + batch])
                        for i in range(0, len(texts), batch)
                    ]
                )
                if texts
                else np.zeros((0, 1), dtype=np.float32)
            )
        if passages:
            self.store.upsert_passages(report, passages, vectors)
        self.store.commit_report(report, len(passages))
        self.store.prune_passages(report.id, {p.id for p in passages})
        return len(passages)

    def reports(self) -> list[ReportInfo]:
        """The stored reports, sorted by id."""
        return [
            ReportInfo(r.id, r.title, r.passages, r.hash, r.published, r.source)
            for r in sorted(self.store.records().values(), key=lambda r: r.id)
        ]

    def report(self, report_id: str) -> Report:
        """A stored report with its full text (what citation offsets index into)."""
        return self.store.report(report_id)

    def report_text(self, report_id: str) -> str:
        """Stored text of a report, cached while its hash is unchanged."""
        rec = self.store.records().get(report_id)
        cached = self._texts.get(report_id)
        if rec is not None and cached is not None and cached[0] == rec.hash:
            return cached[1]
        report = self.store.report(report_id)
        self._texts[report_id] = (report.hash, report.text)
        return report.text

    def remove(self, report_id: str) -> None:
        """Delete a report and every passage of it."""
        self.store.remove_report(report_id)
        self._texts.pop(report_id, None)

    # questions --------------------------------------------------------------------------------

    def retrieve(
        self,
        question: str,
        *,
        top_k: int | None = None,
        report_ids: Sequence[str] | None = None,
        published_from: date | None = None,
        published_to: date | None = None,
    ) -> list[ScoredPassage]:
        """Hybrid retrieval only: the passages an answer would be drawn from."""
        filters = Filters(
            frozenset(report_ids) if report_ids is not None else None, published_from, published_to
        )
        return self.retriever.retrieve(_check(question), top_k or self.settings.top_k, filters)

    def stream(
        self,
        question: str,
        *,
        top_k: int | None = None,
        report_ids: Sequence[str] | None = None,
        backend: str | None = None,
        history: Sequence[Turn] = (),
        published_from: date | None = None,
        published_to: date | None = None,
        on_done: Callable[[Answer], None] | None = None,
    ) -> AnswerStream:
        """Answer with streamed text; raises before streaming for empty stores and bad questions."""
        question = _check(question)
        answerer = self.answerer(backend)
        t0 = time.perf_counter()
        query = answerer.condense(question, history)
        t1 = time.perf_counter()
        passages = self.retrieve(
            query,
            top_k=top_k,
            report_ids=report_ids,
            published_from=published_from,
            published_to=published_to,
        )
        t2 = time.perf_counter()
        request = AnswerRequest(
            question=question,
            query=query,
            passages=passages,
            report_text=self.report_text,
            idf=self.retriever.lexical.idf,
            history=tuple(history),
            timings={"condense": t1 - t0, "retrieve": t2 - t1},
        )
        return AnswerStream(answerer.answer(request), on_done)

    def ask(self, question: str, **kwargs: Any) -> Answer:
        """Answer a question (same options as `stream`)."""
        return self.stream(question, **kwargs).result()

    def chat(self, **defaults: Any) -> Chat:
        """A conversation whose follow-up questions use the earlier turns."""
        return Chat(self, defaults)

    def prompt_hashes(self) -> dict[str, str]:
        return hashes()


class Chat:
    """One conversation: `ask`/`stream` remember each turn; `reset` starts over."""

    def __init__(self, assistant: Assistant, defaults: dict[str, Any]) -> None:
        self.assistant = assistant
        self.defaults = defaults
        self.conversation = Conversation()

    @property
    def turns(self) -> list[Turn]:
        return list(self.conversation.turns)

    def stream(self, question: str, **kwargs: Any) -> AnswerStream:
        options = {**self.defaults, **kwargs}
        return self.assistant.stream(
            question,
            history=self.conversation.recent(),
            on_done=lambda a: self.conversation.add(question, a),
            **options,
        )

    def ask(self, question: str, **kwargs: Any) -> Answer:
        return self.stream(question, **kwargs).result()

    def reset(self) -> None:
        self.conversation.clear()


def _check(question: str) -> str:
    q = " ".join(question.split())
    if not q:
        raise BadQuestion("the question is empty")
    if len(q) > MAX_QUESTION_CHARS:
        raise BadQuestion(f"the question is longer than {MAX_QUESTION_CHARS} characters")
    return q


def _embed_text(report: Report, section: str, text: str) -> str:
    """What the embedder sees: title and section give a passage its context."""
    head = report.title if not section else f"{report.title} — {section}"
    return f"{head}\n{text}"


__all__ = ["AnswerStream", "Assistant", "AssistantError", "Chat"]
