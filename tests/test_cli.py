"""The `assistant` command as a user runs it (a subprocess): useful output, one-line errors, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import CORPUS, NAYRAB_REPORT, REPO, SDF_REPORT


def run(env_dir: Path, *args: str, corpus: Path = CORPUS, input: str | None = None, **env: str):
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


def assert_one_line_error(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr


def test_ask_on_an_empty_store_ingests_the_corpus_then_answers_as_json(tmp_path: Path) -> None:
    result = run(tmp_path, "ask", "How many people were killed in the shelling?", "--json")
    assert result.returncode == 0, result.stderr
    assert "ingesting" in result.stderr
    data = json.loads(result.stdout)
    assert list(data) == ["question", "answer", "abstained", "backend", "citations"]
    assert data["abstained"] is False and data["backend"] == "extractive"
    cite = data["citations"][0]
    assert list(cite) == ["marker", "report", "title", "start", "end", "quote"]
    text = (CORPUS / cite["report"]).read_text(encoding="utf-8")
    assert text[cite["start"] : cite["end"]] == cite["quote"], (
        "quotes are verbatim spans of the file"
    )
    assert "two people were killed" in cite["quote"]


def test_ingest_reports_remove_round_trip(tmp_path: Path) -> None:
    first = run(tmp_path, "ingest")
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "added 2, updated 0, unchanged 0, removed 0, failed 0"
    again = run(tmp_path, "ingest")
    assert again.stdout.strip() == "added 0, updated 0, unchanged 2, removed 0, failed 0"
    listed = json.loads(run(tmp_path, "reports", "--json").stdout)
    assert [r["id"] for r in listed] == sorted([NAYRAB_REPORT, SDF_REPORT])
    assert all(r["passages"] > 0 for r in listed)
    removed = run(tmp_path, "remove", NAYRAB_REPORT)
    assert removed.returncode == 0 and NAYRAB_REPORT in removed.stdout
    assert NAYRAB_REPORT not in run(tmp_path, "reports").stdout


def test_plain_ask_prints_the_answer_and_its_sources(tmp_path: Path) -> None:
    result = run(tmp_path, "ask", "Which road was closed?")
    assert result.returncode == 0
    assert "Gaziantep-Aleppo road" in result.stdout
    assert "Sources:" in result.stdout and SDF_REPORT in result.stdout


def test_abstention_shows_the_closest_passages(tmp_path: Path) -> None:
    result = run(tmp_path, "ask", "What is the capital of France?")
    assert result.returncode == 0
    assert "do not contain" in result.stdout and "Closest passages" in result.stdout


def test_a_failed_file_is_named_and_the_exit_code_says_so(tmp_path: Path) -> None:
    corpus = tmp_path / "reports"
    corpus.mkdir()
    (corpus / "good.txt").write_text(
        "Shelling hit the old city on Monday. Three people were hurt.\n"
    )
    (corpus / "bad.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    result = run(tmp_path, "ingest", str(corpus))
    assert result.returncode == 1
    assert "failed: bad.txt:" in result.stderr
    assert "added 1" in result.stdout and "failed 1" in result.stdout


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
def test_user_mistakes_get_one_line_and_a_nonzero_exit(tmp_path: Path, args, env) -> None:
    if args[0] == "remove":
        run(tmp_path, "ingest")
    result = run(tmp_path, *args, **env)
    if args[0] == "ingest":  # a missing path is a failed item of the batch: named, exit 1
        assert result.returncode == 1 and "does/not/exist" in result.stderr
        assert "Traceback" not in result.stderr
    else:
        assert_one_line_error(result)


def test_no_corpus_and_empty_store_says_what_to_run(tmp_path: Path) -> None:
    result = run(tmp_path, "ask", "Who?", corpus=tmp_path / "nowhere")
    assert_one_line_error(result)
    assert "assistant ingest" in result.stderr


def test_chat_keeps_history_between_questions(tmp_path: Path) -> None:
    run(tmp_path, "ingest")
    result = run(
        tmp_path,
        "chat",
        input="What did the Aleppo Health Directorate announce?\nAnd how many were injured?\n\n",
    )
    assert result.returncode == 0, result.stderr
    assert "eight others were injured" in result.stdout


def test_python_dash_m_and_console_script_are_the_same_program() -> None:
    exe = Path(sys.executable).parent / "assistant"
    result = subprocess.run([str(exe), "--help"], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0 and "ingest" in result.stdout and "ask" in result.stdout


def test_chat_on_an_empty_store_ingests_the_corpus_first(tmp_path: Path) -> None:
    result = run(tmp_path, "chat", input="Which road was closed?\n\n")
    assert result.returncode == 0, result.stderr
    assert "ingesting" in result.stderr
    assert "Gaziantep-Aleppo road" in result.stdout


def test_ui_command_serves_the_app_and_ingests_an_empty_store_first(tmp_path: Path) -> None:
    import time
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
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert "ingesting" in err and "added 2" in err
    busy = run(tmp_path, "ui", "--port", str(port), "--host", "256.0.0.1")
    assert_one_line_error(busy)
