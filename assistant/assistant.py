"""The facade: everything a user can do in the CLI, the UI or the eval harness is one call here."""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from . import validation
from .aliases import AliasTable
from .annotate import annotated
from .answerers import Answerer, AnswerRequest, make_answerer
from .background import BackgroundIngest, IngestProgress
from .config import Settings
from .conversations import ConversationInfo, ConversationStore, SavedConversation, iso_time
from .docx_export import conversation_docx
from .embeddings import Embedder, make_embedder
from .errors import AssistantError, BackendUnavailable, ConfigError, StoreBusy, UnknownReport
from .indexer import Indexer, Progress
from .integrity import CheckReport, check
from .lexical import LexicalIndex
from .library import DEFAULT_PAGE_SIZE, Library, LibraryPage, LibraryQuery, Sort
from .local_cache import alias_sources, lexical_snapshot_path, versions_of
from .markdown import conversation_markdown
from .memory import Conversation
from .prompts import hashes
from .recency import newest_first, wants_recent
from .rerank_llm import LLMReranker
from .retrieval import Filters, Retriever
from .store import ReportRecord, VectorStore, make_store
from .suggestions import DEFAULT_COUNT, MAX_COUNT, count, suggest_questions
from .timeline import Timeline, make_timeline
from .types import Answer, IngestSummary, Report, ReportInfo, ScoredPassage, Turn

TEXT_CACHE = 256  # report texts kept in memory for quoting


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
        if self.answer is None:  # a backend bug, not a user error: say which backend
            raise BackendUnavailable("the answerer ended without an answer")
        return self.answer


