"""Running eval suites: the Python API (`run_suite`, `run_suites`) and `assistant eval` (`eval_main`).

A run asks every question of every suite, scores it (scoring.py, metrics.py), checks the suites'
thresholds, compares with a baseline run and writes `result.json` plus a self-contained
`report.html`. The assistant is passed in (anything shaped like `EvalTarget`), so tests use fakes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from .baseline import diff_runs, load_baseline
from .benchmarks_data import BENCHMARKS, DEFAULT_DATA_DIR, DEFAULT_LIMIT, benchmark_suite
from .config import Settings
from .errors import BadQuestion, UnknownReport
from .judge import GroundednessJudge
from .scoring import LEXICAL_METHOD, QuestionRecord, aggregate, resolve_evidence, score_question
from .suites import Question, Suite, load_suite
from .types import Answer, IngestSummary, ReportInfo, Turn

RECOVERABLE = (BadQuestion, UnknownReport)
"""Errors that fail one question; any other AssistantError (store, backend...) stops the run."""
SECRETS = ("openai_api_key", "chroma_token")


class EvalTarget(Protocol):
    """What the harness needs from the assistant facade (`assistant.Assistant` fits)."""

    @property
    def settings(self) -> Settings: ...
    @property
    def embed_model_name(self) -> str: ...
    def ask(
        self, question: str, *, backend: str | None = None, history: Sequence[Turn] = ()
    ) -> Answer: ...
    def ingest(
        self,
        paths: Sequence[Path],
        *,
        prune: bool = False,
        progress: Callable[[int, int, str], None] | None = None,
    ) -> IngestSummary: ...
    def report_text(self, report_id: str) -> str: ...
    def reports(self) -> list[ReportInfo]: ...
    def prompt_hashes(self) -> dict[str, str]: ...


@dataclass(frozen=True)
class ThresholdCheck:
    """One suite threshold against the measured value."""

    metric: str
    op: str
    limit: float
    value: float | None
    passed: bool


@dataclass
class SuiteResult:
    """One suite's run: metrics overall and per tag, threshold checks, per-question records."""

    name: str
    path: str
    collection: str
    corpus_hash: str
    k: int
    metrics: dict[str, float | None]
    counts: dict[str, int]
    per_tag: dict[str, dict[str, float | None]]
    checks: list[ThresholdCheck]
    records: list[QuestionRecord]
    groundedness_methods: list[str]
    prompt_hashes: dict[str, str]
    models: dict[str, str | None]
    duration: float = 0.0
    ingest: str | None = None

    @property
    def passed(self) -> bool:
        """True when every threshold of the suite holds."""
        return all(c.passed for c in self.checks)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["passed"] = self.passed
        for rec, obj in zip(data["records"], self.records, strict=True):
            rec["passed"] = obj.passed
        return data


def ask_question(target: EvalTarget, q: Question, backend: str | None) -> tuple[Answer, float]:
    """Ask the earlier turns in order as history, then the judged question; time only the latter."""
    history: list[Turn] = []
    for turn in q.turns:
        history.append(Turn(turn, target.ask(turn, backend=backend, history=tuple(history))))
    start = time.perf_counter()
    answer = target.ask(q.question, backend=backend, history=tuple(history))
    return answer, time.perf_counter() - start


def open_target(suite: Suite, settings: Settings) -> EvalTarget:
    """The assistant for a suite: its own collection and corpus root when it names them, else the
    configured ones (report ids are paths relative to the suite's corpus folder)."""
    from .assistant import Assistant

    update: dict[str, Any] = {}
    if suite.collection:
        update["collection"] = suite.collection
    if suite.corpus is not None and suite.corpus.is_dir():
        update["corpus_dir"] = suite.corpus
    target: EvalTarget = Assistant.from_settings(settings.model_copy(update=update))
    return target


def default_settings() -> Settings:
    """Settings from the environment (`ASSISTANT_*`), as the CLI builds them."""
    return Settings()  # type: ignore[call-arg]


