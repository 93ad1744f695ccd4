"""The UI's event callbacks: each is one `Assistant` call plus rendering (`render`).

They live on one object that holds the `Assistant`, so the layout (`app`) wires bound methods and
the callbacks stay testable without a page. A conversation is passed in and out as the session's
`gr.State` (a list of `Turn`s), never kept here: two browser sessions never share history.
Failures the core reports (`AssistantError`) become a one-line notice, never a traceback.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import gradio as gr
from gradio.utils import get_upload_folder

from ..assistant import Assistant
from ..errors import AssistantError, EmptyIndex
from ..library import sort_of
from ..types import IngestSummary, Turn
from . import render

NOT_EDITOR = (
    "Uploading and removing reports is not enabled for you (an administrator lists editors in "
    "ASSISTANT_UI_EDITORS)."
)
HISTORY_WINDOW = 6  # turns a follow-up question is condensed with
LIBRARY_PAGE_SIZE = 20  # reports on one page of the library

# What an `ask` step yields: the message box, the chat, the turns state, the sources panel,
# the Markdown copy of the answer, the status line, the saved conversation's id and the list
# of saved conversations (`gr.skip()` leaves one as it is).
AskUpdate = tuple[Any, Any, Any, Any, Any, Any, Any, Any]


class Handlers:
    """The callbacks of one app, all on the same `Assistant` (thread-safe, shared by sessions)."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant

    def library(self, selected: Sequence[str] | None = None) -> tuple[Any, Any]:
        """The remove dropdown and the report filter, freshly listed; ticked filters that name
        a report which is gone are dropped."""
        infos = self.assistant.reports()
        choices = render.report_choices(infos)
        ids = {r.id for r in infos}
        kept = [r for r in selected or [] if r in ids]
        return gr.update(choices=choices, value=None), gr.update(choices=choices, value=kept)

    def browse(
        self,
        search: str | None,
        date_from: str | None,
        date_to: str | None,
        publisher: str | None,
        sort: str | None,
        page: float | None = 1,
    ) -> tuple[Any, ...]:
        """One page of the report library as its controls say: the list, the line saying which
        reports it shows (page X of Y), the page shown, and the previous/next buttons."""
        try:
            shown = self.assistant.library(
                search or "",
                published_from=_day(date_from, "from"),
                published_to=_day(date_to, "to"),
                publisher=publisher or None,
                sort=sort_of(sort or "newest"),
                page=max(1, int(page or 1)),
                page_size=LIBRARY_PAGE_SIZE,
            )
        except (AssistantError, TypeError, ValueError) as exc:
            return gr.skip(), render.notice_html(f"⚠ {exc}"), gr.skip(), gr.skip(), gr.skip()
        return (
            render.library_html(shown),
            render.library_count_html(shown),
            shown.page,
            gr.update(interactive=shown.page > 1),
            gr.update(interactive=shown.page < shown.pages),
        )

    def first_page(self, *controls: Any) -> tuple[Any, ...]:
        """A changed search, filter or order starts again at page 1."""
        search, date_from, date_to, publisher, sort, _ = controls
        return self.browse(search, date_from, date_to, publisher, sort, 1)

    def previous_page(self, *controls: Any) -> tuple[Any, ...]:
        search, date_from, date_to, publisher, sort, page = controls
        return self.browse(search, date_from, date_to, publisher, sort, int(page or 1) - 1)

    def next_page(self, *controls: Any) -> tuple[Any, ...]:
        search, date_from, date_to, publisher, sort, page = controls
        return self.browse(search, date_from, date_to, publisher, sort, int(page or 1) + 1)

    def may_edit(self, request: gr.Request | None) -> bool:
        """Uploading and removing are an editor's right (`ASSISTANT_UI_EDITORS`), off by default."""
        return self.assistant.settings.may_edit(_user(request) or None)

    def editing_controls(self, request: gr.Request | None = None) -> tuple[Any, ...]:
        """Upload, replace and remove controls are shown only to editors."""
        shown = self.may_edit(request)
        note = "" if shown else render.notice_html(NOT_EDITOR)
        return (*(gr.update(visible=shown) for _ in range(4)), note)

    def refresh(self, seen: str, selected: Sequence[str] | None, *controls: Any) -> tuple[Any, ...]:
        """Everything that lists reports (the library page, the publishers, the remove and
        filter choices) and the store generation it shows, sent only when the store changed
        since `seen` (an ingest or removal here, in another session or in a terminal).
        `controls` are the library's: search, dates, publisher, sort, page."""
        generation = self.assistant.generation()
        if generation == seen:  # nothing to send: the page, publishers, two lists, generation
            return (gr.skip(),) * 9
        search, date_from, date_to, publisher, sort, page = controls
        publishers = self.assistant.library(page_size=1).publishers
        if publisher not in publishers:  # its last report went: the filter goes with it
            publisher = None
        return (
            *self.browse(search, date_from, date_to, publisher, sort, page),
            gr.update(choices=render.publisher_choices(publishers), value=publisher or ""),
            *self.library(selected),
            generation,
        )

    def ask(
        self,
        message: str,
        turns: list[Turn],
        backend: str,
        top_k: float,
        selected: list[str] | None,
        conv_id: str = "",
        search: str = "",
        request: gr.Request | None = None,
    ) -> Iterator[AskUpdate]:
        """Stream an answer into the chat; on success the turn joins the conversation (and is
        saved with it) and its sources are shown, on a refusal the question stays in the box to
        be edited."""
        question = message.strip()
        keep = (gr.skip(), gr.skip())  # the saved conversation's id and the list, unchanged
        if not question:
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), "", *keep
            return
        shown = render.messages(turns)
        yield "", [*shown, *render.pending(question, "")], turns, gr.skip(), gr.skip(), "", *keep
        try:
            stream = self.assistant.stream(
                question,
                history=turns[-HISTORY_WINDOW:],
                backend=backend,
                top_k=int(top_k),
                report_ids=selected or None,
            )
            text = ""
            for delta in stream:
                text += delta
                yield gr.skip(), [*shown, *render.pending(question, text)], *([gr.skip()] * 6)
            answer = stream.result()
        except AssistantError as exc:
            notice = render.notice_html(f"⚠ {self._refusal(exc)}")
            yield message, shown, turns, gr.skip(), gr.skip(), notice, *keep
            return
        turns = [*turns, Turn(question, answer)]
        notes = [f"⚠ incomplete answer: {answer.incomplete}"] if answer.incomplete else []
        if (progress := self.assistant.ingest_progress()) is not None and progress.running:
            notes.append(f"Answered from the reports stored so far ({progress.line()})")
        try:
            conv_id = self.assistant.record(answer, conv_id or None, owner=_user(request))
            listing = self.conversation_list(search, request)
        except AssistantError as exc:  # the answer stands; only keeping it failed
            notes.append(f"⚠ not saved: {exc}")
            listing = gr.skip()
        yield (
            "",
            render.messages(turns),
            turns,
            render.sources_html(answer, self.assistant.report_text),
            render.markdown_copy(answer),
            render.notice_html(" ".join(notes)) if notes else "",
            conv_id,
            listing,
        )

    def _refusal(self, exc: AssistantError) -> str:
        """Why a question got no answer; while the first ingest runs, an empty store says so."""
        progress = self.assistant.ingest_progress()
        if isinstance(exc, EmptyIndex) and progress is not None and progress.running:
            return f"The reports are still being ingested ({progress.line()}): ask again soon."
        return str(exc)

    # saved conversations ----------------------------------------------------------------------

    def conversation_list(self, search: str | None, request: gr.Request | None = None) -> Any:
        """The person's saved conversations (newest first), filtered by `search`."""
        found = self.assistant.conversations(
            search=(search or "").strip() or None, owner=_user(request)
        )
        return gr.update(choices=render.conversation_choices(found), value=None)

    def open_conversation(
        self, cid: str | None, request: gr.Request | None = None
    ) -> tuple[Any, ...]:
        """A saved conversation back in the chat, to read or to go on with; answers whose
        reports changed or went since are named in the status line."""
        if not cid:
            return (gr.skip(),) * 7
        try:
            saved = self.assistant.conversation(cid, owner=_user(request))
        except AssistantError as exc:
            return (*(gr.skip(),) * 5, render.notice_html(f"⚠ {exc}"), gr.skip())
        turns = [Turn(t.question, t.answer) for t in saved.turns]
        return (
            render.messages(turns),
            turns,
            saved.info.id,
            render.SOURCES_PLACEHOLDER,
            "",
            render.stale_html(saved),
            saved.info.title,
        )

    def rename_conversation(
        self, cid: str, title: str, search: str, request: gr.Request | None = None
    ) -> tuple[Any, Any]:
        if not cid:
            return gr.skip(), render.notice_html("Ask or reopen a conversation first.")
        if not (title or "").strip():
            return gr.skip(), render.notice_html("Type the new title first.")
        try:
            self.assistant.rename_conversation(cid, title, owner=_user(request))
        except AssistantError as exc:
            return gr.skip(), render.notice_html(f"⚠ {exc}")
        return self.conversation_list(search, request), render.notice_html("Renamed.")

    def export_conversation(
        self, cid: str, fmt: str, request: gr.Request | None = None
    ) -> tuple[Any, Any]:
        """The conversation on screen as a file to download (Markdown or Word footnotes, JSON)."""
        if not cid:
            return gr.skip(), render.notice_html("Ask or reopen a conversation first.")
        try:
            data = self.assistant.export(cid, fmt, owner=_user(request))
        except AssistantError as exc:
            return gr.skip(), render.notice_html(f"⚠ {exc}")
        path = Path(tempfile.mkdtemp(prefix="export-")) / f"conversation-{cid}.{fmt}"
        path.write_bytes(data)
        exported = gr.update(value=str(path), visible=True)
        return exported, render.notice_html(f"Exported as {path.name}.")

    def delete_conversation(
        self, cid: str, search: str, request: gr.Request | None = None
    ) -> tuple[Any, ...]:
        """Delete the conversation on screen; the chat starts over."""
        if not cid:
            return (
                gr.skip(),
                render.notice_html("Reopen the conversation to delete first."),
                *((gr.skip(),) * 4),
            )
        try:
            self.assistant.delete_conversation(cid, owner=_user(request))
        except AssistantError as exc:
            return gr.skip(), render.notice_html(f"⚠ {exc}"), *((gr.skip(),) * 4)
        listing = self.conversation_list(search, request)
        return listing, render.notice_html("Deleted."), [], [], "", render.SOURCES_PLACEHOLDER

    def pick_turn(self, turns: list[Turn], evt: gr.SelectData) -> tuple[Any, Any]:
        """A click on a chat message (or a marker in it) shows that answer's sources again."""
        index = evt.index[0] if isinstance(evt.index, list | tuple) else evt.index
        if not isinstance(index, int) or not 0 <= index // 2 < len(turns):
            return gr.skip(), gr.skip()
        answer = turns[index // 2].answer
        return render.sources_html(answer, self.assistant.report_text), render.markdown_copy(answer)

    def open_report(self, evt: gr.EventData) -> str:
        """A click on an "open report" button: the whole report, its cited span highlighted."""
        report_id = str(getattr(evt, "report", "") or "")
        start, end = _int(getattr(evt, "start", None)), _int(getattr(evt, "end", None))
        try:
            report = self.assistant.report(report_id)
        except AssistantError as exc:
            return render.notice_html(str(exc))
        span = (start, end) if start is not None and end is not None else None
        return render.report_html(report.title, report.text, report.published, report.source, span)

    def upload(
        self,
        files: Sequence[str] | None,
        replace: bool,
        selected: list[str] | None,
        request: gr.Request | None = None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008  (Gradio injects progress this way)
    ) -> tuple[Any, ...]:
        """Ingest uploaded files with a progress bar; files that fail are listed with reasons. A
        different document under a stored report's name is added beside it unless `replace`.

        Only files Gradio received as uploads are read: a client can name any server path in
        the request, and reading it would hand local files (configuration, keys) to any user.
        Once ingested (or refused) the uploaded copies are deleted: the store holds the text."""
        paths, refused = uploaded_only([Path(f) for f in files or []])
        if not self.may_edit(request):  # checked here, not only hidden: a client can still call
            discard_uploads(paths)
            return None, render.notice_html(f"⚠ {NOT_EDITOR}"), *self.library(selected)
        if not paths and not refused:
            return None, gr.skip(), *self.library(selected)

        def step(done: int, total: int, name: str) -> None:
            progress(done / total if total else 1.0, desc=f"ingesting {name}" if name else "done")

        try:
            summary = (
                self.assistant.ingest(paths, keep_existing=not replace, progress=step)
                if paths
                else IngestSummary()
            )
        finally:
            discard_uploads(paths)
        summary.failed += [
            (name, "not a file uploaded through this page: refused") for name in refused
        ]
        if summary.failed:
            gr.Warning(
                f"{len(summary.failed)} file(s) could not be ingested: see the Reports panel."
            )
        return None, render.ingest_html(summary), *self.library(selected)

    def remove(
        self, report_id: str | None, selected: list[str] | None, request: gr.Request | None = None
    ) -> tuple[Any, ...]:
        """Delete a report and its passages, then refresh every list that names reports."""
        if not self.may_edit(request):
            return render.notice_html(f"⚠ {NOT_EDITOR}"), *self.library(selected)
        if not report_id:
            return render.notice_html("Choose a report to remove."), *self.library(selected)
        try:
            self.assistant.remove(report_id)
            status = render.notice_html(f"Removed {report_id}.")
        except AssistantError as exc:
            status = render.notice_html(f"⚠ {exc}")
        return status, *self.library(selected)

    @staticmethod
    def new_conversation() -> tuple[Any, ...]:
        """Empty chat, history, panels and status: the next question starts from nothing (and
        a new saved conversation)."""
        return [], [], render.SOURCES_PLACEHOLDER, "", "", render.REPORT_PLACEHOLDER, ""


def uploaded_only(paths: Sequence[Path]) -> tuple[list[Path], list[str]]:
    """Split paths into files inside Gradio's upload folder and the names of any others."""
    root = Path(get_upload_folder()).resolve()
    kept: list[Path] = []
    refused: list[str] = []
    for path in paths:
        real = path.resolve()
        if real.is_relative_to(root) and real.is_file():
            kept.append(path)
        else:
            refused.append(path.name or str(path))
    return kept, refused


def _user(request: gr.Request | None) -> str:
    """The login name (conversations are per person when login is on), "" without login."""
    return str(getattr(request, "username", None) or "") if request is not None else ""


def discard_uploads(paths: Sequence[Path]) -> None:
    """Delete uploaded copies and the per-upload folders Gradio made for them (only inside its
    upload folder: `uploaded_only` has vetted every path)."""
    root = Path(get_upload_folder()).resolve()
    for path in paths:
        path.unlink(missing_ok=True)
        folder = path.resolve().parent
        if folder != root and folder.is_relative_to(root):
            with contextlib.suppress(OSError):  # not empty: another upload shares it
                folder.rmdir()


def _day(value: str | None, which: str) -> date | None:
    """A date typed in the library's date boxes (YYYY-MM-DD), None when empty."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"the date {which} must be written as YYYY-MM-DD, not {text!r}") from None


def _int(value: Any) -> int | None:
    """An offset from the browser's event payload, or None when it is missing or not a number."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


__all__ = ["HISTORY_WINDOW", "LIBRARY_PAGE_SIZE", "Handlers"]
