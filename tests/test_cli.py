"""The `assistant` command as a user runs it: useful output, one-line errors, exit codes.

Most tests call `assistant.cli.main` in this process (the `cli` fixture: same argv, environment,
working folder, stdin and captured stdout/stderr as a shell would give). Real subprocesses are kept
where the process boundary is what is tested: the JSON a pipe receives from `ask --json`, exit codes
a shell sees, `python -m assistant` and the console script being one program, Ctrl-C, `ui`
serving the app, and a folder the process may not read (without root's rights to read anything).
"""

from __future__ import annotations

import io
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import CORPUS, NAYRAB_REPORT, REPO, SDF_REPORT, CliRun

Cli = Callable[..., CliRun]


def run(env_dir: Path, *args: str, corpus: Path = CORPUS, input: str | None = None, **env: str):
    """`python -m assistant ARGS` in a real process, with env_dir as its working folder."""
    full_env = {
        **os.environ,
        "ASSISTANT_DATA_DIR": str(env_dir / "data"),
        "ASSISTANT_CORPUS_DIR": str(corpus),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        env=full_env,
        capture_output=True,
        text=True,
        input=input,
        timeout=300,
        cwd=env_dir,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str] | CliRun) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr


# --- a real process: what a pipe and a shell see -------------------------------------------


def test_ask_on_an_empty_store_ingests_the_corpus_then_answers_as_json(tmp_path: Path) -> None:
    result = run(tmp_path, "ask", "How many people were killed in the shelling?", "--json")
    assert result.returncode == 0, result.stderr
    assert "ingesting" in result.stderr
    data = json.loads(result.stdout)
    assert list(data) == [
        "question",
        "answer",
        "abstained",
        "backend",
        "citations",
        "unsupported",
        "incomplete",
        "standalone_question",
        "accounts",
        "disagreements",
    ]
    assert data["abstained"] is False and data["backend"] == "extractive"
    assert data["unsupported"] == 0
    cite = data["citations"][0]
    assert list(cite) == [
        "marker", "report", "title", "start", "end", "quote", "support", "publisher", "published",
        "page", "section"
    ]  # fmt: skip
    assert cite["support"] == "quoted", "an extractive answer's sentences are its spans"
    text = (CORPUS / cite["report"]).read_text(encoding="utf-8")
    assert text[cite["start"] : cite["end"]] == cite["quote"], (
        "quotes are verbatim spans of the file"
    )
    assert "two people were killed" in cite["quote"]


def test_python_dash_m_and_console_script_are_the_same_program(tmp_path: Path) -> None:
    """Same help, and the same exit code and one-line error seen by the shell."""
    exe = Path(sys.executable).parent / "assistant"
    programs = {"console script": [str(exe)], "python -m": [sys.executable, "-m", "assistant"]}
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(tmp_path / "data"), "ASSISTANT_TOP_K": "many"}
    seen = {}
    for name, argv in programs.items():
        helped = subprocess.run([*argv, "--help"], capture_output=True, text=True, cwd=REPO)
        assert helped.returncode == 0 and "ingest" in helped.stdout and "ask" in helped.stdout
        failed = subprocess.run(
            [*argv, "ask", "Who?"], capture_output=True, text=True, cwd=tmp_path, env=env
        )
        assert_one_line_error(failed)
        assert "ASSISTANT_TOP_K" in failed.stderr
        seen[name] = (helped.stdout, failed.returncode, failed.stderr)
    assert seen["console script"] == seen["python -m"]
    assert seen["python -m"][1] == 2, "a bad setting is a usage error for the shell"


def _interrupt(
    proc: subprocess.Popen[bytes], ready: Callable[[bytes], bool], settle: float = 0.0
) -> tuple[str, str]:
    """Send Ctrl-C (SIGINT) `settle` s after `ready(stdout so far)` holds; return all output."""
    assert proc.stdout is not None
    seen = b""
    deadline = time.time() + 120
    while not ready(seen):
        assert time.time() < deadline and proc.poll() is None, seen.decode(errors="replace")
        if select.select([proc.stdout], [], [], 0.1)[0]:
            seen += os.read(proc.stdout.fileno(), 4096)
    time.sleep(settle)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    return (seen + out).decode(), err.decode()