def run_suite(
    suite: Suite | str | Path,
    target: EvalTarget | None = None,
    *,
    settings: Settings | None = None,
    backend: str | None = None,
    judge: GroundednessJudge | None = None,
    progress: Progress | None = None,
) -> SuiteResult:
    """Run one suite and score it: the Python API behind `assistant eval`.

    Without `target`, an assistant is opened on the suite's own collection (from `settings`) and
    the suite's corpus folder is ingested into it (incremental; reports no longer there are
    pruned). A given `target` is used as it is: nothing is ingested into a caller's collection.
    """
    if not isinstance(suite, Suite):
        suite = load_suite(suite)
    started = time.perf_counter()
    ingest_line = None
    if target is None:
        target = open_target(suite, settings or default_settings())
        if suite.corpus is not None:
            ingest_line = _ingest(target, suite, progress)
    infos = target.reports()
    texts: dict[str, str | None] = {}
    store = target

    def report_text(report_id: str) -> str | None:
        if report_id not in texts:
            try:
                texts[report_id] = store.report_text(report_id)
            except UnknownReport:
                texts[report_id] = None
        return texts[report_id]

    evidence = resolve_evidence(suite, [r.id for r in infos], report_text)
    k = target.settings.top_k
    _warm_up(target, suite, backend)
    task = progress.add_task(suite.name, total=len(suite.questions)) if progress else None
    records: list[QuestionRecord] = []
    for q in suite.questions:
        try:
            answer, latency = ask_question(target, q, backend)
            rec = score_question(
                q, answer, latency=latency, report_text=report_text, evidence=evidence[q.id],
                k=k, judge=judge,
            )  # fmt: skip
        except RECOVERABLE as exc:
            rec = QuestionRecord(q.id, q.question, list(q.turns), list(q.tags), q.unanswerable)
            rec.error = str(exc)
            rec.failures.append(f"error: {exc}")
        records.append(rec)
        if progress is not None and task is not None:
            progress.advance(task)
    values = aggregate(records)
    tags = sorted({t for q in suite.questions for t in q.tags})
    checks = [
        ThresholdCheck(t.metric, t.op, t.limit, values[t.metric], t.holds(values[t.metric]))
        for t in suite.thresholds
    ]
    settings_used = target.settings
    chosen = backend or settings_used.chosen_backend
    backends = sorted({r.backend for r in records if r.backend})
    return SuiteResult(
        name=suite.name,
        path=suite.path,
        collection=settings_used.collection,
        corpus_hash=corpus_hash(infos),
        k=k,
        metrics=values,
        counts=_counts(records),
        per_tag={t: aggregate([r for r in records if t in r.tags]) for t in tags},
        checks=checks,
        records=records,
        groundedness_methods=[LEXICAL_METHOD] + ([judge.method] if judge else []),
        prompt_hashes=target.prompt_hashes(),
        models={
            "embedding": target.embed_model_name,
            "backend": ", ".join(backends) or chosen,
            "llm": settings_used.llm_model if "openai" in (*backends, chosen) else None,
            "judge": judge.model if judge else None,
        },
        duration=time.perf_counter() - started,
        ingest=ingest_line,
    )


def _counts(records: Sequence[QuestionRecord]) -> dict[str, int]:
    return {
        "questions": len(records),
        "answerable": sum(not r.unanswerable for r in records),
        "unanswerable": sum(r.unanswerable for r in records),
        "passed": sum(r.passed for r in records),
        "abstained": sum(r.abstained for r in records),
        "citations": sum(len(r.citations) for r in records),
        "errors": sum(r.error is not None for r in records),
    }


def _warm_up(target: EvalTarget, suite: Suite, backend: str | None) -> None:
    """Ask one question untimed first: loading models on the first call is not per-question latency."""
    with contextlib.suppress(*RECOVERABLE):
        target.ask(suite.questions[0].question, backend=backend)


def _ingest(target: EvalTarget, suite: Suite, progress: Progress | None) -> str:
    """Sync the suite's corpus into its collection, showing a bar while files are read."""
    assert suite.corpus is not None
    if progress is None:
        return target.ingest([suite.corpus], prune=True).line()
    task = progress.add_task(f"{suite.name}: syncing corpus", total=None)

    def step(done: int, total: int, name: str) -> None:
        progress.update(task, completed=done, total=total)

    try:
        return target.ingest([suite.corpus], prune=True, progress=step).line()
    finally:
        progress.remove_task(task)


def corpus_hash(infos: Sequence[ReportInfo]) -> str:
    """sha256[:12] over the sorted (report id, content hash) pairs: which corpus a run measured."""
    lines = "".join(f"{r.id}\t{r.hash}\n" for r in sorted(infos, key=lambda r: r.id))
    return hashlib.sha256(lines.encode()).hexdigest()[:12]