class Assistant:
    """Ingest reports, answer questions with verified citations, keep chats."""

    def __init__(
        self,
        settings: Settings | None = None,
        store: VectorStore | None = None,
        embedder: Embedder | str | None = "from-settings",
        answerers: dict[str, Answerer] | None = None,
    ) -> None:
        """Collaborators are injected (tests pass their own); anything omitted is built from settings,
        and `embedder=None` means lexical-only retrieval."""
        self.settings = settings = settings or Settings()
        self.embedder = make_embedder(settings) if isinstance(embedder, str) else embedder
        name = self.embedder.model_name if self.embedder is not None else "none"
        self.store = store or make_store(settings, name)
        # The lexical-index snapshot: beside an embedded store, or for a server under this
        # machine's data folder (a validated cache either way: see Retriever.sync).
        snapshot = None if store is not None else lexical_snapshot_path(settings)
        self.retriever = Retriever(
            self.store, self.embedder, LexicalIndex(), settings.candidates, settings.rrf_k, snapshot
        )
        self.indexer = Indexer(self.store, self.embedder, settings)
        self._library = Library(self.store, self.retriever)
        self._answerers: dict[str, Answerer] = dict(answerers or {})
        self._texts: OrderedDict[str, tuple[str, str]] = OrderedDict()  # report id -> (hash, text)
        self._aliases: tuple[Mapping[str, ReportRecord], AliasTable] | None = None
        self._conversations = ConversationStore(settings.data_dir / "conversations.sqlite")
        self._background: BackgroundIngest | None = None
        self._suggested: tuple[Mapping[str, ReportRecord], list[str]] | None = None
        self._reranker = LLMReranker.from_settings(settings)

    @classmethod
    def from_settings(cls, settings: Settings | None = None, **overrides: Any) -> Assistant:
        """Build everything from settings (env vars `ASSISTANT_*` when none are given); overrides
        are settings by field name, checked as settings are (a bad one is a ValueError)."""
        settings = settings or Settings()
        if overrides:
            unknown = sorted(set(overrides) - set(Settings.model_fields))
            if unknown:
                raise TypeError(f"unknown setting {unknown[0]!r} (see `Settings`)")
            settings = type(settings).model_validate({**settings.model_dump(), **overrides})
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
        keep_existing: bool = False,
        progress: Progress | None = None,
    ) -> IngestSummary:
        """Add new and changed reports; skip unchanged ones; with `prune`, forget reports whose files
        are gone; with `keep_existing`, a different document under a stored report's name is added
        under a new id ("name-2.txt") instead of replacing it. A file that cannot be read is named
        in `failed`; the rest of the batch goes on."""
        given = validation.paths(paths)
        flags = {"prune": prune, "rebuild": rebuild, "keep_existing": keep_existing}
        for name, value in flags.items():
            validation.flag(name, value)
        validation.callback("progress", progress)
        roots = self._roots(given)
        with self.store.writing():
            return self.indexer.run(
                roots, prune=prune, rebuild=rebuild, keep_existing=keep_existing, progress=progress
            )

    def _roots(self, given: list[Path] | None) -> list[Path]:
        if given:
            return given
        if self.settings.corpus_dir is not None:
            return [self.settings.corpus_dir]
        raise ConfigError(
            "no reports folder given and ASSISTANT_CORPUS_DIR is unset: pass a path "
            "(or use `assistant ingest --sample` for the bundled sample reports)"
        )

    def ingest_in_background(
        self,
        paths: Sequence[Path | str] | None = None,
        *,
        on_done: Callable[[IngestProgress], None] | None = None,
        pending: Path | None = None,
    ) -> BackgroundIngest:
        """`ingest(paths)` in a thread, returning at once (the UI's first start serves pages
        meanwhile); `ingest_progress()` says how far it got, and questions asked meanwhile are
        answered from the reports committed so far. `pending` is a file that exists until the
        run ends without error (a later process can tell it was cut short). One at a time."""
        roots = self._roots(validation.paths(paths))
        validation.callback("on_done", on_done)
        if self._background is not None and self._background.running:
            raise StoreBusy("an ingest is already running in the background: wait for it to end")
        # A commit per embedding batch (`ingest` commits every fourth): the progress moves
        # steadily, answers draw on more reports sooner, and a cancel stops sooner.
        indexer = Indexer(self.store, self.embedder, self.settings)
        indexer.batch_passages = self.settings.embed_batch

        def run(step: Progress) -> IngestSummary:
            with self.store.writing():
                return indexer.run(roots, progress=step)

        self._background = BackgroundIngest(run, on_done, pending).start()
        return self._background

    def ingest_progress(self) -> IngestProgress | None:
        """Where the latest background ingest is (None when none was started here)."""
        return self._background.progress() if self._background is not None else None

    def suggestions(self, n: int = DEFAULT_COUNT) -> list[str]:
        """Up to `n` questions to start a conversation with, from the stored reports' headlines
        and the names most of them mention; none for an empty store. Drawn once per change of
        the store (its records are cached per generation)."""
        n = count(n)
        records = self.store.records()
        if self._suggested is None or self._suggested[0] is not records:
            self._suggested = (records, suggest_questions(records.values(), MAX_COUNT))
        return self._suggested[1][:n]

    def reports(self) -> list[ReportInfo]:
        """The stored reports, sorted by id."""
        return [
            ReportInfo(r.id, r.title, r.passages, r.hash, r.published, r.source, r.published_from)
            for r in sorted(self.store.records().values(), key=lambda r: r.id)
        ]

    def library(
        self,
        search: str = "",
        *,
        published_from: date | None = None,
        published_to: date | None = None,
        publisher: str | None = None,
        sort: Sort = "newest",
        page: int = 1,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> LibraryPage:
        """One page of the stored reports: those whose title, file name, publisher or text
        match `search`, published in the date range, by `publisher`; sorted newest or oldest
        first, by title, by passages or by best match; `page` counts from 1 (a page past the
        end gives the last one)."""
        query = LibraryQuery(search, published_from, published_to, publisher, sort, page, page_size)
        return self._library.page(query)

    def report(self, report_id: str) -> Report:
        """A stored report with its full text (what citation offsets index into)."""
        return self.store.report(validation.report_id(report_id))

    def report_text(self, report_id: str) -> str:
        """Stored text of a report, cached while its hash is unchanged."""
        return self._text(validation.report_id(report_id), self.store.records())

    def _text(self, report_id: str, records: Mapping[str, ReportRecord]) -> str:
        rec = records.get(report_id)
        cached = self._texts.get(report_id)
        if rec is not None and cached is not None and cached[0] == rec.hash:
            self._texts.move_to_end(report_id)
            return cached[1]
        report = self.store.report(report_id)
        self._texts[report_id] = (report.hash, report.text)
        if len(self._texts) > TEXT_CACHE:  # bounded: a long-running UI must not hold the corpus
            self._texts.popitem(last=False)
        return report.text

    def aliases(self) -> AliasTable:
        """Names the stored reports define for the same things, joined across reports; rebuilt
        when the store changes (its records are cached per generation)."""
        records = self.store.records()
        if self._aliases is None or self._aliases[0] is not records:
            table = AliasTable.build(*alias_sources(records))
            self._aliases = (records, table)
        return self._aliases[1]

    def remove(self, report_id: str) -> None:
        """Delete a report and every passage of it."""
        validation.report_id(report_id)
        with self.store.writing():
            if not self.store.remove_reports([report_id]):
                raise UnknownReport(f"no report with id '{report_id}' (see `assistant reports`)")
        self._texts.pop(report_id, None)

    def generation(self) -> str:
        """A token that changes whenever reports are added, changed or removed, by this process or
        any other (front ends compare it to know when to re-list)."""
        return self.store.generation()

    def check(self, *, repair: bool = False) -> CheckReport:
        """Find reports whose passages are missing and passages no report owns; with `repair`,
        rebuild the incomplete ones from their stored text and sweep the leftovers."""
        if not validation.flag("repair", repair):
            return check(self.store)
        with self.store.writing():
            return check(self.store, self.indexer.reindex, self.indexer.live_vector_keys)

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
        question = validation.question(question)
        k = validation.top_k(top_k) or self.settings.top_k
        return self._ranked(question, k, _filters(report_ids, published_from, published_to))[0]

    def _ranked(
        self, question: str, k: int, filters: Filters, wider: int = 0
    ) -> tuple[list[ScoredPassage], list[ScoredPassage]]:
        """The top k passages (reordered by the reranker when one is set) and, read only to
        cross-check values, those ranked below them down to `wider` in the fused order (the
        reranker is shown `rerank_depth` passages, never more for the cross-check)."""
        extra = self.aliases().query_words(question)
        depth = max(k, self.settings.rerank_depth) if self._reranker is not None else k
        fused = self.retriever.retrieve(question, max(depth, wider), filters, extra)
        if self._reranker is None:
            return fused[:k], fused[k:wider]
        top = self._reranker(question, fused[:depth])[:k]
        shown = {sp.passage.id for sp in top}
        below = [sp for sp in fused if sp.passage.id not in shown]
        return top, below[: max(0, wider - k)]

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
        """Answer with streamed text; raises before streaming for empty stores and bad questions
        (and a TypeError or ValueError naming the argument for a wrong argument)."""
        validation.question(question)
        validation.stream_options(
            {"top_k": top_k, "report_ids": report_ids, "backend": backend, "history": history,
             "published_from": published_from, "published_to": published_to, "on_done": on_done}
        )  # fmt: skip
        answerer = self.answerer(backend)
        request = self.request(
            question,
            answerer,
            top_k=top_k,
            report_ids=report_ids,
            history=history,
            published_from=published_from,
            published_to=published_to,
        )
        events = annotated(answerer.answer(request), request, request.party_of)
        return AnswerStream(events, on_done)

    def request(
        self,
        question: str,
        answerer: Answerer,
        *,
        top_k: int | None = None,
        report_ids: Sequence[str] | None = None,
        history: Sequence[Turn] = (),
        published_from: date | None = None,
        published_to: date | None = None,
    ) -> AnswerRequest:
        """What an answerer is given for a question: the standalone query, the passages retrieved
        for it and the learned aliases of what it names (also what fitting scripts replay)."""
        question = validation.question(question)
        history = validation.history(history)
        t0 = time.perf_counter()
        query = answerer.condense(question, history)
        t1 = time.perf_counter()
        query = validation.question(query)
        k = validation.top_k(top_k) or self.settings.top_k
        filters = _filters(report_ids, published_from, published_to)
        passages, further = self._ranked(query, k, filters, self.settings.cross_check)
        recent = wants_recent(question) or wants_recent(query)
        passages = newest_first(passages) if recent else passages
        t2 = time.perf_counter()
        texts: dict[str, str] = {}
        records = self.store.records()

        def report_text(report_id: str) -> str:
            # one answer reads each report's text once, against one look at the store's
            # generation (a Chroma get of ~1 ms that every read would otherwise repeat)
            if report_id not in texts:
                texts[report_id] = self._text(report_id, records)
            return texts[report_id]

        return AnswerRequest(
            question=question,
            query=query,
            passages=passages,
            prefer_recent=recent,
            report_text=report_text,
            idf=self.retriever.idf,
            history=tuple(history),
            timings={"condense": t1 - t0, "retrieve": t2 - t1},
            aliases=self.aliases().expansions(f"{question} {query}"),
            party_of=self.aliases().party,
            further=further,
        )

    def timeline(
        self, query: str | None = None, *, since: date | None = None, until: date | None = None
    ) -> Timeline:
        """The dated events of the reports in order (of the passages retrieved for `query`, if
        given), each a cited sentence with its date's certainty, conflicting dates flagged;
        `since`/`until` bound the event days (events without a stated year are left out then)."""
        query = None if query is None else validation.question(query, "query")
        since, until = validation.published_range(since, until, ("since", "until"))
        extra = self.aliases().query_words(query) if query else []
        return make_timeline(self.retriever, self.report_text, query, since, until, extra)

    def ask(self, question: str, **kwargs: Any) -> Answer:
        """Answer a question (same options as `stream`)."""
        validation.stream_options(kwargs)
        return self.stream(question, **kwargs).result()

    def chat(
        self, *, save: bool = False, resume: str | None = None, owner: str = "", **defaults: Any
    ) -> Chat:
        """A conversation whose follow-up questions use the earlier turns; `defaults` are
        options of `stream` for each of its questions. With `save`, every turn is kept in the
        conversation file (its id is `chat.id`); `resume` continues a saved one (and saves)."""
        validation.stream_options(defaults, reserved=Chat.RESERVED)
        chat = Chat(self, defaults)
        if resume is not None:
            saved = self.conversation(resume, owner=owner)
            for turn in saved.turns:
                chat.conversation.add(turn.question, turn.answer)
            chat.id, chat.owner = resume, owner
        elif save:
            settings = {"backend": defaults.get("backend") or self.settings.chosen_backend}
            chat.owner = owner
            chat.id = ""  # created with the first question, named after it
            chat.settings_used = settings
        return chat

    # saved conversations ----------------------------------------------------------------------

    def conversations(
        self, *, search: str | None = None, owner: str = ""
    ) -> list[ConversationInfo]:
        """Saved conversations, newest first; `search` matches titles, questions and answers."""
        return self._conversations.list(owner, search)

    def conversation(self, conversation_id: str, *, owner: str = "") -> SavedConversation:
        """A saved conversation; a turn whose cited report changed or went is marked stale."""
        current = versions_of(self.store.records())
        return self._conversations.get(conversation_id, current, owner)

    def export(self, conversation_id: str, fmt: str = "md", *, owner: str = "") -> bytes:
        """A saved conversation as a file: `md` (numbered footnotes), `docx` (Word footnotes) or
        `json` (the API's own data, with the stale flags)."""
        saved = self.conversation(conversation_id, owner=owner)
        turns = [Turn(t.question, t.answer) for t in saved.turns]
        stale = [t.stale for t in saved.turns]
        if fmt == "md":
            return conversation_markdown(turns, stale, title=saved.info.title).encode("utf-8")
        if fmt == "docx":
            return conversation_docx(turns, stale, title=saved.info.title)
        if fmt == "json":
            return json.dumps(_conversation_json(saved), ensure_ascii=False, indent=2).encode()
        raise ValueError(f"export format must be md, docx or json, not {fmt!r}")

    def rename_conversation(self, conversation_id: str, title: str, *, owner: str = "") -> None:
        self._conversations.rename(conversation_id, title, owner)

    def delete_conversation(self, conversation_id: str, *, owner: str = "") -> None:
        self._conversations.delete(conversation_id, owner)

    def record(
        self,
        answer: Answer,
        conversation_id: str | None = None,
        *,
        owner: str = "",
        settings_used: dict[str, Any] | None = None,
    ) -> str:
        """Save an answered turn in a conversation (a new one, named after its question, when
        `conversation_id` is None or empty); returns the conversation's id. Front ends that keep
        their own history (the UI) save through this."""
        cid = conversation_id or self._conversations.create(
            answer.question, owner, settings_used or {"backend": answer.backend}
        )
        records = self.store.records()
        versions = {
            c.report_id: records[c.report_id].version
            for c in answer.citations
            if c.report_id in records
        }
        self._conversations.add_turn(cid, answer, versions)
        return cid

    def _save_turn(self, chat: Chat, answer: Answer) -> None:
        chat.id = self.record(answer, chat.id, owner=chat.owner, settings_used=chat.settings_used)

    def prompt_hashes(self) -> dict[str, str]:
        return hashes()


def _conversation_json(saved: SavedConversation) -> dict[str, Any]:
    return {
        "id": saved.info.id,
        "title": saved.info.title,
        "created": iso_time(saved.info.created),
        "updated": iso_time(saved.info.updated),
        "settings": dict(saved.settings),
        "turns": [
            {"question": t.question, "answer": t.answer.to_json(), "stale": dict(t.stale)}
            for t in saved.turns
        ],
    }


class Chat:
    """One conversation: `ask`/`stream` remember each turn; `reset` starts over."""

    RESERVED = ("history", "on_done")  # the conversation sets these itself

    def __init__(self, assistant: Assistant, defaults: dict[str, Any]) -> None:
        self.assistant = assistant
        self.defaults = defaults
        self.conversation = Conversation()
        self.id: str | None = None  # a saved conversation's id ("" until its first turn)
        self.owner = ""
        self.settings_used: dict[str, Any] = {}

    @property
    def turns(self) -> list[Turn]:
        return list(self.conversation.turns)

    def stream(self, question: str, **kwargs: Any) -> AnswerStream:
        validation.stream_options(kwargs, reserved=self.RESERVED)
        options = {**self.defaults, **kwargs}
        return self.assistant.stream(
            question, history=self.conversation.recent(), on_done=self._done, **options
        )

    def _done(self, answer: Answer) -> None:
        self.conversation.add(answer.question, answer)
        if self.id is not None:
            self.assistant._save_turn(self, answer)

    def ask(self, question: str, **kwargs: Any) -> Answer:
        return self.stream(question, **kwargs).result()

    def reset(self) -> None:
        """Start over: a saved chat starts a new saved conversation with its next question."""
        self.conversation.clear()
        if self.id is not None:
            self.id = ""


__all__ = ["AnswerStream", "Assistant", "AssistantError", "Chat"]


def _filters(
    report_ids: Sequence[str] | None, published_from: date | None, published_to: date | None
) -> Filters:
    """The retrieval filters of a call's options, each checked (a wrong one is named)."""
    ids = validation.report_ids(report_ids)
    return Filters(ids, *validation.published_range(published_from, published_to))