@pytest.mark.parametrize("command", ["chat", "ingest"])
def test_ctrl_c_ends_with_interrupted_and_exit_code_130(
    tmp_path: Path, command: str, cli: Cli
) -> None:
    """Ctrl-C at the chat prompt, or in the middle of an ingest: one word, no traceback."""
    corpus = tmp_path / "reports"
    corpus.mkdir()
    text = (CORPUS / SDF_REPORT).read_text(encoding="utf-8")
    for i in range(1000 if command == "ingest" else 0):  # minutes of work: still running at Ctrl-C
        (corpus / f"report-{i:04}.txt").write_text(f"Report {i}.\n\n{text}", encoding="utf-8")
    data = tmp_path / "data"
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant", command],
        env={
            **os.environ,
            "ASSISTANT_DATA_DIR": str(data),
            "ASSISTANT_CORPUS_DIR": str(corpus),
            # Ctrl-C takes effect between embedding batches (the model's C code finishes the one
            # under way): small batches keep that wait short and commit the first reports early.
            "ASSISTANT_EMBED_BATCH": "1",
            "PYTHONUNBUFFERED": "1",
        },
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    try:
        if command == "chat":  # waiting for a question at the prompt
            out, err = _interrupt(proc, lambda seen: seen.endswith(b"> "))
        else:  # the store is open, so the ingest is under way
            out, err = _interrupt(proc, lambda seen: data.exists(), settle=1.5)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, (out, err)
    assert [line for line in err.splitlines() if line.strip()] == ["interrupted"], err
    if command == "ingest":
        assert "added" not in out, "stopped before the end, so no summary"
        listed = cli("reports", "--json", ASSISTANT_CORPUS_DIR=str(corpus))
        assert listed.returncode == 0, listed.stderr
        reports = json.loads(listed.stdout)
        assert len(reports) < 1000, "interrupted mid-way"
        assert all(r["passages"] > 0 for r in reports), "only whole reports are committed"