@dataclass
class RunResult:
    """A whole `assistant eval` run: settings, models, prompt versions and every suite's result."""

    started: str
    settings: dict[str, Any]
    suites: list[SuiteResult]
    skipped: list[str] = field(default_factory=list)
    duration: float = 0.0
    baseline: dict[str, Any] | None = None

    @property
    def passed(self) -> bool:
        """True when every suite meets its thresholds (the exit code of `assistant eval`)."""
        return all(s.passed for s in self.suites)

    def to_json(self) -> dict[str, Any]:
        first = self.suites[0] if self.suites else None
        return {
            "schema": 1,
            "started": self.started,
            "duration": self.duration,
            "passed": self.passed,
            "settings": self.settings,
            "models": first.models if first else {},
            "prompt_hashes": first.prompt_hashes if first else {},
            "suites": [s.to_json() for s in self.suites],
            "skipped": self.skipped,
            "baseline": self.baseline,
        }

    def write(self, out_dir: Path) -> tuple[Path, Path]:
        """Write result.json and report.html into `out_dir`; returns both paths."""
        from .eval_report import render_html

        out_dir.mkdir(parents=True, exist_ok=True)
        json_path, html_path = out_dir / "result.json", out_dir / "report.html"
        json_path.write_text(json.dumps(self.to_json(), indent=1, ensure_ascii=False), "utf-8")
        html_path.write_text(render_html(self), encoding="utf-8")
        return json_path, html_path


def public_settings(settings: Settings) -> dict[str, Any]:
    """The settings as JSON, with secrets masked: results are shared and committed."""
    data = settings.model_dump(mode="json")
    for key in SECRETS:
        if data.get(key):
            data[key] = "***"
    return data


def run_suites(
    suites: Sequence[Suite | str | Path],
    settings: Settings,
    *,
    backend: str | None = None,
    judge: GroundednessJudge | None = None,
    progress: Progress | None = None,
    log: Callable[[str], None] | None = None,
) -> RunResult:
    """Run several suites, each on its own collection, into one RunResult."""
    started = time.perf_counter()
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    results = []
    for s in suites:
        result = run_suite(s, settings=settings, backend=backend, judge=judge, progress=progress)
        if log is not None and result.ingest:
            log(f"{result.name}: collection {result.collection!r}: {result.ingest}")
        results.append(result)
    return RunResult(
        stamp, public_settings(settings), results, duration=time.perf_counter() - started
    )


def resolve_suites(
    names: Sequence[str], limit: int | None, data_dir: Path | None, work_dir: Path
) -> tuple[list[Suite], list[str]]:
    """Suite files and benchmark names -> suites (all checked before anything runs) + skip notes."""
    suites: list[Suite] = []
    skipped: list[str] = []
    for name in names:
        if name in BENCHMARKS and not Path(name).exists():
            suite, note = benchmark_suite(
                name, data_dir or DEFAULT_DATA_DIR, work_dir, limit or DEFAULT_LIMIT
            )
            if suite is None:
                skipped.append(note)
                continue
            suites.append(suite)
        else:
            suites.append(load_suite(name).limited(limit))
    return suites, skipped


def eval_main(
    suites: list[str],
    out: Path | None,
    baseline: Path | None,
    backend: str | None,
    limit: int | None,
    data_dir: Path | None,
    settings: Settings,
) -> int:
    """`assistant eval`: run, print tables, write JSON + HTML; 0 when every threshold holds, else 1.

    Bad suites or a bad baseline raise (BadSuite, ConfigError) before anything runs, for the CLI
    to print as one line; benchmarks whose data is absent are skipped with a message.
    """
    from .eval_report import print_run

    console, err = Console(), Console(stderr=True)
    base = load_baseline(baseline) if baseline else None
    resolved, skipped = resolve_suites(suites, limit, data_dir, settings.data_dir / "bench")
    for note in skipped:
        err.print(f"[yellow]skipped:[/] {note}")
    if not resolved:
        err.print("nothing to run")
        return 0
    judge = GroundednessJudge.from_settings(settings)
    columns = (
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
    )  # fmt: skip
    with Progress(*columns, console=err, transient=True) as progress:
        run = run_suites(
            resolved, settings, backend=backend, judge=judge, progress=progress, log=err.print
        )
    run.skipped = skipped
    if base is not None:
        run.baseline = diff_runs(run.to_json(), base)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    json_path, html_path = run.write(out or settings.data_dir / "evals" / stamp)
    print_run(run, console)
    console.print(f"wrote {json_path} and {html_path}")
    return 0 if run.passed else 1
