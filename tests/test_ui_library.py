"""The report library at scale and the page's accessibility, in the real app in headless Chromium.

1,000 invented reports (tests/invented_reports.py) and the sample corpus go through the real
ingest into a lexical-only store: the library reads titles, dates, publishers and the BM25 index,
never an embedding, so no model is needed to test it at scale, and answers still cite (the
extractive answerer works lexical-only). Filtering in the page is timed and the times printed
(not asserted: the machine may be busy). Screenshots at 400 and 1280 px go to tests/artifacts/.

Accessibility: axe-core (npm, pinned in package.json; `scripts/setup.sh` installs it) is injected
into the page and must find no serious or critical violation on the chat after an answer with
citations, the sources panel (and the opened report), and the library, in the light and the dark
theme. Its colour-contrast rule checks text against 4.5:1.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from assistant import Assistant, Settings
from assistant.ui.handlers import LIBRARY_PAGE_SIZE
from tests.conftest import CHROMIUM, CORPUS, REPO, free_port
from tests.invented_reports import write_reports
from tests.test_ui_browser import (
    ARTIFACTS,
    KILLED,
    ask,
    expect,
    shoot,
    watched,
)

N_REPORTS = 1000
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
REGIONS = {  # what axe checks, by region of the page
    "chat": ["#chatbot"],
    "sources": ["#sources", "#report-view"],
    "library": ["#reports-panel"],
    "whole page": [],
}
BLOCKING = ("serious", "critical")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian chromium at /usr/bin/chromium (apt-get install chromium)",
    ),
]


@dataclass
class Big:
    url: str
    assistant: Assistant


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Big]:
    from assistant.ui import launch

    root = tmp_path_factory.mktemp("library")
    write_reports(root / "reports", N_REPORTS)
    settings = Settings(data_dir=root / "data", corpus_dir=CORPUS, ui_editors="*")
    assistant = Assistant(settings, embedder=None)
    started = time.perf_counter()
    summary = assistant.ingest([root / "reports", CORPUS])
    took = time.perf_counter() - started
    assert summary.ok and len(summary.added) == N_REPORTS + 2
    print(f"\ningested {N_REPORTS + 2} reports (lexical-only) in {took:.1f} s")
    port = free_port()
    app = launch(assistant, "127.0.0.1", port, block=False)
    try:
        yield Big(f"http://127.0.0.1:{port}/", assistant)
    finally:
        app.close()


@pytest.fixture
def page(browser: Any, big: Big) -> Iterator[Any]:
    """A page of the app at 1280 px; it may not open dialogs or call any host but 127.0.0.1."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    user = watched(context)
    yield user.page
    user.assert_inert()
    context.close()


def box(page: Any, elem_id: str) -> Any:
    """The text box of a Gradio Textbox (an input or a textarea)."""
    return page.locator(f"#{elem_id} input, #{elem_id} textarea").first


def count_line(page: Any) -> Any:
    return page.locator("#lib-count")


def rows(page: Any) -> Any:
    return page.locator("#report-list li")


def timed(what: str, times: dict[str, float], act: Any, done: Any) -> None:
    """Do `act`, wait for `done` (an expect), and keep the time it took in the page."""
    started = time.perf_counter()
    act()
    done()
    times[what] = (time.perf_counter() - started) * 1000


def choose(page: Any, dropdown: str, label: str) -> None:
    page.locator(f"{dropdown} input").click()
    page.get_by_role("option", name=label, exact=True).click()


def shown_dates(page: Any) -> list[date]:
    metas = rows(page).locator(".src-meta").all_inner_texts()
    return [date.fromisoformat(m[:10]) for m in metas if re.match(r"\d{4}-\d\d-\d\d", m)]


def no_overflow(page: Any) -> tuple[int, int]:
    return tuple(page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]"))


