"""report.html, the page people read after an eval run: a summary against the thresholds and the
baseline at the top, failures first, every question folded, a tag filter, nothing loaded from the
network, one file. And what it reports for the extractive backend: citation precision and recall
against the gold evidence, never the lexical groundedness proxy (meaningless when answers are
quotes)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

from assistant.errors import ConfigError
from assistant.evals import (
    RunResult,
    SuiteResult,
    diff_runs,
    load_baseline,
    parse_suite,
    render_html,
    run_suite,
    write_run,
)
from assistant.types import Answer, Citation, Passage, ScoredPassage
from tests.browser import CHROMIUM, CHROMIUM_ARGS
from tests.test_evaluation import TEXT, FakeAssistant

KILLED = (0, 23)  # "Two people were killed."
INJURED = (24, 50)  # "Eight others were injured."
ARMY = (51, 70)  # "The army denied it."
HOSTILE = '<img src="https://evil.example/x.png"><script src="//evil.example/x.js"></script>'

SUITE = {
    "name": "mini",
    "thresholds": {"pass_rate": 0.9, "groundedness": 0.9},
    "questions": [
        {"id": "passes", "question": "How many killed?", "facts": ["two"],
         "evidence": ["Two people were killed."], "tags": ["number"]},
        {"id": "fails", "question": "How many injured?", "facts": ["eight"],
         "evidence": ["Eight others were injured."], "tags": ["number", "injured"]},
    ],
}  # fmt: skip


def said(question: str, text: str, span: tuple[int, int], backend: str) -> Answer:
    """An answer citing one span of the fake report, from the named backend."""
    start, end = span
    c = Citation(1, "r.txt", "R", start, end, TEXT[start:end], support="quoted")
    whole = ScoredPassage(Passage("p0", "r.txt", 0, len(TEXT), TEXT), 1.0, "R")
    return Answer(question, text, (c,), False, backend, considered=(whole,))


def suite_result(
    tmp: Path, *, injured_right: bool, backend: str = "extractive", extra: str = ""
) -> SuiteResult:
    """The mini suite run on a fake: `passes` passes; `fails` passes only when `injured_right`."""
    killed = said("How many killed?", "Two people were killed. [1]" + extra, KILLED, backend)
    if injured_right:
        injured = said("How many injured?", "Eight others were injured. [1]", INJURED, backend)
    else:  # cites the wrong sentence and misses the fact
        injured = said("How many injured?", "The army denied it. [1]", ARMY, backend)
    fake = FakeAssistant(tmp, {"How many killed?": killed, "How many injured?": injured})
    return run_suite(parse_suite(SUITE, source="mini.yaml"), fake)


# ------------------------------------------------------------------ reading the page


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    parent: Element | None
    text: str = ""
    children: list[Element] = field(default_factory=list)

    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())


class Page(HTMLParser):
    """Every element of a page with its attributes, its parent and its text (descendants' too)."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.open: list[Element] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        parent = self.open[-1] if self.open else None
        el = Element(tag, dict(attrs), parent)
        if parent is not None:
            parent.children.append(el)
        self.elements.append(el)
        if tag not in {"meta", "input", "br", "img", "link", "hr", "source", "wbr"}:
            self.open.append(el)

    def handle_endtag(self, tag: str) -> None:
        if any(el.tag == tag for el in self.open):
            while self.open.pop().tag != tag:
                pass

    def handle_data(self, data: str) -> None:
        for el in self.open:
            el.text += data

    def find(self, tag: str, cls: str | None = None) -> list[Element]:
        return [e for e in self.elements if e.tag == tag and (cls is None or cls in e.classes())]

    def by_id(self, id_: str) -> Element:
        (el,) = [e for e in self.elements if e.attrs.get("id") == id_]
        return el


def questions(page: Page) -> list[Element]:
    return page.find("details", "question")


def summary_of(details: Element) -> str:
    (summary,) = [c for c in details.children if c.tag == "summary"]
    return " ".join(summary.text.split())


def section(page: Page, heading_id: str) -> Element:
    """The <section> a heading (h2 with that id) opens."""
    heading = page.by_id(heading_id)
    assert heading.parent is not None and heading.parent.tag == "section"
    return heading.parent


REMOTE = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)
LOADING = ("src", "href", "action", "formaction", "data", "poster", "srcset", "xlink:href")


