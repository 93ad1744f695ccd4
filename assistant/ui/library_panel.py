"""The Reports panel: upload and remove reports, and the report library (search, filters, order,
pages). Laid out and wired here so `app` stays a page of panels; every event is one `Handlers`
call, and what the library shows is one `Assistant.library` call.

The library's controls answer as they change (a search as it is typed); a change of search,
filter or order starts again at page 1. Every few seconds the page asks whether the store changed
(an upload in another session, an `assistant ingest` in a terminal) and re-lists only if it did.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from . import render
from .handlers import Handlers
from .styles import LIVE_JS, PANEL_JS

STORE_WRITES = "store-writes"  # the queue slot uploads and removals share
LIBRARY_REFRESH_SECONDS = 3.0  # how often a page checks whether the store changed elsewhere


@dataclass(frozen=True)
class Library:
    """The Reports accordion: upload, what an upload or removal did, the library (search, date
    range, publisher, order, a page of reports, the pager), removal."""

    uploader: gr.File
    replace: gr.Checkbox
    status: gr.HTML
    search: gr.Textbox
    date_from: gr.Textbox
    date_to: gr.Textbox
    publisher: gr.Dropdown
    sort: gr.Dropdown
    count: gr.HTML
    reports: gr.HTML
    prev: gr.Button
    next: gr.Button
    page: gr.State
    remove_pick: gr.Dropdown
    remove_btn: gr.Button

    @property
    def controls(self) -> list[gr.components.Component]:
        """What `Handlers.browse` reads: search, dates, publisher, order, page."""
        return [self.search, self.date_from, self.date_to, self.publisher, self.sort, self.page]

    @property
    def view(self) -> list[gr.components.Component]:
        """What `Handlers.browse` writes: the list, its count line, the page, the pager."""
        return [self.reports, self.count, self.page, self.prev, self.next]


def library_panel() -> Library:
    with gr.Accordion("Reports", open=True, elem_id="reports-panel"):
        uploader = gr.File(
            label="Upload reports (.txt .md .html .pdf .docx)",
            file_count="multiple",
            elem_id="upload",
        )
        replace = gr.Checkbox(
            False,
            label="Replace stored reports that have the same file name",
            info="Off: a different document with a taken name is added as name-2.txt",
            elem_id="upload-replace",
        )
        status = gr.HTML("", elem_id="upload-status", js_on_load=LIVE_JS)
        search = gr.Textbox(
            label="Search reports",
            placeholder="Words of the title or text…",
            elem_id="lib-search",
            max_lines=1,
        )
        with gr.Row():
            date_from = _date_box("Published from", "lib-from")
            date_to = _date_box("Published to", "lib-to")
        with gr.Row():
            publisher = gr.Dropdown(
                render.publisher_choices([]),
                value="",
                label="Publisher",
                elem_id="lib-publisher",
                min_width=140,
            )
            sort = gr.Dropdown(
                render.sort_choices(),
                value="newest",
                label="Order",
                elem_id="lib-sort",
                min_width=140,
            )
        count = gr.HTML("", elem_id="lib-count", js_on_load=LIVE_JS)
        reports = gr.HTML(render.reports_html([]), elem_id="report-list", js_on_load=PANEL_JS)
        with gr.Row():
            prev = gr.Button("‹ Previous", elem_id="lib-prev", size="sm", interactive=False)
            next_ = gr.Button("Next ›", elem_id="lib-next", size="sm", interactive=False)
        page = gr.State(1)
        with gr.Row():
            remove_pick = gr.Dropdown([], label="Remove a report", elem_id="remove-pick", scale=3)
            remove_btn = gr.Button(
                "Remove", variant="stop", elem_id="remove", scale=1, min_width=80
            )
    return Library(
        uploader, replace, status, search, date_from, date_to, publisher, sort, count, reports,
        prev, next_, page, remove_pick, remove_btn,
    )  # fmt: skip


def _date_box(label: str, elem_id: str) -> gr.Textbox:
    """A date typed as YYYY-MM-DD (Gradio's date picker has unlabelled buttons: not usable with
    a screen reader); it applies on Enter or on leaving the box."""
    return gr.Textbox(
        label=label, placeholder="YYYY-MM-DD", elem_id=elem_id, max_lines=1, min_width=120
    )


def wire_library(
    app: gr.Blocks, handlers: Handlers, lib: Library, only: gr.components.Component
) -> None:
    """Uploads and removals (one writer at a time), the library's controls, and the lists of
    reports on page load and whenever the store changes."""
    # The search answers as it is typed or pasted (`change`: nothing else sets it); the lists
    # answer to a choice made (`input`: not to the refresh that updates their choices).
    for event in (lib.search.change, lib.publisher.input, lib.sort.input):
        event(
            handlers.first_page,
            lib.controls,
            lib.view,
            trigger_mode="always_last",
            show_progress="hidden",
        )
    for box in (lib.date_from, lib.date_to):
        for typed in (box.submit, box.blur):
            typed(handlers.first_page, lib.controls, lib.view, trigger_mode="always_last")
    lib.prev.click(handlers.previous_page, lib.controls, lib.view)
    lib.next.click(handlers.next_page, lib.controls, lib.view)

    seen = gr.State("")  # the store generation this page lists
    refresh_in = [seen, only, *lib.controls]
    refresh_out = [*lib.view, lib.publisher, lib.remove_pick, only, seen]
    lib.uploader.upload(
        handlers.upload,
        [lib.uploader, lib.replace, only],
        [lib.uploader, lib.status, lib.remove_pick, only],
        concurrency_limit=1,
        concurrency_id=STORE_WRITES,
    ).then(handlers.refresh, refresh_in, refresh_out)
    lib.remove_btn.click(
        handlers.remove,
        [lib.remove_pick, only],
        [lib.status, lib.remove_pick, only],
        concurrency_limit=1,
        concurrency_id=STORE_WRITES,
    ).then(handlers.refresh, refresh_in, refresh_out)
    # Another process (an `assistant ingest` in a terminal) may change the store: every few
    # seconds each page asks for the store's generation and re-lists the reports only if it moved.
    refresh = gr.Timer(LIBRARY_REFRESH_SECONDS)
    refresh.tick(handlers.refresh, refresh_in, refresh_out, show_progress="hidden")
    app.load(handlers.refresh, refresh_in, refresh_out)
    editing = [lib.uploader, lib.replace, lib.remove_pick, lib.remove_btn, lib.status]
    app.load(handlers.editing_controls, None, editing)


__all__ = ["LIBRARY_REFRESH_SECONDS", "STORE_WRITES", "Library", "library_panel", "wire_library"]