def test_a_library_of_1000_reports_searches_filters_sorts_and_pages(
    page: Any, big: Big, capsys: pytest.CaptureFixture[str]
) -> None:
    a = big.assistant
    stored = N_REPORTS + 2
    pages = -(-stored // LIBRARY_PAGE_SIZE)
    page.goto(big.url)
    expect(count_line(page)).to_contain_text(f"of {stored:,} reports · page 1 of {pages}")
    expect(rows(page)).to_have_count(LIBRARY_PAGE_SIZE)
    shown = a.library(page_size=LIBRARY_PAGE_SIZE).reports
    expect(rows(page).locator("button.open-report")).to_have_text([r.title for r in shown])
    # each row: title, date, publisher, passages (an invented report states them all)
    i, info = next((i, r) for i, r in enumerate(shown) if r.source and r.published)
    meta = rows(page).nth(i).locator(".src-meta")
    assert info.published is not None and info.source is not None
    for fact in (info.published.isoformat(), info.source, "1 passage", info.id):
        expect(meta).to_contain_text(fact)
    shoot(page, "library-1280")
    width, inner = no_overflow(page)
    assert width <= inner, f"the page is {width} px wide in a {inner} px window"

    times: dict[str, float] = {}
    search = box(page, "lib-search")
    # a word found in the text of one report only (not in any title)
    rare = a.library("zephyrine7").reports
    assert len(rare) == 1
    timed(
        "search a word of the text (1 result)",
        times,
        lambda: search.fill("zephyrine7"),
        lambda: (
            expect(rows(page)).to_have_count(1),
            expect(rows(page).first).to_contain_text(rare[0].title),
        ),
    )
    floods = a.library("flood").total
    assert floods > LIBRARY_PAGE_SIZE
    timed(
        "search a common word",
        times,
        lambda: search.fill("flood"),
        lambda: expect(count_line(page)).to_contain_text(f"of {floods:,} matching reports"),
    )
    harbour = a.library("flood", publisher="Harbour Times").total
    assert 0 < harbour < floods
    timed(
        "filter by publisher",
        times,
        lambda: choose(page, "#lib-publisher", "Harbour Times"),
        lambda: expect(count_line(page)).to_contain_text(f"of {harbour:,} matching"),
    )
    start, end = date(2021, 1, 1), date(2021, 12, 31)
    ranged = a.library(
        "flood", publisher="Harbour Times", published_from=start, published_to=end
    ).total
    assert 0 < ranged < harbour
    box(page, "lib-from").fill(start.isoformat())
    timed(
        "filter by a date range",
        times,
        lambda: (
            box(page, "lib-from").press("Enter"),
            box(page, "lib-to").fill(end.isoformat()),
            box(page, "lib-to").press("Enter"),
        ),
        lambda: expect(count_line(page)).to_contain_text(f"of {ranged:,} matching"),
    )
    assert all(start <= d <= end for d in shown_dates(page))
    assert rows(page).locator("button.open-report").all_inner_texts() == [
        r.title
        for r in a.library(
            "flood", publisher="Harbour Times", published_from=start, published_to=end
        ).reports
    ]

    # clear every filter; oldest first; the pager walks the pages
    for elem_id in ("lib-from", "lib-to"):
        box(page, elem_id).fill("")
        box(page, elem_id).press("Enter")
    choose(page, "#lib-publisher", "All publishers")
    search.fill("")
    expect(count_line(page)).to_contain_text(f"of {stored:,} reports · page 1 of {pages}")
    timed(
        "sort oldest first",
        times,
        lambda: choose(page, "#lib-sort", "Oldest first"),
        lambda: expect(rows(page).first.locator("button.open-report")).to_have_text(
            a.library(sort="oldest").reports[0].title
        ),
    )
    expect(page.locator("#lib-prev")).to_be_disabled()
    timed(
        "next page",
        times,
        lambda: page.locator("#lib-next").click(),
        lambda: expect(count_line(page)).to_contain_text(f"page 2 of {pages}"),
    )
    dates = shown_dates(page)
    assert dates == sorted(dates)
    page.locator("#lib-prev").click()
    expect(count_line(page)).to_contain_text(f"page 1 of {pages}")

    # a report opens from the list
    rows(page).first.locator("button.open-report").click()
    expect(page.locator("#report-view h2")).to_have_text(a.library(sort="oldest").reports[0].title)

    search.fill("zephyrine7")
    expect(rows(page)).to_have_count(1)
    page.set_viewport_size({"width": 400, "height": 900})
    page.locator("#reports-panel").scroll_into_view_if_needed()
    width, inner = no_overflow(page)
    assert width <= inner, f"at 400 px the page is {width} px wide: it scrolls sideways"
    shoot(page, "library-400")
    with capsys.disabled():
        print(f"\nreport library in the browser, {stored:,} reports (time until shown):")
        for what, ms in times.items():
            print(f"  {what:<40} {ms:7.0f} ms")


def axe_violations(page: Any, include: list[str]) -> list[dict[str, Any]]:
    """axe-core's violations in the regions `include` (the whole document when empty)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    context = json.dumps({"include": [[s] for s in include]} if include else None)
    found: list[dict[str, Any]] = page.evaluate(
        f"""async () => {{
          const context = {context} || document;
          const result = await axe.run(context, {{resultTypes: ['violations']}});
          return result.violations.map(v => ({{
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({{target: n.target.join(' '), html: n.html.slice(0, 200),
                                       why: n.failureSummary}}))
          }}));
        }}"""
    )
    return found


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['impact']} {v['id']}: {v['help']} ({len(v['nodes'])} elements)")
        for n in v["nodes"][:8]:
            lines.append(f"    {n['target']}  {n['html']}")
            lines.append("      " + " / ".join(str(n["why"]).splitlines()[:3]))
    return "\n".join(lines)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_axe_finds_no_serious_or_critical_violation_on_chat_sources_and_library(
    page: Any, big: Big, theme: str, capsys: pytest.CaptureFixture[str]
) -> None:
    if not AXE.exists():
        pytest.skip("axe-core is not installed: run scripts/setup.sh (npm ci)")
    page.goto(big.url + ("?__theme=dark" if theme == "dark" else ""))
    expect(rows(page)).to_have_count(LIBRARY_PAGE_SIZE)
    ask(page, KILLED, 1, "two people were killed")
    expect(page.locator("#chatbot .cite").first).to_be_visible()
    expect(page.locator("#sources #src-1 mark.quote")).to_be_visible()
    # a marker is a button the keyboard reaches, with a focus ring one can see
    marker = page.locator("#chatbot .cite").first
    page.locator("#msg textarea").focus()
    page.keyboard.press("Tab")  # from the keyboard: focus rings show (:focus-visible)
    marker.focus()
    ring = marker.evaluate(
        "el => [el.matches(':focus-visible'), getComputedStyle(el).outlineStyle,"
        " parseFloat(getComputedStyle(el).outlineWidth)]"
    )
    assert ring == [True, "solid", 2.0], ring
    page.locator("#sources button.open-report").first.click()
    expect(page.locator("#report-view #quote-mark")).to_be_visible()
    # the streamed answer is inside a polite live region (Gradio's chat log); the library's
    # count line and the status lines are live regions of ours
    log = page.locator("#chatbot [role='log'][aria-live='polite']")
    expect(log.locator("[data-testid='bot']")).to_have_count(1)
    for region in ("#lib-count", "#status", "#upload-status"):
        live = page.locator(f"{region} .prose[role='status'][aria-live='polite']")
        expect(live).to_have_count(1)
    shoot(page, f"a11y-{theme}")

    report: dict[str, list[dict[str, Any]]] = {}
    for name, include in REGIONS.items():
        report[name] = axe_violations(page, include)
    with capsys.disabled():
        print(f"\naxe-core in the {theme} theme:")
        for name, found in report.items():
            print(
                f"  {name}: " + (", ".join(f"{v['id']} ({v['impact']})" for v in found) or "none")
            )
    blocking = {
        name: [v for v in found if v["impact"] in BLOCKING] for name, found in report.items()
    }
    assert not any(blocking.values()), "\n".join(
        f"--- {name} ({theme})\n{describe(found)}" for name, found in blocking.items() if found
    )
    assert ARTIFACTS.joinpath(f"a11y-{theme}.png").exists()