def remote_loads(html: str) -> list[str]:
    """Everything in a page that would fetch from another host (or another file)."""
    page = Page(html)
    found = [
        f"<{el.tag} {name}={el.attrs[name]!r}>"
        for el in page.elements
        for name in LOADING
        if el.attrs.get(name) and REMOTE.match(el.attrs[name] or "")
    ]
    found += [
        f"<{el.tag}>"
        for el in page.elements
        if el.tag in ("link", "img", "iframe", "object", "embed")
    ]
    found += [
        f"<script src={el.attrs['src']!r}>" for el in page.find("script") if "src" in el.attrs
    ]
    styles = " ".join(el.text for el in page.find("style")) + " ".join(
        el.attrs.get("style") or "" for el in page.elements
    )
    found += [f"css {m}" for m in re.findall(r"url\(|@import", styles)]
    return found


# ------------------------------------------------------------------ the question list


def test_failures_come_first_and_each_question_is_folded(tmp_path: Path) -> None:
    s = suite_result(tmp_path, injured_right=False)
    assert [r.id for r in s.records] == ["passes", "fails"]  # the suite's order...
    page = Page(render_html(RunResult("t1", {}, [s])))
    qs = questions(page)
    assert len(qs) == 2  # one <details> per question
    first, second = (summary_of(q) for q in qs)
    assert first.startswith("✗ fail fails") and "injured" in first  # ...the failure first
    assert "missing fact: eight" in first  # the short reason on the summary line
    assert second.startswith("✓ pass passes")
    assert "failed" in qs[0].classes() and "passed" in qs[1].classes()
    assert all("open" not in q.attrs for q in qs)  # folded
    body = " ".join(qs[0].text.split())
    for part in (
        "Question: How many injured?",
        "The army denied it. [1]",  # the answer
        "r.txt 51–70",  # the citation, its quote and verdicts
        "✓ quote matches the report",
        "✗ supports no gold",
        "support check: quoted",
        "What failed:",
        "gold evidence not cited: 'Eight others were injured.'",
        "Latency:",
        "Passages given to the answerer (1)",
    ):
        assert part in body, part


def test_a_broken_question_is_marked_and_a_fixed_one_says_what_it_failed_on(tmp_path: Path) -> None:
    good = RunResult("t0", {}, [suite_result(tmp_path / "a", injured_right=True)])
    bad = RunResult("t1", {}, [suite_result(tmp_path / "b", injured_right=False)])
    bad.baseline = diff_runs(bad.to_json(), good.to_json())
    (fails, _) = questions(Page(render_html(bad)))
    assert "broken since baseline" in summary_of(fails)
    assert "In the baseline it passed." in " ".join(fails.text.split())

    good.baseline = diff_runs(good.to_json(), bad.to_json())
    page = Page(render_html(good))
    fixed = next(q for q in questions(page) if "fails" in summary_of(q))
    assert "fixed since baseline" in summary_of(fixed)
    assert "In the baseline it failed: missing fact: eight" in " ".join(fixed.text.split())


# ------------------------------------------------------------------ the summary