def test_ui_command_serves_the_app_and_ingests_an_empty_store_first(
    tmp_path: Path, cli: Cli
) -> None:
    import urllib.request

    from .conftest import free_port

    port = free_port()
    env = {
        **os.environ,
        "ASSISTANT_DATA_DIR": str(tmp_path / "data"),
        "ASSISTANT_CORPUS_DIR": str(CORPUS),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant", "ui", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    try:
        page = ""
        deadline = time.time() + 120
        while time.time() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as resp:
                    page = resp.read().decode()
                    break
            except OSError:
                time.sleep(0.5)
        assert "Report assistant" in page
        # the page is served at once; the empty store is filled in the background meanwhile,
        # marked by a file in the data folder until it ends (then its summary line is printed)
        marker = tmp_path / "data" / "first-ingest.pending"
        while time.time() < deadline and marker.exists():
            time.sleep(0.5)
        time.sleep(1.0)
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert "ingesting" in err and "added 2" in err
    busy = cli("ui", "--port", str(port), "--host", "256.0.0.1")
    assert_one_line_error(busy)
    assert "cannot serve the UI on 256.0.0.1" in busy.stderr


def test_a_folder_the_user_cannot_read_fails_the_ingest_and_keeps_its_reports(
    tmp_path: Path,
) -> None:
    """A real `chmod 000`; run as root, the ingest runs without the capabilities that let root
    read any folder, as an ordinary user would."""
    root = tmp_path / "reports"
    for name in ("north/a.txt", "south/b.txt", "south/c.txt"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(f"Report {name}. Shelling hit the district on Monday.\n")
    env = {"ASSISTANT_EMBEDDING": "none"}  # what is tested is the folder walk, not the model
    assert run(tmp_path, "ingest", corpus=root, **env).returncode == 0
    as_user: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root and `setpriv` is missing: cannot drop root's read rights")
        drop = "--bounding-set=-dac_override,-dac_read_search"
        as_user = ["setpriv", "--inh-caps=-all", drop, "--"]
    (root / "south" / "c.txt").unlink()
    (root / "north").chmod(0)
    try:
        probe = subprocess.run([*as_user, "ls", str(root / "north")], capture_output=True)
        if probe.returncode == 0:
            pytest.skip("this machine lets the ingest read a chmod 000 folder")
        result = subprocess.run(
            [*as_user, sys.executable, "-m", "assistant", "ingest", "--prune"],
            env={**os.environ, **env, "ASSISTANT_DATA_DIR": str(tmp_path / "data"),
                 "ASSISTANT_CORPUS_DIR": str(root)},
            capture_output=True, text=True, timeout=300, cwd=tmp_path,
        )  # fmt: skip
    finally:
        (root / "north").chmod(0o755)
    assert result.returncode == 1, result.stderr
    assert f"failed: {root / 'north'}/: cannot read folder: permission denied" in result.stderr
    assert "Traceback" not in result.stderr
    assert "removed 1" in result.stdout and "failed 1" in result.stdout
    listed = run(tmp_path, "reports", "--json", corpus=root, **env)
    assert [r["id"] for r in json.loads(listed.stdout)] == ["north/a.txt", "south/b.txt"]


# --- in this process: what the commands do ---------------------------------------------------


def test_ingest_reports_remove_round_trip(cli: Cli) -> None:
    first = cli("ingest")
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "added 2, updated 0, unchanged 0, removed 0, failed 0"
    again = cli("ingest")
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "added 0, updated 0, unchanged 2, removed 0, failed 0"
    listed = cli("reports", "--json")
    assert listed.returncode == 0, listed.stderr
    reports = json.loads(listed.stdout)
    assert [r["id"] for r in reports] == sorted([NAYRAB_REPORT, SDF_REPORT])
    assert all(r["passages"] > 0 for r in reports)
    removed = cli("remove", NAYRAB_REPORT)
    assert removed.returncode == 0 and NAYRAB_REPORT in removed.stdout
    after = cli("reports")
    assert after.returncode == 0 and SDF_REPORT in after.stdout
    assert NAYRAB_REPORT not in after.stdout


def test_plain_ask_prints_the_answer_and_its_sources(cli: Cli) -> None:
    result = cli("ask", "Which road was closed?")
    assert result.returncode == 0, result.stderr
    assert "Gaziantep-Aleppo road" in result.stdout
    assert "Sources:" in result.stdout and SDF_REPORT in result.stdout


def test_abstention_shows_the_closest_passages(cli: Cli) -> None:
    result = cli("ask", "What is the capital of France?")
    assert result.returncode == 0, result.stderr
    assert "do not contain" in result.stdout and "Closest passages" in result.stdout


def test_a_failed_file_is_named_and_the_exit_code_says_so(tmp_path: Path, cli: Cli) -> None:
    corpus = tmp_path / "reports"
    corpus.mkdir()
    (corpus / "good.txt").write_text(
        "Shelling hit the old city on Monday. Three people were hurt.\n"
    )
    (corpus / "bad.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    result = cli("ingest", str(corpus))
    assert result.returncode == 1
    assert "failed: bad.txt:" in result.stderr and "Traceback" not in result.stderr
    assert "added 1" in result.stdout and "failed 1" in result.stdout


def test_prune_with_a_file_argument_is_a_one_line_error_and_changes_nothing(cli: Cli) -> None:
    assert cli("ingest").returncode == 0
    refused = cli("ingest", "--prune", str(CORPUS / SDF_REPORT))
    assert_one_line_error(refused)
    assert refused.returncode == 2 and "is a file" in refused.stderr
    listed = cli("reports", "--json")
    assert [r["id"] for r in json.loads(listed.stdout)] == sorted([NAYRAB_REPORT, SDF_REPORT])


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (("ask", "   "), {}),
        (("remove", "no-such-report.txt"), {}),
        (("ingest", "does/not/exist"), {}),
        (("ask", "Who?"), {"ASSISTANT_TOP_K": "many"}),
        (("ask", "Who?"), {"ASSISTANT_BACKEND": "openai"}),
    ],
    ids=["empty-question", "unknown-report", "missing-path", "bad-setting", "openai-unconfigured"],
)
def test_user_mistakes_get_one_line_and_a_nonzero_exit(cli: Cli, args, env) -> None:
    if args[0] == "remove":
        assert cli("ingest").returncode == 0
    result = cli(*args, **env)
    if args[0] == "ingest":  # a missing path is a failed item of the batch: named, exit 1
        assert result.returncode == 1 and "does/not/exist" in result.stderr
        assert "Traceback" not in result.stderr
    else:
        assert_one_line_error(result)


def test_no_corpus_and_empty_store_says_what_to_run(tmp_path: Path, cli: Cli) -> None:
    result = cli("ask", "Who?", ASSISTANT_CORPUS_DIR=str(tmp_path / "nowhere"))
    assert_one_line_error(result)
    assert "assistant ingest" in result.stderr


def test_chat_keeps_history_between_questions(cli: Cli) -> None:
    assert cli("ingest").returncode == 0
    result = cli(
        "chat",
        input="What did the Aleppo Health Directorate announce?\nAnd how many were injured?\n\n",
    )
    assert result.returncode == 0, result.stderr
    assert "eight others were injured" in result.stdout


def test_chat_commands_are_done_not_asked(cli: Cli, tmp_path: Path) -> None:
    assert cli("ingest").returncode == 0
    saved = tmp_path / "talk.md"
    result = cli(
        "chat",
        input=f"/help\n/sources\nWhich road was closed?\n/sources\n/export {saved}\n/frobnicate\n"
        "/new\n/quit\nnever asked\n",
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "/export FILE" in out and "no answer yet" in out
    assert out.count("Gaziantep-Aleppo road") >= 2, "the answer, then its sources again"
    assert "unknown command /frobnicate" in result.stderr and "(new conversation)" in out
    assert "never asked" not in out
    exported = saved.read_text(encoding="utf-8")
    assert exported.startswith("## Which road was closed?")
    assert "Gaziantep-Aleppo road" in exported and "[^1]" in exported


def test_version_and_a_question_from_standard_input(cli: Cli) -> None:
    version = cli("--version")
    assert version.returncode == 0 and version.stdout.startswith("assistant ")
    assert any(ch.isdigit() for ch in version.stdout)
    result = cli("ask", "-", "--json", input="Which road was closed?\n")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["question"] == "Which road was closed?"
    assert "Gaziantep-Aleppo road" in data["answer"]


def test_chat_on_an_empty_store_ingests_the_corpus_first(cli: Cli) -> None:
    result = cli("chat", input="Which road was closed?\n\n")
    assert result.returncode == 0, result.stderr
    assert "ingesting" in result.stderr
    assert "Gaziantep-Aleppo road" in result.stdout


# --- hostile report text, pipes --------------------------------------------------------------

TERMINAL_CONTROLS = "\x1b[2J\x1b]0;pwned\x07"  # clear the screen, retitle the window
MARKUP = "[bold]x[/bold]"


def _never_drives_the_terminal(output: str) -> None:
    """No escape sequence, control character (but tab and newline) or bidi override."""
    raw = output.encode()
    for bad in (b"\x1b", b"\x07", b"\x9b", "\u202e".encode(), "\u2066".encode(), b"\r"):
        assert bad not in raw, (bad, output)


def _hostile_corpus(root: Path) -> tuple[Path, str]:
    """A report whose title and text hold terminal controls and rich markup, with markup in its
    file name; and a file whose name holds controls (refused as an id, and named harmlessly)."""
    root.mkdir()
    (root / "bad\x1b[31m\u202e.txt").write_text("A log.\n\nThe tug arrived.\n", encoding="utf-8")
    name = "notice[bold].txt"
    title = f"Harbour notice {TERMINAL_CONTROLS} {MARKUP} \u202eevil\u202c"
    log = "".join(f"Line {i} of the harbour log lists the boats that came in. " for i in range(40))
    text = (
        f"{title}\n\nThe ferry to the island runs \u2066twice a day\u2069 \x1b[5min summer\x1b[0m "
        f"{MARKUP}. It runs once a day in winter.\n\n{log}\n"
    )
    (root / name).write_text(text, encoding="utf-8")
    return root, name


def test_report_text_cannot_drive_the_terminal(tmp_path: Path, cli: Cli) -> None:
    """Report ids, titles, quotes and errors are printed as text: their escape sequences and
    control characters are dropped, their rich markup is shown as written, and JSON escapes them."""
    corpus, name = _hostile_corpus(tmp_path / "reports")
    ingested = cli("ingest", str(corpus))
    assert ingested.returncode == 1 and "added 1" in ingested.stdout, ingested.stderr
    assert "file name holds control characters" in ingested.stderr
    outputs = [ingested]
    listed = cli("reports")
    outputs.append(listed)
    assert MARKUP in listed.stdout and name in listed.stdout, "markup in ids and titles is text"
    as_json = cli("reports", "--json")
    [record] = json.loads(as_json.stdout)
    assert record["id"] == name and MARKUP in record["title"], "JSON keeps the text, escaped"
    assert "\\u202e" in as_json.stdout
    outputs.append(as_json)
    answered = cli("ask", "How often does the ferry to the island run?")
    assert "runs twice a day" in answered.stdout and MARKUP in answered.stdout
    outputs.append(answered)
    as_json = cli("ask", "How often does the ferry to the island run?", "--json")
    assert "\u2066twice a day\u2069" in json.loads(as_json.stdout)["citations"][0]["quote"]
    outputs += [as_json, cli("aliases"), cli("aliases", "--json")]
    outputs.append(cli("ask", "How often does the ferry run?", "--report", name + "\x1b]0;x\x07"))
    assert "no report with id" in outputs[-1].stderr
    outputs.append(cli("remove", name))
    assert outputs[-1].returncode == 0 and f"removed {name}" in outputs[-1].stdout
    for result in outputs:
        _never_drives_the_terminal(result.stdout)
        _never_drives_the_terminal(result.stderr)


def test_a_file_name_in_the_progress_bar_is_text_not_markup() -> None:
    """On a terminal the ingest shows the file at hand: "[/bold]" in its name is text (read as
    markup, it would be a closing tag with nothing open: an error in the middle of an ingest)."""
    from rich.console import Console

    from assistant.cli import ingest_progress

    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=200)
    bar = ingest_progress(console)
    task = bar.add_task("", total=2)
    bar.update(task, completed=1, description="[/bold]notes [red]x[/red].txt")
    console.print(bar.get_renderable())
    assert "[/bold]notes [red]x[/red].txt" in screen.getvalue()


@pytest.mark.parametrize("args", [("reports",), ("reports", "--json")], ids=["plain", "json"])
def test_output_cut_short_by_a_pipe_ends_quietly(
    tmp_path: Path, cli: Cli, args: tuple[str, ...]
) -> None:
    """`assistant reports | head -1`: the reader leaves after one line, and the command ends
    without a traceback, with the exit code a shell gives a program that SIGPIPE ended."""
    corpus = tmp_path / "reports"
    corpus.mkdir()
    for i in range(200):  # ~90 KB listed: more than a pipe holds, so writing meets the closed end
        (corpus / f"{'long-name-' * 22}{i:03}.txt").write_text("The ferry runs twice a day.\n")
    env = {"ASSISTANT_EMBEDDING": "none"}  # what is tested is the pipe, not the model
    assert cli("ingest", str(corpus), **env).returncode == 0
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant", *args],
        env={**os.environ, **env, "ASSISTANT_DATA_DIR": str(tmp_path / "data")},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()  # `head -1` exits
    err = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert first.strip(), err
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    assert err == "" and proc.returncode == 141


def test_a_marker_written_in_a_report_is_text_not_a_citation(tmp_path: Path, cli: Cli) -> None:
    """A report's own "[7]" is not one of the answer's markers: the answer's markers are exactly
    its citations (in JSON a quoted one is escaped `\\[7]`), and the terminal shows "[7]"."""
    corpus = tmp_path / "reports"
    corpus.mkdir()
    (corpus / "ferry.txt").write_text(
        "Ferry rules\n\nThe ferry leaves the harbour at noon, as stated in clause [7] of the "
        "agreement. Tickets are sold on board.\n"
    )
    question = "When does the ferry leave the harbour?"
    assert cli("ingest", str(corpus)).returncode == 0
    data = json.loads(cli("ask", question, "--json").stdout)
    assert not data["abstained"]
    markers = {int(n) for n in re.findall(r"(?<!\\)\[(\d+)\]", data["answer"])}
    assert markers == {c["marker"] for c in data["citations"]} == {1}
    assert "as stated in clause \\[7] of the agreement" in data["answer"]
    shown = cli("ask", question).stdout
    assert "as stated in clause [7] of the agreement. [1]" in shown and "\\[" not in shown


def test_top_k_out_of_range_is_a_usage_error(cli: Cli) -> None:
    for value in ("0", "-1", "2.5", "many", "51"):
        result = cli("ask", "Who?", "--top-k", value)
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert "--top-k: expected a whole number from 1 to 50" in result.stderr