def test_summary_shows_thresholds_and_baseline_deltas(tmp_path: Path) -> None:
    good = RunResult("t0", {}, [suite_result(tmp_path / "a", injured_right=True)])
    bad = RunResult("t1", {}, [suite_result(tmp_path / "b", injured_right=False)])

    alone = Page(render_html(bad))
    summary = section(alone, "summary")
    text = " ".join(summary.text.split())
    assert (
        "✗ failed" in text
        and "1 of 2 thresholds missed: pass rate 50.0% (threshold ≥ 90.0%)" in text
    )
    assert "baseline" not in text.lower()  # no baseline given: no baseline column or bar

    bad.baseline = diff_runs(bad.to_json(), good.to_json())
    page = Page(render_html(bad))
    summary = section(page, "summary")
    text = " ".join(summary.text.split())
    captions = [" ".join(c.text.split()) for c in page.find("caption")]
    assert "Suites against their thresholds" in captions and "Metrics of suite mini" in captions
    # the suite's pass rate now, the baseline's and the change
    overview = table_rows(page, "Suites against their thresholds")
    assert overview["mini"] == [
        "✗ failed",
        "1 of 2",
        "50.0% -50.0 pt worse",
        "100.0%",
        "pass rate 50.0%",
    ]
    # every metric against the baseline, and per tag
    metrics = table_rows(page, "Metrics of suite mini")
    assert metrics["fact recall fact_recall"] == ["50.0%", "", "", "100.0%", "-50.0 pt worse"]
    assert metrics["pass rate pass_rate"] == [
        "50.0%",
        "≥ 90.0%",
        "✗ missed",
        "100.0%",
        "-50.0 pt worse",
    ]
    tags = table_rows(page, "Per tag in suite mini (with the change since the baseline)")
    assert tags["injured"][:3] == ["1", "1", "0.0% -100.0 pt worse was 100.0%"]
    assert tags["number"][:3] == ["2", "1", "50.0% -50.0 pt worse was 100.0%"]
    # plots: this run beside the baseline, inline
    plots = {
        el.attrs["aria-label"]: " ".join(el.text.split())
        for el in summary_descendants(summary)
        if el.tag == "svg" and el.attrs.get("role") == "img"
    }
    key, per_tag = plots["Key metrics of suite mini"], plots["Pass rate per tag, suite mini"]
    assert "pass rate, this run: 50.0%" in key and "pass rate, baseline: 100.0%" in key
    assert "threshold ≥ 90.0%" in key
    assert "injured, this run: 0.0%" in per_tag and "injured, baseline: 100.0%" in per_tag
    assert "Since the baseline: 1 broken (fails); 0 fixed." in text
    link = next(a for a in summary_descendants(summary) if a.tag == "a" and a.text == "fails")
    target = page.by_id(str(link.attrs["href"]).removeprefix("#"))
    assert target.tag == "details" and "fails" in summary_of(target)


def summary_descendants(el: Element) -> list[Element]:
    out = []
    for c in el.children:
        out += [c, *summary_descendants(c)]
    return out


def table_rows(page: Page, caption: str) -> dict[str, list[str]]:
    """The rows of the table with that caption: first cell -> the other cells' texts."""
    (table,) = [
        t
        for t in page.find("table")
        if t.children and " ".join(t.children[0].text.split()) == caption
    ]
    out = {}
    for tr in summary_descendants(table):
        if tr.tag == "tr":
            cells = [" ".join(c.text.split()) for c in tr.children if c.tag in ("th", "td")]
            out[cells[0]] = cells[1:]
    return out


# ------------------------------------------------------------------ the tag filter


def test_tag_filter_offers_every_tag_and_hides_nothing_without_scripts(tmp_path: Path) -> None:
    s = suite_result(tmp_path, injured_right=False)
    html = render_html(RunResult("t1", {}, [s]))
    page = Page(html)
    form = page.by_id("filter")
    assert "hidden" in form.attrs  # shown by the script; with scripts off there is no dead control
    options = [o.attrs["value"] for o in page.by_id("tag-filter").children if o.tag == "option"]
    assert options == ["", "injured", "number"]  # "all tags", then each tag
    labels = [el for el in page.find("label") if el.attrs.get("for") == "tag-filter"]
    assert labels and page.by_id("only-failing").attrs.get("type") == "checkbox"
    tagged = {
        summary_of(q).split()[2]: json.loads(q.attrs["data-tags"] or "") for q in questions(page)
    }
    assert tagged == {"fails": ["number", "injured"], "passes": ["number"]}
    assert not any("hidden" in q.attrs for q in questions(page))  # every question shown
    (script,) = page.find("script")
    assert "tag-filter" in script.text and "data-tags" in script.text and "src" not in script.attrs


# ------------------------------------------------------------------ one self-contained file


def test_the_report_loads_nothing_and_is_one_file(tmp_path: Path) -> None:
    hostile = suite_result(tmp_path / "h", injured_right=False, extra=HOSTILE)
    run = RunResult("t1", {"note": HOSTILE}, [hostile])
    html = render_html(run)
    assert remote_loads(html) == []
    assert HOSTILE not in html and "&lt;img src=&quot;https://evil.example/x.png&quot;&gt;" in html
    clean = render_html(RunResult("t1", {}, [suite_result(tmp_path / "c", injured_right=False)]))
    assert "http://" not in clean and "https://" not in clean  # not even an SVG namespace
    assert re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html) is None

    _, html_path = write_run(run, tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["report.html", "result.json"]
    assert html_path.read_text(encoding="utf-8") == html

    # the checker itself finds what it must
    assert remote_loads('<img src="x.png">') == ["<img>"]
    assert remote_loads('<a href="https://x.org">x</a>') == ["<a href='https://x.org'>"]
    assert remote_loads("<style>body{background:url(x.png)}</style>") == ["css url("]
    assert remote_loads('<script src="a.js"></script>') == ["<script src='a.js'>"]


def test_the_page_is_accessible_in_structure(tmp_path: Path) -> None:
    good = RunResult("t0", {}, [suite_result(tmp_path / "a", injured_right=True)])
    bad = RunResult("t1", {}, [suite_result(tmp_path / "b", injured_right=False)])
    bad.baseline = diff_runs(bad.to_json(), good.to_json())
    html = render_html(bad)
    page = Page(html)
    assert page.find("html")[0].attrs.get("lang") == "en"
    assert any("width=device-width" in (m.attrs.get("content") or "") for m in page.find("meta"))
    assert [h.text.strip() for h in page.find("h2")] == ["Summary", "Questions", "Run details"]
    assert len(page.find("h1")) == 1 and page.find("main")
    for table in page.find("table"):
        assert table.children[0].tag == "caption", table.text[:60]
    # pass and fail are said in words, not only in colour
    assert "✗ failed" in html and "✗ missed" in html and "✗ fail" in html and "✓ pass" in html


# ------------------------------------------------------------------ extractive: citations, not groundedness


class CountingJudge:
    model = "judge"
    method = "a judge that counts its calls"

    def __init__(self) -> None:
        self.calls = 0

    def judge(self, claims: Sequence[tuple[str, Sequence[str]]]) -> list[bool]:
        self.calls += 1
        return [True] * len(claims)


def test_extractive_runs_report_citation_precision_and_recall_not_groundedness(
    tmp_path: Path,
) -> None:
    s = suite_result(tmp_path, injured_right=False)  # extractive
    assert s.metrics["groundedness"] is None and s.metrics["groundedness_llm"] is None
    assert s.metrics["citation_precision"] == 0.5  # of 2 citations, the killed one covers gold
    assert s.metrics["evidence_recall"] == 0.5  # of 2 evidence items, 1 cited
    passes, fails = s.records
    assert passes.scores["citation_precision"] == 1.0 and fails.scores["citation_precision"] == 0.0
    assert not any("groundedness" in r.scores for r in s.records)
    assert "extractive" in s.groundedness_methods[0] and len(s.groundedness_methods) == 1
    (g,) = [c for c in s.checks if c.metric == "groundedness"]
    assert g.value is None and g.passed  # a bar it cannot be measured on does not fail

    page = Page(render_html(RunResult("t1", {}, [s])))
    summary = section(page, "summary")
    text = " ".join(summary.text.split())
    assert "citation precision" in text and "citation recall (evidence_recall)" in text
    metrics = table_rows(page, "Metrics of suite mini")
    assert metrics["citation precision citation_precision"][0] == "50.0%"
    assert metrics["citation recall (evidence_recall) evidence_recall"][0] == "50.0%"
    assert metrics["groundedness (lexical) groundedness"] == ["–", "≥ 90.0%", "– not measured"]

    # the judge is not asked about quotes either
    judge = CountingJudge()
    fake_answers = {"How many killed?": said("How many killed?", "Two. [1]", KILLED, "extractive")}
    fake = FakeAssistant(tmp_path / "j", fake_answers)
    run_suite(parse_suite(SUITE, source="mini.yaml"), fake, judge=judge)  # type: ignore[arg-type]
    assert judge.calls == 0


def test_a_generating_backend_is_still_judged_for_groundedness(tmp_path: Path) -> None:
    s = suite_result(tmp_path, injured_right=False, backend="openai")
    assert s.metrics["groundedness"] == 1.0  # each sentence is its own quote
    assert s.metrics["citation_precision"] == 0.5  # and its citations are checked all the same
    assert s.groundedness_methods[0].startswith("lexical proxy")
    html = render_html(RunResult("t1", {}, [s]))
    assert "groundedness (lexical)" in html and "not measured for the extractive" not in html


# ------------------------------------------------------------------ baselines per tag


def test_baseline_deltas_per_tag_and_what_a_fixed_question_failed_on(tmp_path: Path) -> None:
    good = RunResult("t0", {}, [suite_result(tmp_path / "a", injured_right=True)]).to_json()
    bad = RunResult("t1", {}, [suite_result(tmp_path / "b", injured_right=False)]).to_json()
    mini = diff_runs(good, bad)["suites"]["mini"]
    assert mini["per_tag"]["injured"]["pass_rate"] == {
        "baseline": 0.0,
        "current": 1.0,
        "delta": 1.0,
    }
    assert (
        mini["fixed"] == ["fails"]
        and mini["baseline_failures"]["fails"][0] == "missing fact: eight"
    )

    bad["suites"][0]["per_tag"]["number"]["pass_rate"] = "high"
    path = tmp_path / "base.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(ConfigError, match="tag 'number': metric 'pass_rate' is not a number"):
        load_baseline(path)


# ------------------------------------------------------------------ in a browser, 400 px wide


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium at /usr/bin/chromium")
def test_in_a_browser_the_filter_works_and_the_page_fits_400px(tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    good = RunResult("t0", {}, [suite_result(tmp_path / "a", injured_right=True)])
    bad = RunResult("t1", {}, [suite_result(tmp_path / "b", injured_right=False)])
    bad.baseline = diff_runs(bad.to_json(), good.to_json())
    _, path = write_run(bad, tmp_path / "out")
    requests: list[str] = []
    errors: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for scripts in (True, False):
                context = browser.new_context(
                    viewport={"width": 400, "height": 800}, java_script_enabled=scripts
                )
                page = context.new_page()
                page.on("request", lambda r: requests.append(r.url))
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.goto(path.as_uri())
                assert page.evaluate("document.documentElement.scrollWidth") <= 400
                shown = page.locator("details.question:visible")
                if scripts:
                    assert page.locator("#tag-filter").is_visible()
                    page.select_option("#tag-filter", "injured")
                    assert shown.count() == 1 and "fails" in shown.first.inner_text()
                    assert page.inner_text("#shown") == "1 of 2 questions shown"
                    page.select_option("#tag-filter", "")
                    page.check("#only-failing")
                    assert shown.count() == 1
                    page.uncheck("#only-failing")
                    assert shown.count() == 2
                else:
                    assert not page.locator("#tag-filter").is_visible() and shown.count() == 2
                assert errors == []
                context.close()
        finally:
            browser.close()
    assert requests and all(u.startswith("file:") for u in requests)
